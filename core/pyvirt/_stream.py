"""libvirt's virStream: a channel of bytes (and, for sparse transfers, holes) between the caller
and a driver, opened unbound by :meth:`pyvirt.Connection.new_stream` and tied to a transfer by
the call that uses it (:meth:`pyvirt.StorageVol.upload`, :meth:`pyvirt.StorageVol.download`).

The stream does not care where the driver's end lives: in process it is the driver's own
:class:`pyvirt.driver.DriverStream`; through pyvirtd it is the remote client's, which moves the
same pieces as STREAM messages (:mod:`pyvirt.rpc._streams`).  The loops libvirt-python builds
on top (``sendAll``, ``recvAll`` and their sparse forms) are here once, with handler
callables, so both bindings share them.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pyvirt._checks import check_c_long_long
from pyvirt._codes import ErrorCode, ErrorDomain
from pyvirt._errors import VirtError, make_error

if TYPE_CHECKING:
    from pyvirt._connection import Connection
    from pyvirt._stream_driver import DriverStream, Piece

__all__ = ["Stream", "StreamFlags", "StreamRecvFlags", "StreamRecvStatus"]

#: How much :meth:`Stream.send_all` and :meth:`Stream.recv_all` move at a time (libvirt's
#: 64 KiB would cost a round of the loop per 64 KiB; 256 KiB is libvirt's stream packet).
CHUNK = 256 * 1024


class StreamFlags(enum.IntFlag):
    """virStreamFlags."""

    NONBLOCK = 1


class StreamRecvFlags(enum.IntFlag):
    """virStreamRecvFlagsValues."""

    STOP_AT_HOLE = 1


class StreamRecvStatus(enum.IntEnum):
    """What :meth:`Stream.recv` answers instead of bytes (libvirt's return codes)."""

    AGAIN = -2  #: a non-blocking stream has nothing yet
    HOLE = -3  #: the stream is at a hole (asked for with STOP_AT_HOLE): see recv_hole


def _invalid_stream(api: str) -> VirtError:
    return make_error(ErrorCode.INVALID_STREAM, ErrorDomain.STREAMS, api)


def _in_use_error() -> VirtError:
    return make_error(ErrorCode.INVALID_ARG, ErrorDomain.STREAMS, "the stream is already in use")


def owned_data(data: bytes) -> bytes:
    """virStreamSend's *data* as bytes of the stream's own: a driver's end may keep it after
    send returns (a file's end writes behind), so a caller's bytearray or memoryview is
    copied, as the caller may reuse it at once; anything else is refused before a byte goes."""
    if isinstance(data, bytes):
        return data
    if isinstance(data, (bytearray, memoryview)):
        return bytes(data)
    raise TypeError(f"virStreamSend: data must be bytes, not {type(data).__name__}")


def check_hole_length(length: int) -> None:
    """virStreamSendHole's check of *length*."""
    if check_c_long_long(length, "length", "virStreamSendHole") < 0:
        raise make_error(ErrorCode.INVALID_ARG, ErrorDomain.STREAMS,
                         "length in virStreamSendHole must be >= 0")  # fmt: skip


def check_nbytes(nbytes: int) -> None:
    """virStreamRecv's check of *nbytes*."""
    if check_c_long_long(nbytes, "nbytes", "virStreamRecv") < 0:
        raise make_error(ErrorCode.INVALID_ARG, ErrorDomain.STREAMS,
                         "nbytes in virStreamRecv must be >= 0")  # fmt: skip


class StreamState:
    """What :class:`Stream` and its asyncio twin (:class:`pyvirt._aio_stream.AsyncStream`)
    keep alike: the flags, the driver's end once bound, and a piece read but not yet handed
    out (what a caller's *nbytes* left over, or a hole's length)."""

    def __init__(self, flags: int = 0) -> None:
        self.flags = StreamFlags(flags)
        self._end: Any = None
        self._pending: Piece | None = None  # read but not yet handed out
        self._closed = False

    @property
    def _in_use(self) -> bool:
        """Tied to a transfer already (or closed): a second opener is refused."""
        return self._end is not None or self._closed

    def _driver_end(self, api: str) -> Any:
        end = self._end
        if end is None or self._closed:
            raise _invalid_stream(api)
        return end

    def _take_pending(self) -> Piece | None:
        pending, self._pending = self._pending, None
        return pending

    def _hand_out(
        self, piece: Piece, nbytes: int, flags: int
    ) -> bytes | memoryview | StreamRecvStatus:
        """What recv answers for *piece*: at most *nbytes* of it (the rest kept for the next
        recv), a hole as zeros or, with STOP_AT_HOLE, :attr:`StreamRecvStatus.HOLE`."""
        if isinstance(piece, int) and not isinstance(piece, bool):
            if flags & StreamRecvFlags.STOP_AT_HOLE:
                self._pending = piece
                return StreamRecvStatus.HOLE
            if piece > nbytes:
                self._pending = piece - nbytes
                piece = nbytes
            return bytes(piece)
        assert isinstance(piece, (bytes, memoryview))
        if len(piece) > nbytes:
            self._pending = piece[nbytes:]
            return piece[:nbytes]
        return piece

    def _hole_pending(self) -> int:
        """virStreamRecvHole: the hole recv stopped at, consumed."""
        pending = self._pending
        if not isinstance(pending, int):
            raise make_error(ErrorCode.OPERATION_INVALID, ErrorDomain.STREAMS,
                             "Invalid stream hole")  # fmt: skip
        self._pending = None
        return pending

    def _blocking_only(self, api: str, what: str) -> None:
        """libvirt's *All loops refuse a non-blocking stream (their data *what*: sources
        for the sending loops, sinks for the receiving ones)."""
        self._driver_end(api)
        if self.flags & StreamFlags.NONBLOCK:
            raise make_error(ErrorCode.OPERATION_INVALID, ErrorDomain.STREAMS,
                             f"data {what} cannot be used for non-blocking streams")  # fmt: skip


class Stream(StreamState):
    """One stream of a connection.  Not thread-safe: one transfer, one user at a time."""

    _end: DriverStream | None

    def __init__(self, conn: Connection, flags: int = 0) -> None:
        super().__init__(flags)
        self._conn = conn

    # -- binding ----------------------------------------------------------------------------
    def _bind(self, end: DriverStream) -> None:
        """Tie the stream to the driver's end of the transfer that just opened."""
        if self._in_use:
            end.abort()
            raise _in_use_error()
        end.nonblocking = bool(self.flags & StreamFlags.NONBLOCK)
        self._end = end

    @property
    def connection(self) -> Connection:
        """The connection the stream belongs to (virStreamNew's *conn*)."""
        return self._conn

    # -- sending ----------------------------------------------------------------------------
    def send(self, data: bytes) -> int:
        """virStreamSend: hand *data* to the driver; the number of bytes taken."""
        self._driver_end("virStreamSend").write(owned_data(data))
        return len(data)

    def send_hole(self, length: int, flags: int = 0) -> None:
        """virStreamSendHole: skip *length* bytes of a sparse upload."""
        check_hole_length(length)
        self._driver_end("virStreamSendHole").write_hole(length)

    def send_all(self, handler: Callable[[Stream, int], bytes]) -> None:
        """virStreamSendAll: call *handler(stream, nbytes)* for data until it returns
        ``b""``, sending each piece.  A failure aborts the stream; on success the caller
        finishes it (:meth:`finish`), as with libvirt."""
        self._blocking_only("virStreamSendAll", "sources")
        try:
            while data := handler(self, CHUNK):
                self.send(data)
        except BaseException:
            self._abort_quietly()
            raise

    def sparse_send_all(
        self,
        handler: Callable[[Stream, int], bytes],
        hole_handler: Callable[[Stream], tuple[bool, int]],
        skip_handler: Callable[[Stream, int], None],
    ) -> None:
        """virStreamSparseSendAll: *hole_handler(stream)* says whether the source is in data and
        how long that section is; data sections are read with *handler*, holes sent as holes
        and skipped in the source with *skip_handler(stream, length)*.  Ends when a data
        section has length 0; the caller then finishes the stream."""
        self._blocking_only("virStreamSparseSendAll", "sources")
        try:
            while True:
                in_data, section = hole_handler(self)
                if not in_data and section:
                    self.send_hole(section)
                    skip_handler(self, section)
                    continue
                if not section:
                    break
                while section:
                    data = handler(self, min(section, CHUNK))
                    if not data:
                        section = 0
                        break
                    self.send(data)
                    section -= len(data)
        except BaseException:
            self._abort_quietly()
            raise

    # -- receiving --------------------------------------------------------------------------
    def _next(self, nbytes: int, holes: bool) -> Piece:
        pending = self._take_pending()
        if pending is not None:
            return pending
        end: DriverStream = self._driver_end("virStreamRecv")
        return end.read(nbytes, holes)

    def recv(self, nbytes: int, flags: int = 0) -> bytes | StreamRecvStatus:
        """virStreamRecvFlags: up to *nbytes* bytes (``b""`` at the end).  With
        ``STOP_AT_HOLE``, a hole answers :attr:`StreamRecvStatus.HOLE` (its length from
        :meth:`recv_hole`); without it a hole reads as zeros."""
        got = self._recv_view(nbytes, flags)
        # A remote stream's large piece is a view of the buffer it was received into: one
        # copy here, where receiving it used to cost three (docs/protocol.md, "Streams").
        return bytes(got) if type(got) is memoryview else got

    def _recv_view(self, nbytes: int, flags: int) -> bytes | memoryview | StreamRecvStatus:
        """:meth:`recv`, a remote stream's large piece left a view (not copied)."""
        check_nbytes(nbytes)
        try:
            piece = self._next(nbytes, True)
        except BlockingIOError:
            return StreamRecvStatus.AGAIN  # VIR_STREAM_NONBLOCK, and nothing has come yet
        return self._hand_out(piece, nbytes, flags)

    def recv_hole(self, flags: int = 0) -> int:
        """virStreamRecvHole: the length of the hole the stream is at (after recv answered
        HOLE); it is then consumed.  Not at a hole: VIR_ERR_OPERATION_INVALID."""
        self._driver_end("virStreamRecvHole")
        return self._hole_pending()

    def recv_all(self, handler: Callable[[Stream, bytes], object], *, views: bool = False) -> None:
        """virStreamRecvAll: call *handler(stream, data)* with every piece (holes as zeros)
        until the end.  A failure aborts the stream; on success the caller finishes it.

        *views* (pyvirt's own): a piece received from pyvirtd may be handed over as a
        ``memoryview`` of the buffer it arrived in instead of being copied into ``bytes``,
        for a handler that only writes it out (``os.write`` and the like take either)."""
        self._blocking_only("virStreamRecvAll", "sinks")
        recv = self._recv_view if views else self.recv
        try:
            while data := recv(CHUNK, 0):
                assert isinstance(data, (bytes, memoryview))
                handler(self, data)  # type: ignore[arg-type]  # a view only when asked for
        except BaseException:
            self._abort_quietly()
            raise

    def sparse_recv_all(
        self,
        handler: Callable[[Stream, bytes], object],
        hole_handler: Callable[[Stream, int], object],
        *,
        views: bool = False,
    ) -> None:
        """virStreamSparseRecvAll: data to *handler(stream, data)*, holes to
        *hole_handler(stream, length)*, until the end; the caller then finishes the stream.
        *views*: as :meth:`recv_all`'s."""
        self._blocking_only("virStreamSparseRecvAll", "sinks")
        recv = self._recv_view if views else self.recv
        try:
            while True:
                data = recv(CHUNK, StreamRecvFlags.STOP_AT_HOLE)
                if data == StreamRecvStatus.HOLE:
                    hole_handler(self, self.recv_hole())
                    continue
                if not data:
                    break
                assert isinstance(data, (bytes, memoryview))
                handler(self, data)  # type: ignore[arg-type]  # a view only when asked for
        except BaseException:
            self._abort_quietly()
            raise

    # -- ending -----------------------------------------------------------------------------
    def finish(self) -> None:
        """virStreamFinish: complete the transfer (the driver reports what went wrong)."""
        end = self._driver_end("virStreamFinish")
        self._closed = True
        end.finish()

    def abort(self) -> None:
        """virStreamAbort: abandon the transfer."""
        end = self._end
        if end is None:
            raise _invalid_stream("virStreamAbort")
        if not self._closed:
            self._closed = True
            end.abort()

    def _abort_quietly(self) -> None:
        """Abort after a failure, which is the error worth reporting."""
        try:
            self.abort()
        except VirtError:
            pass

    def __enter__(self) -> Stream:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._end is not None and not self._closed:
            self.abort()
