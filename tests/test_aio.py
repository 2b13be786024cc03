"""pyvirt.aio against a real pyvirtd: calls in flight, errors, events, read-only, faults.

Peers that break the ZMTP handshake are small socket servers: no daemon misbehaves that way.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest
import pyvirt
import pyvirt.aio
from daemon_helpers import running_daemon
from pyvirt.rpc import _async_client
from pyvirt.rpc._zmtp import handshake


@pytest.fixture(scope="module")
def daemon():
    with running_daemon() as d:
        yield d


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 30))


def test_many_calls_in_flight_on_one_connection_all_get_their_own_reply(daemon):
    async def main():
        async with await pyvirt.aio.open_driver("test+unix:///default") as conn:
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
        async with await pyvirt.aio.open_driver("test+unix:///default") as conn:
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
        async with await pyvirt.aio.open_driver("test+unix:///default", read_only=True) as conn:
            ref = (await conn.domain_lookup_by_name("test")).ref
            with pytest.raises(pyvirt.OperationDeniedError, match="virDomainSuspend"):
                await conn.domain_suspend(ref)

    run(main())


def test_events_as_an_async_iterator(daemon):
    async def main():
        async with await pyvirt.aio.open_driver("test+unix:///default") as conn:
            ref = (await conn.domain_lookup_by_name("test")).ref
            events = conn.events()
            first = asyncio.ensure_future(events.__anext__())
            await asyncio.sleep(0.2)
            await conn.domain_suspend(ref)
            event = await asyncio.wait_for(first, 5)
            await conn.domain_resume(ref)
            assert (event.name, event.event, event.detail, event.seq) == ("test", 3, 0, 1)

    run(main())


def test_event_iteration_ends_with_the_error_when_the_worker_dies_and_resumes_after():
    """Waiting for events must not hang when the worker goes: the iterator raises, and a new
    events() attaches to the restarted worker (a new session: its sequence starts again)."""
    with running_daemon() as d:

        async def main():
            async with await pyvirt.aio.open_driver("test+unix:///default") as conn:
                ref = (await conn.domain_lookup_by_name("test")).ref
                events = conn.events()
                waiting = asyncio.ensure_future(events.__anext__())
                await asyncio.sleep(0.2)
                await conn.domain_suspend(ref)
                before = await asyncio.wait_for(waiting, 5)
                waiting = asyncio.ensure_future(events.__anext__())
                await asyncio.sleep(0.1)
                old_pid = d.wait_worker("test")
                os.kill(old_pid, signal.SIGKILL)
                with pytest.raises(pyvirt.VirtError, match="lost"):
                    await asyncio.wait_for(waiting, 5)
                d.wait_worker("test", not_pid=old_pid)
                again = conn.events()
                waiting = asyncio.ensure_future(again.__anext__())
                await asyncio.sleep(0.2)
                ref = (await conn.domain_lookup_by_name("test")).ref
                await conn.domain_suspend(ref)
                after = await asyncio.wait_for(waiting, 5)
                assert (after.name, after.event) == ("test", 3)
                assert (before.seq, after.seq) == (1, 1)

        run(main())


def test_calls_in_flight_fail_promptly_when_the_daemon_dies():
    with running_daemon() as d:

        async def main():
            conn = await pyvirt.aio.open_driver("test+unix:///default")
            ref = (await conn.domain_lookup_by_name("test")).ref
            d.stop(signal.SIGKILL)
            with pytest.raises(pyvirt.VirtError):
                for _ in range(200):
                    await asyncio.wait_for(conn.domain_get_info(ref), 5)
            await conn.close()

        run(main())


# -- many calls in flight ------------------------------------------------------------------
def test_hundreds_of_gathered_calls_of_different_procedures_each_get_their_own_result(daemon):
    async def main():
        async with await pyvirt.aio.open_driver("test+unix:///default") as conn:
            ref = (await conn.domain_lookup_by_name("test")).ref
            kinds = [
                (conn.connect_get_type, (), lambda v: v == "TEST"),
                (conn.domain_get_info, (ref,), lambda v: isinstance(v, pyvirt.DomainInfo)),
                (conn.domain_lookup_by_name, ("test",), lambda v: v.ref == ref),
                (conn.domain_get_xml_desc, (ref, 0), lambda v: "<name>test</name>" in v),
                (conn.connect_list_all_domains, (0,), lambda v: ref in [r.ref for r in v]),
            ]
            plan = [kinds[i % len(kinds)] for i in range(500)]
            results = await asyncio.gather(*(call(*args) for call, args, _ in plan))
            assert all(check(value) for (_, _, check), value in zip(plan, results, strict=True))

    run(main())


def test_worker_killed_with_calls_in_flight_fails_them_all_at_once_then_reopens(
    daemon, monkeypatch
):
    connects: list[str] = []
    real_connect = _async_client._connect

    async def counted_connect(endpoint, *args, **kwargs):
        connects.append(endpoint)
        return await real_connect(endpoint, *args, **kwargs)

    async def main():
        async with await pyvirt.aio.open_driver("test+unix:///default") as conn:
            ref = (await conn.domain_lookup_by_name("test")).ref
            pid = daemon.wait_worker("test")
            os.kill(pid, signal.SIGSTOP)  # nothing is answered: every call stays in flight
            calls = [asyncio.ensure_future(conn.domain_get_info(ref)) for _ in range(200)]
            await asyncio.sleep(0.2)
            assert not any(c.done() for c in calls)
            start = time.monotonic()
            os.kill(pid, signal.SIGKILL)
            results = await asyncio.wait_for(asyncio.gather(*calls, return_exceptions=True), 5)
            assert time.monotonic() - start < 3
            for result in results:
                assert isinstance(result, pyvirt.VirtError)
                assert result.code == pyvirt.ErrorCode.RPC
                assert "the connection to the daemon was lost" in str(result)
            # The daemon restarts the worker; the next calls re-route and re-open, once.
            monkeypatch.setattr(_async_client, "_connect", counted_connect)
            types = await asyncio.wait_for(
                asyncio.gather(*(conn.connect_get_type() for _ in range(50))), 10
            )
            assert types == ["TEST"] * 50
            assert len(connects) == 1

    run(main())


def test_an_open_the_daemon_refuses_leaves_no_connection_open(daemon):
    async def main():
        before = len(os.listdir("/proc/self/fd"))
        for _ in range(5):
            with pytest.raises(pyvirt.NoConnectError):
                await pyvirt.aio.open_driver("nosuchdriver+unix:///system")
        await asyncio.sleep(0)  # let the transports finish closing
        return len(os.listdir("/proc/self/fd")) - before

    assert run(main()) == 0


# -- peers that are not a daemon -----------------------------------------------------------
class _BadPeer:
    """A unix socket server that answers every connection with *reply*, then closes it."""

    def __init__(self, path: str, reply: bytes) -> None:
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(path)
        self.server.listen(8)
        self.reply = reply
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            with conn:
                try:
                    conn.sendall(self.reply)
                    conn.shutdown(socket.SHUT_WR)
                    conn.recv(1024)
                except OSError:
                    pass

    def close(self) -> None:
        self.server.close()


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (b"", "the peer closed the connection"),
        (b"HTTP/1.1 400 Bad Request\r\n" * 4, "not a ZMTP peer"),
        (handshake(b"ROUTER", True)[:64], "the peer closed the connection"),
        (handshake(b"PUB", True), "incompatible peer socket type"),
    ],
    ids=["closes", "garbage", "greeting-then-closes", "wrong-socket-type"],
)
def test_a_peer_that_breaks_the_handshake_gives_a_clear_error(reply, expected):
    path = f"/tmp/pva-{os.getpid()}-{len(reply)}.sock"
    peer = _BadPeer(path, reply)
    try:

        async def main():
            start = time.monotonic()
            with pytest.raises(pyvirt.VirtError) as info:
                await pyvirt.aio.open_driver(f"test+unix:///default?socket={path}")
            assert time.monotonic() - start < 3
            return info.value

        error = run(main())
        assert error.code == pyvirt.ErrorCode.RPC
        assert f"ZMTP handshake with ipc://{path} failed" in str(error)
        assert expected in str(error)
    finally:
        peer.close()
        os.unlink(path)


# -- timeouts and imports ------------------------------------------------------------------
TIMEOUT_CHILD = """
import asyncio, os, signal, sys, time
import pyvirt, pyvirt.aio

