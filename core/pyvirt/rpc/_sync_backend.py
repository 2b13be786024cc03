"""The synchronous client's transport: what :mod:`pyvirt.rpc._sync_client` (generated from the
asyncio client) calls where the asyncio client awaits.

The session logic (route, open, re-open, close, read-only refusal) is written once, in
:mod:`pyvirt.rpc._async_client`; this module gives it the same small interface as
:mod:`pyvirt.rpc._aio_backend` does, over the blocking fast path of :mod:`pyvirt.rpc._channel`
(one ``send`` and one blocking ``recv`` per call from the caller's thread, after a brief poll):

* :func:`connect` - a :class:`Link` whose ZMTP handshake is done, or libvirt's connect error;
* :meth:`Link.request` / :meth:`Link.call` - send one call and return its decoded reply;
* :meth:`Link.gone` - dead-detection before a call (one ``poll(0)``);
* :meth:`Link.keep_alive`, :meth:`Link.events`, :meth:`Link.close`.

A link serialises the threads that share it (a socket is read by one thread at a time); a
thread that waited while another found the peer gone gets :class:`LinkGone`, and the session
re-opens and sends its call there.  What only a synchronous driver connection has lives here
too: :class:`ClientBase` (the ``DriverConnection`` base, the stubs' ``_invoke``) and the
event thread behind ``connect_event_subscribe``.
"""

from __future__ import annotations

import itertools
import threading
import time

from pyvirt._codes import ErrorCode, ErrorDomain
from pyvirt._errors import VirtError, make_error
from pyvirt._records import ObjectEvent
from pyvirt.driver import DriverConnection
from pyvirt.rpc._channel import Channel, Keepalive, LinkGone, farewell_of, lost, reply_value
from pyvirt.rpc._codec import ProtocolError, decode, encode
from pyvirt.rpc._procs import PROC_EVENT, PROC_EVENT_ATTACH, PROC_EVENT_DETACH
from pyvirt.rpc._session import OPEN_TIMEOUT
from pyvirt.rpc._signatures import MADE as _SIGNATURES
from pyvirt.rpc._signatures import wire_signature
from pyvirt.rpc._wire import (
    _HEADER,
    PROGRAM_REMOTE,
    PROGRAM_VERSION,
    VERSION_FRAME,
    MessageType,
    Status,
    split_frames,
)
from pyvirt.rpc._zmtp import Frame, encode_two

# Not typing.TYPE_CHECKING: the client imports this module on every remote pyvirsh run.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from typing import Any

    from pyvirt._records import DomainRef, StorageVolRef
    from pyvirt._stream_driver import DriverStream
    from pyvirt.rpc._signatures import Signature
    from pyvirt.rpc._tls import TlsClient

    #: What :meth:`RemoteConnection.call` returns: the reply's decoded value.
    Reply = Any

__all__ = ["ClientBase", "Link", "Lock", "connect", "relayed"]

_pack_header = _HEADER.pack
#: The session's lock for re-opening (:class:`asyncio.Lock` on the asyncio side).
Lock = threading.Lock
#: virStorageVolUpload and virStorageVolDownload (their stubs are written by hand: a stream).
_UPLOAD, _DOWNLOAD, _CONSOLE, _SCREENSHOT = 208, 209, 201, 211
#: How long an event channel waits for a reply before looking at its stop flag again.
_EVENT_POLL = 0.2


def connect(
    endpoint: str, call_timeout: float, *, patient: bool = False, tls: TlsClient | None = None
) -> Link:
    """A link to *endpoint* whose ZMTP handshake has completed.

    Not *patient* (the daemon's socket): a socket that is not there fails at once with
    libvirt's "Failed to connect socket" message.  *patient* (a worker's socket): a refused
    connect, or a peer closing during the handshake, is tried again until
    :data:`~pyvirt.rpc._session.OPEN_TIMEOUT` - right after a worker died the daemon may still
    route to it, and its successor listens there soon after.  *tls*: wrap the connection in
    TLS with these settings (the tls transport).
    """
    channel = Channel(endpoint, tls)
    try:
        if not patient:
            channel.connect(OPEN_TIMEOUT)
        if not channel.wait_connected(OPEN_TIMEOUT):
            raise lost(f"cannot reach the daemon at {endpoint}")
    except BaseException:
        channel.close()
        raise
    return Link(channel, call_timeout)


