"""An application's own event loop under pyvirt.libvirt: ``virEventRegisterImpl``.

Programs that already run a loop (asyncio through libvirt-python's ``libvirtaio``, GLib, Qt)
hand libvirt six functions instead of calling ``virEventRunDefaultImpl``: add, update and
remove for file watches and for timers.  libvirt then asks that loop for every watch and timer
it needs (object events arrive through one timer per connection, as with the default loop).

The protocol is libvirt-python's: the application's ``addHandle(fd, events, cb, opaque)`` and
``addTimeout(timeout, cb, opaque)`` get a callback to call back, ``cb(watch, fd, events,
opaque)`` or ``cb(timer, opaque)``, and an opaque value that it passes unchanged, also to
``virEventInvokeFreeCallback(opaque)`` once it has dropped a removed watch or timer.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any, NamedTuple

from pyvirt.libvirt import _eventloop
from pyvirt.libvirt._errors import fail
from pyvirt.libvirt._eventloop import FreeCallback, HandleCallback, TimeoutCallback


class Opaque(NamedTuple):
    """What the application's loop holds for one watch or timer: libvirt's callback, its
    opaque value and the function that frees that value."""

    callback: Callable[..., object] | None
    opaque: Any
    free: FreeCallback | None


def _invoke_handle(watch: int, fd: int, events: int, opaque: Opaque) -> None:
    if opaque.callback is not None:
        opaque.callback(watch, fd, events, opaque.opaque)


def _invoke_timeout(timer: int, opaque: Opaque) -> None:
    if opaque.callback is not None:
        opaque.callback(timer, opaque.opaque)


def virEventInvokeFreeCallback(opaque: Any) -> None:  # noqa: N802
    """Free the opaque value of a watch or timer the application's loop has removed (call it
    from the loop, not from inside a libvirt call, as libvirt-python warns)."""
    if isinstance(opaque, Opaque) and opaque.free is not None:
        opaque.free(opaque.opaque)


class ExternalEventLoop:
    """The event loop interface of :class:`~pyvirt.libvirt._eventloop.DefaultEventLoop`,
    served by the application's six functions."""

    def __init__(self, *functions: Callable[..., Any]) -> None:
        for function in functions:
            if not callable(function):
                raise TypeError("event implementation functions must be callable")
        (self._add_handle, self._update_handle, self._remove_handle,
         self._add_timeout, self._update_timeout, self._remove_timeout) = functions  # fmt: skip

    def add_timeout(
        self, interval: int, callback: TimeoutCallback | None, opaque: Any,
        free: FreeCallback | None = None,
    ) -> int:  # fmt: skip
        timer = self._add_timeout(interval, _invoke_timeout, Opaque(callback, opaque, free))
        return _id(timer, "virEventAddTimeout")

    def update_timeout(self, timer: int, interval: int) -> None:
        self._update_timeout(timer, interval)

    def remove_timeout(self, timer: int) -> int:
        self._remove_timeout(timer)  # (its answer is not read, as in libvirt-python)
        return 0

    def add_handle(
        self, fd: int, events: int, callback: HandleCallback | None, opaque: Any,
        free: FreeCallback | None = None,
    ) -> int:  # fmt: skip
        watch = self._add_handle(fd, events, _invoke_handle, Opaque(callback, opaque, free))
        return _id(watch, "virEventAddHandle")

    def update_handle(self, watch: int, events: int) -> None:
        self._update_handle(watch, events)

    def remove_handle(self, watch: int) -> int:
        self._remove_handle(watch)
        return 0


def _id(answer: Any, api_name: str) -> int:
    """The application's answer as libvirt reads it: an int, -1 meaning failure."""
    try:
        number = operator.index(answer)
    except TypeError:
        raise fail(f"{api_name}() failed") from None
    if number < 0:
        raise fail(f"{api_name}() failed")
    return number


_registered = False


def virEventRegisterImpl(  # noqa: N802
    addHandle: Callable[..., Any],  # noqa: N803 - libvirt-python's parameter names
    updateHandle: Callable[..., Any],  # noqa: N803
    removeHandle: Callable[..., Any],  # noqa: N803
    addTimeout: Callable[..., Any],  # noqa: N803
    updateTimeout: Callable[..., Any],  # noqa: N803
    removeTimeout: Callable[..., Any],  # noqa: N803
) -> None:
    """Use the application's loop for libvirt's watches and timers.  Register it before
    opening connections; a second registration is refused, and after the default loop was
    registered this one is ignored (libvirt keeps the loop it has)."""
    global _registered
    if _registered:
        raise RuntimeError("Event loop is already registered")
    loop = ExternalEventLoop(
        addHandle, updateHandle, removeHandle, addTimeout, updateTimeout, removeTimeout
    )
    _registered = True
    _eventloop.install(loop)


class Waker:
    """Run *callback* in the application's loop, asked from any thread.

    libvirt calls an application's loop only from the loop's own thread (its remote driver
    reads the daemon's socket through a watch of that loop), and loops such as asyncio's may
    rely on it.  pyvirt's remote client receives events in a thread of its own, so it wakes
    the loop through a pipe the loop watches; the callback then runs in the loop's thread.
    """

    def __init__(self, loop: ExternalEventLoop, callback: Callable[[], object]) -> None:
        import os

        self._read, self._write = os.pipe()
        os.set_blocking(self._read, False)
        os.set_blocking(self._write, False)
        self._callback = callback
        self._loop = loop
        readable = 1  # VIR_EVENT_HANDLE_READABLE
        self._watch = loop.add_handle(self._read, readable, self._ready, None, self._close_pipe)

    def wake(self) -> None:
        import os

        try:
            os.write(self._write, b"\0")
        except (BlockingIOError, OSError):
            pass  # full (a wake-up is pending anyway) or closed (being removed)

    def _ready(self, _watch: int, fd: int, _events: int, _opaque: Any) -> None:
        import os

        try:
            while os.read(fd, 512):
                pass
        except (BlockingIOError, OSError):
            pass
        self._callback()

    def remove(self) -> None:
        """Stop watching; the pipe closes when the loop frees the watch."""
        self._loop.remove_handle(self._watch)

    def _close_pipe(self, _opaque: Any) -> None:
        import os

        for fd in (self._read, self._write):
            try:
                os.close(fd)
            except OSError:
                pass
