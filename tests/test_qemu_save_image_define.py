"""The definition kept in a QEMU save image, read and replaced: ``save-image-define``,
``managedsave-dumpxml`` and ``managedsave-define``, pyvirsh against pyvirtd beside virsh
against libvirtd's QEMU driver (same script, same guest, same UUID), and what a restore
then does with the replaced definition and flags.

The image's header keeps room for a longer XML, so a replacement is written in place and
the guest's state behind it never moves; an XML past that room is refused, as libvirt
refuses it."""

# ruff: noqa: F811 - fixtures imported from qemu_helpers are test parameters
from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from pyvirt import (
    DomainPausedReason,
    DomainRunningReason,
    DomainSaveRestoreFlags,
    DomainState,
    ErrorCode,
    VirtError,
)
from qemu_helpers import (  # noqa: F401 - fixtures
    InProcessDriver,
    daemon_env,
    needs_libvirtd_qemu,
    needs_qemu,
    qemu_driver,
    qemu_root,
    scripts_on_both_daemons,
)

pytestmark = needs_qemu


def _xml(name: str, uid: str, description: str = "") -> str:
    desc = f"<description>{description}</description>" if description else ""
    return (f"<domain type='qemu'><name>{name}</name><uuid>{uid}</uuid>{desc}"
            "<memory unit='MiB'>64</memory><os><type arch='x86_64'>hvm</type></os></domain>")  # fmt: skip


def test_a_save_images_definition_is_replaced_in_place_and_restored_with_its_flags(
    qemu_driver: InProcessDriver, qemu_root: Path
) -> None:
    conn = qemu_driver.connect()
    uid = str(uuid.uuid4())
    dom = conn.define_domain(_xml("img", uid))
    dom.start()
    image = qemu_root / "img.sav"
    dom.save(str(image))
    size = image.stat().st_size
    conn.define_save_image_xml(str(image), _xml("img", uid, "edited"),
                               DomainSaveRestoreFlags.PAUSED)  # fmt: skip
    assert image.stat().st_size == size  # in place: the state behind it did not move
    assert "<description>edited</description>" in conn.save_image_xml(str(image))
    conn.restore(str(image))
    assert dom.state() == (DomainState.PAUSED, DomainPausedReason.MIGRATION)
    assert "<description>edited</description>" in dom.xml_desc()
    dom.destroy()

    conn.define_save_image_xml(str(image), _xml("img", uid, "again"),
                               DomainSaveRestoreFlags.RUNNING)  # fmt: skip
    conn.restore(str(image))
    assert dom.state() == (DomainState.RUNNING, DomainRunningReason.RESTORED)
    dom.destroy()

    refusals = {
        _xml("other", uid): (ErrorCode.CONFIG_UNSUPPORTED,
                             "Target domain name 'other' does not match source 'img'"),
        _xml("img", str(uuid.uuid4())): (ErrorCode.CONFIG_UNSUPPORTED, "Target domain uuid"),
        _xml("img", uid, "x" * 100_000): (ErrorCode.OPERATION_FAILED,
                                          "new xml too large to fit in file"),
        "<domain": (ErrorCode.XML_DETAIL, "Couldn't find end of Start Tag domain"),
    }  # fmt: skip
    before = image.read_bytes()
    for xml, (code, words) in refusals.items():
        with pytest.raises(VirtError, match=words) as e:
            conn.define_save_image_xml(str(image), xml, 0)
        assert e.value.code == code
    assert image.read_bytes() == before  # nothing written by a refusal
    with pytest.raises(VirtError, match="Failed to open file") as e:
        conn.define_save_image_xml(str(qemu_root / "missing.sav"), _xml("img", uid), 0)
    assert e.value.code == ErrorCode.SYSTEM_ERROR
    with pytest.raises(VirtError, match="unsupported flags") as e:
        conn.define_save_image_xml(str(image), _xml("img", uid), 1 << 8)
    assert e.value.code == ErrorCode.INVALID_ARG


def test_a_managed_save_images_definition_is_shown_and_replaced(
    qemu_driver: InProcessDriver,
) -> None:
    conn = qemu_driver.connect()
    uid = str(uuid.uuid4())
    dom = conn.define_domain(_xml("ms", uid))
    for call in (lambda: dom.managed_save_xml(),
                 lambda: dom.define_managed_save_xml(_xml("ms", uid), 0)):  # fmt: skip
        with pytest.raises(VirtError, match="domain does not have managed save image") as e:
            call()
        assert e.value.code == ErrorCode.OPERATION_INVALID
    dom.start()
    dom.managed_save()
    assert f"<uuid>{uid}</uuid>" in dom.managed_save_xml()
    with pytest.raises(VirtError, match="dxml in virDomainManagedSaveDefineXML must not") as e:
        dom.define_managed_save_xml(None, 0)  # (libvirtd 9.0 dies on this one)
    assert e.value.code == ErrorCode.INVALID_ARG
    dom.define_managed_save_xml(_xml("ms", uid, "managed"), DomainSaveRestoreFlags.PAUSED)
    assert "<description>managed</description>" in dom.managed_save_xml()
    dom.start()  # from the image, paused as its new flags say
    assert dom.state() == (DomainState.PAUSED, DomainPausedReason.MIGRATION)
    assert "<description>managed</description>" in dom.xml_desc()
    assert not dom.has_managed_save()
    dom.destroy()


@needs_libvirtd_qemu
def test_save_image_and_managed_save_definitions_through_pyvirtd_match_libvirtd(
    daemon_env: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    name = f"pyvirt-savedef-{uuid.uuid4().hex[:8]}"
    uid = str(uuid.uuid4())
    os.chmod(tmp_path, 0o755)
    files = {
        "dom": _xml(name, uid),
        "desc": _xml(name, uid, "edited"),
        "other": _xml("pyvirt-other", uid),
        "olduuid": _xml(name, str(uuid.uuid4())),
        "big": _xml(name, uid, "x" * 100_000),
    }
    for key, text in files.items():
        (tmp_path / f"{key}.xml").write_text(text)
    (tmp_path / "junk.sav").write_text("hello\n")

    def script(side: str) -> str:
        image = tmp_path / f"{side}.sav"
        x = {key: tmp_path / f"{key}.xml" for key in files}
        return (
            f"define {x['dom']}; managedsave-dumpxml {name}; managedsave-define {name} "
            f"{x['desc']}; start {name}; save {name} {image}; save-image-define {image} "
            f"{x['desc']} --paused; save-image-define {image} {x['other']}; "
            f"save-image-define {image} {x['olduuid']}; save-image-define {image} {x['big']}; "
            f"save-image-define {tmp_path / 'missing.sav'} {x['desc']}; "
            f"save-image-define {tmp_path / 'junk.sav'} {x['desc']}; "
            f"save-image-define {image} {x['desc']} --running --paused; "
            f"restore {image}; domstate --reason {name}; start {name}; managedsave {name}; "
            f"managedsave-define {name} {x['desc']} --running; managedsave-define {name} "
            f"{x['other']}; start {name}; domstate --reason {name}; destroy {name}; "
            f"undefine {name}"
        )

    want, got = scripts_on_both_daemons((script("libvirt"), script("pyvirt")), name,
                                        daemon_env, ("destroy", "undefine --managed-save"))

    def same(text: str, side: str) -> str:
        return text.replace(f"{side}.sav", "SIDE.sav")

    assert got[0] == want[0]
    assert same(got[1], "pyvirt") == same(want[1], "libvirt")
    assert same(got[2], "pyvirt") == same(want[2], "libvirt")
