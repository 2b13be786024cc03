"""ZMTP 3.1, ZeroMQ's wire protocol, spoken directly on a stream socket (NULL mechanism).

Why not always libzmq: every libzmq socket hands each message to a background I/O thread and
back, so a call and its reply cross four thread hand-offs on top of the two socket writes —
measured here, that is most of a call's 100+ us.  On the hot path (a client and the worker
serving it) both ends speak ZMTP themselves on a plain unix or TCP socket: the bytes on the
wire are exactly what libzmq sends and accepts, so a libzmq DEALER can still talk to a worker
and our client still talks to the daemon's libzmq ROUTER (tests check both directions).

Only what a DEALER/ROUTER pair needs is spoken: the 64-byte greeting, the NULL mechanism's
READY (with ``Socket-Type``), messages of one or more frames, PING answered with PONG and
ERROR reported.  ZMTP 1.0/2.0 peers and the PLAIN/CURVE mechanisms are refused.

Order matters at the start: a side must read the peer's READY before sending its first
message.  libzmq takes everything that arrives before it has sent its own READY for a
handshake command, and drops a connection whose first "command" is a message.
"""

from __future__ import annotations

import struct

from pyvirt.rpc._codec import MAX_MESSAGE

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

_SIGNATURE = b"\xff" + b"\x00" * 8 + b"\x7f"
GREETING_SIZE = 64
_MECHANISM_NULL = b"NULL".ljust(20, b"\x00")
_LONG = struct.Struct(">Q")
_PROPERTY_VALUE = struct.Struct(">I")
_MAX_COMMAND = 64 * 1024
#: A frame this large, on a decoder in bulk mode, is received into a buffer of its own and
#: handed over as a memoryview of it (see :class:`Decoder`).
BULK_FRAME = 64 * 1024

#: One frame of a decoded message: bytes, or (a large frame on a bulk decoder) a memoryview
#: of the buffer it was received into.
Frame = bytes | memoryview


class ZmtpError(Exception):
    """The peer broke ZMTP (or refused us): the connection must be dropped."""


def greeting(as_server: bool) -> bytes:
    """Our greeting: signature, version 3.1, the NULL mechanism, the as-server flag."""
    return (
        _SIGNATURE
        + b"\x03\x01"
        + _MECHANISM_NULL
        + (b"\x01" if as_server else b"\x00")
        + (b"\x00" * 31)
    )


def _frame_header(size: int, more: bool, command: bool = False) -> bytes:
    flags = (1 if more else 0) | (4 if command else 0)
    if size < 256:
        return bytes((flags, size))
    return bytes((flags | 2,)) + _LONG.pack(size)


def command(name: bytes, body: bytes = b"") -> bytes:
    data = bytes((len(name),)) + name + body
    return _frame_header(len(data), False, True) + data


def ready(socket_type: bytes) -> bytes:
    """The NULL mechanism's READY command announcing our socket type."""
    name = b"Socket-Type"
    prop = bytes((len(name),)) + name + _PROPERTY_VALUE.pack(len(socket_type)) + socket_type
    return command(b"READY", prop)


def handshake(socket_type: bytes, as_server: bool) -> bytes:
    """Everything one side sends before its first message."""
    return greeting(as_server) + ready(socket_type)


def encode_frames(frames: Sequence[Frame]) -> bytes:
    """One message of *frames* as bytes on the wire."""
    last = len(frames) - 1
    parts: list[Frame] = []
    for index, frame in enumerate(frames):
        size = len(frame)
        if size < 256:
            parts.append(bytes((1 if index < last else 0, size)))
        else:
            parts.append((b"\x03" if index < last else b"\x02") + _LONG.pack(size))
        parts.append(frame)
    return b"".join(parts)


_BYTE = [bytes((value,)) for value in range(256)]
_SHORT_LAST = b"\x00"  # the flags of a short last frame


