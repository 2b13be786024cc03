"""Streams of the asyncio API through pyvirtd (qemu:///system, a dir pool): upload and download
of one volume with ``pyvirt.aio.AsyncStream``, MiB/s and the client's CPU per GiB, beside the
synchronous ``pyvirt.Stream`` doing the same in the same process.

Run: .venv/bin/python benchmarks/aio_streams.py [MIB [ROUNDS]]   (default 1024 MiB, 3 rounds)
Needs root (qemu:///system).  libvirt-python has no asyncio streams to set beside these: the
synchronous stream is the yardstick (vol_transfer.py sets that one beside virsh).

The first upload into the new volume allocates its blocks and is left out (a warm-up round);
the sides take turns (ABBA) and the median of each is shown.  Downloads hand the pieces to a
handler that only counts them (``recv_all(..., views=True)``): the stream alone, no file.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

MiB = 1 << 20
PIECE = 256 * 1024


def _sync_round(vol: object, conn: object, size: int, piece: bytes) -> tuple[float, float, float, float]:  # fmt: skip
    """(upload s, upload CPU s, download s, download CPU s) with the synchronous stream."""
    stream = conn.new_stream()  # type: ignore[attr-defined]
    vol.upload(stream)  # type: ignore[attr-defined]
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(size // len(piece)):
        stream.send(piece)
    stream.finish()
    up, up_cpu = time.perf_counter() - wall, time.process_time() - cpu
    stream = conn.new_stream()  # type: ignore[attr-defined]
    vol.download(stream)  # type: ignore[attr-defined]
    wall, cpu = time.perf_counter(), time.process_time()
    stream.recv_all(lambda _s, data: None, views=True)
    stream.finish()
    return up, up_cpu, time.perf_counter() - wall, time.process_time() - cpu


async def _async_round(vol: object, conn: object, size: int, piece: bytes) -> tuple[float, float, float, float]:  # fmt: skip
    """The same with pyvirt.aio.AsyncStream."""
    stream = conn.new_stream()  # type: ignore[attr-defined]
    await vol.upload(stream)  # type: ignore[attr-defined]
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(size // len(piece)):
        await stream.send(piece)
    await stream.finish()
    up, up_cpu = time.perf_counter() - wall, time.process_time() - cpu
    stream = conn.new_stream()  # type: ignore[attr-defined]
    await vol.download(stream)  # type: ignore[attr-defined]
    wall, cpu = time.perf_counter(), time.process_time()
    await stream.recv_all(lambda _s, data: None, views=True)
    await stream.finish()
    return up, up_cpu, time.perf_counter() - wall, time.process_time() - cpu


def main() -> int:
    args = sys.argv[1:]
    size = int(args[0]) * MiB if args else 1024 * MiB
    rounds = int(args[1]) if len(args) > 1 else 3
    if os.geteuid() != 0:
        print("needs root (qemu:///system)")
        return 1
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    import pyvirt
    import pyvirt.aio
    from daemon_helpers import start_daemon

    piece = os.urandom(PIECE)
    results: dict[str, list[tuple[float, float, float, float]]] = {"sync": [], "asyncio": []}
    with tempfile.TemporaryDirectory(prefix="pvaio-", dir="/tmp") as tmp:
        work = Path(tmp)
        rundir, qemu_root = work / "run", work / "qemu"
        qemu_root.mkdir()
        (work / "pool").mkdir()
        os.environ.update(PYVIRT_RUNTIME_DIR=str(rundir), PYVIRT_AUTOSTART="0")
        daemon = start_daemon(rundir, env={"PYVIRT_QEMU_ROOT": str(qemu_root)})
        try:
            daemon.wait_worker("qemu")
            with pyvirt.open("qemu:///system") as conn:
                pool = conn.create_storage_pool(
                    "<pool type='dir'><name>aiobench</name>"
                    f"<target><path>{work / 'pool'}</path></target></pool>"
                )
                vol = pool.create_volume(
                    f"<volume><name>v.img</name><capacity>{size}</capacity></volume>"
                )
                _sync_round(vol, conn, size, piece)  # warm-up: the volume's blocks allocated

                async def asyncio_round() -> tuple[float, float, float, float]:
                    async with await pyvirt.aio.open("qemu:///system") as aconn:
                        apool = await aconn.lookup_storage_pool_by_name("aiobench")
                        avol = await apool.lookup_volume_by_name("v.img")
                        return await _async_round(avol, aconn, size, piece)

                for turn in range(rounds):  # ABBA
                    order = ("sync", "asyncio") if turn % 2 == 0 else ("asyncio", "sync")
                    for side in order:
                        if side == "sync":
                            results[side].append(_sync_round(vol, conn, size, piece))
                        else:
                            results[side].append(asyncio.run(asyncio_round()))
        finally:
            daemon.stop()
    gib = size / (1024 * MiB)
    print(f"{size // MiB} MiB through pyvirtd, median of {rounds} rounds, {os.cpu_count()} CPUs, "
          f"load {os.getloadavg()[0]:.1f}")  # fmt: skip
    print(f"{'':14}{'MiB/s':>10}{'client CPU s/GiB':>20}")
    for side, runs in results.items():
        for i, what in ((0, "upload"), (2, "download")):
            wall = statistics.median(run[i] for run in runs)
            cpu = statistics.median(run[i + 1] for run in runs)
            print(f"{side + ' ' + what:18}{size / MiB / wall:6.0f}{cpu / gib:16.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
