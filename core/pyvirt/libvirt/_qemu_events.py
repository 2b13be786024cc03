"""libvirt_qemu's monitor-event registrations on a ``virConnect``.

The driver filters (by domain, event name or pattern) and numbers each registration
(virConnectDomainQemuMonitorEventRegister's callback id); its matching QMP events arrive as
:class:`pyvirt.ObjectEvent` of kind "qemu-monitor" whose ``event_id`` is that id.  Here each
id also gets a registration in the connection's :class:`~pyvirt.libvirt._events.ConnectionEvents`,
so the callback runs from the event loop, in order with the connection's other events, as
libvirt-python's do.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pyvirt._codes import ErrorCode, ErrorDomain
from pyvirt._domain_qemu import _check_callback_id, _refuse_read_only_qemu
from pyvirt._errors import make_error
from pyvirt.libvirt import _eventloop
from pyvirt.libvirt._events import QEMU_MONITOR

if TYPE_CHECKING:
    from pyvirt.libvirt._connect import virConnect
    from pyvirt.libvirt._domain import virDomain

_lock = threading.Lock()
_REGISTER = "virConnectDomainQemuMonitorEventRegister"
_DEREGISTER = "virConnectDomainQemuMonitorEventDeregister"


def _local_ids(conn: virConnect) -> dict[int, int]:
    """The connection's driver callback id -> its ConnectionEvents registration id."""
    with _lock:
        found: dict[int, int] | None = conn.__dict__.get("_qemu_monitor_ids")
        if found is None:
            found = conn.__dict__["_qemu_monitor_ids"] = {}
        return found


def register_monitor_events(
    conn: virConnect,
    dom: virDomain | None,
    event: str | None,
    callback: Callable[..., object],
    opaque: Any,
    flags: int,
) -> int:
    """Register with the driver, then locally; the driver's callback id.  Through a daemon,
    libvirt's remote driver first makes its own registration, which needs an event loop."""
    _refuse_read_only_qemu(conn._o.read_only, _REGISTER)
    if conn._remote is not None and _eventloop.default_loop() is None:
        raise make_error(
            ErrorCode.INTERNAL_ERROR, ErrorDomain.NONE, "could not initialize domain event timer"
        )
    ref = None if dom is None else dom._o
    callback_id = conn._o.qemu_monitor_event_register(ref, event, flags)
    try:
        local = conn._events.register(QEMU_MONITOR, None, callback_id, callback, opaque)
    except BaseException:
        conn._o.qemu_monitor_event_deregister(callback_id)
        raise
    _local_ids(conn)[callback_id] = local
    return callback_id


def deregister_monitor_events(conn: virConnect, callback_id: int) -> None:
    """Deregister with the driver (which checks the id, as libvirt does), then locally."""
    _refuse_read_only_qemu(conn._o.read_only, _DEREGISTER)
    _check_callback_id(callback_id)
    ids = _local_ids(conn)
    if callback_id not in ids and conn._remote is not None:
        # libvirt's remote driver looks the id up in its own list first
        raise make_error(
            ErrorCode.INVALID_ARG,
            ErrorDomain.NONE,
            f"event callback id {callback_id} not registered",
        )
    if callback_id not in ids:
        conn._o.qemu_monitor_event_deregister(callback_id)  # the driver's own refusal
        raise make_error(
            ErrorCode.INVALID_ARG,
            ErrorDomain.NONE,
            f"could not find event callback {callback_id} for deletion",
        )
    conn._o.qemu_monitor_event_deregister(callback_id)
    conn._events.deregister(QEMU_MONITOR, ids.pop(callback_id))
