"""pyvirtd under systemd, without systemd as PID 1: socket activation, readiness, the units.

Socket activation is driven by ``systemd-socket-activate`` (Debian's systemd package), which
binds the sockets, waits for the first client and execs pyvirtd with ``LISTEN_FDS``,
``LISTEN_PID`` and ``LISTEN_FDNAMES``, as systemd does.  Readiness goes to a datagram socket
the test binds and names in ``NOTIFY_SOCKET``.  Malformed hand-overs that the tool cannot
produce are made by a small launcher that puts sockets at descriptors 3, 4, ... and execs
pyvirtd in the same process, which is all the protocol is.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from daemon_helpers import PYVIRTD, RawPeer, as_nobody_prefix, listening

pytestmark = pytest.mark.xdist_group("daemon-systemd")

PYVIRSH = str(Path(sys.executable).parent / "pyvirsh")
UNIT_NAMES = "pyvirtd.socket:pyvirtd-ro.socket:pyvirtd-admin.socket"
SOCKETS = ("pyvirt-sock", "pyvirt-sock-ro", "pyvirt-admin-sock")


class NotifyListener:
    """The service manager's end of NOTIFY_SOCKET: a bound unix datagram socket."""

    def __init__(self, address: str) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(address)
        self.name = "@" + address[1:] if address.startswith("\0") else address
        self.messages: list[dict[str, str]] = []

    def next(self, timeout: float = 30.0) -> dict[str, str]:
        self.sock.settimeout(timeout)
        data = self.sock.recv(65536).decode()
        message = dict(line.split("=", 1) for line in data.split("\n") if line)
        self.messages.append(message)
        return message

    def close(self) -> None:
        self.sock.close()


@dataclass
class Activated:
    rundir: Path
    proc: subprocess.Popen[bytes]
    log: Path
    notify: NotifyListener
    env: dict[str, str]

    def pyvirsh(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [PYVIRSH, *args], capture_output=True, text=True, env=self.env, timeout=60
        )


@pytest.fixture
def tmp_short() -> Iterator[Path]:
    # Unix socket paths are limited to 107 bytes: pytest's tmp_path can be longer.
    with tempfile.TemporaryDirectory(prefix="pvs-", dir="/tmp") as tmp:
        yield Path(tmp)


@pytest.fixture
def activated(tmp_short: Path) -> Iterator[Activated]:
    """pyvirtd behind systemd-socket-activate, its three sockets bound but not yet served."""
    tool = shutil.which("systemd-socket-activate")
    if tool is None:
        pytest.skip("systemd-socket-activate (Debian's systemd package) is not installed")
    rundir = tmp_short / "run"
    rundir.mkdir()
    notify = NotifyListener(str(tmp_short / "notify"))
    env = {**os.environ, "PYVIRT_RUNTIME_DIR": str(rundir), "PYVIRT_AUTOSTART": "0"}
    command = [tool, f"--fdname={UNIT_NAMES}", "-E", "PYVIRT_RUNTIME_DIR"]
    command += ["-E", f"NOTIFY_SOCKET={notify.name}"]
    for name in SOCKETS:
        command += ["-l", str(rundir / name)]
    log = tmp_short / "pyvirtd.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([*command, *PYVIRTD], env=env, stdout=out, stderr=out)
    try:
        deadline = time.monotonic() + 20
        while not all((rundir / name).exists() for name in SOCKETS):
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        yield Activated(rundir, proc, log, notify, env)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        notify.close()


def test_socket_activation_serves_the_passed_sockets_and_reports_readiness(
    activated: Activated,
) -> None:
    inodes = {name: (activated.rundir / name).stat().st_ino for name in SOCKETS}
    assert not (activated.rundir / "pyvirtd.pid").exists()  # nothing started before a client

    # The first client starts the daemon; it is served by the very socket systemd bound.
    done = activated.pyvirsh("-c", "test+unix:///default", "list", "--all")
    assert (done.returncode, done.stderr) == (0, ""), activated.log.read_text()
    assert " 1    test   running" in done.stdout
    assert activated.notify.next() == {"STATUS": "starting the drivers' workers"}
    ready = activated.notify.next()
    assert ready["READY"] == "1"
    assert ready["STATUS"].startswith("serving ") and "test" in ready["STATUS"]
    assert ready["STATUS"].endswith(f" in {activated.rundir}")
    assert (activated.rundir / "pyvirtd.pid").read_text() == f"{activated.proc.pid}\n"
    assert {n: (activated.rundir / n).stat().st_ino for n in SOCKETS} == inodes

    activated.proc.send_signal(signal.SIGTERM)
    assert activated.notify.next() == {"STOPPING": "1", "STATUS": "stopping"}
    assert activated.proc.wait(30) == 0, activated.log.read_text()
    # systemd's sockets stay (it goes on listening); the daemon's own files are gone.
    assert {n: (activated.rundir / n).stat().st_ino for n in SOCKETS} == inodes
    assert not (activated.rundir / "pyvirtd.pid").exists()
    assert not (activated.rundir / "pyvirt-test-sock").exists()


