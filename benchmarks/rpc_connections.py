"""Many connections held at once: pyvirtd against libvirtd, side by side.

Run: .venv/bin/python benchmarks/rpc_connections.py [PROCESSES [THREADS [CALLS [ROUNDS]]]]
         [--pyvirt-only]
(default 4 client processes x 250 threads, 10 info() calls per connection: 1,000 connections;
3 rounds.)

Each thread opens a connection of its own.  All threads of all processes connect together
(released at once after every process has started its threads), so the daemon sees a burst
of connects; once every connection is open, all of them make their calls together, each call
timed on its own; the connections are closed only after every call is done, so all of them
are held for the whole call phase.  Printed: connects that failed (and why: the listen queue
overflowing shows as "Resource temporarily unavailable"), calls that failed, p50 / p99 / max
call latency, calls/s over the call phase, and the CPU per call of the clients and of the
daemon's processes in that phase (see _daemons.py); with the conditions of the machine.
Everything stays on this machine's unix sockets.

The whole of it runs ROUNDS times per side, the sides taking turns (ABBA), and each figure
shown is the median of the rounds' (errors: the sum), with every round's p99 listed: the
tail of one burst of 1,000 connections swings with the scheduler more than anything either
daemon does (one burst's p99 was 76 ms for libvirtd and 288 ms in the next, 79-178 ms for
pyvirtd, on the quiet 2-CPU machine here).
"""

from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from _daemons import (
    SYSTEM_PYTHON,
    DaemonCPU,
    conditions,
    interpreters,
    libvirtd_available,
    libvirtd_pid,
    start_pyvirtd,
)

# One client process: THREADS connections, CALLS info() each.  Talks to the parent on its
# standard streams: "ready" / "go" to connect, "connected" / "go" to call, then one JSON line.
CLIENT = r"""
import json, sys, threading, time
api, threads, calls = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
uri = "test+unix:///default"
if api == "libvirt":
    import libvirt
    libvirt.registerErrorHandler(lambda *a: None, None)
    def connect():
        conn = libvirt.open(uri)
        return conn, conn.lookupByName("test").info
    error_types = (libvirt.libvirtError,)
else:
    import pyvirt
    def connect():
        conn = pyvirt.open(uri)
        return conn, conn.lookup_domain_by_name("test").info
    error_types = (pyvirt.VirtError,)

go_connect = threading.Event()
go_call = threading.Event()
go_close = threading.Event()
lock = threading.Lock()
opened = []
connect_errors = []
call_errors = []
latencies = []

def client():
    go_connect.wait()
    try:
        conn, info = connect()
    except error_types as exc:
        with lock:
            connect_errors.append(str(exc))
            opened.append(False)
        return
    with lock:
        opened.append(True)
    go_call.wait()
    mine = []
    for _ in range(calls):
        start = time.perf_counter()
        try:
            info()
        except error_types as exc:
            with lock:
                call_errors.append(str(exc))
            continue
        mine.append(time.perf_counter() - start)
    with lock:
        latencies.extend(mine)
    go_close.wait()
    conn.close()

workers = [threading.Thread(target=client) for _ in range(threads)]
for t in workers:
    t.start()
print("ready", flush=True)
sys.stdin.readline()
go_connect.set()
while True:
    with lock:
        if len(opened) == threads:
            break
    time.sleep(0.005)
print("connected", flush=True)
sys.stdin.readline()
cpu = time.process_time()
start = time.perf_counter()
go_call.set()
while True:
    with lock:
        if len(latencies) + len(call_errors) >= calls * sum(opened):
            break
    time.sleep(0.001)
elapsed = time.perf_counter() - start
cpu = time.process_time() - cpu
go_close.set()
for t in workers:
    t.join()
print(json.dumps({"latencies": latencies, "connect_errors": connect_errors,
                  "call_errors": call_errors, "seconds": elapsed, "cpu": cpu}))
"""


def _step(procs: list[subprocess.Popen[str]], expect: str) -> None:
    """Wait until every process says *expect*, then tell them all to go on."""
    for proc in procs:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        if line != expect:
            _out, err = proc.communicate(timeout=60)
            raise RuntimeError(f"a client process failed: {err.strip()[-2000:]}")
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()


