"""Managed save of real QEMU guests: the guest's RAM goes to a file through QEMU's migration
stream and comes back on the next start (a file in the guest's tmpfs survives the round
trip, across a driver restart too); a paused save resumes paused; a foreign or cut-short
image is refused by the header check and, for a managed save, discarded so the guest boots
afresh, as libvirt does; bad requests get libvirt's errors.
"""

# ruff: noqa: F811 - fixtures imported from qemu_helpers are test parameters
from __future__ import annotations

import os
import struct
from pathlib import Path

import pytest
from pyvirt import (
    Domain,
    DomainCreateFlags,
    DomainPausedReason,
    DomainRunningReason,
    DomainSaveRestoreFlags,
    DomainShutoffReason,
    DomainState,
    ErrorCode,
    VirtError,
)
from pyvirt.conf import parse_domain_xml
from pyvirt_qemu._save import read_header, write_header
from qemu_guest import Guest, guest_domain_xml
from qemu_helpers import InProcessDriver, needs_qemu, qemu_driver, qemu_root  # noqa: F401
from test_qemu_guest_console import _ask

pytestmark = needs_qemu


_READ_MARKER = 'echo "M=$(cat /tmp/marker)=$((4+5))"'


def _on_console(dom: Domain, command: str, answer: bytes) -> bytes:
    """Type *command* on the guest's serial console; its output up to *answer*."""
    fd = dom.open_console()
    try:
        return _ask(fd, command, answer)
    finally:
        os.close(fd)


def _image(root: Path, name: str) -> Path:
    return root / "lib" / "save" / f"{name}.save"


def test_managed_save_keeps_the_guests_ram_across_a_driver_restart(
    qemu_driver: InProcessDriver, linux_guest: Guest, qemu_root: Path
) -> None:
    conn = qemu_driver.connect()
    dom = conn.define_domain(guest_domain_xml(linux_guest, "ms", qemu_root / "c.log"))
    dom.start()
    _on_console(dom, "echo kept > /tmp/marker && echo W-$((2+3))", b"W-5")
    events: list[tuple[int, int]] = []
    conn.register_event_callback(lambda _c, e: events.append((e.event, e.detail)))
    dom.managed_save()
    assert dom.state() == (DomainState.SHUTOFF, DomainShutoffReason.SAVED)
    assert dom.has_managed_save()
    assert events == [(3, 0), (5, 4)]  # SUSPENDED, STOPPED/SAVED
    assert read_header(_image(qemu_root, "ms")).was_running

    qemu_driver.stop()
    again = InProcessDriver(qemu_root)
    try:
        dom2 = again.connect().lookup_domain_by_name("ms")
        assert dom2.has_managed_save()
        dom2.start()
        assert dom2.state() == (DomainState.RUNNING, DomainRunningReason.RESTORED)
        assert not dom2.has_managed_save() and not _image(qemu_root, "ms").exists()
        out = _on_console(dom2, _READ_MARKER, b"=9")
        assert b"M=kept=9" in out, "the guest's RAM did not come back"
        dom2.destroy()
    finally:
        again.stop()


def test_a_save_taken_paused_resumes_paused_and_force_boot_discards_it(
    qemu_driver: InProcessDriver, linux_guest: Guest, qemu_root: Path
) -> None:
    conn = qemu_driver.connect()
    dom = conn.define_domain(guest_domain_xml(linux_guest, "msp", qemu_root / "c.log"))
    dom.start()
    dom.managed_save(DomainSaveRestoreFlags.PAUSED)
    assert not read_header(_image(qemu_root, "msp")).was_running
    dom.start()
    assert dom.state() == (DomainState.PAUSED, DomainPausedReason.MIGRATION)
    dom.resume()
    assert dom.state()[0] == DomainState.RUNNING
    dom.managed_save()
    dom.start(DomainCreateFlags.START_FORCE_BOOT)
    assert dom.state() == (DomainState.RUNNING, DomainRunningReason.BOOTED)
    assert not dom.has_managed_save() and not _image(qemu_root, "msp").exists()
    dom.destroy()


