"""DEVICE_REMOVAL_FAILED: the guest refuses to let go of a device it was asked to release.

QEMU says so with DEVICE_UNPLUG_GUEST_ERROR.  On x86 QEMU 7.2 sends it only when a guest
OS rejects the ejection of a hotplugged DIMM through ACPI, which neither the test guest nor
pyvirt's hotplug (disks and NICs) can bring about; so the event is handed to the driver's
monitor handler as QEMU would deliver it, for a NIC whose real ``device_del`` the guest
(firmware without an OS) never answers.  Everything else is real: QEMU, the monitor, the
waiting detach.  libvirt's answer: the device stays, a waiting detach fails with "unplug of
device was rejected by the guest", and DEVICE_REMOVAL_FAILED names the device's alias.
"""

# ruff: noqa: F811 - fixtures imported from qemu_helpers are test parameters
from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from pyvirt import Domain, ErrorCode, VirtError
from qemu_helpers import (  # noqa: F401
    InProcessDriver,
    guest_xml,
    needs_qemu,
    qemu_driver,
    qemu_root,
    wait_for,
)

pytestmark = needs_qemu

MAC = "52:54:00:aa:bb:01"
NIC = f"<interface type='user'><mac address='{MAC}'/><model type='virtio'/></interface>"
REMOVAL_FAILED = 22  # VIR_DOMAIN_EVENT_ID_DEVICE_REMOVAL_FAILED


def _xml(name: str) -> str:
    """A guest with a NIC and ACPI (i440fx hotplugs PCI devices through ACPI)."""
    return guest_xml(name, None, extra=NIC).replace("</os>", "</os><features><acpi/></features>")


def _inject_when_waiting(drv: InProcessDriver, name: str, alias: str) -> threading.Thread:
    """Deliver QEMU's DEVICE_UNPLUG_GUEST_ERROR for *alias* once a detach waits for it."""
    from pyvirt_qemu._lifecycle import on_monitor_event

    qdrv = drv.state._driver
    assert qdrv is not None
    dom = qdrv.domains.lookup_by_name(name)

    def inject() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            run = dom.run
            if run is not None and alias in run.device_waiters:
                on_monitor_event(qdrv, dom, run, "DEVICE_UNPLUG_GUEST_ERROR",
                                 {"device": alias, "path": f"/machine/peripheral/{alias}"})  # fmt: skip
                return
            time.sleep(0.01)

    thread = threading.Thread(target=inject, daemon=True)
    thread.start()
    return thread


@pytest.fixture
def running(qemu_driver: InProcessDriver) -> Iterator[tuple[Domain, list[tuple[int, str | None]]]]:
    """The guest "rej" running with its NIC, and the device events heard for it."""
    conn = qemu_driver.connect()
    dom = conn.define_domain(_xml("rej"))
    dom.start()
    events: list[tuple[int, str | None]] = []
    conn.register_event_callback(
        lambda _c, ev: events.append((ev.event_id, ev.text)) if ev.event_id else None,
        uuid=dom.uuid,
    )
    try:
        yield dom, events
    finally:
        dom.destroy()


def test_a_rejected_unplug_fails_the_detach_and_keeps_the_device(
    qemu_driver: InProcessDriver, running: tuple[Domain, list[tuple[int, str | None]]]
) -> None:
    dom, events = running
    injector = _inject_when_waiting(qemu_driver, "rej", "net0")
    with pytest.raises(VirtError) as e:
        dom.detach_device(NIC, 1)  # VIR_DOMAIN_AFFECT_LIVE
    injector.join(60)
    assert e.value.code == ErrorCode.OPERATION_FAILED
    assert str(e.value) == "operation failed: unplug of device was rejected by the guest"
    assert wait_for(lambda: (REMOVAL_FAILED, "net0") in events, 30)
    assert events == [(REMOVAL_FAILED, "net0")]
    assert MAC in dom.xml_desc()  # the device stays
    qdrv = qemu_driver.state._driver
    assert qdrv is not None
    run = qdrv.domains.lookup_by_name("rej").run
    assert run is not None and "net0" not in run.pending_removals


def test_a_refusal_after_the_detach_gave_up_is_still_announced(
    qemu_driver: InProcessDriver, running: tuple[Domain, list[tuple[int, str | None]]]
) -> None:
    from pyvirt_qemu._lifecycle import on_monitor_event

    dom, events = running
    dom.detach_device(NIC, 1)  # the guest never answers: returns after libvirt's wait
    qdrv = qemu_driver.state._driver
    assert qdrv is not None
    qdom = qdrv.domains.lookup_by_name("rej")
    run = qdom.run
    assert run is not None and "net0" in run.pending_removals
    on_monitor_event(qdrv, qdom, run, "DEVICE_UNPLUG_GUEST_ERROR",
                     {"device": "net0", "path": "/machine/peripheral/net0"})  # fmt: skip
    assert wait_for(lambda: (REMOVAL_FAILED, "net0") in events, 30)
    assert "net0" not in run.pending_removals
    assert MAC in dom.xml_desc()
