"""A socket send that keeps the GIL, for a process whose threads have several calls out.

Why: CPython gives up the GIL around every socket call, and a thread that gave it up must
win it back.  With many threads of one process each waiting for a reply (a threaded
client: 250 connections, one per thread), every such hand-over is futex waits and context
switches: strace counted 12.3 futex calls per ``info()`` with 20 threads, 4.6 once the send
kept the GIL, and 250 threads of one process went from 22.0-23.6k to 25.0-25.7k calls/s
(client CPU per call 56-61 us -> 49-51 us).  The send is non-blocking (MSG_DONTWAIT), so
holding the GIL through it costs the other threads only the system call itself.

libc's ``send`` is called through :class:`ctypes.PyDLL`, whose calls keep the GIL; ctypes
is imported on the first such send, so a process that never has two calls out (pyvirsh)
never loads it.  Without ctypes (a Python built without it) the socket's own send is used.
"""

from __future__ import annotations

import errno
import os
import socket
from collections.abc import Callable

__all__ = ["send_keeping_gil"]

_libc_send: Callable[[int, bytes, int, int], int] | None = None
_get_errno: Callable[[], int] | None = None
_unavailable = False


def _load() -> bool:
    global _libc_send, _get_errno, _unavailable
    try:
        import ctypes
    except ImportError:
        _unavailable = True
        return False
    libc = ctypes.PyDLL(None, use_errno=True)
    send = libc.send
    send.argtypes = (ctypes.c_int, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_int)
    send.restype = ctypes.c_ssize_t
    _libc_send, _get_errno = send, ctypes.get_errno
    return True


def send_keeping_gil(sock: socket.socket, data: bytes, flags: int) -> int:
    """``sock.send(data, flags)`` without giving up the GIL; *flags* must hold
    MSG_DONTWAIT.  Raises :class:`BlockingIOError` when nothing could be sent and
    :class:`OSError` for a failure, as ``socket.send`` does."""
    assert flags & socket.MSG_DONTWAIT
    send = _libc_send
    if send is None:
        if _unavailable or not _load():
            return sock.send(data, flags)
        send = _libc_send
        assert send is not None
    while True:
        sent = send(sock.fileno(), data, len(data), flags)
        if sent >= 0:
            return sent
        assert _get_errno is not None
        code = _get_errno()
        if code == errno.EINTR:
            continue
        if code == errno.EAGAIN:
            raise BlockingIOError(code, os.strerror(code))
        raise OSError(code, os.strerror(code))
