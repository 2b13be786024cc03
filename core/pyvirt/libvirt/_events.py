"""Object events for one ``virConnect``, delivered from the default event loop.

pyvirt calls a connection's event callbacks in whatever thread changed the state.
libvirt-python programs instead expect callbacks to run inside ``virEventRunDefaultImpl``.
So, as libvirt does, each connection with registrations owns a loop timer: pyvirt's callback
queues the event and arms the timer with 0; the timer, run by the loop, disarms itself and
dispatches the queue to the registrations in the order they were made.

Through a daemon libvirt's remote driver orders them differently.  It registers with the
daemon once per distinct filter (object kind, event id, object or none): the first local
registration with a new filter makes a daemon-side registration, later ones with the same
filter share it.  The daemon sends one message per daemon-side registration, in the order those
were made, and the client hands each message to the registrations sharing that filter, in their
own order.  So a callback for one domain registered before the legacy (unfiltered) callback
still runs after it, because the unfiltered filter reached the daemon first.
"""

from __future__ import annotations

import itertools
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pyvirt._abi_enums import (
    NetworkEventID,
    NodeDeviceEventID,
    SecretEventID,
    StoragePoolEventID,
)
from pyvirt._codes import ErrorCode, ErrorDomain
from pyvirt._enums import DomainEventID
from pyvirt._errors import make_error
from pyvirt._objects import Domain, Network, StoragePool
from pyvirt._records import DomainRef, NetworkRef, ObjectEvent, StoragePoolRef
from pyvirt.libvirt import _eventloop
from pyvirt.libvirt._args import c_int
from pyvirt.libvirt._errors import fail
from pyvirt.libvirt._eventloop import _invoke

if TYPE_CHECKING:
    from pyvirt._connection import Connection
    from pyvirt.libvirt._connect import virConnect
    from pyvirt.libvirt._eventimpl import Waker

#: pyvirt's event kind -> (libvirt-python family name, number of event ids in libvirt 9.0).
FAMILIES: dict[str, tuple[str, int]] = {
    "domain": ("Domain", len(DomainEventID)),
    "network": ("Network", len(NetworkEventID)),
    "pool": ("StoragePool", len(StoragePoolEventID)),
    "nodedev": ("NodeDevice", len(NodeDeviceEventID)),
    "secret": ("Secret", len(SecretEventID)),
}
_LIFECYCLE = 0
#: The kind of the QMP events libvirt_qemu.qemuMonitorEventRegister asks for; a
#: registration's event id is the driver's callback id (see pyvirt.libvirt._qemu_events).
QEMU_MONITOR = "qemu-monitor"


@dataclass(frozen=True)
class _Registration:
    kind: str
    event_id: int
    uuid: str | None
    callback: Callable[..., object] | None
    opaque: Any
    legacy: bool = False
    #: Through a daemon: the daemon-side registration this one shares (see the module doc).
    server_slot: int = 0


def check_event_id(kind: str, event_id: Any) -> int:
    """libvirt-python's glue refuses an unknown event id itself, before calling libvirt, so
    the error carries no libvirt fields (or the thread's previous ones): call this before
    the last error is cleared."""
    number = c_int(event_id)
    family, count = FAMILIES[kind]
    if not 0 <= number < count:
        raise fail(f"virConnect{family}EventRegisterAny() failed")
    return number


#: DEVICE_REMOVED, DEVICE_ADDED, DEVICE_REMOVAL_FAILED: callback(conn, dom, devAlias, opaque).
_DEVICE_EVENT_IDS = (
    DomainEventID.DEVICE_REMOVED,
    DomainEventID.DEVICE_ADDED,
    DomainEventID.DEVICE_REMOVAL_FAILED,
)


#: PMWAKEUP, PMSUSPEND, PMSUSPEND_DISK: callback(conn, dom, reason, opaque).
_PM_EVENT_IDS = (DomainEventID.PMWAKEUP, DomainEventID.PMSUSPEND, DomainEventID.PMSUSPEND_DISK)


