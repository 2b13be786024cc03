"""libvirt's virStream for asyncio code: :class:`AsyncStream`, the twin of :class:`pyvirt.Stream`
(:meth:`pyvirt.aio.AsyncConnection.new_stream`, tied to a transfer by
:meth:`pyvirt.aio.AsyncStorageVol.upload` or ``download``).

The driver's end is awaited: through pyvirtd it is the asyncio client's
(:class:`pyvirt.rpc._aio_streams.AsyncRemoteStream`, the same STREAM messages and credit as
the synchronous client's); in process it is the driver's own :class:`pyvirt.driver.DriverStream`,
called on the event loop's thread as the rest of an in-process driver is
(:class:`pyvirt._aio_calls.LocalAsyncDriver`).  The checks, the pieces left over from a short
``recv`` and the holes are :class:`pyvirt._stream.StreamState`'s, shared with the synchronous
stream.  Handlers of the ``*_all`` loops may be plain functions or coroutine functions.
"""

from __future__ import annotations

import inspect

from pyvirt._errors import VirtError
from pyvirt._stream import (
    CHUNK,
    StreamFlags,
    StreamRecvFlags,
    StreamRecvStatus,
    StreamState,
    _in_use_error,
    _invalid_stream,
    check_hole_length,
    check_nbytes,
    owned_data,
)
from pyvirt._stream_driver import DriverStream, _stream_unsupported

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from pyvirt._aio_objects import AsyncConnection
    from pyvirt._stream_driver import Piece

__all__ = ["AsyncDriverStream", "AsyncStream", "LocalStreamEnd"]


class AsyncDriverStream:
    """The driver's end of one stream, awaitable (:class:`pyvirt.driver.DriverStream`'s
    contract).  What a stream does not serve raises VIR_ERR_OPERATION_UNSUPPORTED."""

    #: Set by a non-blocking stream: :meth:`read` raises :class:`BlockingIOError` rather
    #: than wait for data that has not come.
    nonblocking = False

    async def read(self, nbytes: int, holes: bool) -> Piece:
        raise _stream_unsupported("reading from this stream")

    async def write(self, data: bytes | memoryview) -> None:
        raise _stream_unsupported("writing to this stream")

    async def write_hole(self, length: int) -> None:
        raise _stream_unsupported("holes on this stream")

    async def finish(self) -> None:
        """The transfer is complete: make it so."""

    async def abort(self) -> None:
        """The transfer was abandoned: release what the stream holds."""


class LocalStreamEnd(AsyncDriverStream):
    """An in-process driver's :class:`~pyvirt.driver.DriverStream`, awaitable: its calls run
    on the event loop's thread (a file's end writes behind on a thread of its own)."""

    def __init__(self, end: DriverStream) -> None:
        self.end = end

    @property
    def nonblocking(self) -> bool:
        return self.end.nonblocking

    @nonblocking.setter
    def nonblocking(self, value: bool) -> None:
        self.end.nonblocking = value

    async def read(self, nbytes: int, holes: bool) -> Piece:
        return self.end.read(nbytes, holes)

    async def write(self, data: bytes | memoryview) -> None:
        self.end.write(data)

    async def write_hole(self, length: int) -> None:
        self.end.write_hole(length)

    async def finish(self) -> None:
        self.end.finish()

    async def abort(self) -> None:
        self.end.abort()


async def _result(value: Any) -> Any:
    """A handler's answer: awaited when the handler is a coroutine function."""
    return await value if inspect.isawaitable(value) else value


