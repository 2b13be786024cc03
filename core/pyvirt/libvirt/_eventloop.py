"""libvirt's default event loop (virEventRegisterDefaultImpl / virEventRunDefaultImpl).

libvirt-python programs drive events by calling ``virEventRunDefaultImpl()`` in a loop, usually
in a thread of their own; every callback (timers, file handles, object events) runs inside that
call.  This is a real loop: timeouts with libvirt's semantics (-1 disabled, 0 every iteration,
N milliseconds periodic), file-descriptor watches through ``poll``, and a wake-up pipe so
that a change made from another thread (a new timer, a queued event) ends a blocked wait at
once.  Object events reach it through a timer per connection, as in libvirt: queueing an
event arms the timer with 0 and the timer's callback dispatches the queue.
"""

from __future__ import annotations

import itertools
import math
import operator
import os
import select
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from pyvirt.libvirt._errors import fail

TimeoutCallback = Callable[[int, Any], object]
HandleCallback = Callable[[int, int, int, Any], object]
FreeCallback = Callable[[Any], object]

# libvirt's VIR_EVENT_HANDLE_* bits and the poll(2) bits they correspond to.
_TO_POLL = {1: select.POLLIN, 2: select.POLLOUT, 4: select.POLLERR, 8: select.POLLHUP}


@dataclass
class _Timeout:
    interval: int
    due: float | None
    callback: TimeoutCallback | None
    opaque: Any
    free: FreeCallback | None


@dataclass
class _Handle:
    fd: int
    events: int
    callback: HandleCallback | None
    opaque: Any
    free: FreeCallback | None


def _due(interval: int, now: float) -> float | None:
    return None if interval < 0 else now + interval / 1000.0