@pytest.mark.parametrize("damage", ["foreign", "truncated"])
def test_a_corrupt_managed_save_image_is_discarded_and_the_guest_boots_afresh(
    qemu_driver: InProcessDriver, linux_guest: Guest, qemu_root: Path, damage: str
) -> None:
    conn = qemu_driver.connect()
    dom = conn.define_domain(guest_domain_xml(linux_guest, "bad", qemu_root / "c.log"))
    dom.start()
    dom.managed_save()
    image = _image(qemu_root, "bad")
    if damage == "foreign":
        image.write_bytes(b"LibvirtQemudSave" + image.read_bytes()[16:])
    else:
        os.truncate(image, 100)
    dom.start()
    assert dom.state() == (DomainState.RUNNING, DomainRunningReason.BOOTED)
    assert not image.exists() and not dom.has_managed_save()
    dom.destroy()


def test_the_save_header_refuses_foreign_and_cut_short_files(tmp_path: Path) -> None:
    defn = parse_domain_xml("<domain type='qemu'><name>h</name><memory>65536</memory>"
                            "<os><type>hvm</type></os></domain>")  # fmt: skip
    good = tmp_path / "good"
    offset = write_header(good, defn, was_running=True)
    with open(good, "ab") as f:
        f.write(b"QEVM stream")
    header = read_header(good)
    assert (header.defn.name, header.was_running, header.offset) == ("h", True, offset)
    cases = {
        b"": "failed to read qemu header",
        b"\0" * 64: "image magic is incorrect",
        b"LibvirtQemudSave" + b"\0" * 64: "image magic is incorrect",
        good.read_bytes()[:40]: "failed to read domain XML",
        good.read_bytes()[:offset]: "failed to read domain XML",  # no stream after it
    }
    for data, words in cases.items():
        bad = tmp_path / "bad"
        bad.write_bytes(data)
        with pytest.raises(VirtError, match=words) as e:
            read_header(bad)
        assert e.value.code == ErrorCode.OPERATION_FAILED
    with pytest.raises(VirtError, match="Failed to open file .*missing") as e:
        read_header(tmp_path / "missing")
    assert e.value.code == ErrorCode.SYSTEM_ERROR


def test_bad_managed_save_requests_get_libvirts_errors(
    qemu_driver: InProcessDriver, linux_guest: Guest, qemu_root: Path
) -> None:
    conn = qemu_driver.connect()
    dom = conn.define_domain(guest_domain_xml(linux_guest, "req", qemu_root / "c.log"))
    with pytest.raises(VirtError, match="domain is not running") as e:
        dom.managed_save()
    assert e.value.code == ErrorCode.OPERATION_INVALID
    dom.managed_save_remove()  # nothing to remove: fine, as in libvirt
    with pytest.raises(VirtError, match="unsupported flags") as e:
        dom.managed_save(1 << 10)
    assert e.value.code == ErrorCode.INVALID_ARG
    dom.start()
    dom.managed_save()
    with pytest.raises(VirtError, match="Refusing to undefine while domain managed save") as e:
        dom.undefine()
    assert e.value.code == ErrorCode.OPERATION_INVALID
    dom.undefine(1)  # VIR_DOMAIN_UNDEFINE_MANAGED_SAVE
    assert not _image(qemu_root, "req").exists()

    transient = conn.create_domain(guest_domain_xml(linux_guest, "tr", qemu_root / "t.log"))
    with pytest.raises(VirtError, match="cannot do managed save for transient domain") as e:
        transient.managed_save()
    assert e.value.code == ErrorCode.OPERATION_INVALID
    assert transient.state()[0] == DomainState.RUNNING
    transient.destroy()


