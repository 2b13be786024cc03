"""pyvirtd under faults: workers, clients and the daemon itself killed or signalled.

Every check waits with a short poll and a deadline; a failure mode here is "hangs", so each
call that may fail is timed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import pyvirt
from daemon_helpers import domain_states, running_daemon, start_daemon

pytestmark = pytest.mark.xdist_group("daemon-faults")

URI = "test+unix:///default"
PROMPT = 30.0  # a failing call must not wait for the client's 300 s timeout (generous: CI is loaded)


def _gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def _wait_for(predicate, timeout: float = 5.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def _timed(call):
    start = time.monotonic()
    try:
        return call(), None, time.monotonic() - start
    except pyvirt.VirtError as exc:
        return None, exc, time.monotonic() - start


def _sockets(rundir: Path) -> list[str]:
    return sorted(n for n in os.listdir(rundir) if "sock" in n)


@pytest.fixture(scope="module")
def daemon():
    with running_daemon() as d:
        yield d


# -- workers -------------------------------------------------------------------------------
def test_killed_worker_is_restarted_and_the_next_call_reopens(daemon):
    with pyvirt.open(URI) as conn:
        assert conn.hostname()
        old = daemon.wait_worker("test")
        os.kill(old, signal.SIGKILL)
        new = daemon.wait_worker("test", not_pid=old)
        assert new != old
        value, err, took = _timed(lambda: conn.lookup_domain_by_name("test").state()[0])
        assert err is None, err
        assert value == pyvirt.DomainState.RUNNING and took < PROMPT


def test_next_call_after_a_worker_death_waits_for_the_restart(daemon):
    """The test does not wait for the restart: the client re-routes, and the daemon holds the
    route until the worker is back."""
    with pyvirt.open(URI) as conn:
        os.kill(daemon.wait_worker("test"), signal.SIGKILL)
        _wait_for(lambda: not conn.is_alive(), what="the client to see the worker die")
        value, err, took = _timed(conn.hostname)
        assert err is None, err
        assert value and took < PROMPT


def test_calls_in_flight_when_the_worker_dies_fail_promptly(daemon):
    errors: list[pyvirt.VirtError] = []
    with pyvirt.open(URI) as conn:
        for _round in range(5):  # the kill may land between two calls: try again then
            pid = daemon.wait_worker("test")
            killer = threading.Timer(0.1, os.kill, (pid, signal.SIGKILL))
            killer.start()
            end = time.monotonic() + 0.6
            while time.monotonic() < end:
                _value, err, took = _timed(conn.capabilities)
                assert took < PROMPT
                if err is not None:
                    errors.append(err)
            killer.join()
            if errors:
                break
        assert errors, "no call was in flight when the worker died"
        for err in errors:
            assert err.code == pyvirt.ErrorCode.RPC
            assert "lost" in err.message
        # And the connection is still usable afterwards.
        assert conn.hostname()


CHILD = """
import sys, pyvirt
conn = pyvirt.open("test+unix:///default")
conn.lookup_domain_by_name("test").suspend()
print("suspended", flush=True)
while True:
    conn.capabilities()
    conn.list_domains()
