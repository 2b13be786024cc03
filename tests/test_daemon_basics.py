"""pyvirtd end to end: routing, shared state, read-only, events, clean shutdown."""

from __future__ import annotations

import os
import signal
import socket
import stat
import threading
import time

import pytest
import pyvirt
from daemon_helpers import running_daemon


@pytest.fixture(scope="module")
def daemon():
    with running_daemon() as d:
        yield d


@pytest.fixture
def conn(daemon):
    with pyvirt.open("test+unix:///default") as c:
        yield c


def test_state_is_shared_between_clients_of_the_daemon(daemon):
    with pyvirt.open("test+unix:///default") as a, pyvirt.open("test+unix:///default") as b:
        a.lookup_domain_by_name("test").suspend()
        assert b.lookup_domain_by_name("test").state()[0] == pyvirt.DomainState.PAUSED
        b.lookup_domain_by_name("test").resume()


def test_uri_is_the_clients(conn):
    assert conn.uri == "test+unix:///default"
    assert conn.get_type() == "TEST"


def test_errors_cross_the_wire_with_their_class_and_fields(conn):
    with pytest.raises(pyvirt.NoDomainError) as err:
        conn.lookup_domain_by_name("nope")
    assert (err.value.code, err.value.domain, err.value.message) == (42, 12, "Domain not found")
    with pytest.raises(pyvirt.InternalError, match="Domain 'test' is already running"):
        conn.lookup_domain_by_name("test").start()


def test_bulk_listing_returns_full_records(conn):
    (dom,) = conn.list_domains()
    assert dom.record is not None and dom.record.state == pyvirt.DomainState.RUNNING


def test_read_only_connection_is_refused_by_the_daemon(daemon):
    with pyvirt.open("test+unix:///default", read_only=True) as ro:
        dom = ro.lookup_domain_by_name("test")
        # Bypass both client-side checks (the public API's and the remote driver's): the call
        # goes straight onto the worker link, and the worker must refuse on its own.
        from pyvirt.rpc import PROGRAM_REMOTE

        domain_suspend = 34  # libvirt's REMOTE_PROC_DOMAIN_SUSPEND

        worker = ro.driver._usable_worker()
        with pytest.raises(pyvirt.OperationDeniedError) as err:
            worker.request(PROGRAM_REMOTE, domain_suspend, [dom.ref])
        assert (
            err.value.message == "operation forbidden: read only access prevents virDomainSuspend"
        )
        assert dom.state()[0] == pyvirt.DomainState.RUNNING


def test_socket_permissions_follow_libvirts_model(daemon):
    rw = os.stat(daemon.rundir / "pyvirt-sock").st_mode
    ro = os.stat(daemon.rundir / "pyvirt-sock-ro").st_mode
    assert stat.S_ISSOCK(rw) and stat.S_IMODE(rw) == 0o700
    assert stat.S_ISSOCK(ro) and stat.S_IMODE(ro) == 0o777


def test_events_reach_every_registered_client(daemon):
    with (
        pyvirt.open("test+unix:///default") as watcher,
        pyvirt.open("test+unix:///default") as actor,
    ):
        seen = []
        boots = set()

        def record(_conn, ev):
            seen.append((ev.name, ev.event, ev.detail))
            boots.add(ev.boot_id)
            seqs.append(ev.seq)

        seqs: list[int] = []
        watcher.register_event_callback(record)
        actor.lookup_domain_by_name("test").suspend()
        actor.lookup_domain_by_name("test").resume()
        deadline = time.monotonic() + 5
        while len(seen) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert seen == [("test", 3, 0), ("test", 4, 0)]
        assert seqs == [1, 2] and len(boots) == 1 and "" not in boots


def test_unknown_scheme_is_no_connect(daemon):
    with pytest.raises(pyvirt.NoConnectError):
        pyvirt.open("bogus+unix:///x")


def test_sigterm_stops_workers_and_removes_sockets():
    with running_daemon() as d:
        conn = pyvirt.open("test+unix:///default")
        workers = d.worker_pids()
        assert d.stop(signal.SIGTERM) == 0
        assert not (d.rundir / "pyvirt-sock").exists()
        assert not (d.rundir / "pyvirt-test-sock").exists()
        for pid in workers.values():
            assert (
                not os.path.exists(f"/proc/{pid}")
                or "Z" in open(f"/proc/{pid}/stat").read().split()[2]
            )
        with pytest.raises(pyvirt.VirtError) as err:
            conn.lookup_domain_by_name("test")
        assert err.value.code in (pyvirt.ErrorCode.RPC, pyvirt.ErrorCode.SYSTEM_ERROR)


def test_no_daemon_fails_fast_with_libvirts_message(tmp_path, monkeypatch):
    monkeypatch.setenv("PYVIRT_RUNTIME_DIR", str(tmp_path))
    monkeypatch.setenv("PYVIRT_AUTOSTART", "0")
    with pytest.raises(pyvirt.SystemCallError) as err:
        pyvirt.open("test+unix:///default")
    assert (
        err.value.message
        == f"Failed to connect socket to '{tmp_path}/pyvirt-sock': No such file or directory"
    )


class _NotADaemon:
    """A unix socket whose accepting end answers every connection with *reply* and closes."""

    def __init__(self, path: str, reply: bytes) -> None:
        self.server = socket.socket(socket.AF_UNIX)
        self.server.bind(path)
        self.server.listen(8)
        self.server.settimeout(0.2)
        self.reply = reply
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.done.is_set():
            try:
                peer, _ = self.server.accept()
            except TimeoutError:
                continue
            with peer:
                peer.settimeout(1)
                try:
                    peer.recv(4096)  # the client's greeting
                    peer.sendall(self.reply)
                except OSError:
                    pass

    def close(self) -> None:
        self.done.set()
        self.thread.join(5)
        self.server.close()


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (b"HTTP/1.1 400 Bad Request\r\n\r\n" + b"x" * 40, "not a ZMTP peer"),
        (b"", "closed the connection"),
    ],
    ids=["speaks-garbage", "closes-during-handshake"],
)
def test_a_socket_that_is_not_a_daemon_fails_fast_with_a_clear_error(tmp_path, reply, reason):
    path = str(tmp_path / "sock")
    peer = _NotADaemon(path, reply)
    try:
        start = time.monotonic()
        with pytest.raises(pyvirt.VirtError) as err:
            pyvirt.open(f"test+unix:///default?socket={path}")
        assert time.monotonic() - start < 3
    finally:
        peer.close()
    assert err.value.code == pyvirt.ErrorCode.RPC
    assert f"ipc://{path}" in err.value.message and reason in err.value.message