def test_save_to_a_file_and_restore_bring_the_guest_back_where_it_was(
    qemu_driver: InProcessDriver, linux_guest: Guest, qemu_root: Path
) -> None:
    conn = qemu_driver.connect()
    dom = conn.define_domain(guest_domain_xml(linux_guest, "sv", qemu_root / "c.log"))
    dom.start()
    _on_console(dom, "echo filed > /tmp/marker && echo W-$((2+3))", b"W-5")
    image = qemu_root / "sv.img"
    dom.save(str(image))
    assert dom.state() == (DomainState.SHUTOFF, DomainShutoffReason.SAVED)
    assert "<name>sv</name>" in conn.save_image_xml(str(image))
    conn.restore(str(image))
    assert dom.state() == (DomainState.RUNNING, DomainRunningReason.RESTORED)
    assert image.exists()  # unlike a managed save, the file stays
    with pytest.raises(VirtError, match="already active") as e:
        conn.restore(str(image))
    assert e.value.code == ErrorCode.OPERATION_INVALID
    out = _on_console(dom, _READ_MARKER, b"=9")
    assert b"M=filed=9" in out
    dom.destroy()

    transient = conn.create_domain(guest_domain_xml(linux_guest, "tsv", qemu_root / "t.log"))
    tsv = qemu_root / "tsv.img"
    transient.save(str(tsv), flags=DomainSaveRestoreFlags.PAUSED)
    assert "tsv" not in [d.name for d in conn.list_domains()]  # a transient one is gone
    conn.restore(str(tsv))
    back = conn.lookup_domain_by_name("tsv")
    assert back.state() == (DomainState.PAUSED, DomainPausedReason.MIGRATION)
    assert not back.is_persistent()
    back.destroy()

    foreign = qemu_root / "foreign.img"
    foreign.write_bytes(b"LibvirtQemudSave" + b"\0" * 8192)
    with pytest.raises(VirtError, match="image magic is incorrect") as e:
        conn.restore(str(foreign))
    assert e.value.code == ErrorCode.OPERATION_FAILED
    assert [d.name for d in conn.list_domains(0)] == ["sv"]


def test_a_memory_only_dump_is_an_elf_core_of_the_guests_ram(
    qemu_driver: InProcessDriver, linux_guest: Guest, qemu_root: Path
) -> None:
    conn = qemu_driver.connect()
    dom = conn.define_domain(guest_domain_xml(linux_guest, "dmp", qemu_root / "c.log"))
    with pytest.raises(VirtError, match="domain is not running") as e:
        dom.core_dump(str(qemu_root / "x"), 16)
    assert e.value.code == ErrorCode.OPERATION_INVALID
    dom.start()
    core = qemu_root / "dmp.core"
    dom.core_dump(str(core), 16)  # VIR_DUMP_MEMORY_ONLY
    assert dom.state()[0] == DomainState.RUNNING
    data = core.read_bytes()
    assert data[:4] == b"\x7fELF" and data[4] == 2  # ELFCLASS64
    e_type, _, _, _, e_phoff = struct.unpack_from("<HHIQQ", data, 16)
    assert e_type == 4  # ET_CORE
    e_phentsize, e_phnum = struct.unpack_from("<HH", data, 54)
    loads = []
    for i in range(e_phnum):
        p_type, _, _, _, _, p_filesz = struct.unpack_from(
            "<IIQQQQ", data, e_phoff + i * e_phentsize
        )
        if p_type == 1:  # PT_LOAD
            loads.append(p_filesz)
    # The guest's RAM, whole: one segment, or several where the firmware's shadowed ROM
    # areas (PAM) cut it; beside them the 256 KiB BIOS ROM.
    assert sum(loads) - 256 * 1024 * loads.count(256 * 1024) == 128 * 1024 * 1024, loads

    with pytest.raises(VirtError, match="only supported with memory-only dump") as e:
        dom.core_dump(str(qemu_root / "k"), 0, dumpformat=1)
    assert e.value.code == ErrorCode.OPERATION_UNSUPPORTED
    dom.core_dump(str(qemu_root / "crash.core"), 16 | 1)  # MEMORY_ONLY | CRASH
    assert dom.state() == (DomainState.SHUTOFF, DomainShutoffReason.CRASHED)
