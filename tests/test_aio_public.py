"""pyvirt.aio's public API: AsyncConnection, AsyncDomain, ... in process and through pyvirtd.

The classes are generated from the synchronous ones, so they must offer the same methods with
the same checks and errors; a user script using them type-checks with ``mypy --strict`` and no
``Any``.
"""

from __future__ import annotations

import asyncio
import inspect
import subprocess
import sys
from pathlib import Path

import pytest
import pyvirt
import pyvirt.aio
from daemon_helpers import running_daemon

pytestmark = pytest.mark.xdist_group("aio-public")

SCRIPT = Path(__file__).parent / "data" / "aio" / "typed_user_script.py"

PAIRS = [
    (pyvirt.Connection, pyvirt.aio.AsyncConnection),
    (pyvirt.Domain, pyvirt.aio.AsyncDomain),
    (pyvirt.Network, pyvirt.aio.AsyncNetwork),
    (pyvirt.StoragePool, pyvirt.aio.AsyncStoragePool),
    (pyvirt.Secret, pyvirt.aio.AsyncSecret),
    (pyvirt.NWFilter, pyvirt.aio.AsyncNWFilter),
    (pyvirt.NWFilterBinding, pyvirt.aio.AsyncNWFilterBinding),
    (pyvirt.StorageVol, pyvirt.aio.AsyncStorageVol),
]
#: Synchronous-only members: callbacks and iteration have asyncio forms of their own
#: (``events()``), keepalive is a setting of the synchronous client, and a console's file
#: descriptor cannot come from a daemon until pyvirtd has streams.
SYNC_ONLY = {
    "open_console",
    "register_event_callback",
    "deregister_event_callback",
    "set_keepalive",
    "is_alive",
}


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


@pytest.fixture(scope="module")
def daemon():
    with running_daemon() as d:
        yield d


@pytest.mark.parametrize(("sync", "aio"), PAIRS, ids=[a.__name__ for _, a in PAIRS])
def test_the_async_classes_offer_every_public_method_of_the_sync_ones(sync, aio) -> None:
    public = {n for n in dir(sync) if not n.startswith("_")} - SYNC_ONLY
    assert public <= {n for n in dir(aio) if not n.startswith("_")}
    for name in public:
        sync_member = inspect.getattr_static(sync, name)
        aio_member = inspect.getattr_static(aio, name)
        if inspect.iscoroutinefunction(aio_member):
            params = list(inspect.signature(aio_member).parameters)
            target = sync_member.fget if isinstance(sync_member, property) else sync_member
            assert params == list(inspect.signature(target).parameters), name


def test_in_process_test_driver_under_asyncio() -> None:
    async def main() -> None:
        async with await pyvirt.aio.open("test:///default") as conn:
            assert "local" in repr(conn)
            assert await conn.get_type() == "TEST"
            assert await conn.uri() == "test:///default"
            doms = await conn.list_domains()
            assert [d.name for d in doms] == ["test"]
            dom = await conn.lookup_domain_by_name("test")
            assert isinstance(dom, pyvirt.aio.AsyncDomain)
            state, reason = await dom.state()
            assert state == pyvirt.DomainState.RUNNING
            await dom.suspend()
            assert (await dom.state())[0] == pyvirt.DomainState.PAUSED
            await dom.resume()
            assert "<name>test</name>" in await dom.xml()
            with pytest.raises(pyvirt.NoDomainError):
                await conn.lookup_domain_by_name("nosuch")
            with pytest.raises(pyvirt.InvalidArgError):
                await conn.lookup_domain_by_uuid("not-a-uuid")
            pool = await conn.lookup_storage_pool_by_name("default-pool")
            assert await pool.is_active()
            assert await pool.autostart() in (True, False)
        with pytest.raises(pyvirt.VirtError) as closed:
            await conn.list_domains()
        assert closed.value.code == pyvirt.ErrorCode.INVALID_CONN

    run(main())


def test_read_only_rule_is_the_same_under_asyncio() -> None:
    async def main() -> None:
        async with await pyvirt.aio.open("test:///default", read_only=True) as conn:
            dom = await conn.lookup_domain_by_name("test")
            with pytest.raises(pyvirt.OperationDeniedError) as secure:
                await dom.xml(secure=True)
            assert str(secure.value) == "operation forbidden: virDomainGetXMLDesc with secure flag"
            with pytest.raises(pyvirt.OperationDeniedError) as destroy:
                await dom.destroy()
            assert "read only access prevents virDomainDestroy" in str(destroy.value)
            assert (await dom.state())[0] == pyvirt.DomainState.RUNNING

    run(main())


def test_through_pyvirtd_many_calls_in_flight(daemon) -> None:
    async def main() -> None:
        async with await pyvirt.aio.open("test+unix:///default") as conn:
            assert "remote" in repr(conn)
            dom = await conn.lookup_domain_by_name("test")
            infos = await asyncio.gather(*(dom.info() for _ in range(200)))
            assert {i.memory for i in infos} == {infos[0].memory}
            names = await asyncio.gather(*(conn.hostname() for _ in range(50)))
            assert len(set(names)) == 1
            events = conn.events()
            first = asyncio.ensure_future(events.__anext__())
            await asyncio.sleep(0.5)  # the iteration attaches to the worker's events first
            await dom.suspend()
            event = await asyncio.wait_for(first, 10)
            assert event.name == "test" and event.event == pyvirt.DomainEventType.SUSPENDED
            await dom.resume()
            await events.aclose()
        async with await pyvirt.aio.open("test+unix:///default", read_only=True) as ro:
            rodom = await ro.lookup_domain_by_name("test")
            with pytest.raises(pyvirt.OperationDeniedError):
                await rodom.xml_desc(1)

    run(main())


def test_a_bad_uri_is_libvirts_error() -> None:
    async def main() -> None:
        with pytest.raises(pyvirt.VirtError) as info:
            await pyvirt.aio.open("test:///")
        assert "supply a path or use test:///default" in str(info.value)
        with pytest.raises(pyvirt.InvalidArgError):
            await pyvirt.aio.open(42)  # type: ignore[arg-type]

    run(main())


def test_a_users_script_type_checks_strictly_with_no_any() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--disallow-any-expr",
            "--disallow-any-explicit",
            "--no-incremental",
            str(SCRIPT),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout
    out = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True, check=True)
    assert "('test', 2097152, True)" in out.stdout
