"""What the RPC benchmarks share: starting pyvirtd, finding libvirtd, and counting the CPU the
daemons' processes spend, so that a calls/s figure comes with where its microseconds went.

CPU is read from ``/proc/PID/stat`` (user + system ticks of every thread of the process):
for pyvirt, the daemon and every process below it (the workers, which serve the calls); for
libvirt, the process at the other end of libvirtd's socket (``SO_PEERCRED``), so whichever
daemon serves ``test+unix:///default`` is the one counted.  Ticks are 1/CLK_TCK s (10 ms
here): over a window of a second or more and thousands of calls, close enough.
"""

from __future__ import annotations

import os
import shutil
import socket
import struct
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

SYSTEM_PYTHON = "/usr/bin/python3"
URI = "test+unix:///default"
#: libvirtd's read-write socket as root (Debian's libvirtd, system mode).
LIBVIRT_SOCK = "/run/libvirt/libvirt-sock"
_TICK = 1.0 / os.sysconf("SC_CLK_TCK")


def libvirtd_available() -> bool:
    if not os.path.exists(SYSTEM_PYTHON) or shutil.which("virsh") is None:
        return False
    probe = subprocess.run(["virsh", "-c", URI, "uri"], capture_output=True, text=True, check=False)
    return probe.returncode == 0


def start_pyvirtd(rundir: Path) -> subprocess.Popen[bytes]:
    """pyvirtd in *rundir* (``PYVIRT_BENCH_CONFIG`` names a pyvirtd.toml), once it listens."""
    env = {**os.environ, "PYVIRT_RUNTIME_DIR": str(rundir)}
    config = os.environ.get("PYVIRT_BENCH_CONFIG")
    proc = subprocess.Popen(
        [sys.executable, "-m", "pyvirtd", *(["--config", config] if config else [])],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    # The workers' sockets come first, the daemon's own once they are ready.
    while not all((rundir / name).exists() for name in ("pyvirt-test-sock", "pyvirt-sock")):
        if time.monotonic() > deadline or proc.poll() is not None:
            raise RuntimeError("pyvirtd did not start")
        time.sleep(0.05)
    return proc


def libvirtd_pid() -> int | None:
    """The pid of the process serving libvirtd's socket (None when it cannot be told)."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.connect(LIBVIRT_SOCK)
            cred = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    except OSError:
        return None
    pid, _uid, _gid = struct.unpack("3i", cred)
    return pid or None


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU seconds) of *pid*, or None once it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    # After the name: state ppid ... utime (11) stime (12), counted from state = 0.
    return int(fields[1]), (int(fields[11]) + int(fields[12])) * _TICK


def process_stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU seconds) of *pid*, or None once it is gone."""
    return _stat(pid)


def tree(root: int) -> list[int]:
    """*root* and every process below it."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = _stat(int(entry))
            if stat is not None:
                parents[int(entry)] = stat[0]
    found = [root]
    for pid in found:
        found.extend(child for child, parent in parents.items() if parent == pid)
    return found


class DaemonCPU:
    """CPU seconds spent by a daemon's processes: :meth:`now` twice, subtract.

    The processes are looked up at each reading (a worker may start between two); one that
    exits between two readings takes its ticks with it, which the benchmarks avoid by reading
    around a window in which the daemon runs steadily."""

    def __init__(self, root: int | None, *, children: bool) -> None:
        self.root = root
        self.children = children

    def now(self) -> float:
        if self.root is None:
            return float("nan")
        pids = tree(self.root) if self.children else [self.root]
        return sum(stat[1] for pid in pids if (stat := _stat(pid)) is not None)


def conditions() -> str:
    """The machine the figures come from: cores usable, its load average, and the threads
    runnable at this instant (the kernel's count in /proc/loadavg, this one included): more
    runnable than cores means no idle core, so polling waits stop (pyvirt.rpc.SpinGate)."""
    one, five, fifteen = os.getloadavg()
    usable = len(os.sched_getaffinity(0))
    try:
        runnable = Path("/proc/loadavg").read_text().split()[3].split("/")[0]
    except (OSError, IndexError):
        runnable = "?"
    return (
        f"{usable} of {os.cpu_count()} cores usable, load average {one:.2f} {five:.2f} "
        f"{fifteen:.2f}, {runnable} runnable now"
    )


_DESCRIBE = (
    "import sys, platform; maps = open('/proc/self/maps').read(); "
    "print(sys.executable, platform.python_version(), "
    "'shared libpython' if 'libpython' in maps else 'libpython built in')"
)


def interpreters() -> str:
    """Which Python runs each side's clients: pyvirt's (this venv's) and libvirt-python's
    (``SYSTEM_PYTHON``).  Why it is printed: the build of the interpreter moves pyvirt's
    figures more than most changes do.  Measured here with 16 client processes: a pyenv
    3.11.7 built without ``--enable-optimizations`` and with a shared libpython served
    22.3-23.6k calls/s, Debian's 3.11.2 (PGO and LTO, libpython built into the executable;
    the interpreter libvirt-python's clients run on) 37.2-39.3k, same code.  For the same
    interpreter on both sides make a venv on it: ``UV_PROJECT_ENVIRONMENT=.venv-system uv
    sync -p /usr/bin/python3`` and run the benchmark with ``.venv-system/bin/python``."""
    described = []
    for executable in (sys.executable, SYSTEM_PYTHON):
        try:
            done = subprocess.run([executable, "-c", _DESCRIBE], capture_output=True,
                                  text=True, timeout=30)  # fmt: skip
            described.append(done.stdout.strip() or f"{executable}: {done.stderr.strip()}")
        except OSError as exc:
            described.append(f"{executable}: {exc.strerror}")
    return f"pyvirt on {described[0]}; libvirt-python on {described[1]}"


def best_of(fn: Callable[[], object], n: int, rounds: int) -> float:
    """The least CPU seconds (this process's) per call of *rounds* rounds of *n* calls of *fn*:
    the figure the in-process benchmarks (client_call, worker_call) compare, as the load of
    a shared machine disturbs the best round least."""
    best = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        for _ in range(n):
            fn()
        best = min(best, time.process_time() - start)
    return best / n
