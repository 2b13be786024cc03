"""Hotplug into a real guest: a disk plugged live appears in the guest's /sys/block and a
NIC in /sys/class/net (read on the serial console), and both disappear again on detach;
--config changes only the next boot's definition, CURRENT follows the domain's state, and
bad requests get libvirt's errors with nothing changed."""

# ruff: noqa: F811 - fixtures imported from qemu_helpers are test parameters
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from pyvirt import Domain, DomainXMLFlags, ErrorCode, VirtError
from qemu_guest import Guest, guest_domain_xml
from qemu_helpers import (  # noqa: F401
    QEMU_IMG,
    InProcessDriver,
    guest_xml,
    needs_qemu,
    qemu_driver,
    qemu_root,
    wait_for,
)
from test_qemu_guest_console import _ask

pytestmark = needs_qemu

LIVE, CONFIG = 1, 2
MAC = "52:54:00:aa:bb:cc"
NIC = f"<interface type='user'><mac address='{MAC}'/><model type='virtio'/></interface>"


def _disk(root: Path, target: str = "vdb", bus: str = "virtio") -> str:
    path = root / f"{target}.qcow2"
    if not path.exists():
        assert QEMU_IMG is not None
        subprocess.run([QEMU_IMG, "create", "-q", "-f", "qcow2", str(path), "8M"], check=True)
    return (f"<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
            f"<source file='{path}'/><target dev='{target}' bus='{bus}'/></disk>")  # fmt: skip


def _in_guest(dom: Domain, path: str) -> bool:
    """Whether *path* exists in the guest (asked on its console)."""
    fd = dom.open_console()
    try:
        out = _ask(fd, f'test -e {path} && echo "H=yes=$((1+1))" || echo "H=no=$((1+1))"', b"=2")
    finally:
        os.close(fd)
    return b"H=yes=2" in out


def _boot(drv: InProcessDriver, guest: Guest, root: Path, name: str) -> Domain:
    dom = drv.connect().define_domain(guest_domain_xml(guest, name, root / f"{name}.log"))
    dom.start()
    return dom


def test_a_disk_plugged_live_appears_in_the_guest_and_leaves_on_detach(
    qemu_driver: InProcessDriver, linux_guest: Guest, qemu_root: Path
) -> None:
    dom = _boot(qemu_driver, linux_guest, qemu_root, "hpd")
    assert not _in_guest(dom, "/sys/block/vda")
    device_events: list[tuple[int, str | None]] = []
    dom.connection.register_event_callback(
        lambda _c, ev: device_events.append((ev.event_id, ev.text)) if ev.event_id else None,
        uuid=dom.uuid,
    )
    disk = _disk(qemu_root, "vda")
    dom.attach_device(disk)  # virDomainAttachDevice: live
    assert wait_for(lambda: _in_guest(dom, "/sys/block/vda"), 120)
    # libvirt's DEVICE_ADDED (19), then DEVICE_REMOVED (15) once the guest let go
    assert device_events == [(19, "virtio-disk0")]
    assert "<target dev='vda' bus='virtio'/>" in dom.xml_desc()
    assert "vda" not in dom.xml_desc(DomainXMLFlags.INACTIVE)  # live only

    with pytest.raises(VirtError, match="target vda already exists") as e:
        dom.attach_device(disk, LIVE)
    assert e.value.code == ErrorCode.OPERATION_FAILED
    dom.detach_device(disk, 0)  # CURRENT on a running domain: live
    assert wait_for(lambda: "vda" not in dom.xml_desc(), 60)
    assert wait_for(lambda: (15, "virtio-disk0") in device_events, 30)
    assert device_events == [(19, "virtio-disk0"), (15, "virtio-disk0")]
    assert not _in_guest(dom, "/sys/block/vda")
    dom.attach_device(disk)  # and again: its node names and id are free once more
    assert wait_for(lambda: _in_guest(dom, "/sys/block/vda"), 120)
    dom.destroy()