class DefaultEventLoop:
    """Timers and fd watches, run one iteration per :meth:`run_once`.  Thread-safe: any
    thread may add, update or remove while another thread is blocked in :meth:`run_once`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._iteration = threading.Lock()
        self._ids = itertools.count(1)
        self._timeouts: dict[int, _Timeout] = {}
        self._handles: dict[int, _Handle] = {}
        self._to_free: list[tuple[FreeCallback, Any]] = []
        self._runner: int | None = None  # the thread inside run_once, if any
        self._wake_read, self._wake_write = os.pipe()
        os.set_blocking(self._wake_read, False)
        os.set_blocking(self._wake_write, False)

    def _wake(self) -> None:
        """End a wait in progress in another thread so it sees the change (as libvirt
        interrupts its poll only when the loop runs elsewhere: a change made before the
        next iteration, or from inside a callback, is seen anyway)."""
        runner = self._runner
        if runner is None or runner == threading.get_ident():
            return
        try:
            os.write(self._wake_write, b"x")
        except BlockingIOError:  # the pipe is full: a wake-up is pending anyway
            pass

    # -- timeouts -------------------------------------------------------------------------
    def add_timeout(
        self,
        interval: int,
        callback: TimeoutCallback | None,
        opaque: Any,
        free: FreeCallback | None = None,
    ) -> int:
        with self._lock:
            timer = next(self._ids)
            self._timeouts[timer] = _Timeout(
                interval, _due(interval, time.monotonic()), callback, opaque, free
            )
        self._wake()
        return timer

    def update_timeout(self, timer: int, interval: int) -> None:
        with self._lock:
            entry = self._timeouts.get(timer)
            if entry is None:
                return
            entry.interval = interval
            entry.due = _due(interval, time.monotonic())
        self._wake()

    def remove_timeout(self, timer: int) -> int:
        with self._lock:
            entry = self._timeouts.pop(timer, None)
            if entry is not None and entry.free is not None:
                self._to_free.append((entry.free, entry.opaque))
        self._wake()
        return 0

    # -- file handles ---------------------------------------------------------------------
    def add_handle(
        self,
        fd: int,
        events: int,
        callback: HandleCallback | None,
        opaque: Any,
        free: FreeCallback | None = None,
    ) -> int:
        with self._lock:
            watch = next(self._ids)
            self._handles[watch] = _Handle(fd, events, callback, opaque, free)
        self._wake()
        return watch

    def update_handle(self, watch: int, events: int) -> None:
        with self._lock:
            entry = self._handles.get(watch)
            if entry is not None:
                entry.events = events
        self._wake()

    def remove_handle(self, watch: int) -> int:
        with self._lock:
            entry = self._handles.pop(watch, None)
            if entry is not None and entry.free is not None:
                self._to_free.append((entry.free, entry.opaque))
        self._wake()
        return 0 if entry is not None else -1

    # -- running --------------------------------------------------------------------------
    def run_once(self) -> int:
        """Block until a timer is due or a watched fd is ready (or the loop is woken), run
        what is due, and return 0.  With nothing registered it waits for a registration."""
        with self._iteration:
            with self._lock:
                self._runner = threading.get_ident()
                dues = [t.due for t in self._timeouts.values() if t.due is not None]
                watched = [(h.fd, h.events) for h in self._handles.values() if h.events]
            poller = select.poll()
            poller.register(self._wake_read, select.POLLIN)
            for fd, events in watched:
                mask = 0
                for bit, poll_bit in _TO_POLL.items():
                    if events & bit:
                        mask |= poll_bit
                poller.register(fd, mask)
            wait_ms = -1
            if dues:
                wait_ms = max(0, math.ceil((min(dues) - time.monotonic()) * 1000))
            try:
                ready = poller.poll(wait_ms)
                self._drain()
                self._fire_timeouts()
                self._fire_handles([(fd, rev) for fd, rev in ready if fd != self._wake_read])
                self._release()
            finally:
                with self._lock:
                    self._runner = None
        return 0

    def _drain(self) -> None:
        try:
            while os.read(self._wake_read, 512):
                pass
        except BlockingIOError:
            pass

    def _fire_timeouts(self) -> None:
        now = time.monotonic()
        with self._lock:
            due = sorted(
                (t.due, timer)
                for timer, t in self._timeouts.items()
                if t.due is not None and t.due <= now
            )
            for _, timer in due:
                entry = self._timeouts[timer]
                entry.due = _due(entry.interval, now)
        for _, timer in due:
            with self._lock:
                entry_or_none = self._timeouts.get(timer)
            if entry_or_none is not None and entry_or_none.callback is not None:
                _invoke(entry_or_none.callback, timer, entry_or_none.opaque)

    def _fire_handles(self, ready: list[tuple[int, int]]) -> None:
        for fd, revents in ready:
            events = 0
            for bit, poll_bit in _TO_POLL.items():
                if revents & poll_bit:
                    events |= bit
            with self._lock:
                targets = [(w, h) for w, h in self._handles.items() if h.fd == fd]
            for watch, handle in targets:
                if handle.callback is not None and watch in self._handles:
                    _invoke(handle.callback, watch, fd, events, handle.opaque)

    def _release(self) -> None:
        with self._lock:
            to_free, self._to_free = self._to_free, []
        for free, opaque in to_free:
            _invoke(free, opaque)


def _invoke(callback: Callable[..., object], *args: Any) -> None:
    """Run an application callback; like libvirt-python, print its exception and go on."""
    try:
        callback(*args)
    except Exception:  # noqa: BLE001 - one failing callback must not stop the loop
        traceback.print_exc()


class EventLoop(Protocol):
    """What libvirt asks of an event loop: the default one, or an application's own
    (:mod:`pyvirt.libvirt._eventimpl`)."""

    def add_timeout(
        self, interval: int, callback: TimeoutCallback | None, opaque: Any,
        free: FreeCallback | None = None,
    ) -> int: ...  # fmt: skip
    def update_timeout(self, timer: int, interval: int) -> None: ...
    def remove_timeout(self, timer: int) -> int: ...
    def add_handle(
        self, fd: int, events: int, callback: HandleCallback | None, opaque: Any,
        free: FreeCallback | None = None,
    ) -> int: ...  # fmt: skip
    def update_handle(self, watch: int, events: int) -> None: ...
    def remove_handle(self, watch: int) -> int: ...


_loop_lock = threading.Lock()
_loop: EventLoop | None = None


def default_loop() -> EventLoop | None:
    """The registered loop (the default one or the application's), or None before either
    was registered."""
    return _loop


def install(loop: EventLoop) -> bool:
    """Make *loop* the event loop unless one is registered already (libvirt keeps the first
    and ignores later attempts); whether it was installed."""
    global _loop
    with _loop_lock:
        if _loop is not None:
            return False
        _loop = loop
        return True


def virEventRegisterDefaultImpl() -> int:  # noqa: N802
    """Install the default loop (idempotent; ignored after an application registered its
    own).  Object events need a loop, as in libvirt."""
    if _loop is None:
        install(DefaultEventLoop())
    return 0


def _require(api_name: str) -> EventLoop:
    loop = _loop
    if loop is None:
        raise fail(f"{api_name}() failed")
    return loop


def virEventRunDefaultImpl() -> int:  # noqa: N802
    """Run one iteration of the default loop, blocking until something is due.  Where the
    application registered its own loop, libvirt would wait in a default loop that holds
    nothing, for ever: this fails instead."""
    virEventRegisterDefaultImpl()
    loop = _loop
    if not isinstance(loop, DefaultEventLoop):
        raise fail("virEventRunDefaultImpl() failed")
    return loop.run_once()


def virEventAddTimeout(timeout: int, cb: TimeoutCallback | None, opaque: Any) -> int:  # noqa: N802
    """Call ``cb(timer, opaque)`` every *timeout* ms (0: every iteration, -1: disabled)."""
    interval = operator.index(timeout)
    return _require("virEventAddTimeout").add_timeout(interval, cb, opaque)


def virEventUpdateTimeout(timer: int, timeout: int) -> None:  # noqa: N802
    loop = _require("virEventUpdateTimeout")
    loop.update_timeout(operator.index(timer), operator.index(timeout))


def virEventRemoveTimeout(timer: int) -> int:  # noqa: N802
    return _require("virEventRemoveTimeout").remove_timeout(operator.index(timer))


def virEventAddHandle(fd: int, events: int, cb: HandleCallback | None, opaque: Any) -> int:  # noqa: N802
    """Call ``cb(watch, fd, events, opaque)`` when *fd* has any of *events* (VIR_EVENT_HANDLE_*)."""
    return _require("virEventAddHandle").add_handle(
        operator.index(fd), operator.index(events), cb, opaque
    )


def virEventUpdateHandle(watch: int, events: int) -> None:  # noqa: N802
    _require("virEventUpdateHandle").update_handle(operator.index(watch), operator.index(events))


def virEventRemoveHandle(watch: int) -> int:  # noqa: N802
    loop = _require("virEventRemoveHandle")
    if loop.remove_handle(operator.index(watch)) < 0:
        raise fail("virEventRemoveHandle() failed")
    return 0
