"""Spawning, watching and killing QEMU processes.

Why QEMU runs in its own session with no pipe to us: guests must outlive the daemon.  A QEMU
that shared our process group or wrote into a pipe we own would be signalled or blocked
when pyvirtd dies; instead its output goes to a log file and it is found again after a
restart by pid *and* start time (a pid alone may have been reused by then).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["QemuProcess", "process_start_time", "spawn"]

_CLK_TCK = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: int) -> list[str] | None:
    """Fields of /proc/PID/stat after the command name (index 0 is the state)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text.rsplit(")", 1)[1].split()


def process_start_time(pid: int) -> int | None:
    """The process's start time in clock ticks since boot (stat field 22), or None."""
    fields = _stat_fields(pid)
    return int(fields[19]) if fields else None


@dataclass
class QemuProcess:
    """One QEMU we started (``popen`` set) or found again after a restart (``popen`` None)."""

    pid: int
    start_time: int
    popen: subprocess.Popen[bytes] | None = None
    ended_by_sigterm: bool = False

    def alive(self) -> bool:
        if self.popen is not None:
            return self.popen.poll() is None
        fields = _stat_fields(self.pid)
        if fields is None or int(fields[19]) != self.start_time:
            return False
        if fields[0] in ("Z", "X"):
            self._reap()
            return False
        return True

    def _reap(self) -> None:
        # A zombie child of ours (an earlier driver instance in this process started it).
        with contextlib.suppress(ChildProcessError, OSError):
            os.waitpid(self.pid, os.WNOHANG)

    def cpu_time_ns(self) -> int:
        fields = _stat_fields(self.pid)
        if not fields:
            return 0
        ticks = int(fields[11]) + int(fields[12])  # utime + stime
        return ticks * 1_000_000_000 // _CLK_TCK

    def signal(self, signo: int) -> None:
        if not self.alive():
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signo)

    def wait(self, timeout: float) -> bool:
        """Wait until the process is gone; True if it is."""
        if self.popen is not None:
            try:
                self.popen.wait(timeout)
                return True
            except subprocess.TimeoutExpired:
                return False
        deadline = time.monotonic() + timeout
        delay = 0.001
        while self.alive():
            if time.monotonic() >= deadline:
                return False
            time.sleep(delay)
            delay = min(delay * 2, 0.05)
        return True

    def kill(self, grace: float = 10.0) -> None:
        """SIGTERM (QEMU then exits cleanly, flushing its disks), SIGKILL after *grace*.

        ``ended_by_sigterm`` records whether this call's SIGTERM ended a live QEMU: QEMU
        then reported a host-requested shutdown first, which libvirt passes on.
        """
        if not self.alive():
            return
        self.signal(signal.SIGTERM)
        if self.wait(grace):
            self.ended_by_sigterm = True
            return
        self.signal(signal.SIGKILL)
        self.wait(5.0)


def spawn(
    argv: list[str],
    log_path: Path,
    pass_fds: tuple[int, ...] = (),
    creds: tuple[int, int, tuple[int, ...]] | None = None,
) -> QemuProcess:
    """Start QEMU detached from us: own session, stdin from /dev/null, output to the log;
    *pass_fds* (the guest's taps) stay open in QEMU under the same numbers; *creds* (uid,
    gid, supplementary groups: the DAC label) is who it runs as."""
    uid, gid, groups = creds if creds is not None else (None, None, None)
    with open(log_path, "ab") as log:
        log.write(("starting: " + " ".join(argv) + "\n").encode())
        log.flush()
        popen = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
            close_fds=True,
            pass_fds=pass_fds,
            user=uid,
            group=gid,
            extra_groups=list(groups) if groups is not None else None,
        )
    start = process_start_time(popen.pid) or 0
    return QemuProcess(popen.pid, start, popen)


def log_tail(log_path: Path, offset: int) -> str:
    """What QEMU wrote to its log since *offset*, trimmed to its error lines."""
    try:
        with open(log_path, "rb") as f:
            f.seek(offset)
            data = f.read().decode(errors="replace")
    except OSError:
        return ""
    lines = [ln for ln in data.splitlines() if ln.strip() and not ln.startswith("starting: ")]
    return "\n".join(lines[-5:])