def relayed(link: Link, call_timeout: float) -> Link:
    """The control *link* of an ssh connection, become the worker's (the remote helper relays
    it there after the route): calls on it now get *call_timeout*."""
    link.call_timeout = call_timeout
    return link


_unpack_header = _HEADER.unpack_from
_HEADER_SIZE = _HEADER.size
_REPLY = int(MessageType.REPLY)
_CONTINUE = int(Status.CONTINUE)


def _exchange(
    channel: Channel,
    program: int,
    proc: int,
    serial: int,
    args: Any,
    timeout: float,
    keepalive: Keepalive = None,
    resend_ok: bool = False,
) -> Any:
    """Send one call and return its reply's value (raise the error it carries).

    The header of the common reply, our own and well-formed, is read here: what
    ``split_frames`` checks, without its two frames (measured with 16 client processes on 2
    cores, where every call runs with cold caches, each Python frame less on a call's path
    is CPU the worker gets); anything else (a reply that is not ours, or malformed) takes
    ``split_frames``, which names the fault."""
    # A large call may wait for the peer to take it: that wait counts against the call's time.
    channel.send_bytes(
        encode_two(VERSION_FRAME, _pack_header(program, 1, proc, 0, serial, 0) + encode(args)),
        timeout,
        resend_ok=resend_ok,
    )
    while True:
        # Anything else that comes in (keepalive PONGs, stale replies) is skipped below.
        frames = (
            channel.recv(timeout) if keepalive is None else channel.recv_alive(timeout, keepalive)
        )
        payload = frames[-1]
        if len(frames) == 2 and frames[0] == VERSION_FRAME and len(payload) >= _HEADER_SIZE:
            got_program, version, _proc, kind, got_serial, status = _unpack_header(payload)
            if (
                kind == _REPLY
                and got_serial == serial
                and got_program == program
                and version == PROGRAM_VERSION
                and status < _CONTINUE
            ):
                return reply_value(status, payload[_HEADER_SIZE:])
        try:
            reply, body = split_frames(frames)
        except ProtocolError as exc:
            raise lost(f"malformed reply from the daemon: {exc}") from None
        if reply.type != MessageType.REPLY or reply.serial != serial:
            if reply.type == MessageType.EVENT and channel.farewell is None:
                channel.farewell = farewell_of(frames)  # the daemon is closing us
            continue  # a stale reply to a call that already failed
        return reply_value(reply.status, body)


def _session_gone(exc: VirtError) -> bool:
    """The worker does not know our session (it dropped it, or was restarted before we saw
    it die).  The call was refused before reaching the driver: it is safe to open again and
    send it there."""
    return exc.code == ErrorCode.RPC and exc.str2 == "connection not open"


