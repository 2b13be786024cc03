"""Per-connection event callbacks and iterators over one driver subscription.

Events belong to the connection object, not to a process-global loop: register a callback,
or iterate ``conn.events()``.  Callback ids come from one counter per connection shared by all
object kinds, as libvirt's client numbers them.
"""

from __future__ import annotations

import itertools
import queue
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from pyvirt._codes import ErrorCode, ErrorDomain
from pyvirt._errors import make_error
from pyvirt._records import ObjectEvent

if TYPE_CHECKING:
    from pyvirt._connection import Connection

EventCallback = Callable[["Connection", ObjectEvent], None]


class EventHub:
    """Fans one driver subscription out to the connection's callbacks and iterators."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._lock = threading.Lock()
        self._ids = itertools.count(0)
        self._callbacks: dict[int, tuple[EventCallback, str | None, str | None]] = {}
        self._token: int | None = None

    def _ensure_subscribed(self) -> None:
        if self._token is None:
            self._token = self._conn._calls.connect_event_subscribe(self._dispatch)

    def _dispatch(self, event: ObjectEvent) -> None:
        with self._lock:
            targets = list(self._callbacks.values())
        for callback, kind, uuid in targets:
            if (kind is None or kind == event.kind) and (uuid is None or uuid == event.uuid):
                try:
                    callback(self._conn, event)
                except Exception:  # noqa: BLE001 - one bad callback must not stop delivery
                    pass

    def register(self, callback: EventCallback, kind: str | None, uuid: str | None) -> int:
        with self._lock:
            for existing in self._callbacks.values():
                if existing == (callback, kind, uuid):
                    raise make_error(
                        ErrorCode.INVALID_ARG, ErrorDomain.EVENT, "event callback already tracked"
                    )
            self._ensure_subscribed()
            callback_id = next(self._ids)
            self._callbacks[callback_id] = (callback, kind, uuid)
            return callback_id

    def deregister(self, callback_id: int) -> None:
        with self._lock:
            if self._callbacks.pop(callback_id, None) is None:
                raise make_error(
                    ErrorCode.INVALID_ARG,
                    ErrorDomain.EVENT,
                    f"could not find event callback {callback_id} for deletion",
                )
            token, done = self._token, not self._callbacks
            if done:
                self._token = None
        if done and token is not None:
            self._conn._calls.connect_event_unsubscribe(token)

    def iterate(self, kind: str | None, timeout: float | None) -> Iterator[ObjectEvent]:
        """Yield events as they happen; stop after *timeout* seconds without one."""
        pending: queue.Queue[ObjectEvent] = queue.Queue()
        callback_id = self.register(lambda _conn, ev: pending.put(ev), kind, None)
        try:
            while True:
                try:
                    yield pending.get(timeout=timeout)
                except queue.Empty:
                    return
        finally:
            self.deregister(callback_id)

    def close(self) -> None:
        with self._lock:
            self._callbacks.clear()
            self._token = None