"""


def test_client_killed_mid_call_leaves_others_served_and_its_session_closed(daemon):
    other = pyvirt.open(URI, read_only=True)
    child = subprocess.Popen([sys.executable, "-c", CHILD], stdout=subprocess.PIPE, env=os.environ)
    try:
        assert child.stdout is not None and child.stdout.readline() == b"suspended\n"
        time.sleep(0.1)  # let it get well into its loop of calls
    finally:
        child.kill()
        child.wait()
    # The state is shared: the other client sees the pause and is still served.
    assert other.lookup_domain_by_name("test").state()[0] == pyvirt.DomainState.PAUSED
    other.close()

    # test:///default resets when its last connection closes.  Had the dead client's session
    # stayed open, the domain would stay paused for every later client.
    def reset() -> bool:
        with pyvirt.open(URI) as fresh:
            return fresh.lookup_domain_by_name("test").state()[0] == pyvirt.DomainState.RUNNING

    _wait_for(reset, what="the vanished client's session to be closed")


def test_sighup_keeps_the_daemon_and_its_clients_serving(daemon):
    with pyvirt.open(URI) as conn:
        workers = daemon.worker_pids()
        for _ in range(3):
            daemon.proc.send_signal(signal.SIGHUP)
        time.sleep(0.2)
        assert daemon.proc.poll() is None
        assert conn.hostname()
        with pyvirt.open(URI) as fresh:
            assert fresh.hostname()
        assert daemon.worker_pids() == workers


# -- the daemon itself ---------------------------------------------------------------------
def test_sigterm_with_clients_connected_exits_cleanly_and_clients_fail_fast():
    with running_daemon() as d:
        a = pyvirt.open(URI)
        b = pyvirt.open(URI, read_only=True)
        seen = []
        a.register_event_callback(lambda _c, ev: seen.append(ev))
        workers = d.worker_pids()
        assert d.stop(signal.SIGTERM, timeout=5) == 0
        assert _sockets(d.rundir) == []
        assert not (d.rundir / "pyvirtd.pid").exists()
        assert all(_gone(pid) for pid in workers.values())
        for conn in (a, b):
            _value, err, took = _timed(conn.hostname)
            assert err is not None and took < 1.0
            assert err.code == pyvirt.ErrorCode.SYSTEM_ERROR
            sock = "pyvirt-sock-ro" if conn.read_only and os.geteuid() == 0 else "pyvirt-sock"
            assert err.message == (
                f"Failed to connect socket to '{d.rundir}/{sock}': No such file or directory"
            )
            assert not conn.is_alive()
            conn.close()


def test_daemon_killed_takes_its_workers_along_and_clients_fail_fast_then_recover():
    with running_daemon() as d:
        conn = pyvirt.open(URI)
        conn.lookup_domain_by_name("test").suspend()
        workers = d.worker_pids()
        d.proc.kill()
        d.proc.wait()
        # PDEATHSIG: the workers go with the daemon, and remove their sockets on the way.
        _wait_for(lambda: all(_gone(pid) for pid in workers.values()), 3.0, "workers to exit")
        # the daemon's: stale
        assert _sockets(d.rundir) == ["pyvirt-admin-sock", "pyvirt-sock", "pyvirt-sock-ro"]

        _value, err, took = _timed(conn.hostname)
        assert err is not None and took < 1.0
        assert err.code in (pyvirt.ErrorCode.RPC, pyvirt.ErrorCode.SYSTEM_ERROR)
        # Either the call saw the worker go, or the re-route found nobody at the socket.
        assert "lost" in err.message or "Connection refused" in err.message
        _value, err, took = _timed(conn.hostname)
        assert err is not None and took < 1.0
        assert (
            err.message
            == f"Failed to connect socket to '{d.rundir}/pyvirt-sock': Connection refused"
        )
        _value, err, took = _timed(lambda: pyvirt.open(URI))
        assert err is not None and took < 1.0 and "Connection refused" in err.message

        # A new daemon on the same runtime dir serves new and old connections alike; the
        # state is the new worker's (the pause died with the old one).
        d2 = start_daemon(d.rundir)
        try:
            with pyvirt.open(URI) as fresh:
                assert fresh.lookup_domain_by_name("test").state()[0] == pyvirt.DomainState.RUNNING
            assert conn.hostname()
            assert domain_states(conn)
            conn.close()
        finally:
            assert d2.stop(signal.SIGTERM, timeout=5) == 0


# -- a client flooding its worker --------------------------------------------------------------
def test_pipelined_calls_beyond_the_cap_are_answered_or_the_flooder_dropped():
    """max_client_requests caps calls *running* at once on the pool path; the test driver runs
    calls inline, one at a time, so pipelined calls are simply answered in order.  A client
    that never reads its replies is closed once its reply queue is full - never left with
    replies silently missing - and the others are served all along."""
    from daemon_helpers import RawPeer
    from pyvirt.rpc import (
        PROC_CONNECT_OPEN,
        PROGRAM_REMOTE,
        VERSION_FRAME,
        Header,
        MessageType,
        Status,
        encode,
        split_frames,
    )

    get_type = 3
    with running_daemon(config="max_client_requests = 2\n") as d:
        with pyvirt.open(URI) as bystander, RawPeer(d.rundir / "pyvirt-test-sock") as flooder:
            before = domain_states(bystander)
            assert (
                flooder.call(PROGRAM_REMOTE, PROC_CONNECT_OPEN, encode(["test:///default", 0]))[0]
                == 0
            )

            def pipeline(count: int, first: int) -> None:
                for serial in range(first, first + count):
                    header = Header(
                        PROGRAM_REMOTE, 1, get_type, MessageType.CALL, serial, Status.OK
                    )
                    flooder.send([VERSION_FRAME, header.pack() + encode([])])

            # 25 times the cap, unread: every one answered, in order.
            pipeline(50, 100)
            serials = []
            while len(serials) < 50 and flooder.sock.poll(2000):
                header, body = split_frames(flooder.sock.recv_multipart())
                assert header.status == Status.OK
                serials.append(header.serial)
            assert serials == list(range(100, 150))
            assert bystander.hostname()

            # Far beyond the reply queue (SNDHWM 10000), unread: the flooder is closed.
            pipeline(30000, 1000)
            _value, err, took = _timed(bystander.hostname)
            assert err is None and took < PROMPT
            replies = 0
            while flooder.sock.poll(500):
                flooder.sock.recv_multipart()
                replies += 1
            assert 0 < replies < 30000
            status, err = flooder.call(PROGRAM_REMOTE, get_type, encode([]))
            assert (status, err["message"]) == (Status.ERROR, "connection not open")
            assert domain_states(bystander) == before
            assert d.proc.poll() is None


# -- too many connections ------------------------------------------------------------------
def test_connections_beyond_the_worker_cap_are_refused_with_libvirts_reason():
    """max_clients = 1 lets a worker hold 2 * 1 + 64 connections; the next one is told why
    it is refused (a ZMTP ERROR in place of READY) and the client raises that reason; once
    connections are let go, clients are served again."""
    import socket

    with running_daemon(config="max_clients = 1\n") as d:
        held = []
        try:
            while True:
                sock = socket.socket(socket.AF_UNIX)
                sock.connect(str(d.rundir / "pyvirt-test-sock"))
                held.append(sock)
                sock.settimeout(30)  # a loaded machine may take a while to accept
                if b"Too many active clients" in sock.recv(4096):
                    break
                assert len(held) < 200, "the worker never refused a connection"
            with pytest.raises(pyvirt.VirtError, match="Too many active clients") as err:
                pyvirt.open(URI)
            assert err.value.code == pyvirt.ErrorCode.RPC
        finally:
            for sock in held:
                sock.close()
        # The worker sees the held connections end as its loop reads their end of stream:
        # on a loaded machine an open right after the close may still find it full.
        deadline = time.monotonic() + 30
        while True:
            try:
                conn = pyvirt.open(URI)
                break
            except pyvirt.VirtError as exc:
                if "Too many active clients" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        with conn:
            assert conn.hostname()
        assert d.proc.poll() is None
