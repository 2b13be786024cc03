"""A burst of connects is queued, never refused: the listen backlog and the client's retry.

libvirtd listens with a backlog of ``max_queued_clients`` (1000) and its client's blocking
connect waits for room in the queue, so a thousand clients connecting at once all get in.
pyvirtd listens with the same backlog (pyvirtd.toml's ``max_queued_clients``) and pyvirt's
clients, whose unix connects fail with EAGAIN when the queue is full, try again within their
open timeout.  These tests overflow a tiny queue on purpose, so that the retry is what lets
every client in; everything runs on unix sockets in a temporary directory.
"""

from __future__ import annotations

import asyncio
import os
import socket
import tempfile
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest
import pyvirt
import pyvirt.aio
from daemon_helpers import running_daemon
from pyvirt.rpc._channel import open_socket
from pyvirtd._sockets import SOMAXCONN_PATH, backlog_shortfall, somaxconn
from pyvirtd._transport import ZmtpServer

URI = "test+unix:///default"


def _server(path: Path, backlog: int) -> ZmtpServer:
    server = ZmtpServer(
        lambda *_: None,
        lambda *_: None,
        lambda *_: None,
        max_message=1 << 20,
        max_connections=100,
        backlog=backlog,
    )
    server.listen_unix(str(path), 0o700, "rw")
    return server


@contextmanager
def _full_queue(backlog: int) -> Iterator[tuple[Path, ZmtpServer, list[socket.socket]]]:
    """A ZMTP server listening with *backlog* that has accepted nothing yet, and the raw
    sockets that fill its queue (the next connect to it: EAGAIN)."""
    with tempfile.TemporaryDirectory(prefix="pvq-", dir="/tmp") as tmp:
        path = Path(tmp) / "sock"
        server = _server(path, backlog)
        held: list[socket.socket] = []
        try:
            for _ in range(64):
                sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                sock.setblocking(False)
                try:
                    sock.connect(str(path))
                except BlockingIOError:
                    sock.close()
                    break
                held.append(sock)
            else:
                raise AssertionError("the listen queue never filled: the backlog was not applied")
            yield path, server, held
        finally:
            for sock in held:
                sock.close()
            server.close()


def test_the_server_listens_with_the_configured_backlog() -> None:
    with _full_queue(3) as (_path, _server_, held):
        # Linux queues one more than the backlog before a unix connect fails.
        assert len(held) == 4


def test_a_connect_to_a_full_queue_waits_for_room_instead_of_failing() -> None:
    result: list[object] = []
    with _full_queue(1) as (path, server, _held):

        def connect() -> None:
            try:
                result.append(open_socket(f"ipc://{path}", 10.0))
            except OSError as exc:
                result.append(exc)

        client = threading.Thread(target=connect)
        client.start()
        try:
            client.join(0.3)
            assert client.is_alive() and not result, "the connect gave up on a full queue"
            for _ in range(50):  # the server accepts: the queue drains, the client gets in
                server.poll(0.05)
                if not client.is_alive():
                    break
        finally:
            client.join(5)
    assert len(result) == 1 and isinstance(result[0], socket.socket), result
    result[0].close()


def test_a_connect_to_a_full_queue_still_gives_up_at_its_timeout() -> None:
    with _full_queue(1) as (path, _server_, _held):
        with pytest.raises(BlockingIOError):
            open_socket(f"ipc://{path}", 0.2)


def test_a_queue_that_stays_full_ends_in_libvirts_connect_error() -> None:
    """After its bounded wait the client says what libvirt's says for the same EAGAIN:
    VIR_ERR_SYSTEM_ERROR in the RPC domain, "Failed to connect socket to 'PATH': Resource
    temporarily unavailable" (virNetSocketNewConnectUNIX's words), never a bare OSError."""
    from pyvirt.rpc._channel import Channel

    with _full_queue(1) as (path, _server_, _held):
        channel = Channel(f"ipc://{path}")
        with pytest.raises(pyvirt.VirtError) as caught:
            channel.connect(0.2)
    err = caught.value
    assert (err.code, err.domain) == (pyvirt.ErrorCode.SYSTEM_ERROR, pyvirt.ErrorDomain.RPC)
    assert str(err) == f"Failed to connect socket to '{path}': Resource temporarily unavailable"


def test_a_missing_socket_is_still_refused_at_once() -> None:
    with tempfile.TemporaryDirectory(prefix="pvq-", dir="/tmp") as tmp:
        with pytest.raises(FileNotFoundError):
            open_socket(f"ipc://{tmp}/nothing-here", 10.0)


# Small enough that the burst below overflows it, so the clients' retry is what lets them in.
_TINY_QUEUE = "max_queued_clients = 2\n"
_CLIENTS = 120


def test_many_threads_opening_at_once_all_get_in() -> None:
    barrier = threading.Barrier(_CLIENTS)

    def open_and_call(_: int) -> int:
        barrier.wait(30)
        conn = pyvirt.open(URI)
        try:
            return conn.lookup_domain_by_name("test").info().state
        finally:
            conn.close()

    with running_daemon(config=_TINY_QUEUE):
        with ThreadPoolExecutor(_CLIENTS) as pool:
            states = list(pool.map(open_and_call, range(_CLIENTS)))
    assert states == [pyvirt.DomainState.RUNNING] * _CLIENTS


def test_many_asyncio_connections_opened_at_once_all_get_in() -> None:
    async def burst() -> list[str]:
        conns = await asyncio.gather(*(pyvirt.aio.open_driver(URI) for _ in range(_CLIENTS)))
        try:
            return [await c.connect_get_hostname() for c in conns]
        finally:
            await asyncio.gather(*(c.close() for c in conns))

    with running_daemon(config=_TINY_QUEUE):
        names = asyncio.run(burst())
    assert len(names) == _CLIENTS and all(names)


def test_the_queue_length_is_checked() -> None:
    from pyvirtd._config import ConfigError, load_config

    with tempfile.TemporaryDirectory(prefix="pvq-", dir="/tmp") as tmp:
        conf = Path(tmp) / "pyvirtd.toml"
        conf.write_text("max_queued_clients = 0\n")
        with pytest.raises(ConfigError, match="'max_queued_clients' must be greater than 0"):
            load_config(str(conf))


def test_a_backlog_within_the_kernels_cap_is_queued_whole() -> None:
    assert backlog_shortfall(1000, 4096) is None
    assert backlog_shortfall(4096, 4096) is None
    assert backlog_shortfall(1000, None) is None  # no cap known: nothing to say


def test_a_backlog_past_the_kernels_cap_says_which_knob_to_turn() -> None:
    said = backlog_shortfall(1000, 128)
    assert said is not None
    assert "max_queued_clients = 1000" in said
    assert "at most 128" in said
    assert "net.core.somaxconn=1000" in said


@pytest.mark.skipif(not os.path.exists(SOMAXCONN_PATH), reason="no net.core.somaxconn here")
def test_the_daemon_warns_at_start_when_the_kernel_caps_its_backlog() -> None:
    cap = somaxconn()
    assert cap is not None and cap > 0
    with running_daemon(config=f"max_queued_clients = {cap + 1}\n") as daemon:
        with pyvirt.open(URI) as conn:  # and it serves as ever
            assert conn.lookup_domain_by_name("test").name == "test"
        log = daemon.log.read_text()
    assert f"the kernel queues at most {cap} connections" in log
    with running_daemon(config=f"max_queued_clients = {cap}\n") as daemon:
        assert "net.core.somaxconn" not in daemon.log.read_text()
