"""The asyncio client's streams: the client's end of a stream opened through pyvirtd, as a
:class:`pyvirt._aio_stream.AsyncDriverStream`, so that :class:`pyvirt.aio.AsyncStream` serves it
as it serves an in-process driver's end.  The twin of :mod:`pyvirt.rpc._streams`: the same
messages, the same credit (docs/protocol.md, "Streams"), a channel of its own per stream.

An upload's sender waits while the channel's transport holds more than its high-water mark
(:meth:`pyvirt.rpc._aio_channel.Channel.drain`): asyncio's transports buffer whatever they
are given, and a disk slower than the network must hold the sender back, not fill memory.
"""

from __future__ import annotations

import asyncio
import socket

from pyvirt._aio_stream import AsyncDriverStream
from pyvirt._codes import ErrorCode, ErrorDomain
from pyvirt._errors import VirtError, make_error
from pyvirt.rpc._aio_channel import Channel
from pyvirt.rpc._channel import lost, timed_out
from pyvirt.rpc._codec import encode
from pyvirt.rpc._procs import PROC_STREAM_ATTACH
from pyvirt.rpc._session import CALL_TIMEOUT, OPEN_TIMEOUT, check_access
from pyvirt.rpc._signatures import wire_signature
from pyvirt.rpc._stream_wire import MAX_DATA, STREAM_WINDOW, received_piece, stream_message
from pyvirt.rpc._stub_support import checked
from pyvirt.rpc._wire import PROGRAM_REMOTE, MessageType, Status

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from pyvirt._stream_driver import Piece
    from pyvirt.rpc._tls import TlsClient

__all__ = [
    "AsyncRemoteStream",
    "checked_stream_args",
    "console_fd",
    "open_async_stream",
    "read_whole_stream",
]

_STREAM, _HOLE, _CREDIT = MessageType.STREAM, MessageType.STREAM_HOLE, MessageType.STREAM_CREDIT
_OPEN_SERIAL = 2  # as the synchronous client: attach is serial 1 on the stream's channel
#: How long abort waits for the worker to confirm (it aborts anyway when the socket closes).
_ABORT_WAIT = 5.0
#: An item of the channel's stream queue: (type, status, body), or the error it died with.
_Item = tuple[int, int, bytes | memoryview] | VirtError


async def open_async_stream(
    endpoint: str, token: bytes, proc: int, args: list[Any], tls: TlsClient | None = None
) -> AsyncRemoteStream:
    """Open a channel to the worker at *endpoint* (in TLS with *tls*, as the session's own),
    attach it to session *token*, send the stream-opening call *proc* with *args* (already
    checked: :func:`checked_stream_args`) and return the client's end of the stream."""
    channel = await Channel.connect(endpoint, CALL_TIMEOUT, tls)
    try:
        await asyncio.wait_for(asyncio.shield(channel.ready), OPEN_TIMEOUT)
        queue: asyncio.Queue[_Item] = asyncio.Queue()
        channel.stream_queue = queue
        channel.carries_stream()
        await channel.call(PROGRAM_REMOTE, PROC_STREAM_ATTACH, token, OPEN_TIMEOUT)
        await channel.call(PROGRAM_REMOTE, proc, args, CALL_TIMEOUT)
    except TimeoutError:
        channel.close()
        raise lost(f"cannot reach the daemon at {endpoint}") from None
    except BaseException:
        channel.close()
        raise
    return AsyncRemoteStream(channel, queue, proc)


def checked_stream_args(proc: int, args: list[Any], read_only: bool) -> list[Any]:
    """*args* of the stream opener *proc* checked against its signature, and the permission
    check of its row (nothing is sent when either fails)."""
    sig = wire_signature(proc)
    args = checked(sig, args)
    check_access(sig.procedure, args, read_only)
    return args


async def read_whole_stream(
    endpoint: str, token: bytes, proc: int, args: list[Any], tls: TlsClient | None = None
) -> bytes:
    """All the data of the stream call *proc* opens (a screenshot's image), the stream then
    finished."""
    stream = await open_async_stream(endpoint, token, proc, args, tls)
    pieces: list[bytes] = []
    try:
        while piece := await stream.read(MAX_DATA, False):
            assert not isinstance(piece, int)
            pieces.append(bytes(piece))
    except BaseException:
        await stream.abort()
        raise
    await stream.finish()
    return b"".join(pieces)


