"""The remote client's session logic, written once for asyncio and generated for threads:
what both clients must do alike (read-only refusal before sending, re-open shared by the
callers that noticed a dead worker, keepalive, events as an iterator, closing).

Each test that stops or kills a worker has its own daemon.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import signal
import threading
import time

import pytest
import pyvirt
import pyvirt.aio
from daemon_helpers import running_daemon
from pyvirt.rpc import _sync_client
from pyvirt.rpc._sync_client import RemoteConnection

pytestmark = pytest.mark.xdist_group("remote-client-session")

URI = "test+unix:///default"


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(asyncio.wait_for(coro, 30))


def _sync_open(read_only: bool = False) -> RemoteConnection:
    return RemoteConnection.open(pyvirt.parse_uri(URI), read_only=read_only)


def test_both_clients_refuse_a_modifying_call_on_a_read_only_connection_without_sending_it():
    """The worker is stopped: a call that went out would wait for ever; the refusal is at once
    and is libvirt's error."""
    with running_daemon() as daemon:
        sync = _sync_open(read_only=True)
        ref = sync.domain_lookup_by_name("test").ref

        async def refused_async() -> pyvirt.VirtError:
            conn = await pyvirt.aio.open_driver(URI, read_only=True)
            try:
                os.kill(daemon.wait_worker("test"), signal.SIGSTOP)
                with pytest.raises(pyvirt.OperationDeniedError) as info:
                    await asyncio.wait_for(conn.domain_suspend(ref), 2)
                return info.value
            finally:
                os.kill(daemon.wait_worker("test"), signal.SIGCONT)
                await conn.close()

        async_error = run(refused_async())
        pid = daemon.wait_worker("test")
        os.kill(pid, signal.SIGSTOP)
        pool = concurrent.futures.ThreadPoolExecutor(1)
        try:
            with pytest.raises(pyvirt.OperationDeniedError) as info:
                pool.submit(sync.domain_suspend, ref).result(timeout=2)
        finally:
            os.kill(pid, signal.SIGCONT)
            pool.shutdown()
        for error in (info.value, async_error):
            assert error.code == pyvirt.ErrorCode.OPERATION_DENIED
            assert (
                error.message == "operation forbidden: read only access prevents virDomainSuspend"
            )
        assert sync.domain_get_info(ref).state == pyvirt.DomainState.RUNNING  # still usable
        sync.connect_close()


def test_threads_that_find_the_worker_dead_share_one_reopen(monkeypatch):
    with running_daemon() as daemon:
        conn = _sync_open()
        assert conn.connect_get_type() == "TEST"
        old = daemon.wait_worker("test")
        os.kill(old, signal.SIGKILL)
        daemon.wait_worker("test", not_pid=old)
        connects: list[str] = []
        real_connect = _sync_client._connect

        def counted_connect(endpoint, *args, **kwargs):  # type: ignore[no-untyped-def]
            connects.append(endpoint)
            return real_connect(endpoint, *args, **kwargs)

        monkeypatch.setattr(_sync_client, "_connect", counted_connect)
        results: list[object] = []
        start = threading.Barrier(8)

        def call() -> None:
            start.wait()
            try:
                results.append(conn.connect_get_type())
            except pyvirt.VirtError as exc:
                results.append(exc)

        threads = [threading.Thread(target=call) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert results == ["TEST"] * 8
        assert len(connects) == 1  # the worker only: the daemon's control link is alive
        conn.connect_close()


def test_an_asyncio_connection_with_keepalive_closes_for_good_when_its_worker_stops():
    with running_daemon() as daemon:

        async def main() -> tuple[float, list[str]]:
            conn = await pyvirt.aio.open_driver(URI)
            await conn.connect_set_keepalive(1, 2)
            assert conn.connect_is_alive()
            pid = daemon.wait_worker("test")
            os.kill(pid, signal.SIGSTOP)
            try:
                start = time.monotonic()
                with pytest.raises(pyvirt.VirtError) as info:
                    await conn.connect_list_all_domains(0)
                took = time.monotonic() - start
                messages = [info.value.message]
                assert not conn.connect_is_alive()
                with pytest.raises(pyvirt.VirtError) as again:  # closed for good, at once
                    await asyncio.wait_for(conn.connect_get_type(), 0.5)
                messages.append(again.value.message)
                assert again.value.code == pyvirt.ErrorCode.RPC
            finally:
                os.kill(pid, signal.SIGCONT)
            await conn.close()
            return took, messages

        took, messages = run(main())
        assert took < 4.5  # 3 intervals of silence, not the 300 s call timeout
        assert all("connection closed due to keepalive timeout" in m for m in messages)


def test_an_idle_asyncio_connection_with_keepalive_stays_alive():
    with running_daemon():

        async def main() -> str:
            async with await pyvirt.aio.open_driver(URI) as conn:
                await conn.connect_set_keepalive(1, 1)
                await asyncio.sleep(3.5)  # three pings answered, none missed twice
                assert conn.connect_is_alive()
                return await conn.connect_get_type()

        assert run(main()) == "TEST"


def test_the_sync_client_yields_events_and_the_iteration_raises_when_the_worker_dies():
    with running_daemon() as daemon:
        watcher, actor = _sync_open(), _sync_open()
        ref = actor.domain_lookup_by_name("test").ref
        seen: list[object] = []
        attached = threading.Event()

        def watch() -> None:
            events = watcher.events()
            try:
                attached.set()
                for event in events:
                    seen.append((event.name, event.event))
            except pyvirt.VirtError as exc:
                seen.append(exc)

        thread = threading.Thread(target=watch, daemon=True)
        thread.start()
        attached.wait(5)
        deadline = time.monotonic() + 5
        while not seen and time.monotonic() < deadline:
            actor.domain_suspend(ref)  # until the watcher is attached and sees one
            actor.domain_resume(ref)
            time.sleep(0.2)
        assert seen and seen[0] in {("test", 3), ("test", 4)}  # suspended, resumed
        os.kill(daemon.wait_worker("test"), signal.SIGKILL)
        thread.join(5)
        assert not thread.is_alive()
        assert isinstance(seen[-1], pyvirt.VirtError) and "lost" in seen[-1].message
        watcher.connect_close()
        actor.connect_close()


def test_both_clients_report_their_uri_and_refuse_calls_once_closed():
    with running_daemon():
        sync = _sync_open()
        assert sync.connect_get_uri() == URI and sync.connect_is_alive()
        sync.connect_close()
        assert not sync.connect_is_alive()
        with pytest.raises(pyvirt.VirtError, match="the connection is closed"):
            sync.connect_get_type()

        async def main() -> None:
            conn = await pyvirt.aio.open_driver(URI)
            assert await conn.connect_get_uri() == URI and conn.connect_is_alive()
            await conn.close()
            await conn.close()  # twice is harmless
            assert not conn.connect_is_alive()
            with pytest.raises(pyvirt.VirtError, match="the connection is closed"):
                await conn.connect_get_type()

        run(main())