class Link:
    """One connection to pyvirtd or a worker, shared by the threads of a session."""

    __slots__ = ("channel", "call_timeout", "keepalive", "_lock", "_serials", "_pinger")

    def __init__(self, channel: Channel, call_timeout: float) -> None:
        self.channel = channel
        #: How long :meth:`request` waits for its reply.
        self.call_timeout = call_timeout
        #: (interval, count) while keepalive is on: a call's wait pings the silent peer.
        self.keepalive: Keepalive = None
        self._lock = threading.Lock()
        self._serials = itertools.count(1)
        self._pinger: threading.Event | None = None  # set to stop the keepalive thread

    @property
    def endpoint(self) -> str:
        return self.channel.endpoint

    @property
    def unresponsive(self) -> bool:
        """The peer missed too many keepalive pings: the session closes for good."""
        return self.channel.unresponsive

    def gone(self) -> bool:
        """True when the peer went away (or stopped answering pings): do not send here.

        One ``poll(0)`` when no other thread is reading the socket; while one is, that reader
        marks the channel dead if the peer goes, so its flag is the answer."""
        channel = self.channel
        if self._lock.acquire(blocking=False):
            try:
                return channel.poll_events() or channel.unresponsive
            finally:
                self._lock.release()
        return channel.dead or channel.unresponsive

    def stale(self) -> bool:
        """What a call looks at before :meth:`request`: the flags only, no system call (the
        request itself finds a peer that went away meanwhile: see there)."""
        channel = self.channel
        return channel.dead or channel.unresponsive

    def goodbye(self) -> dict[str, Any] | None:
        """The error the daemon closed this link with (``client-disconnect``), if it did."""
        return self.channel.goodbye()

    def request(self, program: int, proc: int, args: Any) -> Any:
        """One call with the session's call timeout (and keepalive): its decoded result.

        :class:`LinkGone` when the call cannot have reached the driver: the peer was gone
        before it left (on a unix socket the send itself says so, EPIPE; other transports
        are polled first: a TCP send to a closed peer succeeds), or the worker no longer
        knows the session."""
        with self._lock:
            channel = self.channel
            if channel.dead or (not channel.local and channel.poll_events()):
                raise LinkGone(lost("the connection to the daemon was lost"))
            try:  # (self._exchange written out: a frame less on every call)
                return _exchange(
                    channel,
                    program,
                    proc,
                    next(self._serials),
                    args,
                    self.call_timeout,
                    self.keepalive,
                    True,
                )
            except VirtError as exc:
                if _session_gone(exc):
                    channel.dead = True
                    raise LinkGone(exc) from None
                raise

    def call(self, program: int, proc: int, args: Any, timeout: float) -> Any:
        """One call that gives up after *timeout* seconds."""
        with self._lock:
            channel = self.channel
            if channel.dead:  # found by the thread that held the lock meanwhile
                raise LinkGone(lost("the connection to the daemon was lost"))
            return self._exchange(channel, program, proc, args, timeout, None)

    def _exchange(
        self,
        channel: Channel,
        program: int,
        proc: int,
        args: Any,
        timeout: float,
        keepalive: Keepalive,
        resend_ok: bool = False,
    ) -> Any:
        """One exchange, the lock held."""
        try:
            return _exchange(
                channel, program, proc, next(self._serials), args, timeout, keepalive, resend_ok
            )
        except VirtError as exc:
            if _session_gone(exc):
                channel.dead = True
                raise LinkGone(exc) from None
            raise

    # -- keepalive -------------------------------------------------------------------------
    def keep_alive(self, settings: Keepalive) -> None:
        """Ping after *interval* seconds of silence; *count* missed pings in a row make the
        link unresponsive.  An idle link is pinged by a thread, a busy one from its call's
        wait.  None stops it."""
        self.keepalive = settings
        if settings is None:
            if self._pinger is not None:
                self._pinger.set()
                self._pinger = None
        elif self._pinger is None:
            stop = self._pinger = threading.Event()
            threading.Thread(
                target=self._ping_while_idle, args=(stop,), name="pyvirt-keepalive", daemon=True
            ).start()

    def _ping_while_idle(self, stop: threading.Event) -> None:
        """Ping an idle link every interval; a call in flight (holding the lock) pings from its
        own reply wait, so a busy lock is skipped."""
        while True:
            keepalive = self.keepalive
            if keepalive is None or stop.wait(keepalive[0]):
                return
            if not self._lock.acquire(blocking=False):
                continue
            try:
                channel = self.channel
                if stop.is_set() or channel.poll_events():
                    return  # gone, not silent: the next call re-routes
                try:
                    channel.ping()
                    channel.recv_alive(float(keepalive[0] * (keepalive[1] + 1)), keepalive, 1)
                except VirtError:
                    if channel.unresponsive:
                        return
            finally:
                self._lock.release()

    # -- events ----------------------------------------------------------------------------
    def events(self, token: bytes) -> Iterator[ObjectEvent]:
        """The session's events, on a channel of their own (calls keep this link): ends by
        raising when the worker goes away or the link is closed."""
        channel = _attach_events(self.endpoint, self.channel.tls, token, None)
        try:
            while True:
                if self.channel.dead:
                    raise lost("the connection to the daemon was lost")
                try:
                    frames = channel.listen(_EVENT_POLL)
                except VirtError as exc:
                    if exc.code == ErrorCode.OPERATION_TIMEOUT:
                        continue
                    raise
                event = _event_from(frames)
                if event is not None:
                    yield event
        finally:
            _detach_events(channel)

    def close(self) -> None:
        self.keep_alive(None)
        self.channel.close()