class AsyncStream(StreamState):
    """One stream of an asyncio connection: :class:`pyvirt.Stream`'s methods, awaitable.
    One transfer, one task at a time."""

    _end: AsyncDriverStream | None

    def __init__(self, conn: AsyncConnection, flags: int = 0) -> None:
        super().__init__(flags)
        self._conn = conn

    # -- binding ----------------------------------------------------------------------------
    async def _bind(self, end: AsyncDriverStream | DriverStream) -> None:
        """Tie the stream to the driver's end of the transfer that just opened (an in-process
        driver's own end is wrapped)."""
        if isinstance(end, DriverStream):
            end = LocalStreamEnd(end)
        if self._in_use:
            await end.abort()
            raise _in_use_error()
        end.nonblocking = bool(self.flags & StreamFlags.NONBLOCK)
        self._end = end

    @property
    def connection(self) -> AsyncConnection:
        """The connection the stream belongs to (virStreamNew's *conn*)."""
        return self._conn

    # -- sending ----------------------------------------------------------------------------
    async def send(self, data: bytes) -> int:
        """virStreamSend: hand *data* to the driver; the number of bytes taken."""
        end: AsyncDriverStream = self._driver_end("virStreamSend")
        await end.write(owned_data(data))
        return len(data)

    async def send_hole(self, length: int, flags: int = 0) -> None:
        """virStreamSendHole: skip *length* bytes of a sparse upload."""
        check_hole_length(length)
        end: AsyncDriverStream = self._driver_end("virStreamSendHole")
        await end.write_hole(length)

    async def send_all(self, handler: Callable[[AsyncStream, int], Any]) -> None:
        """virStreamSendAll: *handler(stream, nbytes)* (a function or a coroutine function)
        gives data until it gives ``b""``; each piece is sent.  A failure aborts the stream;
        on success the caller finishes it."""
        self._blocking_only("virStreamSendAll", "sources")
        try:
            while data := await _result(handler(self, CHUNK)):
                await self.send(data)
        except BaseException:
            await self._abort_quietly()
            raise

    async def sparse_send_all(
        self,
        handler: Callable[[AsyncStream, int], Any],
        hole_handler: Callable[[AsyncStream], Any],
        skip_handler: Callable[[AsyncStream, int], Any],
    ) -> None:
        """virStreamSparseSendAll, as :meth:`pyvirt.Stream.sparse_send_all` (each handler a
        function or a coroutine function)."""
        self._blocking_only("virStreamSparseSendAll", "sources")
        try:
            while True:
                in_data, section = await _result(hole_handler(self))
                if not in_data and section:
                    await self.send_hole(section)
                    await _result(skip_handler(self, section))
                    continue
                if not section:
                    break
                while section:
                    data = await _result(handler(self, min(section, CHUNK)))
                    if not data:
                        section = 0
                        break
                    await self.send(data)
                    section -= len(data)
        except BaseException:
            await self._abort_quietly()
            raise

    # -- receiving --------------------------------------------------------------------------
    async def _recv_view(self, nbytes: int, flags: int) -> bytes | memoryview | StreamRecvStatus:
        check_nbytes(nbytes)
        piece = self._take_pending()
        if piece is None:
            end: AsyncDriverStream = self._driver_end("virStreamRecv")
            try:
                piece = await end.read(nbytes, True)
            except BlockingIOError:
                return StreamRecvStatus.AGAIN  # VIR_STREAM_NONBLOCK, and nothing has come yet
        return self._hand_out(piece, nbytes, flags)

    async def recv(self, nbytes: int, flags: int = 0) -> bytes | StreamRecvStatus:
        """virStreamRecvFlags, as :meth:`pyvirt.Stream.recv`."""
        got = await self._recv_view(nbytes, flags)
        if isinstance(got, memoryview):
            return bytes(got)
        return got

    async def recv_hole(self, flags: int = 0) -> int:
        """virStreamRecvHole: the length of the hole recv stopped at; it is then consumed."""
        self._driver_end("virStreamRecvHole")
        return self._hole_pending()

    async def recv_all(
        self, handler: Callable[[AsyncStream, bytes], Any], *, views: bool = False
    ) -> None:
        """virStreamRecvAll: *handler(stream, data)* with every piece (holes as zeros) until
        the end; *views* as :meth:`pyvirt.Stream.recv_all`'s.  A failure aborts the stream;
        on success the caller finishes it."""
        await self._receive_all("virStreamRecvAll", handler, None, views)

    async def sparse_recv_all(
        self,
        handler: Callable[[AsyncStream, bytes], Any],
        hole_handler: Callable[[AsyncStream, int], Any],
        *,
        views: bool = False,
    ) -> None:
        """virStreamSparseRecvAll: data to *handler*, holes to *hole_handler(stream,
        length)*, until the end; the caller then finishes the stream."""
        await self._receive_all("virStreamSparseRecvAll", handler, hole_handler, views)

    async def _receive_all(
        self,
        api: str,
        handler: Callable[[AsyncStream, bytes], Any],
        hole_handler: Callable[[AsyncStream, int], Any] | None,
        views: bool,
    ) -> None:
        self._blocking_only(api, "sinks")
        flags = StreamRecvFlags.STOP_AT_HOLE if hole_handler is not None else 0
        try:
            while True:
                data = await self._recv_view(CHUNK, flags)
                if data == StreamRecvStatus.HOLE and hole_handler is not None:
                    await _result(hole_handler(self, await self.recv_hole()))
                    continue
                if not data:
                    break
                assert isinstance(data, (bytes, memoryview))
                await _result(handler(self, data if views else bytes(data)))  # type: ignore[arg-type]
        except BaseException:
            await self._abort_quietly()
            raise

    # -- ending -----------------------------------------------------------------------------
    async def finish(self) -> None:
        """virStreamFinish: complete the transfer (the driver reports what went wrong)."""
        end: AsyncDriverStream = self._driver_end("virStreamFinish")
        self._closed = True
        await end.finish()

    async def abort(self) -> None:
        """virStreamAbort: abandon the transfer."""
        end = self._end
        if end is None:
            raise _invalid_stream("virStreamAbort")
        if not self._closed:
            self._closed = True
            await end.abort()

    async def _abort_quietly(self) -> None:
        try:
            await self.abort()
        except VirtError:
            pass

    async def __aenter__(self) -> AsyncStream:
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._end is not None and not self._closed:
            await self.abort()