def run(
    api: str, processes: int, threads: int, calls: int, env: dict[str, str], daemon: DaemonCPU
) -> dict:
    python = SYSTEM_PYTHON if api == "libvirt" else sys.executable
    procs = [
        subprocess.Popen(
            [python, "-c", CLIENT, api, str(threads), str(calls)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(processes)
    ]
    try:
        _step(procs, "ready")  # all threads started: connect together
        _step(procs, "connected")  # every connection open (or failed): call together
        before = daemon.now()
        results = []
        for proc in procs:
            assert proc.stdout is not None
            line = proc.stdout.readline()  # the call phase is over for this process
            if not line:
                raise RuntimeError(
                    f"a client process failed: {proc.communicate(timeout=60)[1][-2000:]}"
                )
            results.append(json.loads(line))
        daemon_cpu = daemon.now() - before  # includes the closes of the processes done first
    finally:
        for proc in procs:
            try:
                proc.communicate(timeout=120)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.communicate()
    latencies = sorted(x for r in results for x in r["latencies"])
    done = len(latencies)
    return {
        "connect_errors": Counter(e for r in results for e in r["connect_errors"]),
        "call_errors": Counter(e for r in results for e in r["call_errors"]),
        "p50_ms": latencies[done // 2] * 1e3 if done else float("nan"),
        "p99_ms": latencies[min(done - 1, int(done * 0.99))] * 1e3 if done else float("nan"),
        "max_ms": latencies[-1] * 1e3 if done else float("nan"),
        "calls": done,
        "calls_per_s": done / max(r["seconds"] for r in results),
        "client_us": sum(r["cpu"] for r in results) / max(done, 1) * 1e6,
        "daemon_us": daemon_cpu / max(done, 1) * 1e6,
    }


def report(ours: dict, theirs: dict | None, connections: int) -> None:
    print(f"{'measure':<34}{'pyvirt':>12}{'libvirt':>12}  {'unit':<8}{'ratio':>7}")
    for key, label, unit in (
        ("p50_ms", "call latency p50", "ms"),
        ("p99_ms", "call latency p99", "ms"),
        ("max_ms", "call latency max", "ms"),
        ("calls_per_s", "calls/s over the call phase", "calls/s"),
        ("client_us", "  CPU per call, clients", "us"),
        ("daemon_us", "  CPU per call, daemon", "us"),
    ):
        mine = ours[key]
        other = theirs[key] if theirs else None
        ratio = f"{mine / other:>7.2f}" if other else f"{'-':>7}"
        shown = f"{other:>12.2f}" if other is not None else f"{'-':>12}"
        print(f"{label:<34}{mine:>12.2f}{shown}  {unit:<8}{ratio}")
    for side, result in (("pyvirt", ours), ("libvirt", theirs)):
        if result is None:
            continue
        rounds = result["p99_rounds"]
        print(f"{side}: p99 of each round " + " ".join(f"{p:.1f}" for p in rounds) + " ms")
        failed = sum(result["connect_errors"].values())
        tried = connections * len(rounds)
        print(
            f"{side}: {tried - failed} of {tried} connects succeeded, "
            f"{result['calls']} calls answered, {sum(result['call_errors'].values())} failed"
        )
        for kind in ("connect_errors", "call_errors"):
            for message, count in result[kind].most_common(3):
                print(f"  {count} x {kind.replace('_', ' ')[:-1]}: {message}")


def _median_of(rounds: list[dict]) -> dict:
    """One result for several rounds: the median of each figure, the sum of the errors,
    and each round's p99."""
    merged: dict = {"p99_rounds": [r["p99_ms"] for r in rounds]}
    for key in ("p50_ms", "p99_ms", "max_ms", "calls_per_s", "client_us", "daemon_us"):
        merged[key] = statistics.median(r[key] for r in rounds)
    merged["calls"] = sum(r["calls"] for r in rounds)
    for kind in ("connect_errors", "call_errors"):
        merged[kind] = sum((r[kind] for r in rounds), Counter())
    return merged


def main() -> None:
    args = [int(a) for a in sys.argv[1:] if a.isdigit()][:4]
    processes, threads, calls, rounds = (args + [4, 250, 10, 3][len(args) :])[:4]
    connections = processes * threads
    have_libvirt = "--pyvirt-only" not in sys.argv and libvirtd_available()
    with tempfile.TemporaryDirectory(prefix="pvc-", dir="/tmp") as tmp:
        rundir = Path(tmp) / "run"
        rundir.mkdir()
        daemon = start_pyvirtd(rundir)
        try:
            env_py = {**os.environ, "PYVIRT_RUNTIME_DIR": str(rundir)}
            print(
                f"{connections:,} connections held at once: {processes} client processes x "
                f"{threads} threads, {calls} info() calls per connection; median of {rounds} "
                "rounds" + ("" if have_libvirt else " (libvirtd not running: pyvirt only)")
            )
            print(f"conditions at start: {conditions()}")
            print(f"interpreters: {interpreters()}")
            # pyvirt's workers start on the first open: one untimed connection first.
            subprocess.run(
                [
                    sys.executable,
                    "-c",
                    "import pyvirt; pyvirt.open('test+unix:///default').close()",
                ],
                env=env_py,
                check=True,
            )
            our_rounds: list[dict] = []
            their_rounds: list[dict] = []
            for turn in range(rounds):  # ABBA: neither side always follows the other
                sides = ("pyvirt", "libvirt") if turn % 2 == 0 else ("libvirt", "pyvirt")
                for side in sides:
                    if side == "pyvirt":
                        our_rounds.append(run("pyvirt", processes, threads, calls, env_py,
                                              DaemonCPU(daemon.pid, children=True)))  # fmt: skip
                    elif have_libvirt:
                        their_rounds.append(run("libvirt", processes, threads, calls,
                                                dict(os.environ),
                                                DaemonCPU(libvirtd_pid(), children=False)))  # fmt: skip
            ours = _median_of(our_rounds)
            theirs = _median_of(their_rounds) if their_rounds else None
            report(ours, theirs, connections)
            print(f"conditions at end: {conditions()}")
        finally:
            daemon.send_signal(signal.SIGTERM)
            daemon.wait(30)


if __name__ == "__main__":
    main()
