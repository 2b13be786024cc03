"""The asyncio API: ``async with await pyvirt.aio.open("test+unix:///default") as conn``.

:class:`AsyncConnection`, :class:`AsyncDomain`, :class:`AsyncNetwork`,
:class:`AsyncStoragePool`, :class:`AsyncStorageVol`, :class:`AsyncInterface` and
:class:`AsyncNodeDevice` have the methods of the synchronous
classes, awaitable (they are generated from them), with the same argument checks,
permission check and errors.  A daemon URI is served by the asyncio client: any number of
calls may be in flight at once on one connection (``asyncio.gather``), replies matched by
serial.  A local URI (``test:///default``) is served in process, without a daemon.

:func:`open_driver` gives the raw driver contract of a daemon connection
(``await drv.domain_get_info(ref)``), for code that wants the wire calls themselves.

The session logic is written once: the synchronous client is generated from the asyncio one
(:mod:`pyvirt.rpc._unasync`); ``await drv.connect_set_keepalive(interval, count)`` closes a
raw connection whose worker stops answering, as the synchronous client does.
"""

from __future__ import annotations

from pyvirt._aio_objects import (
    AsyncConnection,
    AsyncDomain,
    AsyncDomainSnapshot,
    AsyncInterface,
    AsyncNetwork,
    AsyncNodeDevice,
    AsyncNWFilter,
    AsyncNWFilterBinding,
    AsyncSecret,
    AsyncStoragePool,
    AsyncStorageVol,
)
from pyvirt._aio_stream import AsyncStream
from pyvirt._uri import parse_uri
from pyvirt.rpc._async_client import AsyncRemoteConnection

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyvirt.driver import AuthCallback

__all__ = [
    "AsyncConnection",
    "AsyncDomain",
    "AsyncDomainSnapshot",
    "AsyncInterface",
    "AsyncNetwork",
    "AsyncNWFilter",
    "AsyncNWFilterBinding",
    "AsyncNodeDevice",
    "AsyncRemoteConnection",
    "AsyncSecret",
    "AsyncStoragePool",
    "AsyncStorageVol",
    "AsyncStream",
    "open",
    "open_driver",
]


async def open(
    uri: str | None = None, *, read_only: bool = False, auth: AuthCallback | None = None
) -> AsyncConnection:
    """Open *uri* (or the default URI) for asyncio code, as :func:`pyvirt.open` does.

    Local drivers are walked first, as libvirt does; a URI only the remote driver takes is
    opened with the asyncio client.  *auth* answers for credentials when the daemon asks for
    a login (:data:`pyvirt.driver.AuthCallback`)."""
    from pyvirt._aio_calls import LocalAsyncDriver
    from pyvirt._checks import check_string
    from pyvirt._registry import RemoteNeeded, open_driver

    if uri is not None:
        check_string(uri, "name", "virConnectOpenAuth")
    try:
        _, sync = open_driver(uri, read_only=read_only, auth=auth, local_only=True)
    except RemoteNeeded as remote:
        client = await AsyncRemoteConnection.open(remote.uri, read_only=read_only, auth=auth)
        return AsyncConnection(client, read_only=read_only, remote=client)
    return AsyncConnection(LocalAsyncDriver(sync), read_only=read_only, local=sync)


async def open_driver(
    uri: str | None = None, *, read_only: bool = False, auth: AuthCallback | None = None
) -> AsyncRemoteConnection:
    """The asyncio client of a daemon URI itself: the driver contract, every method a
    coroutine (``await drv.connect_list_all_domains(0)``)."""
    parsed = parse_uri(uri) if uri else None
    return await AsyncRemoteConnection.open(parsed, read_only=read_only, auth=auth)
