"""The shape of stream messages, shared by the client (:mod:`pyvirt.rpc._streams`) and the
worker (:mod:`pyvirtd._streams`).  docs/protocol.md, "Streams", is the description.

A stream message carries the procedure and serial of the call that opened the stream:

* STREAM / CONTINUE: raw data (not msgpack); an empty one is the end of a download;
* STREAM_HOLE / CONTINUE: msgpack ``[length, flags]``, a hole of a sparse stream;
* STREAM / OK: the sender is done (client: "finish"); the peer confirms with STREAM / OK, or
  reports the failure with STREAM / ERROR (an error record);
* STREAM / ERROR: from the client, abort (confirmed with STREAM / OK); from the worker, the
  stream failed (an error record);
* STREAM_CREDIT / OK: msgpack ``n``: the reader grants the sender *n* more data or hole
  messages.  A sender never has more messages in flight than it was granted.
"""

from __future__ import annotations

from pyvirt._codes import ErrorCode, ErrorDomain
from pyvirt._errors import VirtError, make_error
from pyvirt.rpc._codec import MAX_MESSAGE, ProtocolError, decode
from pyvirt.rpc._wire import (
    _HEADER,
    HEADER_SIZE,
    PROGRAM_REMOTE,
    VERSION_FRAME,
    MessageType,
    Status,
)
from pyvirt.rpc._zmtp import encode_two, two_frame_prefix

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyvirt._stream_driver import Piece

__all__ = [
    "GATHER_FROM",
    "STREAM_CHUNK",
    "MAX_DATA",
    "STREAM_SEND_BUFFER",
    "STREAM_WINDOW",
    "stream_message",
    "received_piece",
    "stream_message_head",
    "widen_send_buffer",
]

#: The most data one STREAM message from the worker carries (libvirt's 256 KiB packet).
STREAM_CHUNK = 256 * 1024
#: Messages a reader grants at first and keeps in flight: with STREAM_CHUNK, 2 MiB per stream is the
#: most a worker (or a client) ever queues for a reader that does not read.
STREAM_WINDOW = 8
#: The send buffer each side asks for on a stream's unix socket (:func:`widen_send_buffer`);
#: the kernel doubles it for its bookkeeping.  Why: a unix socket's default (wmem_default,
#: 208 KiB) is less than one 256 KiB piece, so the sender slept and woke for every piece and
#: the two sides took turns; measured with 1 GiB through pyvirtd, vol-upload went from
#: 1.15-1.36 to 1.50-1.72 GiB/s and a download to /dev/null from 1.0-1.2 to 1.9-2.1 GiB/s,
#: each side's CPU lower.
STREAM_SEND_BUFFER = 1 << 20
#: Linux's SO_SNDBUFFORCE (not in Python's socket module): SO_SNDBUF past net.core.wmem_max,
#: for a process with CAP_NET_ADMIN.
_SO_SNDBUFFORCE = 32
#: Data of this size or more is sent apart from its message's header (one sendmsg of both,
#: never joined: a 256 KiB piece was copied twice, into the message and into its frame);
#: smaller data is cheaper to join than to gather.
GATHER_FROM = 16 * 1024
#: The most data one message may carry: the message limit less the header.
MAX_DATA = MAX_MESSAGE - HEADER_SIZE

_pack = _HEADER.pack


def stream_message_head(proc: int, serial: int, kind: int, status: int, size: int) -> bytes:
    """The bytes of a stream message that come before its *size* bytes of data, for a sender
    that sends the two apart (:meth:`pyvirt.rpc._channel.Channel.send_gathered`)."""
    return two_frame_prefix(VERSION_FRAME, HEADER_SIZE + size) + _pack(
        PROGRAM_REMOTE, 1, proc, kind, serial, status
    )


def stream_message(
    proc: int, serial: int, kind: int, status: int, body: bytes | memoryview
) -> bytes:
    """One stream message, encoded for the wire."""
    return encode_two(VERSION_FRAME, _pack(PROGRAM_REMOTE, 1, proc, kind, serial, status) + body)


def widen_send_buffer(sock: object) -> None:
    """Give a stream's unix socket a send buffer of :data:`STREAM_SEND_BUFFER`: forced where
    the process may (root's daemon and clients: Debian's net.core.wmem_max, 208 KiB, would
    cap it at 416 KiB, under two pieces), else as far as wmem_max allows.  Anything else (a
    TCP socket, whose autotuning an explicit size would turn off; an ssh tunnel) is left as
    it is."""
    import socket
    import sys

    if getattr(sock, "family", None) != socket.AF_UNIX or not hasattr(sock, "setsockopt"):
        return  # (asyncio hands over its own wrapper of the socket: taken as one too)
    options = (_SO_SNDBUFFORCE, socket.SO_SNDBUF) if sys.platform == "linux" else (socket.SO_SNDBUF,)
    for option in options:
        try:
            sock.setsockopt(socket.SOL_SOCKET, option, STREAM_SEND_BUFFER)
            return
        except OSError:
            continue


def received_piece(kind: int, status: int, body: bytes | memoryview) -> Piece | None:
    """What a stream message from the worker means to the reader, for both clients: a
    piece (data, or a hole's length), None (a confirmation, which the caller waiting for it
    reads itself), or the failure it reports, raised."""
    if status == Status.ERROR:
        try:
            fields = decode(body)
        except ProtocolError:
            fields = None
        if not isinstance(fields, dict):
            raise make_error(ErrorCode.RPC, ErrorDomain.RPC, "malformed stream error from the daemon")
        raise VirtError.from_fields(fields)
    if status == Status.OK:
        return None
    if kind == MessageType.STREAM_HOLE:
        try:
            value = decode(body)
        except ProtocolError:
            value = None
        if not isinstance(value, list) or not value or type(value[0]) is not int:
            raise make_error(ErrorCode.RPC, ErrorDomain.RPC, "malformed stream hole from the daemon")
        return int(value[0])
    return body
