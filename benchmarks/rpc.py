"""RPC speed of pyvirtd against libvirtd, side by side, printing ratios (pyvirt / libvirt).

Run: .venv/bin/python benchmarks/rpc.py [--quick] [--no-transports]
Needs libvirtd for the comparison (../shared/tools/libvirt-reference.sh start); without it,
only pyvirt's figures are printed.  pyvirtd is started here in a temporary runtime dir.

Measured: one client's sequential latency for info(), lookup by name and list-all; calls/s
with 1, 4 and 16 client processes each calling info() in a loop (all started and warmed up
first, then measured over the same window, so no process's start-up eats into another's); one asyncio connection with
8 and 32 calls in flight (libvirt: that many threads sharing one connection, libvirt-python's
way to overlap calls); `list --all` over 1,000 domains with pyvirsh and virsh; and info()'s
latency and calls/s over tls and ssh, each daemon behind the same transport set up the same
way (benchmarks/_transports.py; as root, with sshd; a private libvirtd serves libvirt's tls).

Beside each calls/s figure: the CPU per call of the clients (their processes' user+system
time over the window, all threads) and of the daemon (pyvirtd and its workers; libvirtd's
process, found at the other end of its socket), read around the same window from /proc; and
the conditions (usable cores, load average) at the start and the end of the run, since on a
machine that clients and daemon share every microsecond of either side is throughput lost.

pyvirt's worker and synchronous client poll for up to 50 us before sleeping, while a core is
idle (pyvirt.rpc.SpinGate; pyvirtd.toml's poll_spin_us, the client's PYVIRT_SPIN_US; 0 turns
either off; a reply that came just after the client's poll gave up stretches its next poll,
up to 4x: over tls, where two sleepers made a round trip ~135 us, that took the tls latency
from 1.07-1.13 of libvirtd's to 0.34-0.40 here): to see pyvirt without it, run
with PYVIRT_SPIN_US=0 and a pyvirtd.toml holding poll_spin_us = 0 (PYVIRT_BENCH_CONFIG names
that file).

The `list --all` runs start with one untimed run each, and pyvirsh runs without
PYTHONDONTWRITEBYTECODE, so its modules are loaded from bytecode as an installed package's are
(the variable, set in some development shells, would make every run compile pyvirt's sources).
"""

from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

from _daemons import (
    SYSTEM_PYTHON,
    URI,
    DaemonCPU,
    conditions,
    interpreters,
    libvirtd_available,
    libvirtd_pid,
    process_stat,
    start_pyvirtd,
    tree,
)

ROOT = Path(__file__).resolve().parent.parent

# One worker body for both sides: `api` is "pyvirt" or "libvirt"; prints a JSON result.
WORKER = r"""
import json, os, sys, time, threading
api, mode, seconds, extra = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
uri = os.environ.get("PYVIRT_BENCH_URI", "test+unix:///default")
if api == "libvirt":
    import libvirt
    libvirt.registerErrorHandler(lambda *a: None, None)
    conn = libvirt.open(uri)
    dom = conn.lookupByName("test")
    ops = {"info": dom.info, "lookup": lambda: conn.lookupByName("test"),
           "list": lambda: conn.listAllDomains(0)}
else:
    import pyvirt
    conn = pyvirt.open(uri)
    dom = conn.lookup_domain_by_name("test")
    ops = {"info": dom.info, "lookup": lambda: conn.lookup_domain_by_name("test"),
           "list": lambda: conn.list_domains(0)}

def loop(op, stop_at, counter):
    n = 0
    while time.perf_counter() < stop_at:
        op(); n += 1
    counter.append(n)

if mode in ("info", "lookup", "list"):
    op = ops[mode]
    for _ in range(200): op()
    samples = []
    for _ in range(5):
        n = 2000
        t = time.perf_counter()
        for _ in range(n): op()
        samples.append((time.perf_counter() - t) / n * 1e6)
    print(json.dumps({"latency_us": sorted(samples)[2]}))
else:
    # A calls/s mode: set up and warm up, say "ready", measure from "go" for `seconds`.
    if mode == "aio":
        import asyncio, pyvirt.aio
        loop = asyncio.new_event_loop()
        c = loop.run_until_complete(pyvirt.aio.open_driver(uri))
        ref = loop.run_until_complete(c.connect_list_all_domains(0))[0].ref
        async def flight(stop_at):
            done = 0
            async def worker():
                nonlocal done
                while time.perf_counter() < stop_at:
                    await c.domain_get_info(ref); done += 1
            await asyncio.gather(*(worker() for _ in range(extra)))
            return done
        for _ in range(200): loop.run_until_complete(c.domain_get_info(ref))
        run = lambda stop_at: loop.run_until_complete(flight(stop_at))
    elif mode == "threads":
        def run(stop_at):
            counts = []
            threads = [threading.Thread(target=loop, args=(ops["info"], stop_at, counts)) for _ in range(extra)]
            for t in threads: t.start()
            for t in threads: t.join()
            return sum(counts)
        for _ in range(200): ops["info"]()
    else:  # "throughput": this process calls in a loop
        def run(stop_at):
            counts = []
            loop(ops["info"], stop_at, counts)
            return counts[0]
        for _ in range(200): ops["info"]()
    # Start together: no client's measured window overlaps another's start-up.
    print("ready", flush=True)
    sys.stdin.readline()
    cpu = time.process_time()
    start = time.perf_counter()
    calls = run(start + seconds)
    elapsed = time.perf_counter() - start
    print(json.dumps({"calls": calls, "seconds": elapsed, "cpu": time.process_time() - cpu}))
"""


