"""pyvirtd's command line and pyvirtd.toml: bad settings, --timeout, --pid-file, one daemon
per runtime dir."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest
import pyvirt
from daemon_helpers import PYVIRTD, listening, running_daemon

pytestmark = pytest.mark.xdist_group("daemon-config")

BAD = [
    ('max_workers = "many"', "'max_workers' must be an integer"),
    ("max_workers = 1.5", "'max_workers' must be an integer"),
    ("max_workers = true", "'max_workers' must be an integer"),
    ("max_clients = -1", "'max_clients' must be greater than 0"),
    ("max_client_requests = 0", "'max_client_requests' must be greater than 0"),
    ("prio_workers = -3", "'prio_workers' must not be negative"),
    ("min_workers = 30\nmax_workers = 2", "'min_workers' cannot be larger than max_workers"),
    ("tcp_port = 70000", "'tcp_port' must be a port number"),
    ("keepalive_interval = 0", "'keepalive_interval' must be -1 (off)"),
    ("max_message_size = 1073741824", "'max_message_size' must be at most"),
    ("poll_spin_us = -1", "'poll_spin_us' must be between 0 and 10000"),
    ("poll_spin_us = 20000", "'poll_spin_us' must be between 0 and 10000"),
    ('unix_sock_rw_perms = "rwx"', "'unix_sock_rw_perms' must be an octal mode"),
    ('log_level = "LOUD"', "'log_level' must be one of"),
    ("unix_sock_dir = 5", "'unix_sock_dir' must be a string"),
    ("no_such_knob = 1", "unknown setting 'no_such_knob'"),
    ("[max_workers]\nx = 1", "'max_workers' must be an integer"),
    ("max_workers = [", "not valid TOML"),
    ("max_workers = 5\nmax_workers = 6", "not valid TOML"),
]


def _run(args: list[str], tmp_path, timeout: float = 20) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYVIRT_RUNTIME_DIR": str(tmp_path / "run"), "PYVIRT_AUTOSTART": "0"}
    return subprocess.run(
        [*PYVIRTD, *args], capture_output=True, text=True, env=env, timeout=timeout
    )


@pytest.mark.parametrize(("text", "message"), BAD, ids=[b[0].split()[0] for b in BAD])
def test_bad_setting_stops_the_daemon_with_one_line_naming_it(tmp_path, text, message):
    conf = tmp_path / "pyvirtd.toml"
    conf.write_text(text + "\n")
    result = _run(["--config", str(conf)], tmp_path)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"pyvirtd: {conf}: ")
    assert message in lines[0]
    assert not (tmp_path / "run" / "pyvirt-sock").exists()


def test_config_that_is_not_text_is_reported_not_raised(tmp_path):
    conf = tmp_path / "pyvirtd.toml"
    conf.write_bytes(b'log_level = "\xff"\n')
    result = _run(["--config", str(conf)], tmp_path)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert result.stderr.strip() == f"pyvirtd: {conf}: not valid TOML: not UTF-8 text"


def test_missing_config_file_is_named(tmp_path):
    result = _run(["--config", str(tmp_path / "nope.toml")], tmp_path)
    assert result.returncode != 0
    assert result.stderr.strip() == f"pyvirtd: cannot read {tmp_path}/nope.toml: No such file or directory"


@pytest.mark.parametrize("value", ["0", "-5", "soon"])
def test_bad_timeout_is_refused(tmp_path, value):
    result = _run(["--timeout", value], tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "timeout" in result.stderr


def test_unusable_listen_address_is_one_line_not_a_hang(tmp_path):
    conf = tmp_path / "pyvirtd.toml"
    conf.write_text('listen_addr = "not an address"\nlisten_tcp = true\nlisten_tls = false\n')
    result = _run(["--listen", "--config", str(conf)], tmp_path, timeout=20)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("pyvirtd: cannot listen on tcp://not an address:16509")
    assert os.listdir(tmp_path / "run") == []


def _wait_exit(proc: subprocess.Popen[bytes], timeout: float) -> int | None:
    deadline = time.monotonic() + timeout
    while proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    return proc.poll()


def test_idle_daemon_exits_by_itself_after_timeout_but_not_while_used(tmp_path):
    pid_file = tmp_path / "pyvirtd.pid"
    with running_daemon("--timeout", "1", "--pid-file", str(pid_file)) as d:
        assert pid_file.read_text() == f"{d.proc.pid}\n"
        with pyvirt.open("test+unix:///default") as conn:
            time.sleep(1.6)  # longer than the timeout, with a client connected
            assert d.proc.poll() is None
            assert conn.hostname()
        assert _wait_exit(d.proc, 5.0) == 0
        assert not pid_file.exists()
        assert not (d.rundir / "pyvirtd.pid").exists()
        assert [n for n in os.listdir(d.rundir) if "sock" in n] == []


def test_pid_file_is_written_and_removed(tmp_path):
    pid_file = tmp_path / "custom.pid"
    with running_daemon("--pid-file", str(pid_file)) as d:
        assert pid_file.read_text() == f"{d.proc.pid}\n"
        assert d.stop(signal.SIGTERM) == 0
        assert not pid_file.exists()


@pytest.mark.parametrize("own_pid_file", [False, True])
def test_second_daemon_on_the_same_runtime_dir_is_refused_and_disturbs_nothing(tmp_path, own_pid_file):
    with running_daemon() as d:
        with pyvirt.open("test+unix:///default") as conn:
            conn.lookup_domain_by_name("test").suspend()
            before = sorted(os.listdir(d.rundir))
            args = ["--pid-file", str(tmp_path / "second.pid")] if own_pid_file else []
            env = {**os.environ, "PYVIRT_RUNTIME_DIR": str(d.rundir)}
            result = subprocess.run(
                [*PYVIRTD, *args], capture_output=True, text=True, env=env, timeout=20
            )
            assert result.returncode == 1
            assert result.stderr.strip() == f"pyvirtd: another daemon holds the pid file {d.rundir}/pyvirtd.pid"
            assert sorted(os.listdir(d.rundir)) == before
            assert not (tmp_path / "second.pid").exists()
            assert listening(d.socket)
            assert conn.lookup_domain_by_name("test").state()[0] == pyvirt.DomainState.PAUSED
            with pyvirt.open("test+unix:///default") as other:
                assert other.lookup_domain_by_name("test").state()[0] == pyvirt.DomainState.PAUSED
            conn.lookup_domain_by_name("test").resume()
