"""The asyncio client's transport, behind the interface the session logic of
:mod:`pyvirt.rpc._async_client` is written against (the synchronous twin of this module is
:mod:`pyvirt.rpc._sync_backend`):

* :func:`connect` - a channel whose ZMTP handshake is done, or libvirt's connect error;
* the channel (:class:`pyvirt.rpc._aio_channel.Channel`): ``request`` (the reply's future),
  ``call`` (with a timeout), ``gone``, ``keep_alive``, ``events``, ``close``;
* :data:`AsyncLock`, and :class:`AsyncClientBase` for what only the asyncio class has.
"""

from __future__ import annotations

import asyncio
import errno
import os
from collections.abc import Awaitable, Callable
from typing import Any

from pyvirt._codes import ErrorCode
from pyvirt._errors import VirtError
from pyvirt.rpc._aio_channel import Channel
from pyvirt.rpc._channel import connect_error, lost
from pyvirt.rpc._session import OPEN_TIMEOUT
from pyvirt.rpc._signatures import Signature
from pyvirt.rpc._tls import TlsClient

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyvirt._records import DomainRef, StorageVolRef
    from pyvirt.rpc._aio_streams import AsyncRemoteStream

__all__ = ["AsyncClientBase", "AsyncLock", "Link", "Reply", "connect", "relayed"]

#: One connection to pyvirtd or a worker.
Link = Channel
#: What :meth:`AsyncRemoteConnection.call` returns: something to await for the reply.
Reply = Awaitable[Any]
#: The session's lock for re-opening (:class:`threading.Lock` on the synchronous side).
AsyncLock = asyncio.Lock
#: virDomainScreenshot, whose image comes on a stream (written by hand, not generated).
_SCREENSHOT = 211
#: virStorageVolUpload, virStorageVolDownload and virDomainOpenConsole, whose data travels on
#: a stream of its own (written by hand, not generated).
_UPLOAD, _DOWNLOAD, _CONSOLE = 208, 209, 201
#: How often connecting is tried again while nothing listens on a worker's socket.
_RETRY_INTERVAL = 0.05
#: Time a connect attempt gets even when little of OPEN_TIMEOUT is left (a TCP handshake
#: with a distant host must be able to finish).
_MIN_CONNECT_TIME = 1.0


async def connect(
    endpoint: str, call_timeout: float, *, patient: bool = False, tls: TlsClient | None = None
) -> Channel:
    """A channel whose handshake has completed, or the reason it could not.

    *patient* (a worker's endpoint): a connection refused, or closed before the handshake,
    is tried again until :data:`OPEN_TIMEOUT`.  Right after a worker died the daemon may still
    route to it: its socket refuses, or even accepts for a moment while the kernel tears the
    process down, and the restarted worker listens there soon after.  (libzmq's connect
    retried the same way in the background.)  *tls*: in TLS with these settings; a failed
    certificate check is never tried again.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + OPEN_TIMEOUT
    while True:
        try:
            channel = await asyncio.wait_for(
                Channel.connect(endpoint, call_timeout, tls),
                max(deadline - loop.time(), _MIN_CONNECT_TIME),
            )
        except TimeoutError:  # a TCP peer that does not answer (asyncio's own timeout)
            error = connect_error(endpoint, TimeoutError(errno.ETIMEDOUT, "Connection timed out"))
            retry = False
        except VirtError:  # already libvirt's words (an ssh tunnel that could not start)
            raise
        except OSError as exc:
            if tls is not None:
                import ssl

                if isinstance(exc, ssl.SSLError):
                    from pyvirt.rpc._tls import handshake_error

                    raise handshake_error(exc, tls.hostname) from None
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
                error, retry = exc, channel.hung_up_early and exc.code != ErrorCode.AUTH_FAILED
        if not patient or not retry or loop.time() >= deadline:
            raise error
        await asyncio.sleep(_RETRY_INTERVAL)


def relayed(link: Channel, call_timeout: float) -> Channel:
    """The control *link* of an ssh connection, become the worker's (the remote helper relays
    it there after the route): calls on it now get *call_timeout*."""
    link.timeout = call_timeout
    return link


class AsyncClientBase:
    """What the asyncio session class has that the synchronous one has not."""

    # Provided by the session class.
    call: Callable[[int, list[Any], Signature], Reply]
    read_only: bool
    _token: bytes
    _usable_worker: Callable[[], Awaitable[Channel]]

    def _asend(self, proc: int, args: list[Any], sig: Signature) -> Reply:
        """The stubs' entry (:mod:`pyvirt.rpc._client_stubs`): :meth:`call`; the stub checks the
        result itself."""
        return self.call(proc, args, sig)

    async def domain_screenshot(self, dom: DomainRef, screen: int, flags: int) -> bytes:
        """virDomainScreenshot: the image comes on a stream (pyvirt.rpc._aio_streams)."""
        from pyvirt.rpc._aio_streams import checked_stream_args, read_whole_stream

        args = checked_stream_args(_SCREENSHOT, [dom, screen, flags], self.read_only)
        worker = await self._usable_worker()
        return await read_whole_stream(
            worker.endpoint, self._token, _SCREENSHOT, args, worker.tls
        )

    async def _open_stream(self, proc: int, args: list[Any]) -> AsyncRemoteStream:
        from pyvirt.rpc._aio_streams import checked_stream_args, open_async_stream

        args = checked_stream_args(proc, args, self.read_only)
        worker = await self._usable_worker()
        return await open_async_stream(worker.endpoint, self._token, proc, args, worker.tls)

    async def storage_vol_upload(
        self, vol: StorageVolRef, offset: int, length: int, flags: int
    ) -> AsyncRemoteStream:
        """virStorageVolUpload: the data goes on a stream of its own (pyvirt.rpc._aio_streams)."""
        return await self._open_stream(_UPLOAD, [vol, offset, length, flags])

    async def storage_vol_download(
        self, vol: StorageVolRef, offset: int, length: int, flags: int
    ) -> AsyncRemoteStream:
        """virStorageVolDownload: the data comes on a stream of its own."""
        return await self._open_stream(_DOWNLOAD, [vol, offset, length, flags])

    async def domain_open_console(self, dom: DomainRef, dev_name: str | None, flags: int) -> int:
        """virDomainOpenConsole: a descriptor joined to the console's stream, pumped by a
        task of the event loop (pyvirt.rpc._aio_streams.console_fd)."""
        from pyvirt.rpc._aio_streams import console_fd

        stream = await self._open_stream(_CONSOLE, [dom, dev_name, flags])
        fd, task = console_fd(stream)
        consoles: set[asyncio.Task[None]] = self.__dict__.setdefault("_consoles", set())
        consoles.add(task)
        task.add_done_callback(consoles.discard)
        return fd

    def _close_extras(self) -> None:
        """End the consoles' pumps (their descriptors then read the end); an ``events()``
        iteration ends by itself when its channel is closed."""
        for task in list(self.__dict__.get("_consoles", ())):
            task.cancel()