def test_the_passed_read_only_socket_is_served_read_only(activated: Activated) -> None:
    uri = "test+unix:///default"
    looked = activated.pyvirsh("-r", "-c", uri, "list", "--all")
    assert looked.returncode == 0 and " 1    test   running" in looked.stdout, looked.stderr
    refused = activated.pyvirsh("-r", "-c", uri, "destroy", "test")
    assert refused.returncode == 1
    assert "operation forbidden: read only access prevents" in refused.stderr


def test_the_passed_admin_socket_serves_the_admin_program_and_nothing_else(
    activated: Activated,
) -> None:
    import pyvirt.admin
    from pyvirt.rpc import PROC_ROUTE, PROGRAM_DAEMON, encode

    # A client on the rw socket starts the daemon; then the admin socket is served too.
    assert activated.pyvirsh("-c", "test+unix:///default", "uri").returncode == 0
    socket = activated.rundir / "pyvirt-admin-sock"
    with pyvirt.admin.open(f"pyvirtd:///system?socket={socket}") as admin:
        assert [s.name for s in admin.list_servers()] == ["pyvirtd", "admin"]
    with RawPeer(socket) as peer:
        assert peer.ping()
        status, error = peer.call(PROGRAM_DAEMON, PROC_ROUTE, encode(["test:///default", 0]))
    assert status == 1 and isinstance(error, dict)
    assert (error["code"], error["message"]) == (
        39,
        f"unknown program 0x{PROGRAM_DAEMON:x} on the admin socket",
    )


def test_readiness_is_reported_without_socket_activation_too(tmp_short: Path) -> None:
    notify = NotifyListener("\0" + f"pyvirtd-test-{os.getpid()}-{tmp_short.name}")  # abstract
    try:
        with _daemon_with_env(tmp_short, {"NOTIFY_SOCKET": notify.name}) as proc:
            assert notify.next()["STATUS"] == "starting the drivers' workers"
            assert notify.next()["READY"] == "1"
            assert listening(tmp_short / "run" / "pyvirt-sock")
            proc.send_signal(signal.SIGTERM)
            assert notify.next()["STOPPING"] == "1"
            assert proc.wait(30) == 0
    finally:
        notify.close()


def test_an_unreachable_notify_socket_does_not_stop_the_daemon(tmp_short: Path) -> None:
    with _daemon_with_env(tmp_short, {"NOTIFY_SOCKET": str(tmp_short / "nobody")}) as proc:
        _wait_listening(tmp_short / "run" / "pyvirt-sock", proc)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
    assert "cannot notify the service manager" in (tmp_short / "pyvirtd.log").read_text()


def test_sockets_passed_to_another_process_are_not_taken(tmp_short: Path) -> None:
    """LISTEN_PID names another process (the variables were inherited): bind our own."""
    env = {"LISTEN_FDS": "1", "LISTEN_PID": "1", "LISTEN_FDNAMES": "pyvirtd.socket"}
    with _daemon_with_env(tmp_short, env) as proc:
        _wait_listening(tmp_short / "run" / "pyvirt-sock", proc)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
    assert not (tmp_short / "run" / "pyvirt-sock").exists()  # ours: removed at exit


# -- hand-overs that cannot be served: one line saying why, exit 1, nothing bound -----------

_LAUNCHER = """
import fcntl, os, socket, sys
kinds = sys.argv[1].split(",")
high = []
for i, kind in enumerate(kinds):
    if kind == "udp":
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    else:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(os.path.join(sys.argv[2], f"passed-{i}"))
        if kind == "listening":
            s.listen(8)
    fd = s.detach()
    high.append(fcntl.fcntl(fd, fcntl.F_DUPFD, 100))  # out of the way of 3, 4, ...
    os.close(fd)
for target, fd in enumerate(high, 3):
    os.dup2(fd, target, inheritable=True)
    os.close(fd)
os.environ["LISTEN_FDS"] = os.environ.get("TEST_LISTEN_FDS", str(len(high)))
os.environ["LISTEN_PID"] = str(os.getpid())
os.execv(sys.executable, [sys.executable, "-m", "pyvirtd", *sys.argv[3:]])
"""

BAD_HANDOVERS = [
    (["listening"], {"LISTEN_FDNAMES": "bogus.socket"}, "passed socket 3 is named 'bogus.socket'"),
    (["listening"], {}, "LISTEN_FDNAMES names 0 sockets, LISTEN_FDS passes 1"),
    (
        ["listening", "listening"],
        {"LISTEN_FDNAMES": "pyvirtd.socket:rw"},
        "two passed sockets are for 'rw' (rw)",
    ),
    (
        ["bound"],
        {"LISTEN_FDNAMES": "pyvirtd.socket"},
        "passed socket 3 (pyvirtd.socket) is not listening",
    ),
    (["udp"], {"LISTEN_FDNAMES": "pyvirtd.socket"}, "is not a unix stream socket"),
    (["listening"], {"LISTEN_FDNAMES": "pyvirtd.socket", "TEST_LISTEN_FDS": "x"}, "LISTEN_FDS='x'"),
]


