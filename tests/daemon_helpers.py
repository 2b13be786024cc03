"""Start real pyvirtd processes for tests: a temporary runtime dir, a config, a clean stop.

Tests talk to the daemon through real sockets; the runtime dir is given to both sides with
``PYVIRT_RUNTIME_DIR`` (set for the test process by the fixture, passed to child processes
through the environment).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PYVIRTD = [sys.executable, "-m", "pyvirtd"]


def listening(path: Path) -> bool:
    """Something accepts on the unix socket *path* (a stale file left by a killed daemon does not)."""
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(str(path))
        return True
    except OSError:
        return False
    finally:
        probe.close()


class Daemon:
    def __init__(self, rundir: Path, proc: subprocess.Popen[bytes], log: Path) -> None:
        self.rundir = rundir
        self.proc = proc
        self.log = log

    @property
    def socket(self) -> Path:
        return self.rundir / "pyvirt-sock"

    def uri(self, base: str = "test+unix:///default") -> str:
        return base

    def worker_pids(self) -> dict[str, int]:
        """Worker pids by driver, read from /proc (children running pyvirtd._worker)."""
        pids: dict[str, int] = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
                cmdline = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == self.proc.pid and b"pyvirtd._worker" in cmdline:
                name = cmdline[cmdline.index(b"--driver") + 1].decode()
                pids[name] = int(entry.name)
        return pids

    def wait_worker(self, name: str, timeout: float = 10.0, not_pid: int | None = None) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid = self.worker_pids().get(name)
            sock = self.rundir / f"pyvirt-{name}-sock"
            if pid and pid != not_pid and listening(sock):
                return pid
            time.sleep(0.05)
        raise TimeoutError(f"worker {name} did not start; log:\n{self.log.read_text()}")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise


def start_daemon(rundir: Path, *args: str, config: str | None = None, env: dict[str, str] | None = None) -> Daemon:
    rundir.mkdir(parents=True, exist_ok=True)
    cmd = [*PYVIRTD, *args]
    if config is not None:
        conf = rundir.parent / f"{rundir.name}.toml"
        conf.write_text(config)
        cmd += ["--config", str(conf)]
    log = rundir.parent / f"{rundir.name}.log"
    full_env = {**os.environ, "PYVIRT_RUNTIME_DIR": str(rundir), **(env or {})}
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=full_env)
    daemon = Daemon(rundir, proc, log)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"pyvirtd exited with {proc.returncode}:\n{log.read_text()}")
        if listening(daemon.socket) and listening(rundir / "pyvirt-test-sock"):
            return daemon
        time.sleep(0.05)
    daemon.stop(signal.SIGKILL)
    raise TimeoutError(f"pyvirtd did not start:\n{log.read_text()}")


@contextmanager
def running_daemon(*args: str, config: str | None = None) -> Iterator[Daemon]:
    """A daemon in a fresh temporary runtime dir, with PYVIRT_RUNTIME_DIR pointing at it."""
    # Short path: unix socket paths are limited to 107 bytes.
    with tempfile.TemporaryDirectory(prefix="pvd-", dir="/tmp") as tmp:
        rundir = Path(tmp) / "run"
        old = os.environ.get("PYVIRT_RUNTIME_DIR")
        os.environ["PYVIRT_RUNTIME_DIR"] = str(rundir)
        daemon = start_daemon(rundir, *args, config=config)
        try:
            yield daemon
        finally:
            daemon.stop(signal.SIGKILL if daemon.proc.poll() is None else signal.SIGTERM)
            if old is None:
                os.environ.pop("PYVIRT_RUNTIME_DIR", None)
            else:
                os.environ["PYVIRT_RUNTIME_DIR"] = old