def _payload(event: ObjectEvent) -> tuple[Any, ...]:
    """The callback's arguments between the object and the opaque, as libvirt-python passes
    them for the event's id: (event, detail) for a lifecycle event, (type, nsuri) for a
    domain's METADATA_CHANGE, (alias,) for a device's addition or removal, (state, reason)
    for the guest agent's AGENT_LIFECYCLE, (alias, reason) for a CD-ROM's TRAY_CHANGE,
    (reason,) for a power-management event,
    (disk, type, status) for BLOCK_JOB(_2), (dev, path, threshold, excess) for a
    BLOCK_THRESHOLD."""
    if event.kind == "domain" and event.event_id == DomainEventID.METADATA_CHANGE:
        return int(event.event), event.text
    if event.kind == QEMU_MONITOR:  # (event, seconds, micros, details)
        return event.text, int(event.event), int(event.detail), event.details
    if event.kind == "domain" and event.event_id in _DEVICE_EVENT_IDS:
        return (event.text,)  # the device's alias
    if event.kind == "domain" and event.event_id == DomainEventID.TRAY_CHANGE:
        return event.text, int(event.event)  # (devAlias, reason)
    if event.kind == "domain" and event.event_id == DomainEventID.AGENT_LIFECYCLE:
        return int(event.event), int(event.detail)
    if event.kind == "domain" and event.event_id in _PM_EVENT_IDS:
        return (int(event.detail),)  # the reason (libvirt always gives 0)
    if event.kind == "domain" and event.event_id in (
        DomainEventID.BLOCK_JOB,
        DomainEventID.BLOCK_JOB_2,
    ):
        return event.text, int(event.event), int(event.detail)  # (disk, type, status)
    if event.kind == "domain" and event.event_id == DomainEventID.BLOCK_THRESHOLD:
        return event.text, event.details, int(event.event), int(event.detail)
    if event.event_id != _LIFECYCLE:  # a pool's REFRESH, a node device's UPDATE
        return ()
    return int(event.event), int(event.detail)


