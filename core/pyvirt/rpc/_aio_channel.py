"""One asyncio connection to a pyvirtd socket, speaking ZMTP itself (no libzmq).

Why not a libzmq socket: libzmq hands every message to a background I/O thread and back, and
on a call-reply round trip those hand-offs cost more than the call.  Here the event loop owns
the socket: :class:`Channel` is an :class:`asyncio.Protocol` over a plain unix or TCP
connection, and the bytes are ZeroMQ's (:mod:`pyvirt.rpc._zmtp`), so the peer may be libzmq
(the daemon's ROUTER) or not (a worker speaking ZMTP itself).

Built for many calls in flight on one connection:

* each read is decoded in one go, and every reply in it resolves the future of its serial;
* the first call after a flush is written at once (the peer starts on it); the calls that
  follow in the same loop iteration are queued, and one callback writes them all with a
  single ``transport.write``.  A read that brought replies schedules that callback itself,
  so it runs right after the tasks the replies woke: their next calls leave in the same
  iteration.  Measured against a ZMTP worker, client and worker pinned to two cores: 8 / 32
  calls in flight, 28k / 45k calls/s with batching alone, 46k / 93k with both; on one shared
  core, 41k / 55k and 38k / 52k.  Writing every call at once does as well on two cores and
  worse on one;
* there is no timer per call: one sweep per *tick* fails the calls older than the timeout,
  which it finds from the serials it saw at earlier sweeps (serials go out in order).

Nothing may be written before the peer's greeting and READY have been read (libzmq drops a
connection whose handshake "command" turns out to be a message), so the queue is held until
then; :attr:`Channel.ready` resolves at that moment.
"""

from __future__ import annotations

import asyncio
import socket
import ssl  # asyncio has imported it already
from collections import deque
from collections.abc import AsyncIterator
from typing import Any

