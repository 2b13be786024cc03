"""How long one `pyvirsh -c test:///default list --all` takes, next to `virsh` doing the same.

Run: .venv/bin/python benchmarks/cli_start.py [N]      (N runs of each, default 30)

A command-line tool is judged by its start-up: each run is a fresh process, so this measures
interpreter start, imports, driver discovery and the call together, as a user waits for them.
Goal: the median pyvirsh run within 4x virsh's.  Without `virsh` (Debian's libvirt-clients)
only pyvirsh is timed.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

GOAL_RATIO = 4.0
ARGS = ["-c", "test:///default", "list", "--all"]


def pyvirsh_command() -> list[str] | None:
    """The pyvirsh console script next to this interpreter (the workspace venv), else on PATH."""
    beside = Path(sys.executable).with_name("pyvirsh")
    found = str(beside) if beside.exists() else shutil.which("pyvirsh")
    return [found, *ARGS] if found else None


def time_runs(command: list[str], runs: int) -> list[float]:
    """Wall time of each of *runs* runs; the first run is a warm-up and is not counted."""
    # Bytecode caching on, as on a user's machine: compiling every run is not start-up cost.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    warm_up = subprocess.run(command, capture_output=True, text=True, env=env)
    if warm_up.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{warm_up.stderr}")
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, env=env)
        times.append(time.perf_counter() - start)
    return times


def summary(times: list[float]) -> tuple[float, float]:
    """(median, 90th percentile) in milliseconds."""
    ordered = sorted(times)
    p90 = ordered[min(len(ordered) - 1, int(round(0.9 * (len(ordered) - 1))))]
    return statistics.median(ordered) * 1000, p90 * 1000


def main(argv: list[str]) -> int:
    runs = int(argv[1]) if len(argv) > 1 else 30
    pyvirsh = pyvirsh_command()
    if pyvirsh is None:
        print("pyvirsh is not installed (run `uv sync` first)", file=sys.stderr)
        return 2
    results = {"pyvirsh": summary(time_runs(pyvirsh, runs))}
    virsh = shutil.which("virsh")
    if virsh:
        results["virsh"] = summary(time_runs([virsh, *ARGS], runs))
    print(f"{'command':<10}{'median ms':>12}{'p90 ms':>10}   ({runs} runs each)")
    for name, (median, p90) in results.items():
        print(f"{name:<10}{median:>12.1f}{p90:>10.1f}")
    if "virsh" in results:
        ratio = results["pyvirsh"][0] / results["virsh"][0]
        verdict = "within" if ratio <= GOAL_RATIO else "over"
        print(f"ratio (median pyvirsh / virsh): {ratio:.2f}x, {verdict} the {GOAL_RATIO:g}x goal")
    else:
        print("virsh not found (apt-get install libvirt-clients): no ratio")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
