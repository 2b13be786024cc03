"""Sending and receiving multipart messages without pyzmq's Python-level wrappers.

For the libzmq sockets that remain: the daemon's and workers' ROUTERs and the asyncio
client's DEALER (the synchronous client has no libzmq socket, see pyvirt.rpc._channel).

pyzmq's ``send_multipart``/``recv_multipart`` are Python code around the Cython socket; for
the few-frame messages of an RPC call that wrapper costs more than the send itself (measured
here: 9.4 us for a 3-frame send_multipart, 1.9 us through the Cython methods).  Calls go
through the Cython base class directly; if a pyzmq build lacks it, the wrappers are used.

Waiting is done on the sockets' notification descriptors (``ZMQ_FD``) with a plain
``select.poll``, not with ``zmq_poll``: every ZeroMQ socket in a ``zmq_poll`` set costs a
``poll`` and a ``getpid`` system call per pass (libzmq asks each socket's mailbox), two
passes per wait, while one ``select.poll`` over descriptors is one system call.  The
descriptor is edge-like: it signals new commands, not waiting messages, so a socket must be
asked with :func:`has_message` after anything was done on it and before waiting on its
descriptor again (the rule ZeroMQ documents for ``ZMQ_FD``).  "More frames follow" is read
from the received frame rather than through ``getsockopt`` (an enum lookup per call).
"""

from __future__ import annotations

import struct
from typing import Any

import zmq

_SNDMORE = int(zmq.SNDMORE)
_RCVMORE = int(zmq.RCVMORE)
_NOBLOCK = int(zmq.NOBLOCK)
POLLIN = int(zmq.POLLIN)

_EVENTS = int(zmq.EVENTS)
_FD = int(zmq.FD)

try:
    from zmq.backend import Socket as _Base

    _send: Any = _Base.send
    _recv: Any = _Base.recv
    _get: Any = _Base.get
except (ImportError, AttributeError):  # pragma: no cover - other pyzmq backends
    _send = _recv = _get = None


def send_frames(sock: zmq.Socket, frames: list[bytes], flags: int = _NOBLOCK) -> None:
    """Send *frames* as one message (raises zmq.Again like send_multipart)."""
    if _send is None:
        sock.send_multipart(frames, flags)
        return
    last = len(frames) - 1
    for index, frame in enumerate(frames):
        _send(sock, frame, flags | _SNDMORE if index < last else flags)


def recv_frames(sock: zmq.Socket, flags: int = _NOBLOCK) -> list[bytes]:
    """Receive one whole message (raises zmq.Again when none is waiting)."""
    if _recv is None:
        frames: list[bytes] = sock.recv_multipart(flags)
        return frames
    frame = _recv(sock, flags, False)
    parts = [frame.bytes]
    while frame.more:
        frame = _recv(sock, flags, False)
        parts.append(frame.bytes)
    return parts


def has_message(sock: zmq.Socket) -> bool:
    """True when a message is waiting on *sock* (and its descriptor is re-armed if not)."""
    events: Any = sock.getsockopt(_EVENTS) if _get is None else _get(sock, _EVENTS)
    return bool(events & POLLIN)


def notify_fd(sock: zmq.Socket) -> int:
    """The descriptor that signals when *sock* may have become ready (``ZMQ_FD``)."""
    fd: Any = sock.getsockopt(_FD)
    return int(fd)


def recv_with_first_frame(sock: zmq.Socket, flags: int = _NOBLOCK) -> tuple[zmq.Frame, list[bytes]]:
    """Receive a message keeping its first frame as a zmq.Frame (for properties such as the
    source descriptor); the returned list holds a placeholder at index 0."""
    if _recv is None:
        parts = sock.recv_multipart(flags, copy=False)
        return parts[0], [b"", *(p.bytes for p in parts[1:])]
    first = _recv(sock, flags, False)
    frames: list[bytes] = [b""]
    frame = first
    while frame.more:
        frame = _recv(sock, flags, False)
        frames.append(frame.bytes)
    return first, frames


_MONITOR_EVENT = struct.Struct("=hi")


def recv_monitor_event(monitor: zmq.Socket) -> tuple[int, int]:
    """The next report of a socket monitor as ``(event, value)``; raises zmq.Again if none.

    The report's layout (a 16-bit event id and a 32-bit value, then the endpoint) read here
    rather than through ``zmq.utils.monitor``, which imports ``zmq.asyncio`` and with it
    asyncio: tens of milliseconds at every client's start-up.
    """
    frames = recv_frames(monitor)
    if len(frames) != 2 or len(frames[0]) != _MONITOR_EVENT.size:
        raise RuntimeError(f"invalid monitor report: {frames!r}")
    event, value = _MONITOR_EVENT.unpack(frames[0])
    return event, value