def two_frame_prefix(first: bytes, size: int) -> bytes:
    """The bytes before the second frame's body in the message ``[first, <size bytes>]``
    (*first* shorter than 256 bytes: the protocol's version frame).  A sender that builds the
    second frame in pieces writes this prefix, then the pieces."""
    head = b"\x01" + bytes((len(first),)) + first
    if size < 256:
        return head + bytes((0, size))
    return head + b"\x02" + _LONG.pack(size)


def encode_two(first: bytes, second: bytes) -> bytes:
    """The message ``[first, second]``: the common case, built without a loop (and, both
    frames short, without two_frame_prefix's frame: every call and most replies)."""
    size = len(second)
    if size < 256:
        return b"\x01" + _BYTE[len(first)] + first + _SHORT_LAST + _BYTE[size] + second
    return two_frame_prefix(first, size) + second


def _one_message(data: bytes, limit: int, bulk: bool) -> list[Frame] | None:
    """The frames of *data* when it is exactly one message of two frames, the first short,
    within *limit*; None for anything else (:meth:`Decoder.feed`'s loop reads that).  With
    *bulk*, a large second frame is a view of *data* (see :class:`Decoder`).

    Every call and every reply is such a message read whole by one ``recv``: measured with
    16 client processes on 2 cores, where each process's caches are cold at each call,
    the loop's work cost 2-3 us of client CPU per call more than this."""
    end = len(data)
    if end < 4 or data[0] != 1:  # a short first frame with more to come, not a command
        return None
    at = 2 + data[1]
    if at + 2 > end:
        return None
    flags = data[at]
    if flags == 0:
        start = at + 2
        size = data[at + 1]
    elif flags == 2:
        start = at + 9
        if start > end:
            return None
        size = _LONG.unpack_from(data, at + 1)[0]
    else:
        return None
    if start + size != end or end - start + at - 2 > limit:
        return None
    if bulk and size >= BULK_FRAME:
        return [data[2:at], memoryview(data)[start:]]
    return [data[2:at], data[start:]]


_COMPATIBLE = {
    b"DEALER": (b"ROUTER", b"DEALER", b"REP"),
    b"ROUTER": (b"DEALER", b"ROUTER", b"REQ"),
}


def _properties(body: bytes) -> dict[bytes, bytes]:
    props: dict[bytes, bytes] = {}
    pos, end = 0, len(body)
    while pos < end:
        size = body[pos]
        name = body[pos + 1 : pos + 1 + size]
        pos += 1 + size
        if len(name) != size or size == 0 or pos + 4 > end:
            raise ZmtpError("malformed READY metadata")
        (vsize,) = _PROPERTY_VALUE.unpack_from(body, pos)
        pos += 4
        if pos + vsize > end:
            raise ZmtpError("malformed READY metadata")
        props[name.lower()] = body[pos : pos + vsize]
        pos += vsize
    return props