def test_a_nic_plugged_live_appears_in_the_guest_and_leaves_on_detach(
    qemu_driver: InProcessDriver, linux_guest: Guest, qemu_root: Path
) -> None:
    dom = _boot(qemu_driver, linux_guest, qemu_root, "hpn")
    assert not _in_guest(dom, "/sys/class/net/eth0")
    # a libvirt-python program's callbacks: callback(conn, dom, devAlias, opaque)
    import pyvirt.libvirt as libvirt

    libvirt.virEventRegisterDefaultImpl()
    vconn = libvirt.virConnect(dom.connection)
    heard: list[tuple[str, str, str]] = []
    for which, event_id in (("added", libvirt.VIR_DOMAIN_EVENT_ID_DEVICE_ADDED),
                            ("removed", libvirt.VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED)):  # fmt: skip
        vconn.domainEventRegisterAny(
            None, event_id, lambda _c, d, alias, opaque: heard.append((opaque, d.name(), alias)), which
        )

    def heard_of(entry: tuple[str, str, str]) -> bool:
        libvirt.virEventRunDefaultImpl()
        return entry in heard

    dom.attach_device(NIC, LIVE)
    assert wait_for(lambda: heard_of(("added", "hpn", "net0")), 30)
    assert wait_for(lambda: _in_guest(dom, "/sys/class/net/eth0"), 120)
    fd = dom.open_console()
    try:
        assert MAC.encode() in _ask(fd, "cat /sys/class/net/eth0/address", MAC.encode())
    finally:
        os.close(fd)
    assert f"<mac address='{MAC}'/>" in dom.xml_desc()
    dom.detach_device(NIC, LIVE)
    assert wait_for(lambda: MAC not in dom.xml_desc(), 60)
    assert wait_for(lambda: heard_of(("removed", "hpn", "net0")), 30)
    assert heard == [("added", "hpn", "net0"), ("removed", "hpn", "net0")]
    assert not _in_guest(dom, "/sys/class/net/eth0")
    dom.destroy()


def test_config_changes_wait_for_the_next_boot_and_current_follows_the_state(
    qemu_driver: InProcessDriver, linux_guest: Guest, qemu_root: Path
) -> None:
    dom = _boot(qemu_driver, linux_guest, qemu_root, "hpc")
    disk = _disk(qemu_root, "vdc")
    dom.attach_device(disk, CONFIG)
    assert "vdc" in dom.xml_desc(DomainXMLFlags.INACTIVE) and "vdc" not in dom.xml_desc()
    with pytest.raises(VirtError, match="target vdc already exists") as e:
        dom.attach_device(disk, CONFIG)
    assert e.value.code == ErrorCode.OPERATION_INVALID
    dom.destroy()
    with pytest.raises(VirtError, match="domain is not running") as e:
        dom.attach_device(NIC, LIVE)
    assert e.value.code == ErrorCode.OPERATION_INVALID
    dom.attach_device(NIC, 0)  # CURRENT on a shut-off domain: the config
    dom.start()
    live = dom.xml_desc()
    assert "vdc" in live and MAC in live
    assert _in_guest(dom, "/sys/block/vda")  # the guest names its only disk vda
    dom.detach_device(disk, CONFIG)
    assert "vdc" not in dom.xml_desc(DomainXMLFlags.INACTIVE) and "vdc" in dom.xml_desc()
    dom.detach_device(NIC, LIVE | CONFIG)
    assert MAC not in dom.xml_desc(DomainXMLFlags.INACTIVE)
    assert wait_for(lambda: MAC not in dom.xml_desc(), 60)
    dom.destroy()