def run_worker(api: str, mode: str, seconds: float, extra: int, env: dict[str, str]) -> dict:
    python = SYSTEM_PYTHON if api == "libvirt" else sys.executable
    proc = subprocess.run(
        [python, "-c", WORKER, api, mode, str(seconds), str(extra)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=300,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{api} {mode} failed: {proc.stderr.strip()[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


class Rate(NamedTuple):
    """Calls/s of a measured window, and the CPU per call spent on each side in it."""

    calls_per_s: float
    client_us: float  # CPU per call of the client processes (all their threads)
    daemon_us: float  # CPU per call of the daemon's processes (nan when it cannot be read)


def parallel(
    api: str,
    clients: int,
    seconds: float,
    env: dict[str, str],
    daemon: DaemonCPU | ProcessesCPU,
    mode: str = "throughput",
    extra: int = 0,
) -> Rate:
    """*clients* processes in *mode*, started and warmed up, then measured over one window."""
    python = SYSTEM_PYTHON if api == "libvirt" else sys.executable
    procs = [
        subprocess.Popen(
            [python, "-c", WORKER, api, mode, str(seconds), str(extra)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(clients)
    ]
    for proc in procs:  # every client started and warmed up ...
        assert proc.stdout is not None
        if proc.stdout.readline().strip() != "ready":
            raise RuntimeError(f"{api} client failed: {proc.communicate()[1].strip()[-2000:]}")
    for proc in procs:  # ... then all measure at once
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    before = daemon.now()
    time.sleep(seconds)  # the clients' window; the daemon is read around the same one
    daemon_cpu = daemon.now() - before
    rate = calls = cpu = 0.0
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        if proc.returncode != 0:
            raise RuntimeError(f"{api} client failed: {err.strip()[-2000:]}")
        result = json.loads(out.strip().splitlines()[-1])
        rate += result["calls"] / result["seconds"]
        calls += result["calls"]
        cpu += result["cpu"]
    return Rate(rate, cpu / calls * 1e6, daemon_cpu / calls * 1e6)


def define_many(n: int, use_libvirt: bool, env: dict[str, str]) -> None:
    xml = "<domain type='test'><name>bench{i}</name><memory unit='KiB'>65536</memory><os><type>hvm</type></os></domain>"
    if use_libvirt:
        script = (
            "import libvirt,sys\nc=libvirt.open('test+unix:///default')\n"
            f"[c.defineXML({xml!r}.format(i=i)) for i in range({n})]\n"
        )
        subprocess.run([SYSTEM_PYTHON, "-c", script], check=True, env=env)
    else:
        script = (
            "import pyvirt\nc=pyvirt.open('test+unix:///default')\n"
            f"[c.define_domain({xml!r}.format(i=i)) for i in range({n})]\n"
            "import time; time.sleep(1e6)\n"
        )
        return subprocess.Popen([sys.executable, "-c", script], env=env)  # type: ignore[return-value]


def time_list(cmd: list[str], env: dict[str, str], runs: int = 5) -> float:
    subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, check=True)  # warm-up, untimed
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, check=True)
        samples.append(time.perf_counter() - t)
    return statistics.median(samples)


# The least any Python client can do for `list --all`: start, import socket and msgpack,
# decode 1,000 rows from a socket and print them - no RPC, no pyvirt.  Printed beside the
# list figures because it bounds what a Python CLI can reach against virsh.
FLOOR = r"""
import socket, sys, msgpack
a, b = socket.socketpair()
b.sendall(msgpack.packb([[f"bench{i}", "6695eb01-f6a4-8304-79aa-97f2502e193f", -1, 5] for i in range(1000)]))
rows = msgpack.unpackb(a.recv(1 << 20))
sys.stdout.write("".join(f" {'-':<5}{r[0]:<31}shut off\n" for r in rows))
"""


def row(label: str, ours: float, theirs: float | None, unit: str, lower_is_better: bool) -> None:
    if theirs:
        ratio = ours / theirs
        print(f"{label:<38}{ours:>12.1f}{theirs:>12.1f}  {unit:<8}{ratio:>7.2f}")
    else:
        print(f"{label:<38}{ours:>12.1f}{'-':>12}  {unit:<8}{'-':>7}")


def rate_rows(label: str, ours: Rate, theirs: Rate | None) -> None:
    """A calls/s row, then the CPU per call behind it: clients, daemon, both."""
    row(label, ours.calls_per_s, theirs.calls_per_s if theirs else None, "calls/s", False)
    for name, mine, other in (
        ("clients", ours.client_us, theirs.client_us if theirs else None),
        ("daemon", ours.daemon_us, theirs.daemon_us if theirs else None),
        (
            "clients + daemon",
            ours.client_us + ours.daemon_us,
            theirs.client_us + theirs.daemon_us if theirs else None,
        ),
    ):
        row(f"  CPU per call, {name}", mine, other, "us", True)


class _Reading(dict[int, float]):
    """CPU seconds by pid at one instant; ``later - earlier`` counts only the processes
    present at both (an ssh session or helper may come or go between the two)."""

    def __sub__(self, earlier: _Reading) -> float:  # type: ignore[override]
        common = [pid for pid in self if pid in earlier]
        return sum(self[pid] - earlier[pid] for pid in common) if common else float("nan")


class ProcessesCPU:
    """CPU seconds of several process trees and single processes (a DaemonCPU of many)."""

    def __init__(self, trees: tuple[int, ...], processes: tuple[int, ...] = ()) -> None:
        self.trees = trees
        self.processes = processes

    def now(self) -> _Reading:
        pids = [pid for root in self.trees for pid in tree(root)] + list(self.processes)
        return _Reading({pid: stat[1] for pid in pids if (stat := process_stat(pid))})


#: Turns each side takes in paired_latency.
LATENCY_TURNS = 3


def paired_latency(
    env_ours: dict[str, str], env_theirs: dict[str, str] | None
) -> tuple[float, float | None]:
    """info() latency of each side (us), the two taking turns LATENCY_TURNS times (a client
    process each turn, its median of five rounds), and the median of each side's turns: over
    tls and ssh a round trip is two to five times the unix one and moves with the machine by
    a fifth from one minute to the next, so one turn each, one after the other, compared the
    machine of two moments more than the two daemons."""
    ours: list[float] = []
    theirs: list[float] = []
    for _ in range(LATENCY_TURNS):
        ours.append(run_worker("pyvirt", "info", 0, 0, env_ours)["latency_us"])
        if env_theirs is not None:
            theirs.append(run_worker("libvirt", "info", 0, 0, env_theirs)["latency_us"])
    return statistics.median(ours), statistics.median(theirs) if theirs else None


def transport_rows(seconds: float) -> None:
    """info() latency and calls/s over tls and ssh, pyvirtd beside libvirtd, each behind the
    same transport set up the same way (benchmarks/_transports.py), with the CPU per call of
    the clients and of the serving side: the daemon over tls; over ssh the daemon, sshd's
    sessions and the helper (libvirt's side counts the machine's libvirtd, shared with
    whatever else uses it).  On a loaded machine the CPU per call is the steady figure."""
    from _transports import transports, unavailable

    why = unavailable()
    if why is not None:
        print(f"tls and ssh rows skipped: {why}")
        return
    with tempfile.TemporaryDirectory(prefix="pvt-", dir="/tmp") as tmp:
        with transports(Path(tmp)) as found:
            for name, t in found.items():
                env_o = {**os.environ, "PYVIRT_BENCH_URI": t.ours}
                env_t = {**os.environ, "PYVIRT_BENCH_URI": t.theirs or ""}
                ours, theirs = paired_latency(env_o, env_t if t.theirs else None)
                row(f"latency, 1 client, info() over {name}", ours, theirs, "us", True)
                our_cpu = ProcessesCPU(t.our_trees)
                their_cpu = ProcessesCPU(t.their_trees, t.their_processes)
                for clients in (1, 4):
                    rate = parallel("pyvirt", clients, seconds, env_o, our_cpu)
                    other = (
                        parallel("libvirt", clients, seconds, env_t, their_cpu)
                        if t.theirs
                        else None
                    )
                    rate_rows(f"throughput over {name}, {clients} client(s)", rate, other)


def main() -> None:
    quick = "--quick" in sys.argv
    seconds = 1.0 if quick else 3.0
    have_libvirt = libvirtd_available()
    with tempfile.TemporaryDirectory(prefix="pvb-", dir="/tmp") as tmp:
        rundir = Path(tmp) / "run"
        rundir.mkdir()
        daemon = start_pyvirtd(rundir)
        env_py = {**os.environ, "PYVIRT_RUNTIME_DIR": str(rundir)}
        env_lv = dict(os.environ)
        cpu_py = DaemonCPU(daemon.pid, children=True)
        cpu_lv = DaemonCPU(libvirtd_pid() if have_libvirt else None, children=False)
        try:
            print(
                "pyvirtd vs libvirtd, test+unix:///default"
                + ("" if have_libvirt else " (libvirtd not running: pyvirt only)")
            )
            print(f"conditions at start: {conditions()}")
            print(f"interpreters: {interpreters()}")
            print(
                "CPU per call: user+system time of the client processes (all threads) and of the "
                "daemon's (pyvirtd and its workers; libvirtd) over the same window"
            )
            print(f"{'measure':<38}{'pyvirt':>12}{'libvirt':>12}  {'unit':<8}{'ratio':>7}")
            for mode in ("info", "lookup", "list"):
                ours = run_worker("pyvirt", mode, seconds, 0, env_py)["latency_us"]
                theirs = (
                    run_worker("libvirt", mode, seconds, 0, env_lv)["latency_us"]
                    if have_libvirt
                    else None
                )
                row(f"latency, 1 client, {mode}()", ours, theirs, "us", True)
            cases = [
                (f"throughput, {n} client process(es)", n, "throughput", 0) for n in (1, 4, 16)
            ]
            cases += [(f"1 connection, {n} calls in flight", 1, "flight", n) for n in (8, 32)]
            for label, clients, mode, extra in cases:
                # In flight: asyncio for pyvirt; for libvirt, that many threads sharing one
                # connection (libvirt-python's way to overlap calls).
                ours = parallel(
                    "pyvirt",
                    clients,
                    seconds,
                    env_py,
                    cpu_py,
                    "aio" if mode == "flight" else mode,
                    extra,
                )
                theirs = (
                    parallel(
                        "libvirt",
                        clients,
                        seconds,
                        env_lv,
                        cpu_lv,
                        "threads" if mode == "flight" else mode,
                        extra,
                    )
                    if have_libvirt
                    else None
                )
                rate_rows(label, ours, theirs)
            # list --all over 1,000 domains, through the daemons, as a user runs it.
            keeper = define_many(1000, False, env_py)
            time.sleep(0.5)
            while (
                subprocess.run(
                    [str(ROOT / ".venv/bin/pyvirsh"), "-c", URI, "-q", "domid", "bench999"],
                    env=env_py,
                    capture_output=True,
                ).returncode
                != 0
            ):
                time.sleep(0.2)
            env_cli = {k: v for k, v in env_py.items() if k != "PYTHONDONTWRITEBYTECODE"}
            ours_ms = (
                time_list([str(ROOT / ".venv/bin/pyvirsh"), "-c", URI, "list", "--all"], env_cli)
                * 1e3
            )
            theirs_ms = None
            if have_libvirt:
                # libvirtd's test state lives while a client holds it open.
                holder = subprocess.Popen(
                    [
                        SYSTEM_PYTHON,
                        "-c",
                        "import libvirt,time\nc=libvirt.open('test+unix:///default')\n"
                        "xml=\"<domain type='test'><name>bench{i}</name><memory unit='KiB'>65536</memory><os><type>hvm</type></os></domain>\"\n"
                        "[c.defineXML(xml.format(i=i)) for i in range(1000)]\nprint('ok',flush=True)\ntime.sleep(1e6)\n",
                    ],
                    stdout=subprocess.PIPE,
                    text=True,
                )
                assert holder.stdout is not None
                holder.stdout.readline()
                theirs_ms = time_list(["virsh", "-c", URI, "list", "--all"], env_lv) * 1e3
                holder.kill()
            keeper.kill()
            row("list --all, 1,000 domains (wall)", ours_ms, theirs_ms, "ms", True)
            floor_ms = time_list([sys.executable, "-c", FLOOR], env_cli) * 1e3
            row("  floor: bare Python, msgpack, 1,000 rows", floor_ms, theirs_ms, "ms", True)
            if theirs_ms:
                print(
                    f"  list --all speed-up over virsh+libvirtd: {theirs_ms / ours_ms:.1f}x (target >= 10x)"
                )
            if "--no-transports" not in sys.argv:
                transport_rows(seconds)
            print(f"conditions at end: {conditions()}")
        finally:
            daemon.send_signal(signal.SIGTERM)
            daemon.wait(15)


if __name__ == "__main__":
    main()
