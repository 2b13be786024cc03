"""pyvirt.aio against a real pyvirtd: pipelined calls, errors, events, read-only, dead daemon."""

from __future__ import annotations

import asyncio
import signal

import pytest
import pyvirt
import pyvirt.aio
from daemon_helpers import running_daemon


@pytest.fixture(scope="module")
def daemon():
    with running_daemon() as d:
        yield d


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 30))


def test_many_calls_in_flight_on_one_connection_all_get_their_own_reply(daemon):
    async def main():
        async with await pyvirt.aio.open("test+unix:///default") as conn:
            names = [f"aio{i}" for i in range(50)]
            xml = "<domain type='test'><name>{}</name><memory unit='KiB'>65536</memory><os><type>hvm</type></os></domain>"
            await asyncio.gather(*(conn.domain_define_xml(xml.format(n), 0) for n in names))
            records = await asyncio.gather(*(conn.domain_lookup_by_name(n) for n in names))
            assert [r.name for r in records] == names
            for r in records:
                await conn.domain_undefine(r.ref, 0)

    run(main())


def test_errors_are_raised_as_their_classes(daemon):
    async def main():
        async with await pyvirt.aio.open("test+unix:///default") as conn:
            with pytest.raises(pyvirt.NoDomainError):
                await conn.domain_lookup_by_name("nope")
            ref = (await conn.domain_lookup_by_name("test")).ref
            with pytest.raises(pyvirt.InternalError, match="already running"):
                await conn.domain_create(ref, 0)
            with pytest.raises(pyvirt.InvalidArgError):
                await conn.domain_lookup_by_name(42)  # checked against the driver contract

    run(main())


def test_read_only_refused_before_sending(daemon):
    async def main():
        async with await pyvirt.aio.open("test+unix:///default", read_only=True) as conn:
            ref = (await conn.domain_lookup_by_name("test")).ref
            with pytest.raises(pyvirt.OperationDeniedError, match="virDomainSuspend"):
                await conn.domain_suspend(ref)

    run(main())


def test_events_as_an_async_iterator(daemon):
    async def main():
        async with await pyvirt.aio.open("test+unix:///default") as conn:
            ref = (await conn.domain_lookup_by_name("test")).ref
            events = conn.events()
            first = asyncio.ensure_future(events.__anext__())
            await asyncio.sleep(0.2)
            await conn.domain_suspend(ref)
            event = await asyncio.wait_for(first, 5)
            await conn.domain_resume(ref)
            assert (event.name, event.event, event.detail, event.seq) == ("test", 3, 0, 1)

    run(main())


def test_calls_in_flight_fail_promptly_when_the_daemon_dies():
    with running_daemon() as d:

        async def main():
            conn = await pyvirt.aio.open("test+unix:///default")
            ref = (await conn.domain_lookup_by_name("test")).ref
            d.stop(signal.SIGKILL)
            with pytest.raises(pyvirt.VirtError):
                for _ in range(200):
                    await asyncio.wait_for(conn.domain_get_info(ref), 5)
            await conn.close()

        run(main())
