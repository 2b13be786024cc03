"""The asyncio client's streams, as far as it has them: a screenshot's image, read from a
stream as the synchronous client reads it (:mod:`pyvirt.rpc._streams`, whose messages and
credit these are; docs/protocol.md, "Streams").  A general asyncio ``Stream`` (uploads,
downloads, consoles) is not offered yet.
"""

from __future__ import annotations

import asyncio

from pyvirt._errors import VirtError
from pyvirt.rpc._aio_channel import Channel
from pyvirt.rpc._channel import lost, timed_out
from pyvirt.rpc._codec import ProtocolError, decode, encode
from pyvirt.rpc._procs import PROC_STREAM_ATTACH
from pyvirt.rpc._session import CALL_TIMEOUT, OPEN_TIMEOUT
from pyvirt.rpc._stream_wire import STREAM_WINDOW, stream_message
from pyvirt.rpc._wire import PROGRAM_REMOTE, MessageType, Status

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyvirt.rpc._tls import TlsClient

__all__ = ["read_whole_stream"]

_OPEN_SERIAL = 2  # as the synchronous client: attach is serial 1 on the stream's channel


async def read_whole_stream(
    endpoint: str, token: bytes, proc: int, args: list[object], tls: TlsClient | None = None
) -> bytes:
    """Open a channel to the worker at *endpoint* (in TLS with *tls*, as the session's own),
    attach it to session *token*, send the stream-opening call *proc* (*args* already
    checked) and return all the stream's data."""
    channel = await Channel.connect(endpoint, CALL_TIMEOUT, tls)
    try:
        await asyncio.wait_for(asyncio.shield(channel.ready), OPEN_TIMEOUT)
        queue: asyncio.Queue[tuple[int, int, bytes] | VirtError] = asyncio.Queue()
        channel.stream_queue = queue
        await channel.call(PROGRAM_REMOTE, PROC_STREAM_ATTACH, token, OPEN_TIMEOUT)
        await channel.call(PROGRAM_REMOTE, proc, args, CALL_TIMEOUT)
        write = channel._transport.write if channel._transport is not None else None
        if write is None:
            raise lost("the connection to the daemon was lost")

        def send(kind: int, status: int, body: bytes) -> None:
            write(stream_message(proc, _OPEN_SERIAL, kind, status, body))

        send(MessageType.STREAM_CREDIT, Status.OK, encode(STREAM_WINDOW))
        pieces: list[bytes] = []
        while True:
            try:
                item = await asyncio.wait_for(queue.get(), CALL_TIMEOUT)
            except TimeoutError:
                raise timed_out() from None
            if isinstance(item, VirtError):
                raise item
            kind, status, body = item
            if status == Status.ERROR:
                try:
                    raise VirtError.from_fields(decode(body))
                except (ProtocolError, TypeError, AttributeError):
                    raise lost("malformed stream error from the daemon") from None
            if status == Status.OK:
                return b"".join(pieces)  # the worker confirmed our finish
            if kind == MessageType.STREAM and not body:
                send(MessageType.STREAM, Status.OK, b"")  # finish; wait for the confirmation
                continue
            if kind == MessageType.STREAM:
                pieces.append(body)
                send(MessageType.STREAM_CREDIT, Status.OK, encode(1))
    finally:
        channel.close()
