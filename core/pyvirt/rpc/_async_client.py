"""The asyncio client: many calls in flight on one connection, replies matched by serial.

Its methods are generated from the procedure table by the same function as the synchronous
client's (:mod:`pyvirt.rpc._stubs`); only the transport differs: one DEALER per connection, a
reader task that resolves the future waiting for each serial, and a watcher task that fails
every pending call as soon as the socket reports the worker or daemon gone.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import threading
from collections.abc import AsyncIterator
from typing import Any

import zmq

from pyvirt._codes import ErrorCode, ErrorDomain
from pyvirt._errors import OperationDeniedError, VirtError, make_error
from pyvirt._records import ObjectEvent
from pyvirt._uri import URI
from pyvirt.rpc._codec import ProtocolError, decode, encode
from pyvirt.rpc._procs import (
    PROC_CONNECT_CLOSE,
    PROC_CONNECT_OPEN,
    PROC_EVENT,
    PROC_EVENT_ATTACH,
    PROC_ROUTE,
)
from pyvirt.rpc._signatures import Signature
from pyvirt.rpc._stubs import install_stubs
from pyvirt.rpc._sync_client import CALL_TIMEOUT, _check_socket, lost
from pyvirt.rpc._target import Target, resolve
from pyvirt.rpc._wire import (
    _HEADER,
    PROGRAM_DAEMON,
    PROGRAM_REMOTE,
    VERSION_FRAME,
    MessageType,
    Status,
    split_frames,
)
from pyvirt.rpc._zmqfast import recv_frames, recv_monitor_event, send_frames

_EVENTS = int(zmq.EVENTS)
_POLLIN = int(zmq.POLLIN)
_NOBLOCK = int(zmq.NOBLOCK)
_REPLY = int(MessageType.REPLY)
_EVENT = int(MessageType.EVENT)
_pack_header = _HEADER.pack

_context_lock = threading.Lock()
_context: zmq.Context | None = None
_context_pid = 0


def context() -> zmq.Context:
    """One ZeroMQ context per process, made after any fork (the synchronous client speaks
    ZMTP itself and needs none)."""
    global _context, _context_pid
    with _context_lock:
        if _context is None or _context_pid != os.getpid():
            _context = zmq.Context()
            _context_pid = os.getpid()
        return _context


class _AsyncChannel:
    """A DEALER driven by the event loop's reader callbacks, not by zmq.asyncio.

    The socket's notification descriptor is edge-triggered: whenever it fires, and after every
    send, every waiting message is drained at once (replies resolve their futures by serial,
    events go to a queue).  This costs one callback per burst instead of one future per
    message, which is what lets many calls in flight share one connection cheaply.

    Sending is batched the same way: a call queues its message and one callback per loop
    iteration sends every queued message back to back, then drains.  Each send that finds
    ZeroMQ's I/O thread asleep wakes it (a system call and a context switch, tens of
    microseconds here); back-to-back sends share one wake-up.
    """

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint
        self.loop = asyncio.get_running_loop()
        self.sock = context().socket(zmq.DEALER)
        self.sock.setsockopt(zmq.LINGER, 0)
        self.sock.setsockopt(zmq.MAXMSGSIZE, 16 * 1024 * 1024)
        self.sock.setsockopt(zmq.SNDHWM, 100000)
        self.monitor = self.sock.get_monitor_socket(
            zmq.EVENT_CONNECTED | zmq.EVENT_DISCONNECTED | zmq.EVENT_CLOSED
        )
        self.sock.connect(endpoint)
        self.pending: dict[int, asyncio.Future[Any]] = {}
        self.events: asyncio.Queue[ObjectEvent] | None = None
        self.connected = asyncio.Event()
        self.dead: VirtError | None = None
        self._outbox: list[tuple[int, list[bytes]]] = []
        self.loop.add_reader(self.sock.FD, self._drain)
        self.loop.add_reader(self.monitor.FD, self._drain_monitor)
        self._drain_monitor()

    def _drain(self) -> None:
        sock = self.sock
        while sock.getsockopt(_EVENTS) & _POLLIN:
            frames = recv_frames(sock)
            try:
                header, body = split_frames(frames)
            except ProtocolError:
                continue
            if header.type == _REPLY:
                future = self.pending.pop(header.serial, None)
                if future is not None and not future.done():
                    future.set_result((header.status, body))
            elif (
                header.type == _EVENT and header.procedure == PROC_EVENT and self.events is not None
            ):
                try:
                    _boot, _seq, event = decode(body)
                except (ProtocolError, ValueError, TypeError):
                    continue
                if isinstance(event, ObjectEvent):
                    self.events.put_nowait(event)

    def _drain_monitor(self) -> None:
        while self.monitor.getsockopt(_EVENTS) & _POLLIN:
            kind, _value = recv_monitor_event(self.monitor)
            if kind == zmq.EVENT_CONNECTED:
                self.connected.set()
            elif self.connected.is_set():
                self.fail(lost("the connection to the daemon was lost"))

    def _flush(self) -> None:
        outbox, self._outbox = self._outbox, []
        if self.dead is not None:
            return  # fail() has already failed every pending call
        sock = self.sock
        for serial, frames in outbox:
            try:
                send_frames(sock, frames)
            except zmq.Again:
                future = self.pending.pop(serial, None)
                if future is not None and not future.done():
                    future.set_exception(lost(f"cannot reach the daemon at {self.endpoint}"))
        self._drain()  # the descriptor is edge-triggered: a send may have consumed the edge

    def fail(self, error: VirtError) -> None:
        self.dead = error
        pending, self.pending = self.pending, {}
        for future in pending.values():
            if not future.done():
                future.set_exception(error)

    def _timeout(self, serial: int) -> None:
        future = self.pending.pop(serial, None)
        if future is not None and not future.done():
            future.set_exception(
                make_error(ErrorCode.OPERATION_TIMEOUT, ErrorDomain.RPC, "no reply from the daemon")
            )

    async def call(self, program: int, proc: int, serial: int, args: Any, timeout: float) -> Any:
        if self.dead is not None:
            raise self.dead
        future: asyncio.Future[Any] = self.loop.create_future()
        self.pending[serial] = future
        frames = [VERSION_FRAME, _pack_header(program, 1, proc, 0, serial, 0) + encode(args)]
        if not self._outbox:
            self.loop.call_soon(self._flush)
        self._outbox.append((serial, frames))
        timer = self.loop.call_later(timeout, self._timeout, serial)
        try:
            status, body = await future
        finally:
            timer.cancel()
        try:
            value = decode(body)
        except ProtocolError as exc:
            raise lost(f"malformed reply from the daemon: {exc}") from None
        if status == Status.ERROR:
            if not isinstance(value, dict):
                raise lost("malformed error reply from the daemon")
            raise VirtError.from_fields(value)
        return value

    def close(self) -> None:
        for fd in (self.sock.FD, self.monitor.FD):
            try:
                self.loop.remove_reader(fd)
            except (ValueError, OSError):
                pass
        self.fail(lost("the connection is closed"))
        try:
            self.sock.disable_monitor()
        except zmq.ZMQError:
            pass
        self.monitor.close(linger=0)
        self.sock.close(linger=0)


class AsyncRemoteConnection:
    """A pyvirtd connection for asyncio code; driver methods are coroutines."""

    def __init__(self, target: Target, read_only: bool) -> None:
        self.target = target
        self.read_only = read_only
        self._serials = itertools.count(1)
        self._control: _AsyncChannel | None = None
        self._worker: _AsyncChannel | None = None
        self._token = b""
        self.boot_id = ""
        self._closed = False

    @classmethod
    async def open(cls, uri: URI | None, *, read_only: bool = False) -> AsyncRemoteConnection:
        self = cls(resolve(uri, read_only=read_only), read_only)
        await self._open()
        return self

    async def _open(self) -> None:
        _check_socket(self.target)
        flags = 1 if self.read_only else 0
        if self._control is None or self._control.dead is not None:
            if self._control is not None:
                self._control.close()
            self._control = _AsyncChannel(self.target.endpoint)
        try:
            await asyncio.wait_for(self._control.connected.wait(), 5.0)
        except TimeoutError:
            raise lost(f"cannot reach the daemon at {self.target.endpoint}") from None
        route = await self._control.call(
            PROGRAM_DAEMON, PROC_ROUTE, next(self._serials), [self.target.name, flags], 10.0
        )
        if not isinstance(route, dict) or not isinstance(route.get("endpoint"), str):
            raise lost("malformed route from the daemon")
        worker = _AsyncChannel(route["endpoint"])
        try:
            await asyncio.wait_for(worker.connected.wait(), 10.0)
            token, boot = await worker.call(
                PROGRAM_REMOTE, PROC_CONNECT_OPEN, next(self._serials), [route["uri"], flags], 10.0
            )
        except BaseException:
            worker.close()
            raise
        if self._worker is not None:
            self._worker.close()
        self._worker, self._token, self.boot_id = worker, token, boot

    async def _ainvoke(self, proc: int, args: list[Any], sig: Signature) -> Any:
        if self._closed:
            raise make_error(ErrorCode.INVALID_CONN, ErrorDomain.RPC, "the connection is closed")
        procedure = sig.procedure
        if self.read_only and not procedure.readonly_ok:
            raise OperationDeniedError(
                f"operation forbidden: read only access prevents {procedure.api}",
                code=ErrorCode.OPERATION_DENIED,
                domain=ErrorDomain.DOMAIN,
                str1="operation forbidden: %s",
                str2=f"read only access prevents {procedure.api}",
            )
        if self._worker is None or self._worker.dead is not None:
            await self._open()
        assert self._worker is not None
        value = await self._worker.call(
            PROGRAM_REMOTE, proc, next(self._serials), args, CALL_TIMEOUT
        )
        try:
            return sig.check_result(value)
        except ProtocolError as exc:
            raise lost(f"malformed reply to {procedure.method}: {exc}") from None

    def connect_get_uri_local(self) -> str:
        return self.target.client_uri

    async def events(self) -> AsyncIterator[ObjectEvent]:
        """Lifecycle events of every object on this connection, as they happen."""
        if self._worker is None or self._worker.dead is not None:
            await self._open()
        assert self._worker is not None
        if self._worker.events is None:
            self._worker.events = asyncio.Queue()
            await self._worker.call(
                PROGRAM_REMOTE, PROC_EVENT_ATTACH, next(self._serials), self._token, 10.0
            )
        queue = self._worker.events
        while True:
            yield await queue.get()

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._worker is not None and self._worker.dead is None:
            try:
                await self._worker.call(
                    PROGRAM_REMOTE, PROC_CONNECT_CLOSE, next(self._serials), [], 5.0
                )
            except VirtError:
                pass
        for channel in (self._worker, self._control):
            if channel is not None:
                channel.close()

    async def __aenter__(self) -> AsyncRemoteConnection:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


install_stubs(AsyncRemoteConnection, is_async=True)
