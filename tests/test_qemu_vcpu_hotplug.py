"""vCPU hotplug into a real guest: ``setvcpus --live`` and ``setvcpu`` plug vCPUs QEMU
reports in ``query-hotpluggable-cpus`` and the guest brings them online (counted in the
guest's /sys/devices/system/cpu/online, read on its serial console); unplugging asks the
guest to eject them.  The live XML carries libvirt's ``<vcpus>`` (enabled, hotpluggable,
order) as libvirtd wrote it for the same guest and the same steps; bad requests get
libvirt's errors with nothing changed."""

# ruff: noqa: F811 - fixtures imported from qemu_helpers are test parameters
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from lxml import etree
from pyvirt import Domain, DomainXMLFlags, ErrorCode, VirtError
from pyvirt.conf import parse_bitmap
from qemu_guest import Guest, guest_domain_xml
from qemu_helpers import InProcessDriver, needs_qemu, qemu_driver, qemu_root, wait_for  # noqa: F401
from test_qemu_guest_console import _ask

pytestmark = needs_qemu

LIVE, CONFIG = 1, 2
BOOT_TIMEOUT = 240.0


def _online(dom: Domain) -> int:
    """How many CPUs the guest has online (its /sys/devices/system/cpu/online, "0-2"),
    asked on its console.  The guest numbers a hot-added CPU itself (the next free number),
    so only the count is compared."""
    fd = dom.open_console()
    try:
        out = _ask(fd, 'echo "CPUS=$(cat /sys/devices/system/cpu/online)=$((1+1))"', b"=2\r")
    finally:
        os.close(fd)
    found = re.findall(rb"CPUS=([0-9,-]*)=2", out)
    assert found, out
    return len(parse_bitmap(found[-1].decode()))


def _vcpus_xml(dom: Domain) -> list[dict[str, str]]:
    root = etree.fromstring(dom.xml_desc())
    return [dict(v.attrib) for v in root.iterfind("vcpus/vcpu")]


def _vcpu_line(dom: Domain, flags: int = 0) -> str:
    vcpu = etree.fromstring(dom.xml_desc(flags)).find("vcpu")
    assert vcpu is not None
    return etree.tostring(vcpu, with_tail=False).decode()


@pytest.fixture
def four_slot_guest(qemu_driver: InProcessDriver, linux_guest: Guest, qemu_root: Path) -> Domain:
    """A guest booted with 1 of 4 vCPUs."""
    xml = guest_domain_xml(linux_guest, "hv", qemu_root / "hv.log").replace(
        "</memory>", "</memory><vcpu placement='static' current='1'>4</vcpu>", 1
    )
    dom = qemu_driver.connect().define_domain(xml)
    dom.start()
    assert wait_for(lambda: _online(dom) == 1, BOOT_TIMEOUT)
    return dom


def _error(call) -> VirtError:  # type: ignore[no-untyped-def]
    with pytest.raises(VirtError) as e:
        call()
    return e.value


def test_setvcpus_live_plugs_vcpus_the_guest_brings_online(four_slot_guest: Domain) -> None:
    dom = four_slot_guest
    assert _vcpus_xml(dom) == []  # libvirtd too: no <vcpus> until a hotplug
    dom.set_vcpus(3, LIVE)
    assert dom.vcpus(LIVE) == 3 and dom.vcpus(CONFIG) == 1
    assert _vcpu_line(dom) == "<vcpu placement=\"static\" current=\"3\">4</vcpu>"
    # libvirtd 9.0's live XML after the same setvcpus
    assert _vcpus_xml(dom) == [
        {"id": "0", "enabled": "yes", "hotpluggable": "no", "order": "1"},
        {"id": "1", "enabled": "yes", "hotpluggable": "yes", "order": "2"},
        {"id": "2", "enabled": "yes", "hotpluggable": "yes", "order": "3"},
        {"id": "3", "enabled": "no", "hotpluggable": "yes"},
    ]
    assert "<vcpus>" not in dom.xml_desc(DomainXMLFlags.INACTIVE)
    assert wait_for(lambda: _online(dom) == 3, BOOT_TIMEOUT)


def test_setvcpus_live_beyond_the_maximum_is_refused(four_slot_guest: Domain) -> None:
    err = _error(lambda: four_slot_guest.set_vcpus(5, LIVE))
    assert (err.code, str(err)) == (
        ErrorCode.INVALID_ARG,
        "invalid argument: requested vcpus is greater than max allowable vcpus for the live "
        "domain: 5 > 4",
    )
    assert four_slot_guest.vcpus(LIVE) == 1


def test_setvcpu_plugs_one_and_refuses_what_libvirt_refuses(four_slot_guest: Domain) -> None:
    dom = four_slot_guest
    dom.set_vcpu("2", 1, LIVE)
    assert [v["enabled"] for v in _vcpus_xml(dom)] == ["yes", "no", "yes", "no"]
    assert wait_for(lambda: _online(dom) == 2, BOOT_TIMEOUT), _online(dom)
    for vcpus, state, code, text in (
        ("2", 1, ErrorCode.INVALID_ARG, "invalid argument: vcpu '2' is already in requested state"),
        ("0", 0, ErrorCode.OPERATION_UNSUPPORTED, "Operation not supported: vcpu '0' can't be unplugged"),
    ):  # fmt: skip
        err = _error(lambda v=vcpus, s=state: dom.set_vcpu(v, s, LIVE))
        assert (err.code, str(err)) == (code, text)
    assert dom.vcpus(LIVE) == 2


def test_unplugged_vcpus_leave_the_guest(four_slot_guest: Domain) -> None:
    dom = four_slot_guest
    dom.set_vcpus(3, LIVE)
    assert wait_for(lambda: _online(dom) == 3, BOOT_TIMEOUT)
    try:
        dom.set_vcpus(2, LIVE)
    except VirtError as e:  # the guest may take longer than libvirt's 5 s wait (as for libvirtd)
        assert e.code == ErrorCode.OPERATION_TIMEOUT
        assert str(e) == ("Timed out during operation: vcpu unplug request timed out. Unplug "
                          "result must be manually inspected in the domain")  # fmt: skip
    assert wait_for(lambda: dom.vcpus(LIVE) == 2, BOOT_TIMEOUT)  # the late event counts too
    assert _vcpus_xml(dom)[2] == {"id": "2", "enabled": "no", "hotpluggable": "yes"}
    assert wait_for(lambda: _online(dom) == 2, BOOT_TIMEOUT)
