"""vol-upload and vol-download of one file through the daemon, pyvirsh to pyvirtd beside virsh
to libvirtd, on qemu:///system dir pools: MiB/s of each, and their ratio.

Run: .venv/bin/python benchmarks/vol_transfer.py [MIB [ROUNDS]] [--as-is]
     (default 1024: 1 GiB, 3 rounds)
Needs root (qemu:///system) and, for the comparison, libvirtd with virsh; without them only
pyvirt's figures are printed.

The source is MIB MiB of incompressible data written once (page-cached by the time either
side reads it); each side uploads it into a raw volume of its own pool (a temporary
directory per daemon), downloads the volume to a new file, and downloads it again to
/dev/null (the stream alone, no page-cache writes at the receiver), so both sides move the
same bytes through their own daemon and stream protocol.  Files are removed afterwards.  The
sides take turns, ROUNDS times, the first side alternating (ABBA), and the median of each is
shown.

Fresh pages: before each timed command a scratch file of MIB MiB is written and removed, so
the command's page-cache writes land on pages the guest has just freed (``--as-is`` skips
it).  Why: whoever receives spends most of its time copying into the page cache
(``copy_folio_from_iter_atomic`` is ~45% of all samples of a download, for virsh as for
pyvirsh, one thread of each at 100%), and on a VM that hands idle memory back to its host
(free-page reporting, ~2 s after a free) the first touch of such a page costs a fault in
the host: on the 2-CPU machine here a 1 GiB ``dd`` into the page cache ran at 534 MB/s on
those pages and at 4.1 GB/s right after an ``rm`` had freed 1 GiB.  Without the scratch
file, whichever side happened to follow a large free was the faster one: the same download
went 353 MiB/s then 1,082 MiB/s in two runs a second apart, and ratios swung between 0.57
and 1.32 from session to session.

Measured here (2 CPUs, load ~1.4, libvirt 9.0, 1 GiB, median of 5, --as-is, before the
scratch file): vol-upload 1,025 vs 825 MiB/s (1.24), vol-download 568 vs 613 (0.93); to
/dev/null (same machine, 4 runs) pyvirsh 740-1,680 MiB/s, virsh 500-880.  The receiver
writes on a thread of its own (pyvirt._write_behind: the worker for an upload, pyvirsh for
a download), so receiving the next piece overlaps writing this one, as libvirtd's does
with its iohelper.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

PYVIRSH = str(Path(sys.executable).parent / "pyvirsh")
MiB = 1 << 20
#: Runs per side: the page cache makes one run of either side vary by half.
ROUNDS = 3


def _run(binary: str, commands: str, env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(
        [binary, "-c", "qemu:///system", commands], env=env, capture_output=True, text=True
    )
    took = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{binary} {commands!r} failed: {done.stderr.strip()}")
    return took


def _fresh_pages(work: Path, size: int) -> None:
    """Write *size* bytes to a scratch file and remove it: the next command's page-cache
    writes then land on pages the guest has just freed (see the module's docstring)."""
    scratch = work / "scratch.bin"
    block = bytes(MiB)
    with open(scratch, "wb") as f:
        for _ in range(size // MiB):
            f.write(block)
    scratch.unlink()


def _side(
    binary: str, env: dict[str, str], work: Path, source: Path, size: int, fresh: bool
) -> tuple[float, float, float]:
    """(upload s, download s, download to /dev/null s) on a fresh pool of *binary*'s daemon
    in *work*."""
    pool = f"bench-{uuid.uuid4().hex[:8]}"
    target = work / pool
    target.mkdir()
    xml = work / f"{pool}.xml"
    xml.write_text(
        f"<pool type='dir'><name>{pool}</name><target><path>{target}</path></target></pool>"
    )
    _run(binary, f"pool-define {xml}; pool-start {pool}; vol-create-as {pool} v.img {size}", env)

    def timed(commands: str) -> float:
        if fresh:
            _fresh_pages(work, size)
        return _run(binary, commands, env)

    try:
        up = timed(f"vol-upload v.img {source} --pool {pool}")
        out = work / f"{pool}.out"
        down = timed(f"vol-download v.img {out} --pool {pool}")
        if out.stat().st_size != size:
            raise RuntimeError(f"{binary}: downloaded {out.stat().st_size} bytes of {size}")
        out.unlink()
        sink = timed(f"vol-download v.img /dev/null --pool {pool}")
        return up, down, sink
    finally:
        subprocess.run([binary, "-c", "qemu:///system", f"vol-delete v.img --pool {pool}; "
                        f"pool-destroy {pool}; pool-undefine {pool}"], env=env,
                       capture_output=True)  # fmt: skip


def main() -> int:
    args = [a for a in sys.argv[1:] if a != "--as-is"]
    fresh = "--as-is" not in sys.argv[1:]
    size = int(args[0]) * MiB if args else 1024 * MiB
    rounds = int(args[1]) if len(args) > 1 else ROUNDS
    if os.geteuid() != 0:
        print("needs root (qemu:///system)")
        return 1
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from daemon_helpers import start_daemon

    ours: list[tuple[float, float, float]] = []
    theirs: list[tuple[float, float, float]] = []
    with tempfile.TemporaryDirectory(prefix="pvbench-", dir="/tmp") as tmp:
        work = Path(tmp)
        os.chmod(work, 0o755)
        source = work / "source.bin"
        block = os.urandom(MiB)
        with open(source, "wb") as f:
            for _ in range(size // MiB):
                f.write(block)
        rundir = work / "run"
        qemu_root = work / "qemu"
        qemu_root.mkdir()
        env = {**os.environ, "PYVIRT_RUNTIME_DIR": str(rundir), "PYVIRT_AUTOSTART": "0"}
        daemon = start_daemon(rundir, env={"PYVIRT_QEMU_ROOT": str(qemu_root)})
        compare = shutil.which("virsh") is not None
        try:
            daemon.wait_worker("qemu")
            for turn in range(rounds):  # ABBA: neither side always follows the other
                order = ("pyvirt", "libvirt") if turn % 2 == 0 else ("libvirt", "pyvirt")
                for side in order:
                    if side == "pyvirt":
                        ours.append(_side(PYVIRSH, env, work, source, size, fresh))
                        continue
                    if not compare:
                        continue
                    try:
                        theirs.append(
                            _side("virsh", dict(os.environ), work, source, size, fresh)
                        )
                    except RuntimeError as exc:
                        print(f"libvirtd: {exc}")
                        compare = False
        finally:
            daemon.stop()
    mib = size / MiB
    load = os.getloadavg()[0]
    pages = "fresh pages before each command" if fresh else "page cache as it is"
    print(f"{mib:.0f} MiB, median of {rounds} interleaved runs (wall time of the whole command), "
          f"{pages}, {os.cpu_count()} CPUs, load {load:.1f}")  # fmt: skip
    print(f"{'':24}{'pyvirtd':>12}{'libvirtd':>14}{'ratio':>8}")
    rows = ("vol-upload", "vol-download", "vol-download /dev/null")
    for i, what in enumerate(rows):
        a = mib / statistics.median(run[i] for run in ours)
        b = mib / statistics.median(run[i] for run in theirs) if theirs else None
        shown_b = f"{b:9.0f} MiB/s" if b else "           -"
        ratio = f"{a / b:8.2f}" if b else ""
        print(f"{what:24}{a:7.0f} MiB/s{shown_b}{ratio}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
