"""Keepalive: the only way to tell a worker that is stopped (its socket still open) from a busy one.

Each test has its own daemon: a stopped worker must not hold up other tests.
"""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest
import pyvirt
from daemon_helpers import running_daemon

pytestmark = pytest.mark.xdist_group("daemon-keepalive")

URI = "test+unix:///default"


def _stopped_worker(daemon):  # type: ignore[no-untyped-def]
    pid = daemon.worker_pids()["test"]
    os.kill(pid, signal.SIGSTOP)
    return pid


def _expect_keepalive_error(call) -> float:  # type: ignore[no-untyped-def]
    start = time.monotonic()
    with pytest.raises(pyvirt.VirtError) as info:
        call()
    assert info.value.code == pyvirt.ErrorCode.RPC
    assert info.value.domain == pyvirt.ErrorDomain.RPC
    assert "connection closed due to keepalive timeout" in str(info.value)
    return time.monotonic() - start


def test_idle_connection_detects_a_stopped_worker() -> None:
    with running_daemon() as daemon:
        conn = pyvirt.open(URI)
        conn.set_keepalive(1, 2)
        assert conn.uri == URI
        pid = _stopped_worker(daemon)
        try:
            start = time.monotonic()
            deadline = start + 5
            while conn.is_alive() and time.monotonic() < deadline:
                time.sleep(0.05)
            assert not conn.is_alive()
            assert time.monotonic() - start < 4.5
            # The connection is closed for good: calls fail at once.
            assert _expect_keepalive_error(conn.get_type) < 0.5
            assert _expect_keepalive_error(conn.list_domains) < 0.5
        finally:
            os.kill(pid, signal.SIGCONT)
        conn.close()
        with pyvirt.open(URI) as fresh:
            fresh.set_keepalive(1, 2)
            assert fresh.get_type() == "TEST"
            assert fresh.is_alive()


def test_call_in_flight_detects_a_stopped_worker() -> None:
    with running_daemon() as daemon:
        conn = pyvirt.open(URI)
        conn.set_keepalive(1, 2)
        assert conn.get_type() == "TEST"
        pid = _stopped_worker(daemon)
        try:
            assert _expect_keepalive_error(conn.list_domains) < 4.5
            assert _expect_keepalive_error(conn.get_type) < 0.5
        finally:
            os.kill(pid, signal.SIGCONT)
        conn.close()
        with pyvirt.open(URI) as fresh:
            assert len(fresh.list_domains()) >= 1


def test_keepalive_keeps_a_live_idle_connection() -> None:
    with running_daemon():
        conn = pyvirt.open(URI)
        conn.set_keepalive(1, 1)
        names = {t.name for t in threading.enumerate()}
        assert "pyvirt-keepalive" in names
        time.sleep(2.5)  # pinged and answered several times
        assert conn.is_alive()
        assert conn.get_type() == "TEST"
        conn.set_keepalive(0, 0)  # stop
        conn.set_keepalive(-1, 0)
        conn.close()
        _wait = time.monotonic() + 3
        while time.monotonic() < _wait and any(
            t.name == "pyvirt-keepalive" for t in threading.enumerate()
        ):
            time.sleep(0.05)
        assert not any(t.name == "pyvirt-keepalive" for t in threading.enumerate())


def test_local_driver_refuses_keepalive() -> None:
    with pyvirt.open("test:///default") as conn:
        with pytest.raises(pyvirt.VirtError) as info:
            conn.set_keepalive(5, 6)
        assert info.value.code == pyvirt.ErrorCode.NO_SUPPORT
        assert str(info.value) == (
            "this function is not supported by the connection driver: virConnectSetKeepAlive"
        )
        assert info.value.domain == pyvirt.ErrorDomain.DOMAIN