class Decoder:
    """Incremental reader of one connection's byte stream: greeting, READY, then messages.

    :meth:`feed` takes whatever a ``recv`` returned and gives back the complete messages in it
    (each a list of frames); an incomplete tail is kept as chunks and joined only once the
    frame it belongs to is complete, so a large message costs one copy, not one per chunk.
    Commands the peer expects an answer to (PING) leave their answer in :attr:`replies`;
    pyvirt's own commands (names beginning ``PV``, see :mod:`pyvirt.rpc._adopt`) are kept in
    :attr:`extensions` for the owner, in the order they came.

    Bulk mode (:attr:`bulk`, for a connection that carries a stream's data): a frame of
    ``BULK_FRAME`` bytes or more is not copied out of what was received.  One that arrived
    whole is a memoryview of the received bytes; one that did not gets a buffer of its own,
    which :meth:`bulk_view` offers for the rest (a reader passes it to ``recv_into`` and
    reports the count with :meth:`bulk_filled`), so the kernel writes the frame where it
    stays.  Why: an upload's receiver spent more time in ``memmove`` (joining the received
    pieces, slicing the frame out, slicing the header off: three copies of every byte) than
    in the kernel's copies from the socket and into the page cache.
    """

    __slots__ = (
        "_bulk",
        "_bulk_have",
        "_bulk_more",
        "bulk",
        "_chunks",
        "extensions",
        "_have",
        "_need",
        "_frames",
        "_size",
        "_state",
        "max_message",
        "peer_type",
        "replies",
        "socket_type",
    )

    def __init__(self, socket_type: bytes, max_message: int = MAX_MESSAGE) -> None:
        self.socket_type = socket_type
        self.max_message = max_message
        self.peer_type = b""
        self.replies = b""
        self.extensions: list[tuple[bytes, bytes]] = []
        self._chunks: list[bytes] = []
        self._have = 0
        self._need = GREETING_SIZE
        self._frames: list[Frame] = []
        self._size = 0  # bytes in the frames of the message being read
        self._state = 0  # 0: greeting, 1: waiting for READY, 2: messages
        #: Large frames are received in place and handed over as memoryviews (see above).
        self.bulk = False
        self._bulk: memoryview | None = None  # the large frame being received
        self._bulk_have = 0  # bytes of it received so far
        self._bulk_more = False  # more frames of its message follow it

    @property
    def ready(self) -> bool:
        """True once the peer's greeting and READY have been read."""
        return self._state == 2

    @property
    def idle(self) -> bool:
        """No part of a message is held: everything fed so far was whole messages (a relay
        that takes over the raw stream from here loses nothing)."""
        return not self._chunks and not self._frames and self._bulk is None

    def bulk_view(self) -> memoryview | None:
        """The part of the large frame being received that has not come yet, to receive
        into (then call :meth:`bulk_filled`); None when no large frame is half-received."""
        view = self._bulk
        return None if view is None else view[self._bulk_have :]

    def bulk_filled(self, count: int) -> list[list[Frame]]:
        """*count* more bytes of the large frame were received into :meth:`bulk_view`'s
        view; return the message that completed (if it did)."""
        view = self._bulk
        assert view is not None
        self._bulk_have += count
        if self._bulk_have < len(view):
            return []
        self._bulk = None
        self._frames.append(view)
        if self._bulk_more:
            return []
        frames, self._frames, self._size = self._frames, [], 0
        return [frames]

    def _bulk_start(self, data: bytes, start: int, size: int, more: bool) -> None:
        """A large frame of *size* bytes begins at *data[start:]* and ends beyond it: give
        it a buffer of its own, holding what came so far."""
        view = memoryview(bytearray(size))
        got = len(data) - start
        view[:got] = memoryview(data)[start:]
        self._bulk, self._bulk_have, self._bulk_more = view, got, more

    def feed_frames(self, data: bytes) -> list[list[Frame]]:
        """Consume *data*; return the messages it completed (frames of bytes only, unless in
        bulk mode: see :attr:`bulk`).  Raises :class:`ZmtpError`."""
        out: list[list[Frame]] = []
        view = self._bulk
        if view is not None:  # the rest of a large frame, received by a plain read
            have = self._bulk_have
            count = min(len(view) - have, len(data))
            view[have : have + count] = memoryview(data)[:count]
            out = self.bulk_filled(count)
            if count == len(data):
                return out
            data = data[count:]
        elif self._state == 2 and not self._chunks and not self._frames:
            whole = _one_message(data, self.max_message, self.bulk)
            if whole is not None:
                return [whole]
        if self._chunks:
            self._chunks.append(data)
            self._have += len(data)
            if self._have < self._need:
                return []
            data = b"".join(self._chunks)
            self._chunks = []
        pos = 0
        if self._state == 0:
            if len(data) < GREETING_SIZE:
                return self._keep(data, 0, GREETING_SIZE)
            self._greeting(data[:GREETING_SIZE])
            pos = GREETING_SIZE
        end = len(data)
        frames = self._frames
        limit = self.max_message
        while True:
            left = end - pos
            if left < 2:
                return self._keep(data, pos, 2, out) if left else out
            flags = data[pos]
            if flags & 2:
                if left < 9:
                    return self._keep(data, pos, 9, out)
                size = _LONG.unpack_from(data, pos + 1)[0]
                start = pos + 9
            else:
                size = data[pos + 1]
                start = pos + 2
            if flags & 0xF8:
                raise ZmtpError("reserved frame flags set")
            if size > limit:
                raise ZmtpError("frame larger than the message size limit")
            stop = start + size
            if stop > end:
                if size >= BULK_FRAME and self.bulk and not flags & 4 and self._state == 2:
                    self._size += size  # the checks below, for a frame completed later
                    if self._size > limit:
                        raise ZmtpError("message larger than the message size limit")
                    self._bulk_start(data, start, size, bool(flags & 1))
                    return out
                return self._keep(data, pos, stop - pos, out)
            pos = stop
            if flags & 4:
                if flags & 1 or frames:
                    raise ZmtpError("command inside a message")
                self._command(data[start:stop])
                continue
            if self._state != 2:
                raise ZmtpError("message before the handshake completed")
            self._size += size
            if self._size > limit:
                raise ZmtpError("message larger than the message size limit")
            if size >= BULK_FRAME and self.bulk:
                frames.append(memoryview(data)[start:stop])
            else:
                frames.append(data[start:stop])
            if not flags & 1:
                out.append(frames)
                frames = self._frames = []
                self._size = 0

    if TYPE_CHECKING:

        def feed(self, data: bytes) -> list[list[bytes]]:
            """:meth:`feed_frames` for a decoder not in bulk mode, whose frames are bytes."""
            ...

    else:
        feed = feed_frames  # the same method: no call more on every reply

    def _keep(
        self, data: bytes, pos: int, need: int, out: list[list[Frame]] | None = None
    ) -> list[list[Frame]]:
        tail = data[pos:] if pos else data
        self._chunks = [tail]
        self._have = len(tail)
        self._need = need
        return out if out is not None else []

    def _greeting(self, data: bytes) -> None:
        if data[0] != 0xFF or data[9] & 1 != 1:
            raise ZmtpError("not a ZMTP peer")
        if data[10] < 3:
            raise ZmtpError(f"unsupported ZMTP version {data[10]}.{data[11]}")
        if data[12:32] != _MECHANISM_NULL:
            mechanism = data[12:32].rstrip(b"\x00").decode("ascii", "replace")
            raise ZmtpError(f"unsupported security mechanism {mechanism!r}")
        self._state = 1

    def _command(self, body: bytes) -> None:
        if len(body) > _MAX_COMMAND or not body:
            raise ZmtpError("malformed command")
        size = body[0]
        name = body[1 : 1 + size]
        data = body[1 + size :]
        if name == b"ERROR":  # in place of READY (refused) or later
            reason = data[1 : 1 + data[0]] if data else b""
            raise ZmtpError(f"peer reported: {reason.decode('utf-8', 'replace')}")
        if self._state == 1:
            if name != b"READY":
                raise ZmtpError(f"expected READY, got {name!r}")
            peer = _properties(data).get(b"socket-type", b"")
            if peer not in _COMPATIBLE.get(self.socket_type, ()):
                raise ZmtpError(f"incompatible peer socket type {peer!r}")
            self.peer_type = peer
            self._state = 2
        elif name == b"PING":
            if len(data) < 2:
                raise ZmtpError("malformed PING")
            self.replies += command(b"PONG", data[2:18])
        elif name.startswith(b"PV"):
            self.extensions.append((name, data))
        # PONG and unknown commands are ignored, as the specification asks.


def socket_address(endpoint: str) -> tuple[int, str | tuple[str, int]]:
    """``(address family, address)`` of a ZeroMQ endpoint (``ipc://PATH`` or
    ``tcp://HOST:PORT``, IPv6 hosts in brackets), for :func:`socket.socket` and ``connect``."""
    import socket

    if endpoint.startswith("ipc://"):
        return socket.AF_UNIX, endpoint[len("ipc://") :]
    if endpoint.startswith("tcp://"):
        host, _, port = endpoint[len("tcp://") :].rpartition(":")
        if host.startswith("["):
            return socket.AF_INET6, (host[1:-1], int(port))
        return socket.AF_INET, (host, int(port))
    raise ValueError(f"unsupported endpoint {endpoint!r}")
