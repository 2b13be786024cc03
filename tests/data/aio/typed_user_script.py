"""A user's asyncio script: must pass ``mypy --strict`` with no Any (tests/test_aio_public.py)."""

from __future__ import annotations

import asyncio

import pyvirt
import pyvirt.aio


async def report(uri: str) -> list[tuple[str, int, bool]]:
    async with await pyvirt.aio.open(uri, read_only=True) as conn:
        rows: list[tuple[str, int, bool]] = []
        for dom in await conn.list_domains():
            info: pyvirt.DomainInfo = await dom.info()
            state, _reason = await dom.state()
            rows.append((dom.name, info.memory, state == pyvirt.DomainState.RUNNING))
        net: pyvirt.aio.AsyncNetwork = await conn.lookup_network_by_name("default")
        xml: str = await net.xml_desc()
        assert xml.startswith("<network")
        pool = await conn.lookup_storage_pool_by_name("default-pool")
        vols: list[pyvirt.aio.AsyncStorageVol] = await pool.list_volumes()
        assert isinstance(vols, list)
        return rows


if __name__ == "__main__":
    print(asyncio.run(report("test:///default")))