async def main():
    async with await pyvirt.aio.open_driver("test+unix:///default") as conn:
        ref = (await conn.domain_lookup_by_name("test")).ref
        os.kill(int(sys.argv[1]), signal.SIGSTOP)
        start = time.monotonic()
        try:
            await conn.domain_get_info(ref)
        except pyvirt.VirtError as exc:
            print(int(exc.code), time.monotonic() - start, exc.message, flush=True)
        finally:
            os.kill(int(sys.argv[1]), signal.SIGCONT)

asyncio.run(main())
"""


def test_a_call_without_reply_fails_after_the_call_timeout():
    with running_daemon() as d:
        pid = d.wait_worker("test")
        try:
            out = subprocess.run(
                [sys.executable, "-c", TIMEOUT_CHILD, str(pid)],
                env={**os.environ, "PYVIRT_CALL_TIMEOUT": "1"},
                capture_output=True,
                text=True,
                timeout=30,
                check=True,
            ).stdout.split(maxsplit=2)
        finally:
            os.kill(pid, signal.SIGCONT)
        code, took, message = int(out[0]), float(out[1]), out[2]
        assert code == pyvirt.ErrorCode.OPERATION_TIMEOUT
        assert "no reply from the daemon" in message
        assert 1.0 <= took < 2.5


IMPORT_CHILD = """
import asyncio, sys
import pyvirt.aio