class AsyncRemoteStream(AsyncDriverStream):
    """The asyncio client's end of one stream through pyvirtd."""

    def __init__(self, channel: Channel, queue: asyncio.Queue[_Item], proc: int) -> None:
        self.channel = channel
        self.queue = queue
        self.proc = proc
        self.granted = False  # the first read grants the window
        self.consumed = 0  # messages read since credit was last granted
        self.at_end = False
        self.done = False

    # -- sending ----------------------------------------------------------------------------
    def _send(self, kind: int, status: int, body: bytes | memoryview) -> None:
        if self.done:
            raise make_error(ErrorCode.INVALID_STREAM, ErrorDomain.STREAMS, "the stream is closed")
        self.channel.write(stream_message(self.proc, _OPEN_SERIAL, kind, status, body))

    def _check_failed(self) -> None:
        """Raise the worker's error if it reported the stream failed meanwhile (a disk full
        during an upload), without waiting."""
        while not self.queue.empty():
            self._message(self.queue.get_nowait())

    async def write(self, data: bytes | memoryview) -> None:
        if len(data) > MAX_DATA:
            raise make_error(ErrorCode.RPC, ErrorDomain.RPC,
                             f"Stream data too long to send ({len(data)} bytes needed, "
                             f"{MAX_DATA} bytes available)")  # fmt: skip
        self._check_failed()
        self._send(_STREAM, Status.CONTINUE, data)
        await self.channel.drain()

    async def write_hole(self, length: int) -> None:
        self._check_failed()
        self._send(_HOLE, Status.CONTINUE, encode([length, 0]))
        await self.channel.drain()

    # -- receiving --------------------------------------------------------------------------
    def _message(self, item: _Item) -> Piece | None:
        """What a stream message means: a piece, or None (nothing for the reader); a
        failure is raised."""
        if isinstance(item, VirtError):
            self.done = True
            raise item
        kind, status, body = item
        if status == Status.ERROR:
            self._close()
        return received_piece(kind, status, body)

    async def read(self, nbytes: int, holes: bool) -> Piece:
        if self.at_end:
            return b""
        if not self.granted:
            self.granted = True
            self._send(_CREDIT, Status.OK, encode(STREAM_WINDOW))
        while True:
            if self.nonblocking and self.queue.empty():
                raise BlockingIOError("no stream data yet")
            try:
                item = await asyncio.wait_for(self.queue.get(), CALL_TIMEOUT)
            except TimeoutError:
                raise timed_out() from None
            piece = self._message(item)
            if piece is None:
                continue
            self.consumed += 1
            if self.consumed * 2 >= STREAM_WINDOW and piece != b"":
                self._send(_CREDIT, Status.OK, encode(self.consumed))
                self.consumed = 0
            if piece == b"":
                self.at_end = True
            return piece

    # -- ending -----------------------------------------------------------------------------
    async def _await_confirmation(self, timeout: float) -> None:
        while True:
            try:
                item = await asyncio.wait_for(self.queue.get(), timeout)
            except TimeoutError:
                raise timed_out() from None
            if self._message(item) is None:
                assert not isinstance(item, VirtError)
                if item[0] == _STREAM and item[1] == Status.OK:
                    return

    async def finish(self) -> None:
        await self._end(Status.OK, CALL_TIMEOUT)

    async def abort(self) -> None:
        try:
            await self._end(Status.ERROR, _ABORT_WAIT)
        except VirtError:
            pass  # the worker aborts it when the socket closes

    async def _end(self, status: int, timeout: float) -> None:
        """Send STREAM with *status* (OK: finish, ERROR: abort), wait for the worker's OK,
        close the channel."""
        if self.done:
            return
        try:
            self._send(_STREAM, status, b"")
            await self._await_confirmation(timeout)
        finally:
            self._close()

    def _close(self) -> None:
        self.done = True
        self.channel.close()


def console_fd(stream: AsyncRemoteStream) -> tuple[int, asyncio.Task[None]]:
    """A descriptor joined to a console stream, as the driver contract's
    ``domain_open_console`` returns one in process, and the task that pumps it: one end of a
    socket pair, the other end read and written by the task.  Closing the descriptor ends the
    stream; the end of the stream (the guest went away, another session forced this one out)
    or of the event loop closes it."""
    theirs, mine = socket.socketpair()
    mine.setblocking(False)
    task = asyncio.get_running_loop().create_task(_pump_console(stream, mine))

    def ended(_task: asyncio.Task[None]) -> None:
        # However the pump ended, even cancelled before it ran (a connection closed at once
        # cancels it; so does asyncio.run on its way out): the stream's socket closes now,
        # and the worker ends the console session, which would otherwise stay held until
        # the garbage collector found the socket, refusing the next open_console.
        mine.close()
        stream._close()

    task.add_done_callback(ended)
    return theirs.detach(), task


async def _pump_console(stream: AsyncRemoteStream, mine: socket.socket) -> None:
    loop = asyncio.get_running_loop()

    async def keys() -> None:  # the caller's writes, to the guest
        while data := await loop.sock_recv(mine, 65536):
            await stream.write(data)

    async def output() -> None:  # the guest's output, to the caller (credit as read() grants)
        while True:
            piece = await stream.read(65536, False)
            if not piece or isinstance(piece, int):
                return
            await loop.sock_sendall(mine, piece)

    tasks = [loop.create_task(keys()), loop.create_task(output())]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        mine.close()
        await stream.abort()
