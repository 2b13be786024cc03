"""A real pyvirtd in a temporary runtime directory, for tests.

The daemon is found through its ``pyvirtd`` console-script entry point and run in a child
process with this interpreter: the core never imports daemon code, and what runs is what a
user's ``pyvirtd`` command would run.  Clients reach it through URIs that name its socket
(``test+unix:///default?socket=...``), so nothing in the calling process's environment has to
change; :meth:`PyvirtdProcess.environ` gives the variables for a child process instead.
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
from importlib.metadata import entry_points
from pathlib import Path
from urllib.parse import quote

#: How long start-up may take before the daemon counts as broken.
START_TIMEOUT = 30.0


class PyvirtdNotInstalled(RuntimeError):
    """No ``pyvirtd`` console script is installed: the daemon distribution is missing."""


def pyvirtd_command() -> list[str]:
    """The command that runs the installed ``pyvirtd``, with this interpreter.

    From its entry point (``pyvirtd = "module:function"``), so it runs in the same environment
    as the tests even when the console script is not on ``PATH``.
    """
    found = entry_points(group="console_scripts", name="pyvirtd")
    if not found:
        raise PyvirtdNotInstalled("pyvirtd is not installed (pip install pyvirtd)")
    ep = next(iter(found))
    module, _, attr = ep.value.partition(":")
    call = f"import sys; from {module} import {attr} as main; sys.exit(main())"
    return [sys.executable, "-c", call]


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


class PyvirtdProcess:
    """A running pyvirtd: its runtime directory, process and log, and URIs that reach it."""

    def __init__(self, rundir: Path, proc: subprocess.Popen[bytes], log: Path) -> None:
        self.rundir = rundir
        self.proc = proc
        self.log = log

    @property
    def socket(self) -> Path:
        """The read-write control socket."""
        return self.rundir / "pyvirt-sock"

    @property
    def socket_ro(self) -> Path:
        """The read-only control socket."""
        return self.rundir / "pyvirt-sock-ro"

    def uri(self, base: str = "test+unix:///default", *, read_only: bool = False) -> str:
        """*base* (a ``DRIVER+unix`` URI) pointed at this daemon's socket."""
        path = self.socket_ro if read_only else self.socket
        sep = "&" if "?" in base else "?"
        return f"{base}{sep}socket={quote(str(path), safe='/')}"

    def environ(self) -> dict[str, str]:
        """Variables for a child process (pyvirsh, a script) to use this daemon by default."""
        return {"PYVIRT_RUNTIME_DIR": str(self.rundir), "PYVIRT_AUTOSTART": "0"}

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
        """The pid of *name*'s worker once it listens (a new one, if *not_pid* is given)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid = self.worker_pids().get(name)
            sock = self.rundir / f"pyvirt-{name}-sock"
            if pid and pid != not_pid and listening(sock):
                return pid
            time.sleep(0.05)
        raise TimeoutError(f"worker {name} did not start; log:\n{self.log.read_text()}")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15.0) -> int:
        """Signal the daemon and wait for it; its exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise


def start_pyvirtd(
    rundir: Path,
    *args: str,
    config: str | None = None,
    env: dict[str, str] | None = None,
) -> PyvirtdProcess:
    """Start pyvirtd with its sockets in *rundir*; return once its control socket accepts.

    The daemon creates its socket when every worker is up (or known to be unavailable), so
    "accepts" means "routes".  *config* is the text of a pyvirtd.toml.  The log (stdout and
    stderr) goes next to *rundir*, as ``<rundir>.log``.
    """
    rundir.mkdir(parents=True, exist_ok=True)
    cmd = [*pyvirtd_command(), *args]
    if config is not None:
        conf = rundir.parent / f"{rundir.name}.toml"
        conf.write_text(config)
        cmd += ["--config", str(conf)]
    log = rundir.parent / f"{rundir.name}.log"
    full_env = {**os.environ, "PYVIRT_RUNTIME_DIR": str(rundir), **(env or {})}
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=full_env)
    daemon = PyvirtdProcess(rundir, proc, log)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"pyvirtd exited with {proc.returncode}:\n{log.read_text()}")
        if listening(daemon.socket):
            return daemon
        time.sleep(0.05)
    daemon.stop(signal.SIGKILL)
    raise TimeoutError(f"pyvirtd did not start:\n{log.read_text()}")


@contextmanager
def running_pyvirtd(*args: str, config: str | None = None) -> Iterator[PyvirtdProcess]:
    """A pyvirtd in a fresh temporary runtime directory, stopped (and removed) on exit."""
    # Short path: unix socket paths are limited to 107 bytes.
    tmp = tempfile.mkdtemp(prefix="pvd-", dir="/tmp")
    try:
        daemon = start_pyvirtd(Path(tmp) / "run", *args, config=config)
        try:
            yield daemon
        finally:
            daemon.stop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
