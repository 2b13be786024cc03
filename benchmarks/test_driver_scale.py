"""How the test driver scales: define N domains, then time listing and lookups.

Run: .venv/bin/python benchmarks/test_driver_scale.py [N]
With the real binding installed (Debian's python3-libvirt) it runs the same steps against
libvirt's test driver through /usr/bin/python3 and prints the ratios (pyvirt / libvirt).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import time

XML = "<domain type='test'><name>vm{i}</name><memory unit='KiB'>65536</memory><os><type>hvm</type></os></domain>"

# The same measurement in libvirt-python's vocabulary, run by the system interpreter.
LIBVIRT_SCRIPT = r"""
import json, sys, time, statistics, libvirt
libvirt.registerErrorHandler(lambda *a: None, None)
n = int(sys.argv[1]); XML = sys.argv[2]
c = libvirt.open("test:///default")
t = time.perf_counter()
for i in range(n):
    c.defineXML(XML.format(i=i))
define = time.perf_counter() - t
lists = []
for _ in range(5):
    t = time.perf_counter(); c.listAllDomains(0); lists.append(time.perf_counter() - t)
t = time.perf_counter()
for i in range(0, n, max(n // 1000, 1)):
    c.lookupByName(f"vm{i}")
lookups = (time.perf_counter() - t) / len(range(0, n, max(n // 1000, 1)))
print(json.dumps({"define_total": define, "list": statistics.median(lists), "lookup": lookups}))
"""


def measure_pyvirt(n: int) -> dict[str, float]:
    import pyvirt

    with pyvirt.open("test:///default") as conn:
        t = time.perf_counter()
        for i in range(n):
            conn.define_domain(XML.format(i=i))
        define = time.perf_counter() - t
        lists = []
        for _ in range(5):
            t = time.perf_counter()
            conn.list_domains()
            lists.append(time.perf_counter() - t)
        step = max(n // 1000, 1)
        t = time.perf_counter()
        for i in range(0, n, step):
            conn.lookup_domain_by_name(f"vm{i}")
        lookups = (time.perf_counter() - t) / len(range(0, n, step))
    return {"define_total": define, "list": statistics.median(lists), "lookup": lookups}


def measure_libvirt(n: int) -> dict[str, float] | None:
    python = "/usr/bin/python3"
    if not os.path.exists(python) or shutil.which("virsh") is None:
        return None
    proc = subprocess.run(
        [python, "-c", LIBVIRT_SCRIPT, str(n), XML], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        print(f"libvirt run failed: {proc.stderr.strip()}", file=sys.stderr)
        return None
    return json.loads(proc.stdout)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    ours = measure_pyvirt(n)
    theirs = measure_libvirt(n)
    print(f"test driver with {n} domains")
    print(f"{'step':<22}{'pyvirt':>14}{'libvirt':>14}{'ratio':>9}")
    for key, label in (
        ("define_total", f"define x{n} (s)"),
        ("list", "list all (ms)"),
        ("lookup", "lookup (us)"),
    ):
        scale = {"define_total": 1, "list": 1e3, "lookup": 1e6}[key]
        mine = ours[key] * scale
        if theirs:
            ref = theirs[key] * scale
            print(f"{label:<22}{mine:>14.3f}{ref:>14.3f}{mine / ref:>9.2f}")
        else:
            print(f"{label:<22}{mine:>14.3f}{'-':>14}{'-':>9}")


if __name__ == "__main__":
    main()