def test_bad_hotplug_requests_get_libvirts_errors_and_change_nothing(
    qemu_driver: InProcessDriver, linux_guest: Guest, qemu_root: Path
) -> None:
    dom = _boot(qemu_driver, linux_guest, qemu_root, "hpb")
    before = (dom.xml_desc(), dom.xml_desc(DomainXMLFlags.INACTIVE))
    cases = [
        (dom.attach_device, _disk(qemu_root, "sda", "sata"), LIVE,
         ErrorCode.OPERATION_UNSUPPORTED, "disk bus 'sata' cannot be hotplugged"),
        (dom.attach_device, "<sound model='ich6'/>", LIVE, ErrorCode.OPERATION_UNSUPPORTED,
         "live attach of device 'sound' is not supported"),
        (dom.attach_device, "<disk type='file'", LIVE, ErrorCode.XML_DETAIL, ""),
        (dom.attach_device, NIC, 1 << 8, ErrorCode.INVALID_ARG, "unsupported flags"),
        (dom.detach_device, _disk(qemu_root, "vdz"), LIVE, ErrorCode.DEVICE_MISSING,
         "disk vdz not found"),
        (dom.detach_device, _disk(qemu_root, "vdz"), CONFIG, ErrorCode.DEVICE_MISSING,
         "no target device vdz"),
        (dom.detach_device, NIC, LIVE, ErrorCode.DEVICE_MISSING,
         f"no device matching MAC address {MAC} found"),
    ]  # fmt: skip
    for call, xml, flags, code, words in cases:
        with pytest.raises(VirtError, match=words or None) as e:
            call(xml, flags)
        assert e.value.code == code, (xml, e.value)
    assert (dom.xml_desc(), dom.xml_desc(DomainXMLFlags.INACTIVE)) == before
    transient = qemu_driver.connect().create_domain(
        guest_domain_xml(linux_guest, "hpt", qemu_root / "hpt.log")
    )
    with pytest.raises(VirtError, match="transient domains do not have any persistent") as e:
        transient.attach_device(NIC, CONFIG)
    assert e.value.code == ErrorCode.OPERATION_INVALID
    transient.destroy()
    dom.destroy()


def test_a_guest_that_never_lets_go_keeps_the_device_after_the_detach_returns(
    qemu_driver: InProcessDriver, qemu_root: Path
) -> None:
    """libvirt's timeout behaviour: device_del only asks; a guest that does not answer
    (here firmware with no OS, so no ACPI eject) keeps the device, the detach still
    succeeds once its wait is over, and the device stays in the live XML."""
    conn = qemu_driver.connect()
    xml = guest_xml("stuck", None).replace("</os>", "</os><features><acpi/></features>")
    dom = conn.create_domain(xml)  # ACPI: the PCI bus takes hotplug
    dom.attach_device(NIC, LIVE)
    assert MAC in dom.xml_desc()
    dom.detach_device(NIC, LIVE)
    assert MAC in dom.xml_desc()  # still plugged: the guest never released it
    with pytest.raises(VirtError, match="already exists"):
        dom.attach_device(NIC, LIVE)
    dom.destroy()


@pytest.mark.skipif(os.geteuid() != 0, reason="a tap on a bridge needs root (CAP_NET_ADMIN)")
@pytest.mark.skipif(not os.access("/dev/net/tun", os.R_OK | os.W_OK), reason="no /dev/net/tun")
def test_a_bridged_nic_plugged_live_gets_a_tap_on_the_bridge_that_goes_with_it(
    qemu_driver: InProcessDriver, linux_guest: Guest, qemu_root: Path
) -> None:
    bridge = f"pvhp{os.getpid() % 100000}"
    subprocess.run(["ip", "link", "add", bridge, "type", "bridge"], check=True)
    try:
        dom = _boot(qemu_driver, linux_guest, qemu_root, "hpbr")
        nic = (f"<interface type='bridge'><source bridge='{bridge}'/><mac address='{MAC}'/>"
               "<model type='virtio'/></interface>")  # fmt: skip
        dom.attach_device(nic, LIVE)
        live = dom.xml_desc()
        tap = live.split("<target dev='", 1)[1].split("'", 1)[0]
        assert Path(f"/sys/class/net/{tap}/master").resolve().name == bridge
        assert wait_for(lambda: _in_guest(dom, "/sys/class/net/eth0"), 120)
        dom.detach_device(nic, LIVE)
        assert wait_for(lambda: MAC not in dom.xml_desc(), 60)
        assert wait_for(lambda: not Path(f"/sys/class/net/{tap}").exists(), 30)
        dom.destroy()
    finally:
        subprocess.run(["ip", "link", "del", bridge], check=False)
