"""The asyncio connection's plumbing: opening, closing, context management and events.

Its calls are generated (:mod:`pyvirt._aio_objects`, from the synchronous classes); what is
written here is what differs under asyncio.  A local driver (``test:///default``) is served
in process through :class:`pyvirt._aio_calls.LocalAsyncDriver`; a URI that only the remote
driver takes is opened with the asyncio client, so many calls can be in flight at once.
"""

from __future__ import annotations

from pyvirt._access import api_error_domain
from pyvirt._aio_calls import AsyncDriverCalls
from pyvirt._checks import check_flags
from pyvirt._codes import ErrorCode, ErrorDomain
from pyvirt._errors import make_error

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from types import TracebackType
    from typing import Self

    from pyvirt._aio_driver import AsyncDriverConnection
    from pyvirt._aio_stream import AsyncStream
    from pyvirt._records import ObjectEvent
    from pyvirt.driver import DriverConnection
    from pyvirt.rpc._async_client import AsyncRemoteConnection


class AsyncConnectionBase:
    """An open connection for asyncio code.  Use ``async with``."""

    def __init__(
        self,
        driver: AsyncDriverConnection,
        *,
        read_only: bool,
        local: DriverConnection | None = None,
        remote: AsyncRemoteConnection | None = None,
    ) -> None:
        self._driver: AsyncDriverConnection | None = driver
        self._read_only = read_only
        self._local = local
        self._remote = remote
        self._calls = AsyncDriverCalls(self._open_driver, read_only)

    def _open_driver(self, api: str) -> AsyncDriverConnection:
        """The driver, or libvirt's VIR_ERR_INVALID_CONN naming *api* once closed."""
        driver = self._driver
        if driver is None:
            raise make_error(ErrorCode.INVALID_CONN, api_error_domain(api), api)
        return driver

    @property
    def driver(self) -> AsyncDriverConnection:
        """The driver's connection, every method awaitable (for drivers' own extensions)."""
        return self._open_driver("virConnectGetDriver")

    @property
    def read_only(self) -> bool:
        return self._read_only

    def new_stream(self, flags: int = 0) -> AsyncStream:
        """virStreamNew: a stream not yet tied to a transfer (give it to
        :meth:`AsyncStorageVol.upload` or :meth:`AsyncStorageVol.download`).  *flags*:
        :attr:`pyvirt.StreamFlags.NONBLOCK` (``recv`` then answers AGAIN rather than wait)."""
        from pyvirt._aio_stream import AsyncStream
        from pyvirt._stream import StreamFlags

        check_flags(flags, "virStreamNew")
        if flags & ~int(StreamFlags.NONBLOCK):
            from pyvirt.driver import unsupported_flags

            unsupported_flags(flags, StreamFlags.NONBLOCK, "virStreamNew", ErrorDomain.STREAMS)
        self._open_driver("virStreamNew")
        return AsyncStream(self, flags)  # type: ignore[arg-type]  # (the AsyncConnection)

    async def close(self) -> None:
        """Close the connection; later calls raise VIR_ERR_INVALID_CONN.  Idempotent."""
        driver, self._driver = self._driver, None
        if driver is None:
            return
        if self._remote is not None:
            await self._remote.close()
        elif self._local is not None:
            self._local.connect_close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def events(self) -> AsyncIterator[ObjectEvent]:
        """Lifecycle events of every object on this connection, as they happen."""
        self._open_driver("virConnectDomainEventRegisterAny")
        if self._remote is None:
            raise make_error(
                ErrorCode.NO_SUPPORT,
                ErrorDomain.NONE,
                "virConnectDomainEventRegisterAny (asyncio events of an in-process driver)",
            )
        async for event in self._remote.events():
            yield event

    def __repr__(self) -> str:
        kind = "remote" if self._remote is not None else "local"
        state = "closed" if self._driver is None else ("read-only" if self._read_only else "open")
        return f"<pyvirt.aio.AsyncConnection {kind} {state}>"
