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
shown, in MiB/s and in CPU seconds per GiB (the command's own and its daemon's: pyvirtd with
its workers, libvirtd with the iohelpers it reaps).  The CPU figures move less with the
machine's state than the speeds do: the speeds of both sides moved by half between two
machines of the same kind here, and within one machine in its first minutes.

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

The receiver writes on a thread of its own (pyvirt._write_behind: the worker for an upload,
pyvirsh for a download), so receiving the next piece overlaps writing this one, as libvirtd's
does with its iohelper; neither side copies a piece in user space between the socket and the
file (docs/protocol.md, "Streams").  Figures: benchmarks/README.md.
"""

from __future__ import annotations

import os
import resource
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


_TICK = os.sysconf("SC_CLK_TCK")


def _tree_cpu(root: int) -> float:
    """CPU seconds of process *root* and its live descendants, with what their finished
    children used (a worker's threads; libvirtd's iohelper, reaped by libvirtd)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            children.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry))
    total, todo, seen = 0, [root], set()
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
        todo += children.get(pid, [])
    return total / _TICK


def _run(binary: str, commands: str, env: dict[str, str], daemon: int) -> tuple[float, float]:
    """Wall seconds of the command, and the CPU seconds it cost: its own (the client's)
    and the daemon's (process *daemon* and its children)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    daemon_before = _tree_cpu(daemon)
    start = time.perf_counter()
    done = subprocess.run(
        [binary, "-c", "qemu:///system", commands], env=env, capture_output=True, text=True
    )
    took = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    cpu += _tree_cpu(daemon) - daemon_before
    if done.returncode != 0:
        raise RuntimeError(f"{binary} {commands!r} failed: {done.stderr.strip()}")
    return took, cpu


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
    binary: str, env: dict[str, str], work: Path, source: Path, size: int, fresh: bool,
    daemon: int,
) -> list[tuple[float, float]]:  # fmt: skip
    """(wall s, CPU s) of an upload, a download and a download to /dev/null, on a fresh pool
    of *binary*'s daemon (process *daemon*) in *work*."""
    pool = f"bench-{uuid.uuid4().hex[:8]}"
    target = work / pool
    target.mkdir()
    xml = work / f"{pool}.xml"
    xml.write_text(
        f"<pool type='dir'><name>{pool}</name><target><path>{target}</path></target></pool>"
    )
    _run(binary, f"pool-define {xml}; pool-start {pool}; vol-create-as {pool} v.img {size}",
         env, daemon)  # fmt: skip

    def timed(commands: str) -> tuple[float, float]:
        if fresh:
            _fresh_pages(work, size)
        return _run(binary, commands, env, daemon)

    try:
        up = timed(f"vol-upload v.img {source} --pool {pool}")
        out = work / f"{pool}.out"
        down = timed(f"vol-download v.img {out} --pool {pool}")
        if out.stat().st_size != size:
            raise RuntimeError(f"{binary}: downloaded {out.stat().st_size} bytes of {size}")
        out.unlink()
        sink = timed(f"vol-download v.img /dev/null --pool {pool}")
        return [up, down, sink]
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

    ours: list[list[tuple[float, float]]] = []
    theirs: list[list[tuple[float, float]]] = []
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
        libvirtd = _libvirtd_pid()
        compare = shutil.which("virsh") is not None and libvirtd is not None
        try:
            daemon.wait_worker("qemu")
            for turn in range(rounds):  # ABBA: neither side always follows the other
                order = ("pyvirt", "libvirt") if turn % 2 == 0 else ("libvirt", "pyvirt")
                for side in order:
                    if side == "pyvirt":
                        ours.append(
                            _side(PYVIRSH, env, work, source, size, fresh, daemon.proc.pid)
                        )
                        continue
                    if not compare:
                        continue
                    try:
                        assert libvirtd is not None
                        theirs.append(_side("virsh", dict(os.environ), work, source, size,
                                            fresh, libvirtd))  # fmt: skip
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
        a = mib / statistics.median(run[i][0] for run in ours)
        b = mib / statistics.median(run[i][0] for run in theirs) if theirs else None
        shown_b = f"{b:9.0f} MiB/s" if b else "           -"
        ratio = f"{a / b:8.2f}" if b else ""
        print(f"{what:24}{a:7.0f} MiB/s{shown_b}{ratio}")
    print("CPU seconds per GiB, client and daemon together (lower is better; the ratio is ours "
          "over theirs)")  # fmt: skip
    for i, what in enumerate(rows):
        a = statistics.median(run[i][1] for run in ours) * MiB * 1024 / size
        b = statistics.median(run[i][1] for run in theirs) * MiB * 1024 / size if theirs else None
        shown_b = f"{b:11.2f} s" if b else "           -"
        ratio = f"{a / b:8.2f}" if b else ""
        print(f"{what:24}{a:9.2f} s{shown_b}{ratio}")
    return 0


def _libvirtd_pid() -> int | None:
    """libvirtd's process (its CPU, with the iohelpers it reaps, is the daemon's side)."""
    found = subprocess.run(["pidof", "libvirtd"], capture_output=True, text=True).stdout.split()
    return int(found[0]) if found else None


if __name__ == "__main__":
    sys.exit(main())
