"""Framing: the protocol-version delimiter frame, the header and the body.

A message is the ZeroMQ multipart ``[b"PYV1", header, body]`` (a ROUTER adds the peer's
routing id in front).  The header is a msgpack array decodable without the body —
``[program, version, procedure, type, serial, status]`` as libvirt's XDR header — so the
server can route, refuse or count a call before touching its arguments.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import msgpack

from pyvirt.rpc._codec import MAX_MESSAGE, ProtocolError

#: First frame of every message: delimiter and protocol version at once.
VERSION_FRAME = b"PYV1"

PROGRAM_REMOTE = 0x20008086  # libvirt's REMOTE program: the public API procedures
PROGRAM_KEEPALIVE = 0x6B656570  # "keep": PING / PONG
PROGRAM_DAEMON = 0x70797664  # "pyvd": daemon control (routing OPEN, worker notices)
PROGRAMS = frozenset({PROGRAM_REMOTE, PROGRAM_KEEPALIVE, PROGRAM_DAEMON})
PROGRAM_VERSION = 1

KEEPALIVE_PING = 1
KEEPALIVE_PONG = 2


class MessageType(enum.IntEnum):
    CALL = 0
    REPLY = 1
    EVENT = 2
    STREAM = 3


class Status(enum.IntEnum):
    OK = 0
    ERROR = 1
    CONTINUE = 2


@dataclass(frozen=True, slots=True)
class Header:
    program: int
    version: int
    procedure: int
    type: MessageType
    serial: int
    status: Status

    def pack(self) -> bytes:
        data: bytes = msgpack.packb(
            [
                self.program,
                self.version,
                self.procedure,
                int(self.type),
                self.serial,
                int(self.status),
            ]
        )
        return data

    def reply(self, status: Status = Status.OK) -> Header:
        return Header(
            self.program, self.version, self.procedure, MessageType.REPLY, self.serial, status
        )


_UINT32 = 2**32


def unpack_header(data: bytes) -> Header:
    """Decode and validate a header frame; raise :class:`ProtocolError` if it is not one."""
    if len(data) > 64:
        raise ProtocolError("header too large")
    try:
        fields = msgpack.unpackb(data, raw=False, max_array_len=6, max_map_len=0, max_str_len=0)
    except Exception as exc:  # noqa: BLE001 - any decoder failure means "not a header"
        raise ProtocolError(f"malformed header: {exc}") from None
    if not isinstance(fields, list) or len(fields) != 6:
        raise ProtocolError("malformed header")
    if not all(isinstance(f, int) and not isinstance(f, bool) and 0 <= f < _UINT32 for f in fields):
        raise ProtocolError("malformed header")
    program, version, procedure, mtype, serial, status = fields
    if program not in PROGRAMS:
        raise ProtocolError(f"unknown program 0x{program:x}")
    if version != PROGRAM_VERSION:
        raise ProtocolError(f"unsupported version {version} of program 0x{program:x}")
    try:
        return Header(program, version, procedure, MessageType(mtype), serial, Status(status))
    except ValueError:
        raise ProtocolError("malformed header") from None


def split_frames(frames: list[bytes]) -> tuple[Header, bytes]:
    """Validate ``[VERSION_FRAME, header, body]`` (routing ids already removed)."""
    if len(frames) != 3:
        raise ProtocolError(f"expected 3 frames, got {len(frames)}")
    if frames[0] != VERSION_FRAME:
        raise ProtocolError("unsupported protocol version")
    if sum(len(f) for f in frames) > MAX_MESSAGE:
        raise ProtocolError("message too large")
    return unpack_header(frames[1]), frames[2]
