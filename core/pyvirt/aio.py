"""asyncio access to pyvirtd: ``conn = await pyvirt.aio.open("test+unix:///default")``.

The connection's methods are the driver contract's (``await conn.domain_get_info(ref)``,
``await conn.connect_list_all_domains(0)``, ...), generated from the procedure table like the
synchronous client's, so both always offer the same calls.  Any number of calls may be in
flight at once on one connection (``asyncio.gather``); replies are matched by serial.
``async for event in conn.events()`` yields lifecycle events, and
``await conn.connect_set_keepalive(interval, count)`` closes the connection when the worker
stops answering, as the synchronous client does (its session logic is generated from this
one's: :mod:`pyvirt.rpc._unasync`).
"""

from __future__ import annotations

from pyvirt._uri import parse_uri
from pyvirt.rpc._async_client import AsyncRemoteConnection

__all__ = ["AsyncRemoteConnection", "open"]


async def open(uri: str | None = None, *, read_only: bool = False) -> AsyncRemoteConnection:
    """Open a daemon URI (``test+unix:///default``, ``qemu:///system`` ...) for asyncio use."""
    return await AsyncRemoteConnection.open(parse_uri(uri) if uri else None, read_only=read_only)