class ConnectionEvents:
    """Registrations, the pending queue and the loop timer of one virConnect."""

    def __init__(self, vconn: virConnect, *, remote: bool = False) -> None:
        self._vconn = vconn
        self._remote = remote
        self._lock = threading.Lock()
        self._ids = itertools.count(0)
        self._server_slots = itertools.count(0)
        self._registrations: dict[int, _Registration] = {}
        self._legacy: dict[Callable[..., object], Any] | None = None
        self._legacy_id: int | None = None
        self._queue: deque[ObjectEvent] = deque()
        self._timer: int | None = None
        self._waker: Waker | None = None  # (an application's own loop: see _eventimpl.Waker)
        self._subscription: int | None = None

    @property
    def active(self) -> bool:
        return bool(self._registrations)

    @property
    def remote(self) -> bool:
        """Whether the connection goes through a daemon (libvirt's remote driver)."""
        return self._remote

    def require_loop(self) -> None:
        """The remote driver's first step for any registration: a loop to deliver on."""
        if self._timer is None and _eventloop.default_loop() is None:
            raise make_error(
                ErrorCode.INTERNAL_ERROR,
                ErrorDomain.NONE,
                "could not initialize domain event timer",
            )

    # -- registration ---------------------------------------------------------------------
    def register(
        self,
        kind: str,
        uuid: str | None,
        event_id: int,
        callback: Callable[..., object] | None,
        opaque: Any,
        legacy: bool = False,
    ) -> int:
        with self._lock:
            for existing in self._registrations.values():
                if (existing.kind, existing.event_id, existing.uuid, existing.legacy) == (
                    kind,
                    event_id,
                    uuid,
                    legacy,
                ):
                    raise make_error(
                        ErrorCode.INVALID_ARG, ErrorDomain.NONE, "event callback already tracked"
                    )
            self._start()
            callback_id = next(self._ids)
            self._registrations[callback_id] = _Registration(
                kind,
                event_id,
                uuid,
                callback,
                opaque,
                legacy,
                self._server_slot(kind, event_id, uuid),
            )
            return callback_id

    def _server_slot(self, kind: str, event_id: int, uuid: str | None) -> int:
        """The daemon-side registration a new one would share: an existing one with the same
        filter, else a new one, after all the others."""
        for existing in self._registrations.values():
            if (existing.kind, existing.event_id, existing.uuid) == (kind, event_id, uuid):
                return existing.server_slot
        return next(self._server_slots)

    def deregister(self, kind: str, callback_id: int) -> None:
        with self._lock:
            found = self._registrations.get(callback_id)
            if found is None or found.kind != kind or found.legacy:
                # The remote driver looks the id up in its own list before anything else.
                detail = (
                    f"event callback id {callback_id} not registered"
                    if self._remote
                    else f"could not find event callback {callback_id} for deletion"
                )
                raise make_error(ErrorCode.INVALID_ARG, ErrorDomain.NONE, detail)
            del self._registrations[callback_id]
            self._stop_if_idle()

    def register_legacy(self, callback: Callable[..., object], opaque: Any) -> None:
        """virConnectDomainEventRegister: one registration shared by all legacy callbacks."""
        if self._legacy is not None:
            self._legacy[callback] = opaque
            return
        self._legacy_id = self.register("domain", None, _LIFECYCLE, None, None, legacy=True)
        self._legacy = {callback: opaque}

    def deregister_legacy(self, callback: Callable[..., object]) -> None:
        if self._legacy is None:
            return
        del self._legacy[callback]  # KeyError for an unknown callback, as libvirt-python
        if not self._legacy:
            self._legacy = None
            with self._lock:
                if self._legacy_id is not None:
                    self._registrations.pop(self._legacy_id, None)
                    self._legacy_id = None
                self._stop_if_idle()

    def close(self) -> None:
        with self._lock:
            self._registrations.clear()
            self._legacy = None
            self._legacy_id = None
            self._stop_if_idle()

    # -- plumbing (called with the lock held) ---------------------------------------------
    def _start(self) -> None:
        loop = _eventloop.default_loop()
        if self._timer is None:
            if loop is None:
                raise make_error(
                    ErrorCode.INTERNAL_ERROR,
                    ErrorDomain.NONE,
                    "could not initialize domain event timer",
                )
            self._timer = loop.add_timeout(-1, self._flush, None)
            from pyvirt.libvirt._eventimpl import ExternalEventLoop, Waker

            if isinstance(loop, ExternalEventLoop):
                # (the application's loop is called from its own thread only)
                timer = self._timer
                self._waker = Waker(loop, lambda: self._flush(timer, None))
        if self._subscription is None:
            conn: Connection = self._vconn._o
            self._subscription = conn.register_event_callback(self._queue_event, kind=None)

    def _stop_if_idle(self) -> None:
        if self._registrations:
            return
        subscription, self._subscription = self._subscription, None
        timer, self._timer = self._timer, None
        if subscription is not None:
            try:
                self._vconn._o.deregister_event_callback(subscription)
            except Exception:  # noqa: BLE001 - the connection may be closing already
                pass
        loop = _eventloop.default_loop()
        if timer is not None and loop is not None:
            loop.remove_timeout(timer)
        waker, self._waker = self._waker, None
        if waker is not None:
            waker.remove()
        self._queue.clear()

    # -- delivery -------------------------------------------------------------------------
    def _queue_event(self, _conn: Connection, event: ObjectEvent) -> None:
        """pyvirt's callback, in the thread that made the change: queue, arm the timer."""
        with self._lock:
            timer = self._timer
            if timer is None:
                return
            self._queue.append(event)
            waker = self._waker
        if waker is not None:
            waker.wake()
            return
        loop = _eventloop.default_loop()
        if loop is not None:
            loop.update_timeout(timer, 0)

    def _flush(self, timer: int, _opaque: Any) -> None:
        """The timer callback, in the loop's thread: deliver everything queued so far."""
        loop = _eventloop.default_loop()
        if loop is not None:
            loop.update_timeout(timer, -1)
        while True:
            with self._lock:
                if not self._queue:
                    return
                event = self._queue.popleft()
                targets = list(self._registrations.values())
                if self._remote:
                    targets.sort(key=lambda r: r.server_slot)  # stable: own order within
                legacy = dict(self._legacy or {})
            for registration in targets:
                if registration.kind != event.kind or registration.event_id != event.event_id:
                    continue
                # A node device has no UUID: its registrations filter by name.
                key = event.name if event.kind == "nodedev" else event.uuid
                if registration.uuid is not None and registration.uuid != key:
                    continue
                obj = self._wrap(event)
                if registration.legacy:
                    for callback, opaque in legacy.items():
                        _invoke(
                            callback, self._vconn, obj, int(event.event), int(event.detail), opaque
                        )
                elif registration.callback is not None:
                    _invoke(
                        registration.callback,
                        self._vconn,
                        obj,
                        *_payload(event),
                        registration.opaque,
                    )

    def _wrap(self, event: ObjectEvent) -> Any:
        from pyvirt.libvirt._domain import virDomain
        from pyvirt.libvirt._network import virNetwork
        from pyvirt.libvirt._storage import virStoragePool

        conn: Connection = self._vconn._o
        if event.kind in ("domain", QEMU_MONITOR):
            return virDomain(self._vconn, Domain(conn, DomainRef(event.name, event.uuid, event.id)))
        if event.kind == "network":
            return virNetwork(self._vconn, Network(conn, NetworkRef(event.name, event.uuid)))
        if event.kind == "secret":  # its id is the usage type, its name the usage id
            from pyvirt._objects_secrets import Secret
            from pyvirt._records import SecretRef
            from pyvirt.libvirt._secret import virSecret

            return virSecret(self._vconn, Secret(conn, SecretRef(event.uuid, event.id, event.name)))
        if event.kind == "nodedev":
            from pyvirt._objects_host import NodeDevice
            from pyvirt._records import NodeDeviceRecord
            from pyvirt.libvirt._nodedev import virNodeDevice

            return virNodeDevice(self._vconn, NodeDevice(conn, NodeDeviceRecord(event.name, "")))
        return virStoragePool(
            self._vconn, StoragePool(conn, StoragePoolRef(event.name, event.uuid))
        )
