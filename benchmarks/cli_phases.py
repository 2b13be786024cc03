"""Where the time of one `pyvirsh -c URI list --all` goes, phase by phase.

Run: .venv/bin/python benchmarks/cli_phases.py [RUNS]      (fresh processes, default 15)

For test:///default (in process) and test+unix:///default (through a pyvirtd started here,
holding 1,000 domains as benchmarks/rpc.py's last section does), each run is a fresh
interpreter that goes through pyvirsh's own functions in order, timing each step with
perf_counter: importing the CLI, parsing the command (which imports its module), importing
the connection layer, the driver registry and the driver, opening the connection (for the
daemon: route and open, two round trips, and keepalive), the list call (for the daemon: its
work, the transfer and decoding 1,000 records), sorting and formatting, writing, closing.
Medians per phase are printed with the wall time of the real console script and of
`python -c pass` (the interpreter's own start) beside them.
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

sys.path.insert(0, str(Path(__file__).resolve().parent))
from rpc import define_many, start_pyvirtd  # noqa: E402  (the daemon set-up rpc.py uses)

ROOT = Path(__file__).resolve().parent.parent
PYVIRSH = str(ROOT / ".venv/bin/pyvirsh")

# The steps of pyvirt.cli._main.main, one by one; prints [(phase, ms), ...] on stderr.
CHILD = r"""
import time
marks = [("start", time.perf_counter())]
import gc, sys
gc.disable()  # as pyvirsh does while it starts (pyvirt.cli._main._StartupGC)
uri = sys.argv[1]
from pyvirt.cli import _main
from pyvirt.cli._control import Control
from pyvirt.cli._parser import ArgvTokens
marks.append(("import the CLI", time.perf_counter()))
ctl = Control()
rest = _main._global_options(ctl, ["-c", uri, "list", "--all"], "pyvirsh")
cmds = _main.parse_commands(ctl, ArgvTokens(rest))
marks.append(("parse (imports the command)", time.perf_counter()))
import pyvirt._connection
marks.append(("import pyvirt._connection", time.perf_counter()))
import pyvirt._defaulturi, pyvirt._entrypoints, pyvirt._registry
marks.append(("import the driver registry", time.perf_counter()))
from pyvirt import _registry, parse_uri
_registry.load_driver(parse_uri(uri).scheme) or _registry.wildcard_drivers()
marks.append(("import the driver", time.perf_counter()))
ctl.connect()
marks.append(("open + keepalive", time.perf_counter()))
conn = ctl.conn
listing = type(conn).list_domains
spent = [0.0]
def timed(self, flags):
    started = time.perf_counter()
    try:
        return listing(self, flags)
    finally:
        spent[0] = time.perf_counter() - started
type(conn).list_domains = timed
import io
ctl.out = io.StringIO()
gc.freeze()
gc.enable()
started = time.perf_counter()
_main.run_commands(ctl, cmds)
marks.append(("list call", started + spent[0]))
marks.append(("sort + format", time.perf_counter()))
sys.stdout.write(ctl.out.getvalue())
sys.stdout.flush()
marks.append(("write", time.perf_counter()))
ctl.close()
marks.append(("close", time.perf_counter()))
import json
phases = [(b[0], (b[1] - a[1]) * 1e3) for a, b in zip(marks, marks[1:])]
print(json.dumps(phases), file=sys.stderr)
"""


def phases(uri: str, env: dict[str, str], runs: int) -> list[tuple[str, float]]:
    samples = []
    for _ in range(runs + 1):  # the first run is a warm-up
        done = subprocess.run(
            [sys.executable, "-c", CHILD, uri],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            check=True,
        )
        samples.append(json.loads(done.stderr.strip().splitlines()[-1]))
    names = [name for name, _ in samples[1]]
    return [(n, statistics.median(s[i][1] for s in samples[1:])) for i, n in enumerate(names)]


def wall(command: list[str], env: dict[str, str], runs: int) -> float:
    subprocess.run(command, env=env, stdout=subprocess.DEVNULL, check=True)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, env=env, stdout=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1e3


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    # Bytecode caching on, as on a user's machine (see benchmarks/cli_start.py).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    with tempfile.TemporaryDirectory(prefix="pvp-", dir="/tmp") as tmp:
        rundir = Path(tmp) / "run"
        rundir.mkdir()
        daemon = start_pyvirtd(rundir)
        env_daemon = {**env, "PYVIRT_RUNTIME_DIR": str(rundir)}
        keeper = define_many(1000, False, env_daemon)
        try:
            probe = [PYVIRSH, "-c", "test+unix:///default", "-q", "domid", "bench999"]
            while subprocess.run(probe, env=env_daemon, capture_output=True).returncode:
                time.sleep(0.2)
            print(f"python -c pass: {wall([sys.executable, '-c', 'pass'], env, runs):.1f} ms")
            for uri, uri_env in (("test:///default", env), ("test+unix:///default", env_daemon)):
                print(f"\npyvirsh -c {uri} list --all   (medians of {runs} runs, ms)")
                table = phases(uri, uri_env, runs)
                for name, ms in table:
                    print(f"  {name:<30}{ms:8.2f}")
                print(f"  {'sum of the phases':<30}{sum(ms for _, ms in table):8.2f}")
                script = wall([PYVIRSH, "-c", uri, "list", "--all"], uri_env, runs)
                print(f"  {'whole run (console script)':<30}{script:8.2f}")
        finally:
            keeper.kill()
            daemon.send_signal(signal.SIGTERM)
            daemon.wait(15)


if __name__ == "__main__":
    main()
