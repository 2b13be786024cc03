"""The daemon's side of pyvirtd: its one ZMTP server, and the control records it trades with
its workers (pyvirtd._control, docs/protocol.md "Daemon and workers")."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import pyvirt
from daemon_helpers import RawPeer, running_daemon
from pyvirt.rpc import (
    PROC_CONNECT_CLOSE,
    PROC_CONNECT_OPEN,
    PROC_ROUTE,
    PROGRAM_DAEMON,
    PROGRAM_REMOTE,
    encode,
)
from pyvirtd._control import (
    CONTROL_RECORDS,
    MAX_RECORD,
    ControlError,
    ControlReader,
    WorkerOptions,
    WorkerReady,
    WorkerSessions,
    pack,
    unpack,
)

OPTIONS = WorkerOptions(
    boot_id="b" * 32,
    max_client_requests=5,
    max_workers=2,
    prio_workers=1,
    max_clients=10,
    max_message=1 << 20,
    poll_spin_us=0,
    rw_perms=0o700,
    ro_perms=0o777,
    listen_addr=None,
    log_level="WARNING",
)
READY = WorkerReady("ipc:///r", "ipc:///o", None, "x" * 32, ["test"], "test:///default")


@pytest.fixture(scope="module")
def daemon():
    with running_daemon() as d:
        yield d


# -- the records -----------------------------------------------------------------------------
@pytest.mark.parametrize("record", [OPTIONS, READY, WorkerSessions(3)])
def test_every_record_survives_the_codec_and_arrives_split_anywhere(record):
    data = pack(record) * 2
    reader = ControlReader()
    got = []
    for i in range(len(data)):  # one byte at a time: every split point
        got += reader.feed(data[i : i + 1])
    assert got == [record, record] and reader.pending == 0


def test_the_record_codes_are_the_documented_ones():
    text = (Path(__file__).resolve().parent.parent / "docs" / "protocol.md").read_text()
    for code, cls in CONTROL_RECORDS.items():
        assert f"| {code} | `{cls.__name__}` |" in text


def _framed(value: object) -> bytes:
    body = encode(value)
    return struct.pack(">I", len(body)) + body


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (_framed({"sessions": 1}), "[code, fields...]"),
        (_framed([]), "[code, fields...]"),
        (_framed([99, 1]), "unknown control record 99"),
        (_framed([3]), "WorkerSessions has 1 fields, got 0"),
        (_framed([3, "1"]), "WorkerSessions.count: expected int, got str"),
        (_framed([3, True]), "WorkerSessions.count: expected int, got bool"),
        (_framed([2, "a", "b", None, "c", "test", None, None]), "WorkerReady.schemes: expected a list"),
        (struct.pack(">I", MAX_RECORD + 1), f"limit {MAX_RECORD}"),
        (struct.pack(">I", 1) + b"\xc1", "malformed message body"),
    ],
)
def test_a_bad_record_is_refused_with_a_reason(data, reason):
    with pytest.raises(ControlError, match=None) as info:
        ControlReader().feed(data)
    assert reason in str(info.value)


def test_unpack_refuses_trailing_bytes_inside_a_frame():
    with pytest.raises(ControlError):
        unpack(encode([3, 1]) + b"\x00")


# -- a worker, started by hand as the daemon starts it ------------------------------------------
def _start_worker(rundir: str, stdin: bytes) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "pyvirtd._worker", "--driver", "test", "--rundir", rundir],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdin is not None
    proc.stdin.write(stdin)
    proc.stdin.close()
    return proc


def _next_record(proc: subprocess.Popen[bytes], reader: ControlReader) -> object:
    assert proc.stdout is not None
    while True:
        chunk = os.read(proc.stdout.fileno(), 65536)
        assert chunk, "the worker closed its control pipe"
        records = reader.feed(chunk)
        if records:
            assert len(records) == 1
            return records[0]


def test_a_worker_reports_ready_then_each_change_of_its_session_count():
    with tempfile.TemporaryDirectory(prefix="pvc-", dir="/tmp") as rundir:
        proc = _start_worker(rundir, pack(OPTIONS))
        try:
            reader = ControlReader()
            ready = _next_record(proc, reader)
            assert isinstance(ready, WorkerReady)
            assert ready.rw == f"ipc://{rundir}/pyvirt-test-sock"
            assert ready.ro == f"ipc://{rundir}/pyvirt-test-sock-ro"
            assert (ready.tcp, ready.boot_id, ready.schemes) == (None, OPTIONS.boot_id, ["test"])
            assert oct(os.stat(f"{rundir}/pyvirt-test-sock").st_mode & 0o777) == oct(0o700)
            with RawPeer(Path(rundir) / "pyvirt-test-sock") as peer:  # libzmq, as the peer
                status, _ = peer.call(
                    PROGRAM_REMOTE, PROC_CONNECT_OPEN, encode(["test:///default", 0])
                )
                assert status == 0
                assert _next_record(proc, reader) == WorkerSessions(1)
                status, _ = peer.call(PROGRAM_REMOTE, PROC_CONNECT_CLOSE, encode([]))
                assert status == 0
                assert _next_record(proc, reader) == WorkerSessions(0)
        finally:
            proc.terminate()
            proc.wait(10)
        assert proc.returncode == 0


@pytest.mark.parametrize(
    ("stdin", "message"),
    [
        (b"", "no options from the daemon: control stream ended"),
        (pack(WorkerSessions(1)), "expected WorkerOptions"),
        (_framed([1, "not enough"]), "WorkerOptions has 27 fields, got 1"),
    ],
)
def test_a_worker_without_valid_options_says_why_and_exits(stdin, message):
    with tempfile.TemporaryDirectory(prefix="pvc-", dir="/tmp") as rundir:
        proc = _start_worker(rundir, stdin)
        assert proc.stdout is not None and proc.stderr is not None
        out, err = proc.stdout.read(), proc.stderr.read().decode()
        proc.wait(20)
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == 1
    assert message in err and "Traceback" not in err
    assert out == b""


# -- the daemon's one ZMTP server, against libzmq ----------------------------------------------
def test_a_libzmq_dealer_is_routed_by_the_daemon_and_served_by_the_worker(daemon):
    with RawPeer(daemon.socket) as control:
        status, route = control.call(PROGRAM_DAEMON, PROC_ROUTE, encode(["test:///default", 0]))
        assert status == 0 and isinstance(route, dict)
        assert route["endpoint"] == f"ipc://{daemon.rundir}/pyvirt-test-sock"
        assert control.ping()
    with RawPeer(daemon.rundir / "pyvirt-sock-ro") as control:
        status, route = control.call(PROGRAM_DAEMON, PROC_ROUTE, encode(["test:///default", 0]))
        assert route["endpoint"] == f"ipc://{daemon.rundir}/pyvirt-test-sock-ro"
    with RawPeer(Path(route["endpoint"][len("ipc://") :])) as worker:
        status, opened = worker.call(
            PROGRAM_REMOTE, PROC_CONNECT_OPEN, encode(["test:///default", 0])
        )
        assert status == 0 and isinstance(opened, list)


def _mapped_libraries(pid: int) -> str:
    return Path(f"/proc/{pid}/maps").read_text()


def test_neither_the_daemon_nor_its_workers_load_libzmq(daemon):
    with pyvirt.open("test+unix:///default") as conn:
        assert conn.hostname()
        pids = [daemon.proc.pid, *daemon.worker_pids().values()]
        assert len(pids) >= 2
        for pid in pids:
            maps = _mapped_libraries(pid)
            assert "libzmq" not in maps and "/zmq/" not in maps, pid
