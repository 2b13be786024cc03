"""``domstats`` over 1,000 and 10,000 domains: pyvirsh through pyvirtd beside virsh through
libvirtd (goal: 0.5 of libvirtd's time or less).

The domains come from a generated test-driver node file, opened as
``test+unix:///PATH/node.xml`` by both daemons, so the shared ``test:///default`` other
clients use is left alone.  A node-file connection owns a private state built from the file
(in both daemons), so each run measures two figures:

- ``domstats`` (wall): the whole command line, connection (the daemon loads the file) and
  printing included, median of RUNS runs;
- ``getAllDomainStats`` (call): the one call alone on an open connection, pyvirt's typed API
  against libvirt-python (under ``/usr/bin/python3``), median of RUNS calls.

Run: .venv/bin/python benchmarks/domstats.py [RUNS]  (root, libvirtd running, for libvirt's side)
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _daemons import SYSTEM_PYTHON, conditions, interpreters, libvirtd_available, start_pyvirtd  # noqa: E402
from rpc import time_list  # noqa: E402  (median wall time of a command, as rpc.py measures)

ROOT = Path(__file__).resolve().parents[1]
SIZES = (1_000, 10_000)
_DOMAIN = (
    "<domain type='test'><name>st{i}</name><uuid>{uuid}</uuid><memory>65536</memory>"
    "<vcpu>1</vcpu><os><type>hvm</type></os></domain>"
)

# One call timed on an open connection; the same text runs under both bindings.
_CALL = r"""
import json, statistics, sys, time
if sys.argv[3] == "pyvirt":
    import pyvirt
    conn = pyvirt.open(sys.argv[1])
    call = conn.get_all_domain_stats
else:
    import libvirt
    conn = libvirt.open(sys.argv[1])
    call = conn.getAllDomainStats
samples = []
for _ in range(int(sys.argv[2])):
    t = time.perf_counter()
    found = call()
    samples.append(time.perf_counter() - t)
assert len(found) > 0
print(json.dumps({"median": statistics.median(samples), "records": len(found)}))
"""


def write_node_file(directory: Path, n: int) -> Path:
    """A node file of *n* running domains (the test driver starts a file's domains)."""
    path = directory / f"node{n}.xml"
    domains = "".join(
        _DOMAIN.format(i=i, uuid=f"6695eb01-f6a4-8304-79aa-{i:012x}") for i in range(n)
    )
    path.write_text(f"<node>{domains}</node>\n")
    return path


def time_call(python: str, uri: str, runs: int, which: str, env: dict[str, str]) -> float:
    done = subprocess.run(
        [python, "-c", _CALL, uri, str(runs), which],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(json.loads(done.stdout.strip().splitlines()[-1])["median"])


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    have_libvirt = libvirtd_available()
    print(f"conditions at start: {conditions()}")
    print(f"interpreters: {interpreters()}")
    with tempfile.TemporaryDirectory(prefix="pvdomstats-") as tmp:
        rundir = Path(tmp) / "run"
        env = {**os.environ, "PYVIRT_RUNTIME_DIR": str(rundir), "LC_ALL": "C"}
        daemon = start_pyvirtd(rundir)
        try:
            print(f"{'step':<40}{'pyvirt':>12}{'libvirt':>12}{'ratio':>8}")
            for n in SIZES:
                uri = f"test+unix://{write_node_file(Path(tmp), n)}"
                pyvirsh = [str(ROOT / ".venv/bin/pyvirsh"), "-c", uri, "domstats"]
                rows = [
                    (
                        f"domstats, {n:,} domains (wall, ms)",
                        time_list(pyvirsh, env, runs),
                        time_list(["virsh", "-c", uri, "domstats"], env, runs)
                        if have_libvirt
                        else None,
                    ),
                    (
                        f"getAllDomainStats, {n:,} (call, ms)",
                        time_call(sys.executable, uri, runs, "pyvirt", env),
                        time_call(SYSTEM_PYTHON, uri, runs, "libvirt", env)
                        if have_libvirt
                        else None,
                    ),
                ]
                for label, ours, theirs in rows:
                    ref = f"{theirs * 1e3:>12.1f}{ours / theirs:>8.2f}" if theirs else f"{'-':>12}{'-':>8}"
                    print(f"{label:<40}{ours * 1e3:>12.1f}{ref}", flush=True)
        finally:
            daemon.send_signal(signal.SIGTERM)
            daemon.wait(15)
    print(f"conditions at end: {conditions()}")


if __name__ == "__main__":
    main()
