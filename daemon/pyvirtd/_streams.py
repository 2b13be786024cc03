"""The worker's open streams: the driver's end of each (a :class:`pyvirt.driver.DriverStream`),
fed from the client's STREAM messages and pumped into STREAM messages for it.

Everything here runs on the worker's loop thread, as libvirt's daemon handles stream packets
on its event loop: a stream's data never waits for a pool thread.  Only the registration of a
newly opened stream comes from a pool thread (the opening call ran there), and it happens
before the call's reply is queued, so the client cannot send stream messages for a stream the
loop does not know yet.

Flow control, both ways, so that a stream never makes the worker buffer without bound:

* to the worker (an upload): each message is written to the driver's end as it is decoded;
  the worker reads its socket no faster than it writes, and the kernel's socket buffer holds
  back a client that sends faster;
* from the worker (a download): the client grants credit (STREAM_CREDIT, ``STREAM_WINDOW`` messages
  at first, then as it consumes them); the worker reads from the driver's end only while it
  holds credit, so at most ``STREAM_WINDOW`` messages of ``STREAM_CHUNK`` bytes per stream wait in the
  transport for a reader that does not read.  :attr:`WorkerStreams.peak_queued` records the
  most ever queued.

A stream fed by a device (a console: the driver hands back a descriptor, wrapped in an
:class:`~pyvirt.driver.FdStream`) is read when its descriptor is readable: the loop watches
it only while the stream holds credit, so a reader that stops reading stops the reading of
the device too, and the guest's serial port backs up instead of the worker's memory.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from pyvirt import ErrorCode, ErrorDomain, VirtError, make_error
from pyvirt.driver import BytesStream, DriverStream, FdStream
from pyvirt.rpc import (
    GATHER_FROM,
    STREAM_CHUNK,
    STREAM_WINDOW,
    MessageType,
    ProtocolError,
    Status,
    decode,
    encode,
    stream_message,
    stream_message_head,
)
from pyvirt.rpc.zmtp import Frame

from pyvirtd._transport import ZmtpServer

log = logging.getLogger("pyvirtd.streams")

_STREAM, _HOLE, _CREDIT = MessageType.STREAM, MessageType.STREAM_HOLE, MessageType.STREAM_CREDIT
_OK, _ERROR, _CONTINUE = Status.OK, Status.ERROR, Status.CONTINUE
#: Stream openers whose flag bit 1 asks for holes to travel as holes (the *_SPARSE_STREAM
#: flags of libvirt's upload and download).
_SPARSE_FLAG = {"storage_vol_download": 1}


@dataclass(eq=False)
class _Active:
    end: DriverStream
    ident: bytes
    proc: int
    serial: int
    holes: bool
    credit: int = 0
    at_end: bool = False  # the end of the data was sent: only finish or abort may follow
    watched: bool = False  # a device's descriptor is in the loop's epoll (see _pump)


class WorkerStreams:
    """The streams of every client of one worker, keyed by connection and serial."""

    def __init__(self, transport: ZmtpServer) -> None:
        self.transport = transport
        self.active: dict[tuple[bytes, int], _Active] = {}
        #: The most data messages any stream ever had queued unread in the transport.
        self.peak_queued = 0

    # -- opening and closing ------------------------------------------------------------
    def opened(self, ident: bytes, proc: int, serial: int, method: str, args: list[Any],
               end: DriverStream | int | bytes) -> None:  # fmt: skip
        """Register the driver's *end* of a stream just opened by call *serial* (a
        descriptor, for a console; bytes, for a screenshot)."""
        if isinstance(end, int):
            end = FdStream(end)
        elif isinstance(end, bytes):
            end = BytesStream(end)
        holes = bool(args[-1] & _SPARSE_FLAG.get(method, 0)) if args else False
        self.active[(ident, serial)] = _Active(end, ident, proc, serial, holes)

    def drop_peer(self, ident: bytes) -> None:
        """The client went away: abort its streams (a half-done upload stays as far as it
        got, as libvirt leaves it; the log says so)."""
        for key in [k for k in self.active if k[0] == ident]:
            stream = self.active.pop(key)
            log.info("a client went away with stream %d open: aborted", stream.serial)
            self._unwatch(stream)
            _quietly_abort(stream.end)

    def __len__(self) -> int:
        return len(self.active)

    # -- messages from clients ------------------------------------------------------------
    def handle(self, ident: bytes, kind: int, serial: int, status: int, body: Frame) -> None:
        stream = self.active.get((ident, serial))
        if stream is None:
            return  # a stream that already ended (or never was): nothing to answer
        try:
            if kind == _CREDIT:
                # Never more than a window: a client granting more gains nothing.
                stream.credit = min(stream.credit + _count(body), STREAM_WINDOW)
                self._pump(stream)
            elif kind == _HOLE:
                stream.end.write_hole(_hole_length(body))
            elif status == _CONTINUE:
                stream.end.write(body)
            elif status == _OK:
                self._end(stream)
                stream.end.finish()
                self._send(stream, _STREAM, _OK, b"")
            else:  # ERROR: the client aborts
                self._end(stream)
                stream.end.abort()
                self._send(stream, _STREAM, _OK, b"")
        except VirtError as exc:
            self._fail(stream, exc)
        except ProtocolError as exc:
            self._fail(stream, make_error(ErrorCode.RPC, ErrorDomain.RPC, str(exc)))
        except Exception as exc:  # noqa: BLE001 - a driver bug must not take the worker down
            log.exception("a stream's driver end failed")
            self._fail(stream, make_error(ErrorCode.INTERNAL_ERROR, ErrorDomain.STREAMS, str(exc)))

    def _pump(self, stream: _Active) -> None:
        """Send what the credit allows: data, holes, then the end of the data.  A device's
        stream is only watched here; :meth:`_device_ready` sends."""
        fd = stream.end.fileno()
        if fd >= 0:
            if stream.credit > 0 and not stream.watched and not stream.at_end:
                stream.watched = True
                self.transport.watch(fd, lambda: self._device_ready(stream))
            return
        while stream.credit > 0 and not stream.at_end:
            piece = stream.end.read(STREAM_CHUNK, stream.holes)
            if isinstance(piece, int):
                self._send(stream, _HOLE, _CONTINUE, encode([piece, 0]))
            else:
                self._send(stream, _STREAM, _CONTINUE, piece)
                stream.at_end = not piece
            stream.credit -= 1
        peer = self.transport.peers.get(stream.ident)
        if peer is not None and peer.backlog > self.peak_queued:
            self.peak_queued = peer.backlog

    def _device_ready(self, stream: _Active) -> None:
        """The device of a stream has data (or ended): send one message of it."""
        try:
            piece = stream.end.read(STREAM_CHUNK, False)
        except BlockingIOError:
            return
        except VirtError as exc:
            self._fail(stream, exc)
            return
        assert isinstance(piece, bytes)
        try:
            self._send(stream, _STREAM, _CONTINUE, piece)
        except VirtError as exc:
            self._fail(stream, exc)
            return
        stream.credit -= 1
        stream.at_end = not piece
        if stream.credit <= 0 or stream.at_end:
            self._unwatch(stream)

    def _unwatch(self, stream: _Active) -> None:
        if stream.watched:
            stream.watched = False
            self.transport.unwatch(stream.end.fileno())

    # -- sending --------------------------------------------------------------------------
    def _send(self, stream: _Active, kind: int, status: int, body: bytes | memoryview) -> None:
        if len(body) >= GATHER_FROM:  # a piece: queued apart from its header, not copied
            head = stream_message_head(stream.proc, stream.serial, kind, status, len(body))
            sent = self.transport.send(stream.ident, head, body)
        else:
            sent = self.transport.send(
                stream.ident, stream_message(stream.proc, stream.serial, kind, status, body)
            )
        if not sent:
            raise make_error(ErrorCode.RPC, ErrorDomain.RPC, "the client of the stream is gone")

    def _end(self, stream: _Active) -> None:
        self.active.pop((stream.ident, stream.serial), None)
        self._unwatch(stream)

    def _fail(self, stream: _Active, exc: VirtError) -> None:
        """The stream failed: abort the driver's end, tell the client, forget the stream."""
        self._end(stream)
        _quietly_abort(stream.end)
        data = stream_message(stream.proc, stream.serial, _STREAM, _ERROR, encode(exc.to_fields()))
        self.transport.send(stream.ident, data)


def _quietly_abort(end: DriverStream) -> None:
    try:
        end.abort()
    except Exception:  # noqa: BLE001 - nothing more can be done for a stream going away
        log.exception("aborting a stream failed")


def _count(body: Frame) -> int:
    value = decode(body)
    if type(value) is not int or not 0 < value <= 1 << 20:
        raise ProtocolError("malformed stream credit")
    return value


def _hole_length(body: Frame) -> int:
    value = decode(body)
    if (not isinstance(value, list) or len(value) != 2 or type(value[0]) is not int
            or value[0] < 0):  # fmt: skip
        raise ProtocolError("malformed stream hole")
    return int(value[0])
