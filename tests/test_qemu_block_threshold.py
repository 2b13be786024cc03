"""virsh domblkthreshold and the BLOCK_THRESHOLD event against the QEMU driver: a booted
Linux guest writes past the threshold set on its disk's image (or on a backing image named
``vdb[N]``), and the event names the disk, the image, the threshold and the excess; the
same virsh commands (and refusals) through pyvirtd and libvirtd compared byte for byte."""

# ruff: noqa: F811 - fixtures imported from helpers are test parameters
from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import pytest
from pyvirt import DomainEventID, ErrorCode, ErrorDomain, ObjectEvent, VirtError
from qemu_block_helpers import (  # noqa: F401 - fixtures
    MiB,
    chain,
    disk_xml,
    domain_xml,
    run_both,
    shared_images,
)
from qemu_guest import Guest, guest_domain_xml
from qemu_helpers import (  # noqa: F401 - fixtures
    InProcessDriver,
    daemon_env,
    needs_libvirtd_qemu,
    needs_qemu,
    qemu_root,
    wait_for,
)
from test_qemu_guest_console import _ask
from test_qemu_guest_lifecycle import guest_driver  # noqa: F401 - the fixture, TCG and KVM

pytestmark = needs_qemu


def _node_thresholds(dom) -> dict[str, int]:  # type: ignore[no-untyped-def]
    out = dom.qemu_monitor_command('{"execute":"query-named-block-nodes"}')
    return {n["node-name"]: n["write_threshold"] for n in json.loads(out)["return"]}


def test_a_guest_writing_past_the_threshold_raises_block_threshold_once(
    guest_driver: InProcessDriver, linux_guest: Guest, qemu_root: Path, accel: str
) -> None:
    base, top = chain(qemu_root, depth=2)
    conn = guest_driver.connect()
    events: list[ObjectEvent] = []
    conn.register_event_callback(
        lambda _c, e: events.append(e) if e.event_id == DomainEventID.BLOCK_THRESHOLD else None
    )
    xml = guest_domain_xml(linux_guest, "thr", qemu_root / "console.log", accel=accel,
                           devices=disk_xml(top, "vdb"))  # fmt: skip
    dom = conn.define_domain(xml)
    dom.start()
    # Live XML: top is index 1 (libvirt-1-*), base index 2.
    dom.set_block_threshold("vdb", MiB)
    dom.set_block_threshold("vdb[2]", 512 * 1024)
    assert _node_thresholds(dom)["libvirt-1-storage"] == MiB
    assert _node_thresholds(dom)["libvirt-2-storage"] == 512 * 1024
    fd = dom.open_console()
    try:
        out = _ask(fd, "dd if=/dev/urandom of=/dev/vda bs=64k count=48 conv=fsync 2>&1; "
                   "echo E''ND", b"END").decode()  # fmt: skip
        assert "records out" in out, out
    finally:
        os.close(fd)
    assert wait_for(lambda: len(events) >= 1, 30)
    (ev,) = events  # the base image is never written: only the top's threshold fires
    assert (ev.name, ev.text, ev.details, ev.event) == ("thr", "vdb", str(top), MiB)
    assert 0 < ev.detail <= top.stat().st_size - MiB
    assert _node_thresholds(dom)["libvirt-1-storage"] == 0  # QEMU reports a threshold once
    assert _node_thresholds(dom)["libvirt-2-storage"] == 512 * 1024
    dom.destroy()
    assert base.exists()


def test_bad_thresholds_are_refused_with_libvirts_errors(
    guest_driver: InProcessDriver, qemu_root: Path, accel: str
) -> None:
    top = chain(qemu_root)[-1]
    conn = guest_driver.connect()
    dom = conn.define_domain(domain_xml("thb", disk_xml(top, "vda")))
    with pytest.raises(VirtError) as exc:
        dom.set_block_threshold("vda", 1)
    assert str(exc.value) == "Requested operation is not valid: domain is not running"
    dom.start()
    for dev in ("vdz", "vda[9]", "vdz[1]", str(top), "vda[", "vda[x]"):
        with pytest.raises(VirtError) as exc:
            dom.set_block_threshold(dev, 1)
        assert (exc.value.code, exc.value.domain, str(exc.value)) == (
            ErrorCode.INVALID_ARG, ErrorDomain.QEMU, f"invalid argument: failed to find disk '{dev}'")  # fmt: skip
    with pytest.raises(VirtError) as exc:
        dom.set_block_threshold("vda", 1, 1)
    assert str(exc.value) == "unsupported flags (0x1) in function qemuDomainSetBlockThreshold"
    assert not any(_node_thresholds(dom).values())


@needs_libvirtd_qemu
def test_domblkthreshold_matches_libvirtd_byte_for_byte(
    daemon_env: tuple[Path, dict[str, str]], shared_images: Path
) -> None:
    d = shared_images
    name = f"pyvirt-thr-{uuid.uuid4().hex[:8]}"
    xml = d / "dom.xml"

    def make() -> None:
        for f in d.glob("*.qcow2"):
            f.unlink()
        xml.write_text(domain_xml(name, disk_xml(chain(d)[-1], "vda")))

    th = f"domblkthreshold {name}"
    commands = [
        f"define {xml}", f"{th} vda 1M", f"start {name}", f"{th} vda 1M", f"{th} vda[3] 64k",
        f"{th} vda[9] 1M", f"{th} vdz 1M", f"{th} {d}/top.qcow2 1M", f"{th} vda abc",
        f"{th} vda -1", f"{th} vda", f"{th} vda 0", f"destroy {name}", f"undefine {name}",
    ]  # fmt: skip
    want, got = run_both(commands, name, make, daemon_env)
    assert want[3] == (0, "\n", "")
    for n, (a, b) in enumerate(zip(got, want, strict=True)):
        assert (commands[n], a) == (commands[n], b)
