"""``list --all`` over 10,000 domains, whole process: pyvirsh through pyvirtd beside virsh
through libvirtd (goal: 0.1 of libvirt's wall time or less).

Both daemons hold N defined domains in their shared ``test:///default`` state, as a user's
daemon would: nothing is loaded per connection, so the figure is the command's own (start-up,
connection, the listing call, printing).  libvirt's side runs on a libvirtd of its own, started
here in session mode as user ``nobody`` with a temporary runtime directory, so that the
system libvirtd's ``test:///default`` (which other programs on the machine use) never sees
the 10,000 domains; without root or without libvirtd only pyvirt's side is timed.  A client
process in each keeps the state alive (the test driver's default state lives while a
connection holds it) while the commands run.

Printed per side: the median wall time of RUNS runs, the CPU of the command's process
(user + system, ``RUSAGE_CHILDREN``) and of the daemon's processes per run, and the machine's
conditions (load disturbs wall time far more than CPU: compare those on a busy machine).

Run: .venv/bin/python benchmarks/list_all.py [N [RUNS]]
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _daemons import SYSTEM_PYTHON, DaemonCPU, conditions, interpreters, start_pyvirtd  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
_XML = (
    "<domain type='test'><name>bench{i}</name><memory unit='KiB'>65536</memory>"
    "<os><type>hvm</type></os></domain>"
)
# Defines N domains on URI, says "ok", then holds the connection (and with it the state).
_HOLDER = r"""
import sys, time
uri, n, api = sys.argv[1], int(sys.argv[2]), sys.argv[3]
if api == "libvirt":
    import libvirt
    conn = libvirt.open(uri)
    define = conn.defineXML
else:
    import pyvirt
    conn = pyvirt.open(uri)
    define = conn.define_domain
for i in range(n):
    define(__XML__.format(i=i))
print("ok", flush=True)
time.sleep(1e6)
""".replace("__XML__", repr(_XML))


def hold(python: str, uri: str, n: int, api: str, env: dict[str, str]) -> subprocess.Popen[str]:
    holder = subprocess.Popen(
        [python, "-c", _HOLDER, uri, str(n), api], env=env, stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None
    if holder.stdout.readline().strip() != "ok":
        raise RuntimeError(f"defining {n} domains on {uri} failed")
    return holder


def start_private_libvirtd(home: Path) -> tuple[subprocess.Popen[bytes], str] | None:
    """A session libvirtd run as ``nobody`` in *home*, and its socket; None when it cannot run
    (not root, no libvirtd, no setpriv)."""
    libvirtd = shutil.which("libvirtd") or "/usr/sbin/libvirtd"
    if os.geteuid() != 0 or not os.path.exists(libvirtd) or shutil.which("setpriv") is None:
        return None
    run = home / "run"
    run.mkdir(parents=True)
    home.parent.chmod(0o711)  # (a temporary directory is root's alone)
    home.chmod(0o777)
    run.chmod(0o777)
    env = {
        "HOME": str(home),
        "XDG_RUNTIME_DIR": str(run),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "XDG_DATA_HOME": str(home / "data"),
        "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
    }
    proc = subprocess.Popen(
        ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", libvirtd],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    sock = run / "libvirt" / "libvirt-sock"
    deadline = time.monotonic() + 20
    while not sock.exists():
        if time.monotonic() > deadline or proc.poll() is not None:
            proc.kill()
            return None
        time.sleep(0.05)
    return proc, str(sock)


def time_runs(
    cmd: list[str], env: dict[str, str], runs: int, daemon: DaemonCPU
) -> tuple[float, float, float]:
    """Median wall seconds of *runs* runs of *cmd* (after one untimed), and the CPU seconds per
    run of the command's process and of the daemon's processes."""
    subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, check=True)
    walls = []
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    daemon_before = daemon.now()
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, check=True)
        walls.append(time.perf_counter() - start)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    client = (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) / runs
    return statistics.median(walls), client, (daemon.now() - daemon_before) / runs


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    print(f"conditions at start: {conditions()}")
    print(f"interpreters: {interpreters()}")
    with tempfile.TemporaryDirectory(prefix="pvlistall-") as tmp:
        rundir = Path(tmp) / "run"
        env = {**os.environ, "PYVIRT_RUNTIME_DIR": str(rundir), "LC_ALL": "C"}
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # a user's pyvirsh runs from cached bytecode
        daemon = start_pyvirtd(rundir)
        libvirtd = start_private_libvirtd(Path(tmp) / "libvirt")
        holders: list[subprocess.Popen[str]] = []
        try:
            uri = "test+unix:///default"
            holders.append(hold(sys.executable, uri, n, "pyvirt", env))
            pyvirsh = [str(ROOT / ".venv/bin/pyvirsh"), "-c", uri, "list", "--all"]
            ours = time_runs(pyvirsh, env, runs, DaemonCPU(daemon.pid, children=True))
            theirs = None
            if libvirtd is not None:
                lv_uri = f"test+unix:///default?socket={libvirtd[1]}"
                holders.append(hold(SYSTEM_PYTHON, lv_uri, n, "libvirt", env))
                virsh = ["virsh", "-c", lv_uri, "list", "--all"]
                theirs = time_runs(virsh, env, runs, DaemonCPU(libvirtd[0].pid, children=True))
            print(
                f"{'list --all, ' + format(n, ',') + ' domains':<34}{'pyvirt':>10}{'libvirt':>10}{'ratio':>8}"
            )
            for i, label in enumerate(
                ("wall (median, ms)", "command CPU (ms/run)", "daemon CPU (ms/run)")
            ):
                ref = (
                    f"{theirs[i] * 1e3:>10.1f}{ours[i] / theirs[i]:>8.2f}"
                    if theirs
                    else f"{'-':>10}{'-':>8}"
                )
                print(f"  {label:<32}{ours[i] * 1e3:>10.1f}{ref}")
        finally:
            for holder in holders:
                holder.kill()
                holder.wait()
            if libvirtd is not None:
                libvirtd[0].send_signal(signal.SIGTERM)
                libvirtd[0].wait(15)
            daemon.send_signal(signal.SIGTERM)
            daemon.wait(15)
    print(f"conditions at end: {conditions()}")


if __name__ == "__main__":
    main()
