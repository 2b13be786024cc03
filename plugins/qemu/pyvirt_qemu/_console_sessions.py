"""One console session per character device, as libvirt's virChrdevs keeps them.

Why a relay: to know whether a console is still open, the driver must hold the device end
itself.  So the caller gets one end of a socket pair, and a thread copies between the other
end and the device (a pty, or QEMU's unix socket).  When the caller closes its end the
session is over; a second ``open_console`` meanwhile is refused with libvirt's "Active
console session exists for this domain" unless it passes VIR_DOMAIN_CONSOLE_FORCE, which ends
the old session (its reader sees the end of the stream) and opens a new one.  The relay
writes to the caller's end blocking: a caller that stops reading stops the copying, and the
guest's serial port backs up rather than anything here buffering.
"""

from __future__ import annotations

import contextlib
import errno
import os
import select
import socket
import threading
from collections.abc import Callable

from pyvirt import ErrorCode, ErrorDomain, make_error

__all__ = ["ConsoleSessions"]

_CHUNK = 4096
#: How long a new session waits for the relay of one whose caller has just left to end.
_LEAVING = 5.0


class _Relay:
    """Copies between a device and the driver's end of the caller's socket pair."""

    def __init__(self, device: int, mine: socket.socket, done: Callable[[_Relay], None]) -> None:
        self.device = device
        self.mine = mine
        self.done = done
        self.ended = threading.Event()
        self.thread = threading.Thread(target=self._run, name="qemu-console", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def caller_left(self) -> bool:
        """The caller's end shows something to read (its close, or keystrokes before it):
        the relay is about to see it.  A session whose caller just closed its descriptor
        is not an active one, though its relay may not have noticed yet."""
        try:
            ready, _, _ = select.select([self.mine.fileno()], [], [], 0)
        except (OSError, ValueError):
            return True
        return bool(ready)

    def stop(self) -> None:
        """End the session: the caller reads the end of the stream."""
        with contextlib.suppress(OSError):
            self.mine.shutdown(socket.SHUT_RDWR)
        self.ended.wait(5)

    def _run(self) -> None:
        try:
            while self._copy_once():
                pass
        finally:
            with contextlib.suppress(OSError):
                os.close(self.device)
            self.mine.close()
            self.ended.set()
            self.done(self)

    def _copy_once(self) -> bool:
        mine = self.mine.fileno()
        ready, _, _ = select.select([self.device, mine], [], [])
        if self.device in ready:
            try:
                data = os.read(self.device, _CHUNK)
            except OSError as exc:  # EIO: the pty's other side (QEMU) is gone
                if exc.errno not in (errno.EIO, errno.ECONNRESET):
                    raise
                data = b""
            if not data:
                return False
            try:
                self.mine.sendall(data)
            except OSError:
                return False
        if mine in ready:
            try:
                data = self.mine.recv(_CHUNK)
            except OSError:
                data = b""
            if not data:
                return False
            view = memoryview(data)
            while view:
                try:
                    view = view[os.write(self.device, view) :]
                except OSError:
                    return False
        return True


class ConsoleSessions:
    """The open console sessions of one driver, by device."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        #: Held for a whole open, so that two opens (pyvirtd serves calls on a thread pool)
        #: cannot both find no session; not _lock, which a relay ending takes (_forget)
        #: while open may wait for that relay to stop.
        self._opening = threading.Lock()
        self._open: dict[str, _Relay] = {}

    def open(self, device: str, opener: Callable[[], int], force: bool) -> int:
        """A file descriptor on a new session of *device* (a key naming it), whose end
        *opener* opens; an active session is refused, or ended when *force*."""
        with self._opening:
            return self._open_session(device, opener, force)

    def _open_session(self, device: str, opener: Callable[[], int], force: bool) -> int:
        with self._lock:
            old = self._open.get(device)
        if old is not None and not old.ended.is_set() and old.caller_left():
            old.ended.wait(_LEAVING)  # the caller closed it just now: the relay is ending
        if old is not None and not old.ended.is_set():
            if not force:
                raise make_error(ErrorCode.OPERATION_FAILED, ErrorDomain.NONE,
                                 "Active console session exists for this domain")  # fmt: skip
            old.stop()
        fd = opener()
        theirs, mine = socket.socketpair()
        relay = _Relay(fd, mine, lambda r: self._forget(device, r))
        with self._lock:
            self._open[device] = relay
        relay.start()
        return theirs.detach()

    def _forget(self, device: str, relay: _Relay) -> None:
        with self._lock:
            if self._open.get(device) is relay:
                del self._open[device]
