"""vol-upload and vol-download of one file through the daemon, pyvirsh to pyvirtd beside virsh
to libvirtd, on qemu:///system dir pools: MiB/s of each, and their ratio.

Run: .venv/bin/python benchmarks/vol_transfer.py [MIB [ROUNDS]]     (default 1024: 1 GiB, 3)
Needs root (qemu:///system) and, for the comparison, libvirtd with virsh; without them only
pyvirt's figures are printed.

The source is MIB MiB of incompressible data written once (page-cached by the time either
side reads it); each side uploads it into a raw volume of its own pool (a temporary
directory per daemon), then downloads the volume to a new file, so both sides move the same
bytes through their own daemon and stream protocol.  Files are removed afterwards.  The sides
take turns, ROUNDS times, and the median of each is shown: on a VM whose free memory goes back
to the host, writing new page-cache pages costs a different amount from one run to the next.

Measured here (2 CPUs, load ~1, libvirt 9.0, 1 GiB, median of 5), while new page-cache
pages were slow (a 1 GiB dd at 1.0 GB/s): vol-upload 882 MiB/s (libvirtd 675, ratio 1.31),
vol-download 480 MiB/s (libvirtd 423, 1.13).  Later the same hour, with them fast (dd at 2.2
GB/s), libvirtd moved 1,048-1,291 MiB/s up and 633-1,025 down, pyvirt 741-963 and 477-605:
0.57-0.83 and 0.58-0.79; the machine then sat idle a third of the time, so pyvirt's pipeline
waits somewhere (not found yet).  Whoever receives
spends most of its time in the kernel copying into the page cache; since the receiver writes
on a thread of its own (pyvirt._write_behind: the worker for an upload, pyvirsh for a
download), receiving the next piece overlaps writing this one, as libvirtd's does with its
iohelper.  Before that, one process did both in turn: 0.79 and 0.89 of libvirtd's.
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


def _side(
    binary: str, env: dict[str, str], work: Path, source: Path, size: int
) -> tuple[float, float]:
    """(upload s, download s) on a fresh pool of *binary*'s daemon in *work*."""
    pool = f"bench-{uuid.uuid4().hex[:8]}"
    target = work / pool
    target.mkdir()
    xml = work / f"{pool}.xml"
    xml.write_text(
        f"<pool type='dir'><name>{pool}</name><target><path>{target}</path></target></pool>"
    )
    _run(binary, f"pool-define {xml}; pool-start {pool}; vol-create-as {pool} v.img {size}", env)
    try:
        up = _run(binary, f"vol-upload v.img {source} --pool {pool}", env)
        out = work / f"{pool}.out"
        down = _run(binary, f"vol-download v.img {out} --pool {pool}", env)
        if out.stat().st_size != size:
            raise RuntimeError(f"{binary}: downloaded {out.stat().st_size} bytes of {size}")
        out.unlink()
        return up, down
    finally:
        subprocess.run([binary, "-c", "qemu:///system", f"vol-delete v.img --pool {pool}; "
                        f"pool-destroy {pool}; pool-undefine {pool}"], env=env,
                       capture_output=True)  # fmt: skip


def main() -> int:
    size = int(sys.argv[1]) * MiB if len(sys.argv) > 1 else 1024 * MiB
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else ROUNDS
    if os.geteuid() != 0:
        print("needs root (qemu:///system)")
        return 1
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from daemon_helpers import start_daemon

    ours: list[tuple[float, float]] = []
    theirs: list[tuple[float, float]] = []
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
            for _ in range(rounds):  # interleaved, so both sides see the same machine
                ours.append(_side(PYVIRSH, env, work, source, size))
                if compare:
                    try:
                        theirs.append(_side("virsh", dict(os.environ), work, source, size))
                    except RuntimeError as exc:
                        print(f"libvirtd: {exc}")
                        compare = False
        finally:
            daemon.stop()
    mib = size / MiB
    load = os.getloadavg()[0]
    print(f"{mib:.0f} MiB, median of {rounds} interleaved runs (wall time of the whole command), "
          f"{os.cpu_count()} CPUs, load {load:.1f}")  # fmt: skip
    print(f"{'':14}{'pyvirtd':>12}{'libvirtd':>12}{'ratio':>8}")
    for i, what in enumerate(("vol-upload", "vol-download")):
        a = mib / statistics.median(run[i] for run in ours)
        b = mib / statistics.median(run[i] for run in theirs) if theirs else None
        shown_b = f"{b:9.0f} MiB/s" if b else "           -"
        ratio = f"{a / b:8.2f}" if b else ""
        print(f"{what:14}{a:7.0f} MiB/s{shown_b}{ratio}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
