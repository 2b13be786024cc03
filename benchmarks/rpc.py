"""RPC speed of pyvirtd against libvirtd, side by side, printing ratios (pyvirt / libvirt).

Run: .venv/bin/python benchmarks/rpc.py [--quick]
Needs libvirtd for the comparison (../shared/tools/libvirt-reference.sh start); without it,
only pyvirt's figures are printed.  pyvirtd is started here in a temporary runtime dir.

Measured: one client's sequential latency for info(), lookup by name and list-all; calls/s
with 1, 4 and 16 client processes each calling info() in a loop (all started and warmed up
first, then measured over the same window, so no process's start-up eats into another's); one asyncio connection with
8 and 32 calls in flight (libvirt: that many threads sharing one connection, libvirt-python's
way to overlap calls); `list --all` over 1,000 domains with pyvirsh and virsh.

pyvirt's worker and synchronous client poll for up to 50 us before sleeping (pyvirtd.toml's
poll_spin_us, the client's PYVIRT_SPIN_US; 0 turns either off): to see pyvirt without it, run
with PYVIRT_SPIN_US=0 and a pyvirtd.toml holding poll_spin_us = 0 (PYVIRT_BENCH_CONFIG names
that file).

The `list --all` runs start with one untimed run each, and pyvirsh runs without
PYTHONDONTWRITEBYTECODE, so its modules are loaded from bytecode as an installed package's are
(the variable, set in some development shells, would make every run compile pyvirt's sources).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SYSTEM_PYTHON = "/usr/bin/python3"
URI = "test+unix:///default"

# One worker body for both sides: `api` is "pyvirt" or "libvirt"; prints a JSON result.
WORKER = r"""
import json, sys, time, threading
api, mode, seconds, extra = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
uri = "test+unix:///default"
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
elif mode == "throughput":
    for _ in range(200): ops["info"]()
    # Start together: no client's measured window overlaps another's start-up.
    print("ready", flush=True)
    sys.stdin.readline()
    counts = []
    start = time.perf_counter()
    loop(ops["info"], start + seconds, counts)
    print(json.dumps({"calls": counts[0], "seconds": time.perf_counter() - start}))
elif mode == "threads":
    counts = []
    stop_at = time.perf_counter() + seconds
    threads = [threading.Thread(target=loop, args=(ops["info"], stop_at, counts)) for _ in range(extra)]
    start = time.perf_counter()
    for t in threads: t.start()
    for t in threads: t.join()
    print(json.dumps({"calls": sum(counts), "seconds": time.perf_counter() - start}))
elif mode == "aio":
    import asyncio, pyvirt.aio
    async def main():
        c = await pyvirt.aio.open_driver(uri)
        ref = (await c.connect_list_all_domains(0))[0].ref
        done = 0
        stop_at = time.perf_counter() + seconds
        async def worker():
            nonlocal done
            while time.perf_counter() < stop_at:
                await c.domain_get_info(ref); done += 1
        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(extra)))
        elapsed = time.perf_counter() - start
        await c.close()
        return done, elapsed
    calls, elapsed = asyncio.run(main())
    print(json.dumps({"calls": calls, "seconds": elapsed}))
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


def parallel(api: str, clients: int, seconds: float, env: dict[str, str]) -> float:
    python = SYSTEM_PYTHON if api == "libvirt" else sys.executable
    procs = [
        subprocess.Popen(
            [python, "-c", WORKER, api, "throughput", str(seconds), "0"],
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
    total = 0.0
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        if proc.returncode != 0:
            raise RuntimeError(f"{api} client failed: {err.strip()[-2000:]}")
        result = json.loads(out.strip().splitlines()[-1])
        total += result["calls"] / result["seconds"]
    return total


def libvirtd_available() -> bool:
    if not os.path.exists(SYSTEM_PYTHON) or shutil.which("virsh") is None:
        return False
    probe = subprocess.run(["virsh", "-c", URI, "uri"], capture_output=True, text=True, check=False)
    return probe.returncode == 0


def start_pyvirtd(rundir: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYVIRT_RUNTIME_DIR": str(rundir)}
    config = os.environ.get("PYVIRT_BENCH_CONFIG")
    proc = subprocess.Popen(
        [sys.executable, "-m", "pyvirtd", *(["--config", config] if config else [])],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while not (rundir / "pyvirt-test-sock").exists():
        if time.monotonic() > deadline or proc.poll() is not None:
            raise RuntimeError("pyvirtd did not start")
        time.sleep(0.05)
    return proc


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
        try:
            print(
                "pyvirtd vs libvirtd, test+unix:///default"
                + ("" if have_libvirt else " (libvirtd not running: pyvirt only)")
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
            for clients in (1, 4, 16):
                ours = parallel("pyvirt", clients, seconds, env_py)
                theirs = parallel("libvirt", clients, seconds, env_lv) if have_libvirt else None
                row(f"throughput, {clients} client process(es)", ours, theirs, "calls/s", False)
            for inflight in (8, 32):
                r = run_worker("pyvirt", "aio", seconds, inflight, env_py)
                ours = r["calls"] / r["seconds"]
                theirs = None
                if have_libvirt:
                    t = run_worker("libvirt", "threads", seconds, inflight, env_lv)
                    theirs = t["calls"] / t["seconds"]
                row(f"1 connection, {inflight} calls in flight", ours, theirs, "calls/s", False)
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
        finally:
            daemon.send_signal(signal.SIGTERM)
            daemon.wait(15)


if __name__ == "__main__":
    main()
