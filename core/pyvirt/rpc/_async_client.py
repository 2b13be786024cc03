"""The asyncio client: many calls in flight on one connection, replies matched by serial.

Its methods are generated from the procedure table by the same function as the synchronous
client's (:mod:`pyvirt.rpc._client_stubs`); only the transport differs.  Each connection holds two
:class:`~pyvirt.rpc._aio_channel.Channel` s, asyncio protocols that speak ZMTP themselves: one
to the daemon's control socket (routing, and re-routing after a worker restart) and one to the
worker serving the URI, which carries every call.  No libzmq: ``import pyvirt.aio`` does not
import zmq.  When a channel's connection drops, every call in flight on it fails at once; the
next call re-routes and re-opens.
"""

from __future__ import annotations

import asyncio
import errno
import os
from collections.abc import AsyncIterator, Awaitable
from typing import Any

from pyvirt._access import check_access
from pyvirt._codes import ErrorCode, ErrorDomain
from pyvirt._errors import VirtError, make_error
from pyvirt._records import ObjectEvent
from pyvirt._uri import URI
from pyvirt.rpc._aio_channel import Channel
from pyvirt.rpc._channel import connect_error
from pyvirt.rpc._client_stubs import AsyncRemoteStubs
from pyvirt.rpc._procs import (
    PROC_CONNECT_CLOSE,
    PROC_CONNECT_OPEN,
    PROC_EVENT_ATTACH,
    PROC_ROUTE,
)
from pyvirt.rpc._signatures import Signature
from pyvirt.rpc._stub_support import flags_of
from pyvirt.rpc._sync_client import CALL_TIMEOUT, lost
from pyvirt.rpc._target import Target, resolve
from pyvirt.rpc._wire import PROGRAM_DAEMON, PROGRAM_REMOTE

#: How long opening waits for each step: connecting, the handshake, ROUTE and CONNECT_OPEN.
OPEN_TIMEOUT = 10.0
#: How often connecting is tried again while nothing listens on a worker's socket.
_RETRY_INTERVAL = 0.05
#: Time a connect attempt gets even when little of OPEN_TIMEOUT is left (a TCP handshake
#: with a distant host must be able to finish).
_MIN_CONNECT_TIME = 1.0


