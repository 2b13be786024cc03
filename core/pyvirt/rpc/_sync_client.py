"""The synchronous client: a driver connection whose methods are calls to pyvirtd.

Opening asks the daemon which worker serves the URI, then opens the connection on that
worker; every later call goes straight to the worker (one hop).  Each connection is a plain
socket on which the client speaks ZeroMQ's wire protocol itself (:mod:`pyvirt.rpc._channel`),
with no libzmq and no I/O thread on this side: a call is one write and one read from the
caller's thread.  The end of a socket's stream tells that the worker or the daemon died, so a
call in flight fails at once with a clear error instead of hanging, and the next call re-routes
and re-opens (the daemon restarts its workers).  Calls from several threads are serialised on
the connection.

Keepalive (``connect_set_keepalive``) covers what a closed socket cannot tell: a worker that is
alive but does not answer (stopped, hung host), whose socket stays open.  As libvirt's
virKeepAlive: after *interval* seconds of silence a KEEPALIVE/PING goes out, and when *count*
pings in a row get no answer the connection is closed for good (calls then fail with VIR_ERR_RPC
"connection closed due to keepalive timeout").  An idle connection is pinged by a thread that
takes the connection's lock; a call in flight pings from its own reply wait.
"""

from __future__ import annotations

import itertools
import os
import threading
import time

from pyvirt._codes import ErrorCode, ErrorDomain
from pyvirt._errors import VirtError, make_error
from pyvirt._records import ObjectEvent
from pyvirt._uri import URI
from pyvirt.driver import DriverConnection
from pyvirt.rpc._channel import Channel, Keepalive, keepalive_timeout, lost, reply_value
from pyvirt.rpc._client_stubs import RemoteStubs
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
from pyvirt.rpc._target import resolve
from pyvirt.rpc._wire import (
    _HEADER,
    PROGRAM_DAEMON,
    PROGRAM_REMOTE,
    VERSION_FRAME,
    MessageType,
    split_frames,
)
from pyvirt.rpc._zmtp import encode_two

# Not typing.TYPE_CHECKING: the client imports this module on every remote pyvirsh run.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

_pack_header = _HEADER.pack

#: How long a call waits for its reply before giving up (a stuck driver, not a dead one).
CALL_TIMEOUT = float(os.environ.get("PYVIRT_CALL_TIMEOUT", "300"))
#: How long re-routing waits for a restarted worker.
REOPEN_TIMEOUT = 10.0


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
    # A large call may wait for the peer to take it: that wait counts against the call's time.
    channel.send_bytes(
        encode_two(VERSION_FRAME, _pack_header(program, 1, proc, 0, serial, 0) + encode(args)),
        timeout,
    )
    while True:
        # Anything else that comes in (keepalive PONGs, stale replies) is skipped below.
        frames = channel.recv_alive(timeout, keepalive)
        try:
            reply, body = split_frames(frames)
        except ProtocolError as exc:
            raise lost(f"malformed reply from the daemon: {exc}") from None
        if reply.type != MessageType.REPLY or reply.serial != serial:
            continue  # a stale reply to a call that already failed
        return reply_value(reply.status, body)


class RemoteConnection(RemoteStubs, DriverConnection):
    """A connection served by pyvirtd; its driver methods are generated from the procedure
    table (:mod:`pyvirt.rpc._client_stubs`) and all go through :meth:`_invoke`."""

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
        self._control = self._connect_control()
        try:
            self._open(timeout=5.0)
        except BaseException:
            self._teardown()
            raise

    # -- opening ---------------------------------------------------------------------------
    def _connect_control(self) -> Channel:
        """A channel to the daemon's socket, connected now: a daemon that is not there (no
        socket file, or a file left by a killed daemon) fails at once with libvirt's message.
        """
        channel = Channel(self.target.endpoint)
        channel.connect()
        return channel

    def _route(self, timeout: float) -> dict[str, Any]:
        assert self._control is not None
        if not self._control.wait_connected(timeout):
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
        try:
            if not worker.wait_connected(timeout):
                raise lost(f"driver '{route.get('driver')}' is not reachable")
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
            if self._control is None or self._control.poll_events():
                if self._control is not None:
                    self._control.close()
                    self._control = None
                self._control = self._connect_control()
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
        if self._closed or self._keepalive_error is not None:
            return False
        if not self._lock.acquire(blocking=False):
            # A call (or the keepalive thread) is reading the worker's socket, and a channel
            # is read by one thread at a time: that reader marks the channel dead if it dies.
            worker = self._worker
            return worker is not None and not worker.dead
        try:
            return self._worker is not None and not self._worker.poll_events()
        finally:
            self._lock.release()

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
        try:
            while not channel.wait_connected(0.1):
                if self._stop.is_set() or time.monotonic() > deadline:
                    raise lost("cannot attach the event channel")
            _exchange(channel, PROGRAM_REMOTE, PROC_EVENT_ATTACH, 1, token, 10.0)
        except BaseException:
            channel.close()
            raise
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
