"""A guest's own power management (ACPI S3 and S4), as QEMU reports it: SUSPEND and
SUSPEND_DISK put the domain in libvirt's "pmsuspended" state, WAKEUP brings a suspended one
back to running (reason wakeup), each with libvirt's lifecycle event and its PMSUSPEND,
PMSUSPEND_DISK or PMWAKEUP event (qemuProcessHandlePMSuspend, ...PMWakeup)."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from pyvirt import (
    DomainEventID,
    DomainEventPMSuspendedDetail,
    DomainEventStartedDetail,
    DomainEventType,
    DomainRunningReason,
    DomainState,
    ObjectEvent,
    VirtError,
)

from pyvirt_qemu._listeners import deliver

if TYPE_CHECKING:
    from pyvirt_qemu._domain import QemuDomain, Run
    from pyvirt_qemu._qemudriver import QemuDriver

__all__ = ["PM_EVENTS", "on_pm_event"]

#: QMP event -> (libvirt's event id, the PMSUSPENDED lifecycle detail, or None for a wakeup)
PM_EVENTS = {
    "SUSPEND": (DomainEventID.PMSUSPEND, DomainEventPMSuspendedDetail.MEMORY),
    "SUSPEND_DISK": (DomainEventID.PMSUSPEND_DISK, DomainEventPMSuspendedDetail.DISK),
    "WAKEUP": (DomainEventID.PMWAKEUP, None),
}
#: VIR_DOMAIN_PMSUSPENDED_UNKNOWN: the only reason libvirt gives.
_PMSUSPENDED_UNKNOWN = 0


def on_pm_event(driver: QemuDriver, dom: QemuDomain, run: Run, event: str) -> None:
    """On the monitor loop thread: the state, then libvirt's events (its order: the
    lifecycle event of a suspend after the PM event is queued, a wakeup's after it)."""
    from pyvirt_qemu._lifecycle import save_run_status  # (it imports this module)

    event_id, detail = PM_EVENTS[event]
    lifecycle: tuple[int, int] | None = None
    with driver.lock:
        if dom.run is not run or run.stopping:
            return
        if detail is not None and dom.state == DomainState.RUNNING:
            dom.state, dom.reason = DomainState.PMSUSPENDED, _PMSUSPENDED_UNKNOWN
            lifecycle = (DomainEventType.PMSUSPENDED, detail)
        elif detail is None and dom.state == DomainState.PMSUSPENDED:
            dom.state, dom.reason = DomainState.RUNNING, DomainRunningReason.WAKEUP
            lifecycle = (DomainEventType.STARTED, DomainEventStartedDetail.WAKEUP)
    if lifecycle is not None:
        with contextlib.suppress(VirtError):
            save_run_status(driver, dom)
        driver.emit(dom, *lifecycle)
    deliver(driver.listeners, ObjectEvent("domain", dom.name, dom.uuid, dom.id, 0, 0,
                                          event_id=event_id))  # fmt: skip