class AsyncRemoteConnection(AsyncRemoteStubs):
    """A pyvirtd connection for asyncio code; driver methods are coroutines."""

    def __init__(self, target: Target, read_only: bool) -> None:
        self.target = target
        self.read_only = read_only
        self._control: Channel | None = None
        self._worker: Channel | None = None
        self._token = b""
        self.boot_id = ""
        self._closed = False
        self._opening: asyncio.Task[None] | None = None

    @classmethod
    async def open(cls, uri: URI | None, *, read_only: bool = False) -> AsyncRemoteConnection:
        self = cls(resolve(uri, read_only=read_only), read_only)
        try:
            await self._open()
        except BaseException:
            self._close_channels()  # the control channel may be open already
            raise
        return self

    async def _reopen(self) -> None:
        """Open again after the worker was lost.  Every call in flight fails at that moment
        and their callers may all retry at once: they share one attempt (and its error)."""
        opening = self._opening
        if opening is None:
            opening = self._opening = asyncio.ensure_future(self._open())
            opening.add_done_callback(self._reopened)
        await asyncio.shield(opening)

    def _reopened(self, task: asyncio.Task[None]) -> None:
        self._opening = None
        if not task.cancelled():
            task.exception()  # retrieved: whoever waited has it

    async def _open(self) -> None:
        flags = 1 if self.read_only else 0
        if self._control is None or self._control.dead is not None:
            if self._control is not None:
                self._control.close()
            self._control = await _connect(self.target.endpoint, OPEN_TIMEOUT)
        route = await self._control.call(
            PROGRAM_DAEMON, PROC_ROUTE, [self.target.name, flags], OPEN_TIMEOUT
        )
        if not isinstance(route, dict) or not isinstance(route.get("endpoint"), str):
            raise lost("malformed route from the daemon")
        worker = await _connect(route["endpoint"], CALL_TIMEOUT, patient=True)
        try:
            token, boot = await worker.call(
                PROGRAM_REMOTE, PROC_CONNECT_OPEN, [route["uri"], flags], OPEN_TIMEOUT
            )
        except BaseException:
            worker.close()
            raise
        if self._closed:  # closed while re-opening: nothing opened here may stay open
            worker.close()
            self._close_channels()
            raise make_error(ErrorCode.INVALID_CONN, ErrorDomain.RPC, "the connection is closed")
        if self._worker is not None:
            self._worker.close()
        self._worker, self._token, self.boot_id = worker, token, boot

    def _asend(self, proc: int, args: list[Any], sig: Signature) -> Awaitable[Any]:
        """Send one call; return what to await for its decoded value (the stubs check it).

        Not a coroutine: in the common case the reply's future itself is returned, which
        saves a coroutine per call; anything unusual goes through :meth:`_asend_slow`.
        """
        worker = self._worker
        if worker is None or worker.dead is not None or self.read_only:
            return self._asend_slow(proc, args, sig)
        return worker.send(PROGRAM_REMOTE, proc, args)

    async def _asend_slow(self, proc: int, args: list[Any], sig: Signature) -> Any:
        worker = await self._usable_worker(sig, args)
        return await worker.send(PROGRAM_REMOTE, proc, args)

    async def _usable_worker(self, sig: Signature, args: list[Any]) -> Channel:
        """The worker channel, after the checks a call needs beyond the common case: the
        connection closed, a read-only refusal, a worker to reach again after it died."""
        if self._closed:
            raise make_error(ErrorCode.INVALID_CONN, ErrorDomain.RPC, "the connection is closed")
        check_access(sig.procedure, flags_of(sig, args), self.read_only)
        if self._worker is None or self._worker.dead is not None:
            await self._reopen()
        assert self._worker is not None
        return self._worker

    def connect_get_uri_local(self) -> str:
        return self.target.client_uri

    async def events(self) -> AsyncIterator[ObjectEvent]:
        """Lifecycle events of every object on this connection, as they happen.

        When the worker goes away (or the connection is closed) the iteration raises that
        error rather than waiting for ever; calling ``events()`` again re-opens the connection
        and attaches to the restarted worker (a new ``boot_id`` on its events)."""
        if self._closed:
            raise make_error(ErrorCode.INVALID_CONN, ErrorDomain.RPC, "the connection is closed")
        if self._worker is None or self._worker.dead is not None:
            await self._reopen()
        assert self._worker is not None
        if self._worker.events is None:
            self._worker.events = asyncio.Queue()
            await self._worker.call(PROGRAM_REMOTE, PROC_EVENT_ATTACH, self._token, OPEN_TIMEOUT)
        queue = self._worker.events
        while True:
            item = await queue.get()
            if isinstance(item, VirtError):
                raise item
            yield item

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        # Detached first, so that calls made from here on are refused rather than sent.
        worker, control = self._worker, self._control
        self._worker = self._control = None
        if worker is not None and worker.dead is None:
            try:
                await worker.call(PROGRAM_REMOTE, PROC_CONNECT_CLOSE, [], 5.0)
            except VirtError:
                pass
        for channel in (worker, control):
            if channel is not None:
                channel.close()

    def _close_channels(self) -> None:
        for channel in (self._worker, self._control):
            if channel is not None:
                channel.close()
        self._worker = self._control = None

    async def __aenter__(self) -> AsyncRemoteConnection:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


async def _connect(endpoint: str, call_timeout: float, *, patient: bool = False) -> Channel:
    """A channel whose handshake has completed, or the reason it could not.

    *patient* (a worker's endpoint): a connection refused, or closed before the handshake,
    is tried again until :data:`OPEN_TIMEOUT`.  Right after a worker died the daemon may still
    route to it: its socket refuses, or even accepts for a moment while the kernel tears the
    process down, and the restarted worker listens there soon after.  (libzmq's connect
    retried the same way in the background.)
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + OPEN_TIMEOUT
    while True:
        try:
            channel = await asyncio.wait_for(
                Channel.connect(endpoint, call_timeout),
                max(deadline - loop.time(), _MIN_CONNECT_TIME),
            )
        except TimeoutError:  # a TCP peer that does not answer (asyncio's own timeout)
            error = connect_error(endpoint, TimeoutError(errno.ETIMEDOUT, "Connection timed out"))
            retry = False
        except OSError as exc:
            # libvirt's "Failed to connect socket ..."; asyncio words TCP errors its own way
            # ("Connect call failed ..."), so the reason is taken from the errno.
            reason = OSError(exc.errno, os.strerror(exc.errno)) if exc.errno else exc
            error = connect_error(endpoint, reason)
            retry = isinstance(exc, (ConnectionRefusedError, FileNotFoundError))
        except ValueError as exc:  # an endpoint we cannot connect to
            raise lost(str(exc)) from None
        else:
            try:
                await asyncio.wait_for(
                    asyncio.shield(channel.ready), max(0.0, deadline - loop.time())
                )
                return channel
            except TimeoutError:
                channel.close()
                raise lost(f"cannot reach the daemon at {endpoint}: no ZMTP handshake") from None
            except VirtError as exc:
                error, retry = exc, channel.hung_up_early
        if not patient or not retry or loop.time() >= deadline:
            raise error
        await asyncio.sleep(_RETRY_INTERVAL)

