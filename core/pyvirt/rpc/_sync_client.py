"""The synchronous client: a driver connection whose methods are calls to pyvirtd.

Opening asks the daemon which worker serves the URI, then opens the connection on that
worker; every later call goes straight to the worker (one hop).  Each socket is watched for
disconnection, so when a worker or the daemon dies, a call in flight fails at once with a
clear error instead of hanging, and the next call re-routes and re-opens (the daemon restarts
its workers).  Calls from several threads are serialised on the connection.

Keepalive (``connect_set_keepalive``) covers what the monitor cannot see: a worker that is alive
but does not answer (stopped, hung host), whose socket stays open.  As libvirt's virKeepAlive:
after *interval* seconds of silence a KEEPALIVE/PING goes out, and when *count* pings in a row
get no answer the connection is closed for good (calls then fail with VIR_ERR_RPC "connection
closed due to keepalive timeout").  An idle connection is pinged by a thread that takes the
connection's lock; a call in flight pings from its own reply wait.
"""

from __future__ import annotations

import itertools
import os
import select
import threading
import time
from collections.abc import Callable
from typing import Any

import zmq

from pyvirt._codes import ErrorCode, ErrorDomain
from pyvirt._errors import VirtError, make_error
from pyvirt._records import ObjectEvent
from pyvirt._uri import URI
from pyvirt.driver import DriverConnection
from pyvirt.rpc._client_common import CALL_TIMEOUT, _check_socket, lost
from pyvirt.rpc._codec import ProtocolError, decode, encode
from pyvirt.rpc._procs import (
    PROC_CONNECT_CLOSE,
    PROC_CONNECT_OPEN,
    PROC_EVENT,
    PROC_EVENT_ATTACH,
    PROC_EVENT_DETACH,
    PROC_ROUTE,
)
from pyvirt.rpc._signatures import Signature
from pyvirt.rpc._stubs import install_stubs
from pyvirt.rpc._target import resolve
from pyvirt.rpc._wire import (
    _HEADER,
    KEEPALIVE_PING,
    PROGRAM_DAEMON,
    PROGRAM_KEEPALIVE,
    PROGRAM_REMOTE,
    VERSION_FRAME,
    MessageType,
    Status,
    split_frames,
)
from pyvirt.rpc._zmqfast import (
    has_message,
    notify_fd,
    recv_frames,
    recv_monitor_event,
    send_frames,
)

# pyzmq's flags are IntFlag members; plain ints skip enum arithmetic on every message.
_NOBLOCK = int(zmq.NOBLOCK)
_pack_header = _HEADER.pack

#: How long re-routing waits for a restarted worker.
REOPEN_TIMEOUT = 10.0

_context_lock = threading.Lock()
_context: zmq.Context | None = None
_context_pid = 0


def context() -> zmq.Context:
    """One ZeroMQ context per process, made after any fork."""
    global _context, _context_pid
    with _context_lock:
        if _context is None or _context_pid != os.getpid():
            _context = zmq.Context()
            _context_pid = os.getpid()
        return _context


def keepalive_timeout() -> VirtError:
    return lost("connection closed due to keepalive timeout")


#: (interval, count) of a keepalive, or None.
Keepalive = tuple[int, int] | None


