"""Framing: the protocol-version delimiter frame, the header and the body.

A message is the ZeroMQ multipart ``[b"PYV1", header + body]`` (a ROUTER adds the peer's
routing id in front).  The header is a fixed 24-byte prefix decodable without the body —
``program, version, procedure, type, serial, status`` as six big-endian 32-bit words, like
libvirt's XDR header — so the server can route, refuse or count a call before touching its
arguments.  Header and body share one frame because every frame costs a few microseconds to
send, and a call is only a few frames.
"""

from __future__ import annotations

import enum
import struct
from collections import namedtuple

from pyvirt.rpc._codec import MAX_MESSAGE, ProtocolError

# Not typing.TYPE_CHECKING: every client imports this module.  Type checkers see the header's
# fields as a typing.NamedTuple; at run time collections.namedtuple makes the same class
# without importing typing.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import NamedTuple, TypeVar

    #: A frame as a decoder gives it: bytes, a view (a bulk decoder's large frame), either.
    _F = TypeVar("_F", bytes, memoryview, bytes | memoryview)

    class _HeaderFields(NamedTuple):
        program: int
        version: int
        procedure: int
        type: int
        serial: int
        status: int

else:
    _HeaderFields = namedtuple(
        "_HeaderFields", ("program", "version", "procedure", "type", "serial", "status")
    )

#: First frame of every message: delimiter and protocol version at once.
VERSION_FRAME = b"PYV1"

PROGRAM_REMOTE = 0x20008086  # libvirt's REMOTE program: the public API procedures
PROGRAM_KEEPALIVE = 0x6B656570  # "keep": PING / PONG
PROGRAM_DAEMON = 0x70797664  # "pyvd": daemon control (routing OPEN, worker notices)
PROGRAM_ADMIN = 0x06900690  # libvirt's ADMIN program, on the admin socket (pyvirt.admin)
PROGRAM_QEMU = 0x20008087  # libvirt's QEMU program: libvirt-qemu's procedures
PROGRAM_LXC = 0x00068000  # libvirt's LXC program: libvirt-lxc's procedures
PROGRAMS = frozenset(
    {PROGRAM_REMOTE, PROGRAM_QEMU, PROGRAM_LXC, PROGRAM_KEEPALIVE, PROGRAM_DAEMON, PROGRAM_ADMIN}
)
#: The programs whose procedures are rows of the procedure table (a worker serves them).
TABLE_PROGRAMS = frozenset({PROGRAM_REMOTE, PROGRAM_QEMU, PROGRAM_LXC})
PROGRAM_VERSION = 1

KEEPALIVE_PING = 1
KEEPALIVE_PONG = 2


class MessageType(enum.IntEnum):
    CALL = 0
    REPLY = 1
    EVENT = 2
    STREAM = 3
    #: libvirt's VIR_NET_STREAM_HOLE: a hole of a sparse stream, body ``[length, flags]``.
    STREAM_HOLE = 6
    #: pyvirt's own: the reader of a stream grants the sender more messages (body: how many).
    #: See docs/protocol.md, "Streams".
    STREAM_CREDIT = 7


class Status(enum.IntEnum):
    OK = 0
    ERROR = 1
    CONTINUE = 2


_HEADER = struct.Struct(">6I")
HEADER_SIZE = _HEADER.size
_CALL, _REPLY, _EVENT, _STREAM = 0, 1, 2, 3
_TYPES = frozenset(map(int, MessageType))  # (plain ints: the header check is per message)


class Header(_HeaderFields):
    """The fixed 24-byte header: six big-endian 32-bit words, as libvirt's XDR header.

    A named tuple rather than a dataclass: one is built per message, and tuple creation is
    several times cheaper.
    """

    __slots__ = ()

    def pack(self) -> bytes:
        return _HEADER.pack(*self)

    def reply(self, status: int = 0) -> Header:
        return Header(self.program, self.version, self.procedure, _REPLY, self.serial, status)

    def pack_reply(self, status: int = 0) -> bytes:
        """``reply(status).pack()`` without the tuple between: the worker's every reply."""
        return _HEADER.pack(self.program, self.version, self.procedure, _REPLY, self.serial, status)


_tuple_new = tuple.__new__


def unpack_header(data: bytes | memoryview) -> Header:
    """Decode and validate the header at the start of *data* (the body is not looked at)."""
    if len(data) < HEADER_SIZE:
        raise ProtocolError("message shorter than its header")
    # (tuple.__new__ is what Header._make calls, without _make's Python frame: every message)
    header: Header = _tuple_new(Header, _HEADER.unpack_from(data))
    if header.program not in PROGRAMS:
        raise ProtocolError(f"unknown program 0x{header.program:x}")
    if header.version != PROGRAM_VERSION:
        raise ProtocolError(f"unsupported version {header.version} of program 0x{header.program:x}")
    if header.type not in _TYPES or header.status > 2:
        raise ProtocolError("malformed header")
    return header


def message(header: Header, body: bytes) -> list[bytes]:
    """The frames of one message: the version delimiter, then header and body together."""
    return [VERSION_FRAME, header.pack() + body]


def split_frames(frames: Sequence[_F]) -> tuple[Header, _F]:
    """Validate ``[VERSION_FRAME, header + body]`` (routing ids already removed)."""
    if len(frames) != 2:
        raise ProtocolError(f"expected 2 frames, got {len(frames)}")
    if frames[0] != VERSION_FRAME:
        raise ProtocolError("unsupported protocol version")
    payload = frames[1]
    if len(payload) > MAX_MESSAGE:
        raise ProtocolError("message too large")
    return unpack_header(payload), payload[HEADER_SIZE:]