def _attach_events(
    endpoint: str, tls: TlsClient | None, token: bytes, stop: threading.Event | None
) -> Channel:
    """A channel of its own to the worker, attached to the session *token* for its events."""
    channel = Channel(endpoint, tls)
    # In slices, so that stopping is not held up by a worker or daemon that is gone for good.
    deadline = time.monotonic() + OPEN_TIMEOUT
    try:
        while not channel.wait_connected(0.1):
            if (stop is not None and stop.is_set()) or time.monotonic() > deadline:
                raise lost("cannot attach the event channel")
        _exchange(channel, PROGRAM_REMOTE, PROC_EVENT_ATTACH, 1, token, OPEN_TIMEOUT)
    except BaseException:
        channel.close()
        raise
    return channel


def _detach_events(channel: Channel) -> None:
    if not channel.dead:
        try:
            _exchange(channel, PROGRAM_REMOTE, PROC_EVENT_DETACH, 2, None, 1.0)
        except VirtError:
            pass
    channel.close()


def _event_from(frames: list[Frame]) -> ObjectEvent | None:
    """The lifecycle event a message carries; None for anything else (or a malformed one)."""
    try:
        header, body = split_frames(frames)
        if header.type != MessageType.EVENT or header.procedure != PROC_EVENT:
            return None
        _boot, _seq, event = decode(body)
    except (ProtocolError, ValueError, TypeError):
        return None
    return event if isinstance(event, ObjectEvent) else None


class ClientBase(DriverConnection):
    """What the generated :class:`~pyvirt.rpc._sync_client.RemoteConnection` has that the
    asyncio one has not: it is a driver connection, the stubs send through :meth:`_invoke`,
    and event listeners are called from a thread."""

    # Provided by the generated session class.
    read_only: bool
    _worker: Link | None
    _token: bytes
    _closed: bool
    call: Callable[[int, list[Any], Signature], Reply]
    _call_slow: Callable[[int, list[Any], Signature], Reply]
    _usable_worker: Callable[[], Link]

    _pump: _EventPump | None = None

    def _invoke(self, proc: int, args: list[Any]) -> Any:
        """The stubs' entry (:mod:`pyvirt.rpc._client_stubs`): the arguments checked,
        :meth:`call`, the result checked.

        The signature's lookup (``wire_signature``), ``checked``, :meth:`call`'s common case
        and ``checked_result`` are written out here, the same tests in the same order (a
        frame each less on every call: see _exchange); anything else goes through
        :meth:`call`."""
        sig = _SIGNATURES.get(proc) or wire_signature(proc)
        try:
            args = sig.check_args(args)
        except ProtocolError as exc:
            raise make_error(ErrorCode.INVALID_ARG, ErrorDomain.RPC, str(exc)) from None
        worker = self._worker
        if worker is None or self.read_only or proc > 0xFFFF:
            value = self.call(proc, args, sig)
        else:
            channel = worker.channel
            if channel.dead or channel.unresponsive:  # worker.stale()
                value = self.call(proc, args, sig)
            else:
                try:
                    value = worker.request(PROGRAM_REMOTE, proc, args)
                except LinkGone:
                    value = self._call_slow(proc, args, sig)
        try:
            return sig.result(value, sig.result_label)
        except ProtocolError as exc:
            raise lost(f"malformed reply to {sig.procedure.method}: {exc}") from None

    def connect_event_subscribe(self, listener: Callable[[ObjectEvent], None]) -> int:
        self._usable_worker()
        if self._pump is None:
            self._pump = _EventPump(self._attached_to)
        return self._pump.add(listener)

    def connect_event_unsubscribe(self, token: int) -> None:
        if self._pump is not None and self._pump.remove(token):
            self._pump.stop()
            self._pump = None

    def _attached_to(self) -> tuple[str, TlsClient | None, bytes] | None:
        """Where the session's events come from now (a re-open changes it)."""
        worker = self._worker
        if worker is None or self._closed:
            return None
        return worker.endpoint, worker.channel.tls, self._token

    # -- streams (pyvirt.rpc._streams): calls whose reply opens a stream -------------------
    def _open_stream(self, proc: int, args: list[Any]) -> DriverStream:
        from pyvirt.rpc._streams import open_stream

        worker = self._usable_worker()
        return open_stream(
            worker.endpoint, self._token, self.read_only, proc, args, worker.channel.tls
        )

    def storage_vol_upload(
        self, vol: StorageVolRef, offset: int, length: int, flags: int
    ) -> DriverStream:
        return self._open_stream(_UPLOAD, [vol, offset, length, flags])

    def storage_vol_download(
        self, vol: StorageVolRef, offset: int, length: int, flags: int
    ) -> DriverStream:
        return self._open_stream(_DOWNLOAD, [vol, offset, length, flags])

    def domain_screenshot(self, dom: DomainRef, screen: int, flags: int) -> bytes:
        stream = self._open_stream(_SCREENSHOT, [dom, screen, flags])
        pieces = []
        try:
            while piece := stream.read(1 << 20, False):
                assert isinstance(piece, bytes)
                pieces.append(piece)
        except BaseException:
            stream.abort()
            raise
        stream.finish()
        return b"".join(pieces)

    def domain_open_console(self, dom: DomainRef, dev_name: str | None, flags: int) -> int:
        from pyvirt.rpc._streams import RemoteStream, console_fd

        stream = self._open_stream(_CONSOLE, [dom, dev_name, flags])
        assert isinstance(stream, RemoteStream)
        return console_fd(stream)

    def _close_extras(self) -> None:
        """Stop the event thread (the session is closing)."""
        if self._pump is not None:
            self._pump.stop()
            self._pump = None


