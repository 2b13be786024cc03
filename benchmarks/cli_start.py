"""How long one `pyvirsh -c test:///default list --all` takes, next to `virsh` doing the same.

Run: .venv/bin/python benchmarks/cli_start.py [N]      (N runs of each, default 30)

A command-line tool is judged by its start-up: each run is a fresh process, so this measures
interpreter start, imports, driver discovery and the call together, as a user waits for them.
Goal: the median pyvirsh run within 3x virsh's.  Without `virsh` (Debian's libvirt-clients)
only pyvirsh is timed.

The start-up budget is time, not a list of modules to avoid: the script also times a bare
interpreter (`python -c pass`, the floor no Python CLI goes below) and prints how much of the
3x budget pyvirt's own imports and work may spend, and how much they do spend.  Runs of the
three commands are interleaved, so a busy moment of the machine weighs on all of them alike.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

GOAL_RATIO = 3.0
ARGS = ["-c", "test:///default", "list", "--all"]


def pyvirsh_command() -> list[str] | None:
    """The pyvirsh console script next to this interpreter (the workspace venv), else on PATH."""
    beside = Path(sys.executable).with_name("pyvirsh")
    found = str(beside) if beside.exists() else shutil.which("pyvirsh")
    return [found, *ARGS] if found else None


def summary(times: list[float]) -> tuple[float, float]:
    """(median, 90th percentile) in milliseconds."""
    ordered = sorted(times)
    p90 = ordered[min(len(ordered) - 1, int(round(0.9 * (len(ordered) - 1))))]
    return statistics.median(ordered) * 1000, p90 * 1000


def interleaved(commands: dict[str, list[str]], runs: int) -> dict[str, list[float]]:
    """Wall times of each command, run in turns (one warm-up each, not counted)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    for name, command in commands.items():
        warm_up = subprocess.run(command, capture_output=True, text=True, env=env)
        if warm_up.returncode != 0:
            raise SystemExit(f"{name}: {' '.join(command)} failed:\n{warm_up.stderr}")
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            start = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True, env=env)
            times[name].append(time.perf_counter() - start)
    return times


def main(argv: list[str]) -> int:
    runs = int(argv[1]) if len(argv) > 1 else 30
    pyvirsh = pyvirsh_command()
    if pyvirsh is None:
        print("pyvirsh is not installed (run `uv sync` first)", file=sys.stderr)
        return 2
    commands = {"pyvirsh": pyvirsh, "python -c pass": [sys.executable, "-c", "pass"]}
    virsh = shutil.which("virsh")
    if virsh:
        commands["virsh"] = [virsh, *ARGS]
    results = {name: summary(t) for name, t in interleaved(commands, runs).items()}
    print(f"{'command':<16}{'median ms':>12}{'p90 ms':>10}   ({runs} runs each, interleaved)")
    for name, (median, p90) in results.items():
        print(f"{name:<16}{median:>12.1f}{p90:>10.1f}")
    floor = results["python -c pass"][0]
    own = results["pyvirsh"][0] - floor
    print(f"pyvirt's own start-up (pyvirsh - bare interpreter): {own:.1f} ms")
    if "virsh" in results:
        ratio = results["pyvirsh"][0] / results["virsh"][0]
        verdict = "within" if ratio <= GOAL_RATIO else "over"
        print(f"ratio (median pyvirsh / virsh): {ratio:.2f}x, {verdict} the {GOAL_RATIO:g}x goal")
        budget = GOAL_RATIO * results["virsh"][0] - floor
        print(
            f"budget for pyvirt's own start-up: {budget:.1f} ms; spent {own:.1f} ms "
            f"({own / budget:.0%} of it)"
            if budget > 0
            else "budget: none left (the bare interpreter alone is over the goal)"
        )
    else:
        print("virsh not found (apt-get install libvirt-clients): no ratio")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