@pytest.mark.parametrize(("kinds", "env", "message"), BAD_HANDOVERS)
def test_a_bad_handover_is_refused_with_one_line(
    tmp_short: Path, kinds: list[str], env: dict[str, str], message: str
) -> None:
    rundir = tmp_short / "run"
    full_env = {**os.environ, "PYVIRT_RUNTIME_DIR": str(rundir), **env}
    full_env.pop("NOTIFY_SOCKET", None)
    done = subprocess.run(
        [sys.executable, "-c", _LAUNCHER, ",".join(kinds), str(tmp_short)],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=60,
    )
    assert done.returncode == 1
    assert done.stderr.startswith("pyvirtd: socket activation: ")
    assert message in done.stderr and len(done.stderr.splitlines()) == 1, done.stderr
    assert not rundir.exists()


# -- the units ------------------------------------------------------------------------------


def test_install_units_writes_the_four_units_naming_this_pyvirtd(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            str(Path(sys.executable).parent / "pyvirtd"),
            "--install-units",
            "--prefix",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    unit_dir = tmp_path / "lib" / "systemd" / "system"
    names = ["pyvirtd.service", "pyvirtd.socket", "pyvirtd-ro.socket", "pyvirtd-admin.socket"]
    assert done.stdout.splitlines()[:4] == [f"wrote {unit_dir / n}" for n in names]
    assert sorted(p.name for p in unit_dir.iterdir()) == sorted(names)
    service = (unit_dir / "pyvirtd.service").read_text()
    exec_start = next(line for line in service.splitlines() if line.startswith("ExecStart="))
    assert exec_start == f"ExecStart={Path(sys.executable).parent / 'pyvirtd'} $PYVIRTD_ARGS"
    assert "Type=notify" in service.splitlines()
    sockets = {n: (unit_dir / n).read_text().splitlines() for n in names[1:]}
    assert "ListenStream=%t/pyvirt/pyvirt-sock" in sockets["pyvirtd.socket"]
    assert "ListenStream=%t/pyvirt/pyvirt-sock-ro" in sockets["pyvirtd-ro.socket"]
    assert "ListenStream=%t/pyvirt/pyvirt-admin-sock" in sockets["pyvirtd-admin.socket"]
    analyze = shutil.which("systemd-analyze")
    if analyze is not None:  # systemd's own parser: no unknown key, no bad setting
        checked = subprocess.run(
            [analyze, "verify", *(str(unit_dir / n) for n in names)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert (checked.returncode, checked.stderr) == (0, "")


def test_install_units_into_an_unwritable_place_says_so(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    done = subprocess.run(
        [*PYVIRTD, "--install-units", "--prefix", str(blocker)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (
        f"pyvirtd: cannot write the units into {blocker}/lib/systemd/system: Not a directory\n"
    )


def test_prefix_alone_is_a_usage_error() -> None:
    done = subprocess.run([*PYVIRTD, "--prefix", "/tmp"], capture_output=True, text=True)
    assert done.returncode == 2
    assert done.stderr.endswith("pyvirtd: error: --prefix goes with --install-units\n")


# -- helpers ------------------------------------------------------------------------------


def _wait_listening(path: Path, proc: subprocess.Popen[bytes]) -> None:
    """Wait for the daemon socket *path* and the test driver's worker: the daemon is serving."""
    deadline = time.monotonic() + 20
    while not (listening(path) and listening(path.parent / "pyvirt-test-sock")):
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)


@contextmanager
def _daemon_with_env(tmp: Path, extra: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    """A plain pyvirtd (no activation) in *tmp*/run with extra environment variables."""
    env = {**os.environ, "PYVIRT_RUNTIME_DIR": str(tmp / "run"), **extra}
    with open(tmp / "pyvirtd.log", "wb") as out:
        proc = subprocess.Popen(PYVIRTD, env=env, stdout=out, stderr=out)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_install_units_for_a_session_daemon_go_to_the_users_systemd_dir(tmp_short: Path) -> None:
    """Run as a plain user (uid nobody): user units in $XDG_CONFIG_HOME/systemd/user."""
    as_nobody = as_nobody_prefix()
    tmp_short.chmod(0o777)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "XDG_CONFIG_HOME": str(tmp_short)}
    done = subprocess.run(
        [*as_nobody, *PYVIRTD, "--install-units"], capture_output=True, text=True, env=env
    )
    assert done.returncode == 0, done.stderr
    unit_dir = tmp_short / "systemd" / "user"
    assert done.stdout.splitlines()[0] == f"wrote {unit_dir / 'pyvirtd.service'}"
    assert done.stdout.splitlines()[-1] == (
        "now: systemctl --user daemon-reload && systemctl --user enable --now"
        " pyvirtd.socket pyvirtd-ro.socket pyvirtd-admin.socket"
    )
    assert len(list(unit_dir.iterdir())) == 4