class Channel:
    """One DEALER socket to one peer, with a monitor that reports disconnection."""

    def __init__(self, endpoint: str, *, heartbeat_ms: int = 0) -> None:
        self.endpoint = endpoint
        self.sock = context().socket(zmq.DEALER)
        self.sock.setsockopt(zmq.LINGER, 0)
        self.sock.setsockopt(zmq.IMMEDIATE, 1)
        self.sock.setsockopt(zmq.MAXMSGSIZE, 16 * 1024 * 1024)
        if heartbeat_ms > 0 and endpoint.startswith("tcp://"):
            self.sock.setsockopt(zmq.HEARTBEAT_IVL, heartbeat_ms)
            self.sock.setsockopt(zmq.HEARTBEAT_TIMEOUT, heartbeat_ms * 3)
        self.monitor = self.sock.get_monitor_socket(
            zmq.EVENT_CONNECTED | zmq.EVENT_DISCONNECTED | zmq.EVENT_CLOSED
        )
        self.sock.connect(endpoint)
        self.connected = False
        self.dead = False
        #: The peer missed too many keepalive pings (it may still hold the socket open).
        self.unresponsive = False
        # Waits are on the notification descriptors (see pyvirt.rpc._zmqfast): one for the
        # reply wait (socket and monitor), one for "has the monitor reported anything?".
        self._monitor_fd = notify_fd(self.monitor)
        self._waiter = select.poll()
        self._waiter.register(notify_fd(self.sock), select.POLLIN)
        self._waiter.register(self._monitor_fd, select.POLLIN)
        self._monitor_waiter = select.poll()
        self._monitor_waiter.register(self._monitor_fd, select.POLLIN)

    def _drain_monitor(self) -> None:
        while True:
            try:
                kind, _value = recv_monitor_event(self.monitor)
            except zmq.Again:
                return
            if kind == zmq.EVENT_CONNECTED:
                self.connected = True
            elif kind in (zmq.EVENT_DISCONNECTED, zmq.EVENT_CLOSED):
                if self.connected:
                    self.dead = True
                self.connected = False

    def wait_connected(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while not self.connected:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            if self.monitor.poll(int(remaining * 1000) + 1):
                self._drain_monitor()
        return True

    def poll_events(self) -> bool:
        """Take in connect/disconnect reports without waiting; True when the peer is gone.

        Reports are otherwise only read while waiting for a reply, so without this a call
        made after the peer died would go out on the dead socket.  Looks at the monitor's
        descriptor first, as reading an empty monitor raises (which costs several times more);
        the monitor is always read until empty, so its descriptor signals any new report.
        """
        if self._monitor_waiter.poll(0):
            self._drain_monitor()
        return self.dead

    def send(self, frames: list[bytes], timeout: float = 5.0) -> None:
        if self.poll_events():
            raise lost("the connection to the daemon was lost")
        deadline = time.monotonic() + timeout
        while True:
            try:
                send_frames(self.sock, frames)
                return
            except zmq.Again:
                pass
            # IMMEDIATE: nothing is queued until the handshake with the peer has completed.
            # Wait for that, but give up at once if the peer is reported gone meanwhile.
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise lost(f"cannot reach the daemon at {self.endpoint}")
            poller = zmq.Poller()
            poller.register(self.sock, zmq.POLLOUT)
            poller.register(self.monitor, zmq.POLLIN)
            if self.monitor in dict(poller.poll(int(remaining * 1000) + 1)):
                if self.poll_events():
                    raise lost("the connection to the daemon was lost")

    def recv(self, timeout: float) -> list[bytes]:
        """The next message; raise if the peer disconnects or nothing comes in *timeout*.

        Asks the socket before receiving (a failed non-blocking receive raises, and building
        that exception costs more than asking), and before every wait on its descriptor.
        """
        sock = self.sock
        deadline = 0.0
        while True:
            if has_message(sock):
                return recv_frames(sock)
            if deadline:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise make_error(
                        ErrorCode.OPERATION_TIMEOUT, ErrorDomain.RPC, "no reply from the daemon"
                    )
            else:
                deadline, remaining = time.monotonic() + timeout, timeout
            for fd, _ in self._waiter.poll(int(remaining * 1000) + 1):
                if fd == self._monitor_fd:
                    self._drain_monitor()
                    if self.dead and not has_message(sock):
                        raise lost(
                            "the connection to the daemon was lost while waiting for a reply"
                        )

    def ping(self) -> None:
        self.send(
            [
                VERSION_FRAME,
                _pack_header(PROGRAM_KEEPALIVE, 1, KEEPALIVE_PING, 0, 0, 0) + encode(None),
            ]
        )

    def recv_alive(self, timeout: float, keepalive: Keepalive, missed: int = 0) -> list[bytes]:
        """:meth:`recv`, pinging the peer after each *interval* of silence: after *count*
        unanswered pings, mark the channel unresponsive and raise the keepalive error."""
        if keepalive is None:
            return self.recv(timeout)
        interval, count = keepalive
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            try:
                return self.recv(max(0.0, min(float(interval), remaining)))
            except VirtError as exc:
                if exc.code != ErrorCode.OPERATION_TIMEOUT or time.monotonic() >= deadline:
                    raise
            if missed >= count:
                self.unresponsive = True
                raise keepalive_timeout()
            self.ping()
            missed += 1

    def close(self) -> None:
        try:
            self.sock.disable_monitor()
        except zmq.ZMQError:
            pass
        self.monitor.close(linger=0)
        self.sock.close(linger=0)


def _session_gone(exc: VirtError) -> bool:
    """The worker does not know our session: it was restarted before we saw it die.

    The call was refused before reaching the driver, so it is safe to open again and retry.
    """
    return exc.code == ErrorCode.RPC and exc.str2 == "connection not open"


def _exchange(
    channel: Channel,
    program: int,
    proc: int,
    serial: int,
    args: Any,
    timeout: float,
    keepalive: Keepalive = None,
) -> Any:
    channel.send([VERSION_FRAME, _pack_header(program, 1, proc, 0, serial, 0) + encode(args)])
    while True:
        # Anything else that comes in (keepalive PONGs, stale replies) is skipped below.
        frames = channel.recv_alive(timeout, keepalive)
        try:
            reply, body = split_frames(frames)
        except ProtocolError as exc:
            raise lost(f"malformed reply from the daemon: {exc}") from None
        if reply.type != MessageType.REPLY or reply.serial != serial:
            continue  # a stale reply to a call that already failed
        try:
            value = decode(body)
        except ProtocolError as exc:
            raise lost(f"malformed reply from the daemon: {exc}") from None
        if reply.status == Status.ERROR:
            if not isinstance(value, dict):
                raise lost("malformed error reply from the daemon")
            raise VirtError.from_fields(value)
        return value


class RemoteConnection(DriverConnection):
    """A connection served by pyvirtd; methods come from the procedure table."""

    def __init__(self, uri: URI | None, *, read_only: bool) -> None:
        self.target = resolve(uri, read_only=read_only)
        self.read_only = read_only
        self.flags = 1 if read_only else 0
        self._lock = threading.RLock()
        self._serials = itertools.count(1)
        self._control: Channel | None = None
        self._worker: Channel | None = None
        self._token: bytes = b""
        self.boot_id = ""
        self.server_uri = ""
        self._events: _EventPump | None = None
        self._closed = False
        self._keepalive: Keepalive = None
        self._keepalive_stop: threading.Event | None = None
        #: Set when keepalive closed the connection: every later call fails with it.
        self._keepalive_error: VirtError | None = None
        _check_socket(self.target)
        self._control = Channel(self.target.endpoint)
        try:
            self._open(timeout=5.0)
        except BaseException:
            self._teardown()
            raise

    # -- opening ---------------------------------------------------------------------------
    def _route(self, timeout: float) -> dict[str, Any]:
        assert self._control is not None
        if not self._control.wait_connected(timeout):
            _check_socket(self.target)
            raise lost(f"cannot reach the daemon at {self.target.endpoint}")
        route = _exchange(
            self._control,
            PROGRAM_DAEMON,
            PROC_ROUTE,
            next(self._serials),
            [self.target.name, self.flags],
            timeout,
        )
        if not isinstance(route, dict) or not isinstance(route.get("endpoint"), str):
            raise lost("malformed route from the daemon")
        return route

    def _open(self, timeout: float) -> None:
        route = self._route(timeout)
        worker = Channel(route["endpoint"])
        if not worker.wait_connected(timeout):
            worker.close()
            raise lost(f"driver '{route.get('driver')}' is not reachable")
        try:
            token, boot = _exchange(
                worker,
                PROGRAM_REMOTE,
                PROC_CONNECT_OPEN,
                next(self._serials),
                [route["uri"], self.flags],
                timeout,
            )
        except BaseException:
            worker.close()
            raise
        if self._worker is not None:
            self._worker.close()
        self._worker, self._token, self.boot_id = worker, token, boot
        self.server_uri = route["uri"]
        if self._events is not None:
            self._events.reattach(route["endpoint"], token)

    def _ensure_open(self) -> Channel:
        if self._keepalive_error is not None:
            raise keepalive_timeout()
        if self._closed:
            raise make_error(ErrorCode.INVALID_CONN, ErrorDomain.RPC, "the connection is closed")
        if self._worker is None or self._worker.poll_events():
            # The worker (or the whole daemon) went away: route again, through a fresh control
            # channel if the daemon's went too.  A daemon that is gone fails here at once.
            _check_socket(self.target)
            if self._control is None or self._control.poll_events():
                if self._control is not None:
                    self._control.close()
                self._control = Channel(self.target.endpoint)
            self._open(timeout=REOPEN_TIMEOUT)
        assert self._worker is not None
        return self._worker

    # -- calls -----------------------------------------------------------------------------
    def _invoke(self, proc: int, args: list[Any], sig: Signature) -> Any:
        with self._lock:
            for attempt in range(2):
                worker = self._ensure_open()
                try:
                    value = _exchange(
                        worker,
                        PROGRAM_REMOTE,
                        proc,
                        next(self._serials),
                        args,
                        CALL_TIMEOUT,
                        self._keepalive,
                    )
                    break
                except VirtError as exc:
                    if worker.unresponsive:
                        self._keepalive_expired(exc)
                        raise
                    if exc.code == ErrorCode.RPC and worker.dead:
                        raise lost(
                            f"the connection to the daemon was lost during {sig.procedure.api}"
                        ) from None
                    if attempt == 0 and _session_gone(exc):
                        worker.dead = True
                        continue
                    raise
        try:
            return sig.check_result(value)
        except ProtocolError as exc:
            raise lost(f"malformed reply to {sig.procedure.method}: {exc}") from None

    def connect_get_uri(self) -> str:
        return self.target.client_uri or self.server_uri

    def connect_is_alive(self) -> bool:
        return (
            not self._closed
            and self._keepalive_error is None
            and self._worker is not None
            and not self._worker.poll_events()
        )

    # -- keepalive -------------------------------------------------------------------------
    def connect_set_keepalive(self, interval: int, count: int) -> None:
        with self._lock:
            self._ensure_open()
            if interval <= 0:
                self._stop_keepalive()
                return
            self._keepalive = (interval, max(count, 0))
            if self._keepalive_stop is None:
                stop = threading.Event()
                self._keepalive_stop = stop
                threading.Thread(
                    target=self._keepalive_loop, args=(stop,), name="pyvirt-keepalive", daemon=True
                ).start()

    def _stop_keepalive(self) -> None:
        self._keepalive = None
        if self._keepalive_stop is not None:
            self._keepalive_stop.set()
            self._keepalive_stop = None

    def _keepalive_expired(self, exc: VirtError) -> None:
        """The worker stopped answering: close the connection for good, as libvirt does."""
        self._keepalive_error = exc
        self._stop_keepalive()
        self._closed = True
        self._teardown()

    def _keepalive_loop(self, stop: threading.Event) -> None:
        """Ping an idle connection every interval; a call in flight (holding the lock) pings
        from its own reply wait, so a busy lock is skipped."""
        while True:
            keepalive = self._keepalive
            if keepalive is None or stop.wait(keepalive[0]):
                return
            if not self._lock.acquire(blocking=False):
                continue
            try:
                keepalive = self._keepalive
                worker = self._worker
                if stop.is_set() or keepalive is None or self._closed:
                    return
                if worker is None or worker.poll_events():
                    continue  # gone, not silent: the next call re-routes
                try:
                    worker.ping()
                    worker.recv_alive(float(keepalive[0] * (keepalive[1] + 1)), keepalive, 1)
                except VirtError as exc:
                    if worker.unresponsive:
                        self._keepalive_expired(exc)
                        return
            finally:
                self._lock.release()

    # -- events ----------------------------------------------------------------------------
    def connect_event_subscribe(self, listener: Callable[[ObjectEvent], None]) -> int:
        with self._lock:
            self._ensure_open()
            if self._events is None:
                assert self._worker is not None
                self._events = _EventPump(self._worker.endpoint, self._token)
            return self._events.add(listener)

    def connect_event_unsubscribe(self, token: int) -> None:
        with self._lock:
            if self._events is not None and self._events.remove(token):
                self._events.stop()
                self._events = None

    # -- closing ---------------------------------------------------------------------------
    def _teardown(self) -> None:
        if self._events is not None:
            self._events.stop()
            self._events = None
        for channel in (self._worker, self._control):
            if channel is not None:
                channel.close()
        self._worker = self._control = None

    def connect_close(self) -> None:
        with self._lock:
            self._stop_keepalive()
            if self._closed:
                return
            self._closed = True
            if self._worker is not None and not self._worker.poll_events():
                try:
                    _exchange(
                        self._worker,
                        PROGRAM_REMOTE,
                        PROC_CONNECT_CLOSE,
                        next(self._serials),
                        [],
                        5.0,
                    )
                except VirtError:
                    pass
            self._teardown()


install_stubs(RemoteConnection, is_async=False)


class _EventPump:
    """A thread with its own socket to the worker, receiving events for the session."""

    def __init__(self, endpoint: str, token: bytes) -> None:
        self._listeners: dict[int, Callable[[ObjectEvent], None]] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._target = (endpoint, token)
        self._changed = threading.Event()
        self._changed.set()
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="pyvirt-events", daemon=True)
        self._thread.start()
        self._ready.wait(10)
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

    def reattach(self, endpoint: str, token: bytes) -> None:
        self._target = (endpoint, token)
        self._changed.set()

    def stop(self) -> None:
        self._stop.set()
        if threading.current_thread() is not self._thread:
            self._thread.join(5)

    def _attach(self) -> Channel:
        endpoint, token = self._target
        channel = Channel(endpoint)
        # In slices, so that closing the connection (stop) is not held up by a worker or
        # daemon that is gone for good.
        deadline = time.monotonic() + REOPEN_TIMEOUT
        while not channel.wait_connected(0.1):
            if self._stop.is_set() or time.monotonic() > deadline:
                channel.close()
                raise lost("cannot attach the event channel")
        _exchange(channel, PROGRAM_REMOTE, PROC_EVENT_ATTACH, 1, token, 10.0)
        return channel

    def _run(self) -> None:
        channel: Channel | None = None
        while not self._stop.is_set():
            if self._changed.is_set() or channel is None or channel.dead:
                self._changed.clear()
                if channel is not None:
                    channel.close()
                    channel = None
                try:
                    channel = self._attach()
                except BaseException as exc:  # noqa: BLE001 - reported to the subscriber once
                    if not self._ready.is_set():
                        self._error = exc
                        self._ready.set()
                        return
                    self._stop.wait(0.5)
                    continue
                self._ready.set()
            try:
                frames = channel.recv(0.2)
            except VirtError:
                continue
            try:
                header, body = split_frames(frames)
                if header.type != MessageType.EVENT or header.procedure != PROC_EVENT:
                    continue
                _boot, _seq, event = decode(body)
            except (ProtocolError, ValueError, TypeError):
                continue
            if not isinstance(event, ObjectEvent):
                continue
            with self._lock:
                listeners = list(self._listeners.values())
            for listener in listeners:
                try:
                    listener(event)
                except Exception:  # noqa: BLE001 - one bad listener must not stop the others
                    pass
        if channel is not None:
            try:
                _exchange(channel, PROGRAM_REMOTE, PROC_EVENT_DETACH, 2, None, 1.0)
            except VirtError:
                pass
            channel.close()