from pyvirt._errors import VirtError
from pyvirt._records import ObjectEvent
from pyvirt.rpc._channel import (
    _PING,
    DN_REFUSED_TEXT,
    QUEUE_FULL_PAUSE,
    QUEUE_FULL_PAUSE_MAX,
    Keepalive,
    farewell_of,
    keepalive_timeout,
    lost,
    reply_value,
    timed_out,
)
from pyvirt.rpc._codec import ProtocolError, decode, encode
from pyvirt.rpc._procs import PROC_EVENT, PROC_EVENT_ATTACH
from pyvirt.rpc._stream_wire import GATHER_FROM
from pyvirt.rpc._wire import (
    _HEADER,
    HEADER_SIZE,
    PROGRAM_REMOTE,
    VERSION_FRAME,
    MessageType,
    Status,
)
from pyvirt.rpc._zmtp import (
    Decoder,
    Frame,
    ZmtpError,
    handshake,
    socket_address,
    two_frame_prefix,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyvirt.rpc._ssh import TunnelSocket
    from pyvirt.rpc._tls import TlsClient

_REPLY = int(MessageType.REPLY)
_EVENT = int(MessageType.EVENT)
_STREAM = int(MessageType.STREAM)
_ERROR = int(Status.ERROR)
_pack_header = _HEADER.pack
_unpack_header = _HEADER.unpack_from
#: Serials run 1..2**32-1, then start again at 1 (0 is left to keepalive messages).
_SERIALS = 0xFFFFFFFF
#: Everything before a call's header when header and body are shorter than 256 bytes, one
#: ready-made bytes per size (a call's bytes are written as prefix, header, body).
_SHORT_PREFIXES = [two_frame_prefix(VERSION_FRAME, size) for size in range(256)]


async def _connect_unix(path: str) -> socket.socket:
    """A unix socket connected to *path*; the caller bounds the wait (``wait_for``).

    Connected here, not by ``create_unix_connection``: when the listener's queue is full the
    connect fails with EAGAIN, which asyncio takes for a connect in progress, and it then hands
    over a socket that never connected.  A full queue is not a refusal: try again, pausing a
    little longer each time (as :func:`pyvirt.rpc._channel.open_socket` does)."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.setblocking(False)
    pause = QUEUE_FULL_PAUSE
    try:
        while True:
            try:
                sock.connect(path)
                return sock
            except BlockingIOError:
                await asyncio.sleep(pause)
                pause = min(pause * 2, QUEUE_FULL_PAUSE_MAX)
    except BaseException:
        sock.close()
        raise


class Channel(asyncio.Protocol):
    """A DEALER-side ZMTP connection: calls out, replies matched by serial, events queued."""

    def __init__(self, endpoint: str, timeout: float, tls: TlsClient | None = None) -> None:
        self.endpoint = endpoint
        #: TLS settings (the tls transport): asyncio's TLS wraps the connection.
        self.tls = tls
        self.loop = asyncio.get_running_loop()
        #: Calls without a reply after this many seconds fail with VIR_ERR_OPERATION_TIMEOUT.
        self.timeout = timeout
        self.pending: dict[int, asyncio.Future[Any]] = {}
        #: Events for :meth:`events`; the channel's end is queued last (the error it failed
        #: with), so an iterator waiting on it stops instead of hanging.
        self.event_queue: asyncio.Queue[ObjectEvent | VirtError] | None = None
        #: Stream messages, (type, status, body), for a channel that carries a stream
        #: (pyvirt.rpc._aio_streams); the channel's end is queued last, as for events.
        self.stream_queue: asyncio.Queue[tuple[int, int, bytes | memoryview] | VirtError] | None = None
        #: Why the channel can no longer be used (set once, never cleared).
        self.dead: VirtError | None = None
        #: The peer missed too many keepalive pings (see :meth:`keep_alive`).
        self.unresponsive = False
        #: The error the daemon closed this client with (pyvirt.rpc._channel.farewell_of).
        self.farewell: dict[str, Any] | None = None
        self._keepalive: Keepalive = None
        self._pinger: asyncio.TimerHandle | None = None
        self._heard = False  # something came in since the last keepalive tick
        self._missed = 0  # keepalive pings sent in a row without hearing anything
        #: Resolves when the peer's handshake has been read; fails if the channel dies first.
        self.ready: asyncio.Future[None] = self.loop.create_future()
        #: The peer closed the connection before completing its handshake: typically a dying
        #: process whose listening socket still accepted (worth trying again, unlike garbage).
        self.hung_up_early = False
        self._decoder = Decoder(b"DEALER")
        self._transport: asyncio.Transport | None = None
        self._outbox: list[bytes] = []
        self._flush_due = False  # a _flush callback is scheduled
        self._sent_at_once = False  # a call was written directly since the last flush
        self._open = False  # handshake done: the outbox may be written
        self._serial = 0
        self._sweeper: asyncio.TimerHandle | None = None
        #: (loop time, last serial sent) at each sweep, oldest first.
        self._marks: deque[tuple[float, int]] = deque()
        self._tick = min(1.0, timeout / 10)
        #: For an ssh endpoint, the tunnel (it tells why ssh ended): :mod:`pyvirt.rpc._ssh`.
        self.tunnel: TunnelSocket | None = None
        #: Set while the transport takes more (see :meth:`drain`); cleared by pause_writing.
        self._writable = asyncio.Event()
        self._writable.set()

    @classmethod
    async def connect(
        cls, endpoint: str, timeout: float, tls: TlsClient | None = None
    ) -> Channel:
        """Connect to *endpoint* (``ipc://PATH`` or ``tcp://HOST:PORT``, in TLS with *tls*)
        and start the handshake; the channel is usable at once (calls wait for :attr:`ready`).
        Raises :class:`OSError` when the connection cannot be made (:class:`ssl.SSLError` when
        the TLS handshake fails), ValueError for a bad endpoint."""
        channel = cls(endpoint, timeout, tls)
        loop = channel.loop
        if endpoint.startswith("ssh:"):
            from pyvirt.rpc._ssh import open_tunnel

            channel.tunnel = tunnel = open_tunnel(endpoint)
            await loop.create_unix_connection(lambda: channel, sock=tunnel)
            return channel
        family, address = socket_address(endpoint)
        if family == socket.AF_UNIX:
            assert isinstance(address, str)
            sock = await _connect_unix(address)
            await loop.create_unix_connection(lambda: channel, sock=sock)
        else:
            assert isinstance(address, tuple)
            if tls is None:
                await loop.create_connection(lambda: channel, address[0], address[1])
            else:
                await loop.create_connection(
                    lambda: channel,
                    address[0],
                    address[1],
                    ssl=tls.context,
                    server_hostname=tls.hostname or address[0],
                )
        return channel

    # asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family != socket.AF_UNIX:
            # asyncio sets TCP_NODELAY; keepalive lets the kernel notice a vanished host.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        transport.write(handshake(b"DEALER", False))

    def data_received(self, data: bytes) -> None:
        try:
            messages = self._decoder.feed_frames(data)
        except ZmtpError as exc:
            self._broken(str(exc))
            return
        self._received(messages)

    def _received(self, messages: list[list[Frame]]) -> None:
        """Act on what a read brought: the decoder's answers to the peer's PINGs, the end of
        the handshake, and *messages* (replies, events, a stream's messages)."""
        self._heard = True
        decoder = self._decoder
        if decoder.replies:
            assert self._transport is not None
            self._transport.write(decoder.replies)
            decoder.replies = b""
        if not self._open and decoder.ready:
            self._open = True
            if not self.ready.done():
                self.ready.set_result(None)
            if self._outbox:
                self._flush()
        pending = self.pending
        for frames in messages:
            if len(frames) != 2 or frames[0] != VERSION_FRAME or len(frames[1]) < HEADER_SIZE:
                continue  # not this protocol's: ignored, as a DEALER ignores what it cannot use
            payload = frames[1]
            _program, _version, procedure, kind, serial, status = _unpack_header(payload)
            if kind == _REPLY:
                future = pending.pop(serial, None)
                if future is None or future.done():
                    continue  # timed out or cancelled meanwhile
                try:
                    future.set_result(reply_value(status, payload[HEADER_SIZE:]))
                except VirtError as exc:
                    future.set_exception(exc)
            elif kind == _EVENT and procedure == PROC_EVENT and self.event_queue is not None:
                self._event(payload)
            elif kind >= _STREAM and self.stream_queue is not None:
                # a piece is not copied again to drop its header (a large one received in
                # place is a memoryview already)
                body = (memoryview(payload)[HEADER_SIZE:] if len(payload) >= GATHER_FROM
                        else payload[HEADER_SIZE:])  # fmt: skip
                self.stream_queue.put_nowait((kind, status, body))
            elif kind == _EVENT and self.farewell is None:
                self.farewell = farewell_of(frames)
        if messages and not self._flush_due:
            # Scheduled now, the flush runs in the next iteration right after the tasks these
            # replies wake, so the calls they make go out in that same iteration.
            self._flush_due = True
            self.loop.call_soon(self._flush)

    def eof_received(self) -> bool:
        return False  # close the transport: connection_lost follows

    def pause_writing(self) -> None:
        self._writable.clear()

    def resume_writing(self) -> None:
        self._writable.set()

    def carries_stream(self) -> None:
        """This channel carries a stream: a send buffer of several pieces for its unix
        socket (pyvirt.rpc._stream_wire.widen_send_buffer), and write-buffer limits that
        hold some (asyncio's default high-water mark, 64 KiB, is a quarter of one piece: each
        write would wait for the one before it to be almost gone)."""
        from pyvirt.rpc._stream_wire import STREAM_SEND_BUFFER, widen_send_buffer

        transport = self._transport
        if transport is not None:
            widen_send_buffer(transport.get_extra_info("socket"))
            transport.set_write_buffer_limits(STREAM_SEND_BUFFER, STREAM_SEND_BUFFER // 4)
            self._decoder.bulk = True
            transport.set_protocol(_InPlace(self))

    async def drain(self) -> None:
        """Wait while the transport holds more than its high-water mark unsent (a stream's
        sender: an upload never buffers without bound); raise once the channel is dead."""
        if not self._writable.is_set():
            await self._writable.wait()  # set again by resume_writing, or by fail
        if self.dead is not None:
            raise self.dead

    def write(self, data: bytes | memoryview) -> None:
        """Write *data* (one encoded message, a stream's) as it is; raise if the channel is
        dead or not open yet."""
        if self.dead is not None:
            raise self.dead
        if self._transport is None or not self._open:
            raise lost("the connection to the daemon was lost")
        self._transport.write(data)

    def connection_lost(self, exc: Exception | None) -> None:
        self._transport = None
        if self.tls is not None and isinstance(exc, ssl.SSLError):
            # the server refused our certificate (an alert after our side of the handshake)
            from pyvirt.rpc._tls import handshake_error

            self.fail(handshake_error(exc, self.tls.hostname))
            return
        if self._open:
            self.fail(lost("the connection to the daemon was lost"))
        elif self.tunnel is not None:  # ssh ended: its own reason, never tried again
            self.fail(self.tunnel.failure(isinstance(exc, ConnectionResetError)))
        else:
            self.hung_up_early = self.dead is None
            self.fail(self._handshake_failed("the peer closed the connection"))

    # calls

    def send(self, program: int, procedure: int, args: Any) -> asyncio.Future[Any]:
        """Queue one call; the future gets its decoded result or its error."""
        if self.dead is not None:
            raise self.dead
        serial = self._serial = self._serial % _SERIALS + 1
        future = self.loop.create_future()
        self.pending[serial] = future
        body = encode(args)
        size = HEADER_SIZE + len(body)
        prefix = _SHORT_PREFIXES[size] if size < 256 else two_frame_prefix(VERSION_FRAME, size)
        header = _pack_header(program, 1, procedure, 0, serial, 0)
        if not self._open:
            self._outbox += (prefix, header, body)  # written once the handshake is done
        else:
            if self._sent_at_once:
                self._outbox += (prefix, header, body)
            else:
                # The first call since the last flush is written at once: the peer (on
                # another core) starts on it while the calls that follow in this loop
                # iteration are queued for the flush.
                assert self._transport is not None
                self._transport.write(prefix + header + body)
                self._sent_at_once = True
            if not self._flush_due:
                self._flush_due = True
                self.loop.call_soon(self._flush)
        if self._sweeper is None:
            self._sweeper = self.loop.call_later(self._tick, self._sweep)
        return future

    #: The session's call (:mod:`pyvirt.rpc._async_client`): the reply's future, not a
    #: coroutine (one fewer object per call); a dead channel raises its error.
    request = send

    def gone(self) -> bool:
        """True when nothing may be sent here any more (the peer went, or stopped answering)."""
        return self.dead is not None

    def stale(self) -> bool:
        """What a call looks at before sending: :meth:`gone` (a flag here; the synchronous
        link's twin skips the system call its ``gone`` makes)."""
        return self.dead is not None

    def goodbye(self) -> dict[str, Any] | None:
        """The error the daemon closed this client with (``client-disconnect``), if it did."""
        return self.farewell

    async def call(self, program: int, procedure: int, args: Any, timeout: float) -> Any:
        """One call that gives up after *timeout* seconds (when shorter than the channel's)."""
        future = self.send(program, procedure, args)
        try:
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            raise timed_out() from None

    def _flush(self) -> None:
        self._flush_due = False
        self._sent_at_once = False
        outbox = self._outbox
        if not outbox or not self._open or self._transport is None:
            return
        self._outbox = []
        self._transport.write(b"".join(outbox))

    # events

    async def events(self, token: bytes) -> AsyncIterator[ObjectEvent]:
        """The session *token*'s events, attached on first use; ends by raising the error the
        channel died with (to every iterator waiting here)."""
        if self.event_queue is None:
            self.event_queue = asyncio.Queue()
            await self.call(PROGRAM_REMOTE, PROC_EVENT_ATTACH, token, self.timeout)
        queue = self.event_queue
        while True:
            item = await queue.get()
            if isinstance(item, VirtError):
                queue.put_nowait(item)  # for the next iterator waiting here
                raise item
            yield item

    def _event(self, payload: bytes | memoryview) -> None:
        assert self.event_queue is not None
        try:
            _boot, _seq, event = decode(payload[HEADER_SIZE:])
        except (ProtocolError, ValueError, TypeError):
            return
        if isinstance(event, ObjectEvent):
            self.event_queue.put_nowait(event)

    # keepalive

    def keep_alive(self, settings: Keepalive) -> None:
        """As libvirt's virKeepAlive: after *interval* seconds in which nothing came in, send a
        PING; when *count* of them in a row go unanswered, the channel dies with "connection
        closed due to keepalive timeout" and is marked :attr:`unresponsive`.  One timer per
        interval, and a flag set per read.  None stops it."""
        self._keepalive = settings
        self._missed = 0
        self._heard = False
        if self._pinger is not None:
            self._pinger.cancel()
            self._pinger = None
        if settings is not None and self.dead is None:
            self._pinger = self.loop.call_later(settings[0], self._keepalive_tick)

    def _keepalive_tick(self) -> None:
        settings = self._keepalive
        self._pinger = None
        if settings is None or self.dead is not None or self._transport is None:
            return
        if self._heard:
            self._heard = False
            self._missed = 0
        elif self._missed >= settings[1]:
            self.unresponsive = True
            self.fail(keepalive_timeout())
            self._transport.abort()
            return
        else:
            if self._open:
                self._transport.write(_PING)
            self._missed += 1
        self._pinger = self.loop.call_later(settings[0], self._keepalive_tick)

    def _sweep(self) -> None:
        """Fail the calls sent before a sweep at least :attr:`timeout` ago; a call fails
        between *timeout* and *timeout* + two ticks after it was sent."""
        now = self.loop.time()
        marks = self._marks
        marks.append((now, self._serial))
        horizon = now - self.timeout
        cutoff = None
        while marks and marks[0][0] <= horizon:
            cutoff = marks.popleft()[1]
        if cutoff is not None and self.pending:
            self._expire(cutoff)
        if self.pending:
            self._sweeper = self.loop.call_later(self._tick, self._sweep)
        else:
            self._sweeper = None
            marks.clear()

    def _expire(self, cutoff: int) -> None:
        # Serials wrap around, so "sent at or before cutoff" is measured as distance back from
        # the last serial; the pending dict is in sending order, oldest first.
        last = self._serial
        reach = (last - cutoff) % _SERIALS
        expired = []
        for serial in self.pending:
            if (last - serial) % _SERIALS < reach:
                break
            expired.append(serial)
        error = timed_out()
        for serial in expired:
            future = self.pending.pop(serial)
            if not future.done():
                future.set_exception(error)

    # end of life

    def _handshake_failed(self, reason: str) -> VirtError:
        return lost(f"ZMTP handshake with {self.endpoint} failed: {reason}")

    def _broken(self, reason: str) -> None:
        if self.tls is not None and not self._open and DN_REFUSED_TEXT in reason:
            from pyvirt.rpc._tls import dn_refused

            self.fail(dn_refused())
        elif self._open:
            self.fail(lost(f"protocol error from {self.endpoint}: {reason}"))
        else:
            self.fail(self._handshake_failed(reason))
        if self._transport is not None:
            self._transport.abort()

    def fail(self, error: VirtError) -> None:
        """Fail every pending call (and the handshake, if still waiting) with *error*."""
        if self.dead is not None:
            return
        self.dead = error
        self._outbox = []
        if self._sweeper is not None:
            self._sweeper.cancel()
            self._sweeper = None
        if self._pinger is not None:
            self._pinger.cancel()
            self._pinger = None
        if not self.ready.done():
            self.ready.set_exception(error)
            self.ready.exception()  # retrieved: nobody may be waiting for it
        pending, self.pending = self.pending, {}
        for future in pending.values():
            if not future.done():
                future.set_exception(error)
        if self.event_queue is not None:
            self.event_queue.put_nowait(error)
        if self.stream_queue is not None:
            self.stream_queue.put_nowait(error)
        self._writable.set()  # a drain waiting wakes and raises

    def close(self) -> None:
        self.fail(lost("the connection is closed"))
        if self._transport is not None:
            self._transport.close()


#: What a stream's channel reads at a time while no large frame is half-received: a piece's
#: head (its frame's size, the message header, its first bytes) and the small messages
#: between pieces.  Small, because whatever of a large frame comes in this read is copied
#: into the frame's own buffer: the rest is received in place.
_HEAD_READ = 16 << 10


class _InPlace(asyncio.BufferedProtocol):
    """A stream's channel once it carries a stream: its transport reads into the decoder's
    buffer of the large frame being received (a piece), so a piece is written where it stays
    (the synchronous client's and the daemon's "Receiving in place", docs/protocol.md).
    Everything else is the :class:`Channel`'s, which this hands on to.

    Why a protocol of its own: an :class:`asyncio.Protocol` is handed the bytes of each read,
    and a piece that spans reads was joined (one copy of every byte) and sliced out (another);
    a buffered protocol costs a copy on every small read instead, which a call's channel (no
    large frames) should not pay."""

    __slots__ = ("channel", "_head", "_into_frame")

    def __init__(self, channel: Channel) -> None:
        self.channel = channel
        # a memoryview, never the bytearray itself: asyncio's TLS reads fill what is left of
        # the buffer through a slice of it, and a bytearray's slice is a copy
        self._head = memoryview(bytearray(_HEAD_READ))
        self._into_frame = False  # the last buffer handed out was a large frame's

    def get_buffer(self, sizehint: int) -> memoryview:
        view = self.channel._decoder.bulk_view()
        self._into_frame = view is not None
        return self._head if view is None else view

    def buffer_updated(self, nbytes: int) -> None:
        channel = self.channel
        decoder = channel._decoder
        try:
            if self._into_frame:
                messages = decoder.bulk_filled(nbytes)
            else:
                messages = decoder.feed_frames(bytes(self._head[:nbytes]))
        except ZmtpError as exc:
            channel._broken(str(exc))
            return
        channel._received(messages)

    def eof_received(self) -> bool:
        return self.channel.eof_received()

    def pause_writing(self) -> None:
        self.channel.pause_writing()

    def resume_writing(self) -> None:
        self.channel.resume_writing()

    def connection_lost(self, exc: Exception | None) -> None:
        self.channel.connection_lost(exc)