async def main():
    async with await pyvirt.aio.open_driver("test+unix:///default") as conn:
        assert await conn.connect_get_type() == "TEST"

asyncio.run(main())
print(sorted(m for m in sys.modules if m == "zmq" or m.startswith("zmq.")))
"""


def test_opening_and_calling_does_not_import_zmq(daemon):
    out = subprocess.run(
        [sys.executable, "-c", IMPORT_CHILD], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_a_call_made_before_the_handshake_completes_waits_for_it(daemon):
    """libzmq (the daemon's control socket) drops a connection on which a message arrives
    before it sent its READY: a call made at once must wait for the peer's handshake."""
    from pyvirt.rpc._aio_channel import Channel
    from pyvirt.rpc._procs import PROC_ROUTE
    from pyvirt.rpc._wire import PROGRAM_DAEMON

    async def main():
        for _attempt in range(10):  # the peer's READY may, rarely, already have been read
            channel = await Channel.connect(f"ipc://{daemon.socket}", 10.0)
            try:
                early = not channel.ready.done()
                route = await asyncio.wait_for(
                    channel.send(PROGRAM_DAEMON, PROC_ROUTE, ["test:///default", 0]), 5
                )
                assert route["endpoint"].startswith("ipc://")
            finally:
                channel.close()
            if early:
                return True
        return False

    assert run(main()), "the handshake was always over before the call: nothing was checked"


# -- TCP -----------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_over_tcp_calls_in_flight_reach_the_same_state():
    port = _free_port()
    config = f'listen_addr = "127.0.0.1"\nlisten_tcp = true\nlisten_tls = false\ntcp_port = {port}\nauth_tcp = "none"\n'
    with running_daemon("--listen", config=config):

        async def main():
            uri = f"test+tcp://127.0.0.1:{port}/default"
            async with (
                await pyvirt.aio.open_driver(uri) as tcp,
                await pyvirt.aio.open_driver("test+unix:///default") as unix,
            ):
                ref = (await tcp.domain_lookup_by_name("test")).ref
                assert tcp._worker.endpoint.startswith("tcp://127.0.0.1:")  # the worker too
                infos = await asyncio.gather(*(tcp.domain_get_info(ref) for _ in range(100)))
                assert {info.state for info in infos} == {pyvirt.DomainState.RUNNING}
                await tcp.domain_suspend(ref)
                assert (await unix.domain_get_info(ref)).state == pyvirt.DomainState.PAUSED

        run(main())


def test_over_tcp_without_a_listening_daemon_fails_with_libvirts_message():
    port = _free_port()

    async def main():
        with pytest.raises(pyvirt.VirtError) as info:
            await pyvirt.aio.open_driver(f"test+tcp://127.0.0.1:{port}/default")
        return info.value

    error = run(main())
    assert error.code == pyvirt.ErrorCode.SYSTEM_ERROR
    assert error.message == f"unable to connect to server at '127.0.0.1:{port}': Connection refused"