class _EventPump:
    """A thread with its own socket to the worker, calling listeners with the session's
    events; it follows the session to a re-opened worker."""

    def __init__(self, target: Callable[[], tuple[str, TlsClient | None, bytes] | None]) -> None:
        self._listeners: dict[int, Callable[[ObjectEvent], None]] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._target = target
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="pyvirt-events", daemon=True)
        self._thread.start()
        self._ready.wait(OPEN_TIMEOUT)
        if self._error is not None:
            raise self._error

    def add(self, listener: Callable[[ObjectEvent], None]) -> int:
        with self._lock:
            key = next(self._ids)
            self._listeners[key] = listener
            return key

    def remove(self, key: int) -> bool:
        """Forget *key*; True when no listener is left."""
        with self._lock:
            self._listeners.pop(key, None)
            return not self._listeners

    def stop(self) -> None:
        self._stop.set()
        if threading.current_thread() is not self._thread:
            self._thread.join(5)

    def _run(self) -> None:
        channel: Channel | None = None
        attached: tuple[str, TlsClient | None, bytes] | None = None
        while not self._stop.is_set():
            target = self._target()
            if channel is None or channel.dead or target != attached:
                if channel is not None:
                    channel.close()
                    channel = None
                try:
                    if target is None:
                        raise lost("the connection is closed")
                    channel = _attach_events(*target, self._stop)
                    attached = target
                except BaseException as exc:  # noqa: BLE001 - reported to the subscriber once
                    if not self._ready.is_set():
                        self._error = exc
                        self._ready.set()
                        return
                    self._stop.wait(0.5)
                    continue
                self._ready.set()
            try:
                frames = channel.listen(_EVENT_POLL)
            except VirtError:
                continue
            event = _event_from(frames)
            if event is None:
                continue
            with self._lock:
                listeners = list(self._listeners.values())
            for listener in listeners:
                try:
                    listener(event)
                except Exception:  # noqa: BLE001 - one bad listener must not stop the others
                    pass
        if channel is not None:
            _detach_events(channel)
