"""What a snapshot does to the disk images: internal snapshots inside qcow2 files (QMP's
``snapshot-save``/``snapshot-load``/``snapshot-delete`` jobs while QEMU runs, ``qemu-img
snapshot`` when it does not) and external overlays (``blockdev-add`` plus
``blockdev-snapshot`` in one ``transaction``, or ``qemu-img create`` when shut off).

Why jobs are polled with ``query-jobs`` rather than waited for through events: the job's
end is a state QEMU keeps until we dismiss it, so a caller that polls cannot miss it, and a
daemon restarted in the middle still finds the concluded job to clean up.
"""

from __future__ import annotations

import contextlib
import itertools
import re
import shutil
import subprocess
import time
from collections.abc import Callable
from typing import Any

from pyvirt import ErrorCode, ErrorDomain, VirtError, make_error
from pyvirt.conf import DiskDef, DomainDef, SnapshotDef

from pyvirt_qemu._monitor import Monitor

__all__ = [
    "BlockNode",
    "block_nodes",
    "create_overlay",
    "external_snapshot_live",
    "img_snapshot",
    "internal_disks",
    "run_job",
]

_Q = ErrorDomain.QEMU
_job_ids = itertools.count(1)
#: How long a snapshot job may run (QEMU writes the guest's RAM; TCG guests are slow).
JOB_TIMEOUT = 600.0


def _qemu_img() -> str:
    found = shutil.which("qemu-img")
    if found is None:
        raise make_error(ErrorCode.OPERATION_FAILED, _Q, "qemu-img is not installed")
    return found


def _run(argv: list[str]) -> None:
    proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        said = (proc.stderr or proc.stdout).strip()
        raise make_error(ErrorCode.OPERATION_FAILED, _Q, f"{' '.join(argv[:3])}: {said}")


def internal_disks(defn: DomainDef, snap: SnapshotDef) -> list[DiskDef]:
    """The domain disks the snapshot stores internally; each must be a qcow2 image (libvirt's
    qemuSnapshotPrepareDiskInternal)."""
    wanted = {d.name for d in snap.disks if d.snapshot == "internal"}
    disks = [d for d in defn.disks if d.target_dev in wanted]
    for disk in disks:
        fmt = (disk.driver or {}).get("type", "raw")
        if fmt != "qcow2":
            raise make_error(ErrorCode.OPERATION_UNSUPPORTED, _Q,
                             f"internal snapshot for disk {disk.target_dev} unsupported for "
                             f"storage type {fmt}")  # fmt: skip
        if disk.source_path is None:
            raise make_error(ErrorCode.OPERATION_UNSUPPORTED, _Q,
                             f"internal snapshot for disk {disk.target_dev} needs a source")  # fmt: skip
    return disks


def img_snapshot(op: str, name: str, image: str) -> None:
    """``qemu-img snapshot -c|-a|-d NAME IMAGE`` on an image no QEMU holds."""
    _run([_qemu_img(), "snapshot", f"-{op}", name, image])


def img_has_snapshot(name: str, image: str) -> bool:
    proc = subprocess.run([_qemu_img(), "snapshot", "-l", "-U", image], capture_output=True,
                          text=True, check=False)  # fmt: skip
    return any(line.split()[1:2] == [name] for line in proc.stdout.splitlines()[2:])


def create_overlay(path: str, backing: str, backing_fmt: str, size: int | None = None) -> None:
    """A new qcow2 file over *backing*; with *size* the backing file is not opened (QEMU
    holds it locked while the guest runs)."""
    argv = [_qemu_img(), "create", "-q", "-f", "qcow2", "-F", backing_fmt, "-b", backing]
    if size is not None:
        argv += ["-u", path, str(size)]
    else:
        argv.append(path)
    _run(argv)


# ---------------------------------------------------------------- a running QEMU


class BlockNode:
    """The top node of one guest disk, as ``query-block`` reports it."""

    def __init__(self, info: dict[str, Any]) -> None:
        inserted = info.get("inserted") or {}
        self.device_id = str(info.get("qdev", ""))
        self.node = str(inserted.get("node-name", ""))
        self.file = str(inserted.get("file", ""))
        self.driver = str(inserted.get("drv", ""))
        self.size = int((inserted.get("image") or {}).get("virtual-size", 0))


def block_nodes(monitor: Monitor) -> dict[str, BlockNode]:
    """The guest's disks by the image file on top of each."""
    nodes = [BlockNode(b) for b in monitor.execute("query-block") if b.get("inserted")]
    return {n.file: n for n in nodes}


def node_for(nodes: dict[str, BlockNode], disk: DiskDef) -> BlockNode:
    node = nodes.get(disk.source_path or "")
    if node is None:
        raise make_error(ErrorCode.INTERNAL_ERROR, _Q,
                         f"cannot find the block node of disk '{disk.target_dev}'")  # fmt: skip
    return node


def run_job(monitor: Monitor, command: str, arguments: dict[str, Any]) -> None:
    """Start a QMP job, wait until it concludes, dismiss it; its error becomes ours.

    ``query-jobs`` says whether it ended; between two looks the wait ends early when QEMU
    reports the job's end (:meth:`Monitor.watch_job`)."""
    job_id = f"pyvirt-{command}-{next(_job_ids)}"
    with monitor.watch_job(job_id) as ended:
        monitor.execute(command, {"job-id": job_id, **arguments})
        deadline = time.monotonic() + JOB_TIMEOUT
        delay = 0.005
        while True:
            jobs = {j["id"]: j for j in monitor.execute("query-jobs")}
            job = jobs.get(job_id)
            if job is None or job.get("status") in ("concluded", "null"):
                break
            if time.monotonic() >= deadline:
                monitor.execute("job-cancel", {"id": job_id})
                raise make_error(ErrorCode.OPERATION_TIMEOUT, _Q, f"job {command} did not end")
            ended.wait(delay)
            delay = min(delay * 2, 0.05)
    if job is not None and job.get("status") == "concluded":
        monitor.execute("job-dismiss", {"id": job_id})
        if job.get("error"):
            raise make_error(ErrorCode.OPERATION_FAILED, _Q, f"{command}: {job['error']}")


def dismiss_concluded(monitor: Monitor) -> None:
    """Dismiss jobs a previous daemon started and never collected."""
    for job in monitor.execute("query-jobs"):
        job_id = str(job.get("id", ""))
        if job_id.startswith("pyvirt-"):
            with contextlib.suppress(VirtError):
                if job.get("status") != "concluded":
                    _wait_concluded(monitor, job_id)
                monitor.execute("job-dismiss", {"id": job_id})


def _wait_concluded(monitor: Monitor, job_id: str) -> None:
    deadline = time.monotonic() + JOB_TIMEOUT
    while time.monotonic() < deadline:
        jobs = {j["id"]: j for j in monitor.execute("query-jobs")}
        if jobs.get(job_id, {}).get("status", "concluded") == "concluded":
            return
        time.sleep(0.05)


def next_node_index(monitor: Monitor) -> int:
    """One more than the highest libvirt-N node name in use (libvirt's node naming)."""
    used = [0]
    for node in monitor.execute("query-named-block-nodes"):
        m = re.fullmatch(r"libvirt-(\d+)-\w+", str(node.get("node-name", "")))
        if m:
            used.append(int(m[1]))
    return max(used) + 1


def external_snapshot_live(
    monitor: Monitor,
    overlays: list[tuple[DiskDef, str]],
    give_to_qemu: Callable[[str], object] = lambda path: None,
) -> list[int]:
    """Put a new qcow2 overlay on top of each (disk, new file), all or none: the files are
    created, given to QEMU's user (*give_to_qemu*), opened as new nodes, then switched in
    one ``transaction``.  The overlays' node indices, in order (the live XML's ``<source
    index>``)."""
    nodes = block_nodes(monitor)
    index = next_node_index(monitor)
    actions: list[dict[str, Any]] = []
    added: list[str] = []
    indices: list[int] = []
    try:
        for disk, path in overlays:
            top = node_for(nodes, disk)
            create_overlay(path, top.file, top.driver, top.size)
            give_to_qemu(path)
            fmt_node, file_node = f"libvirt-{index}-format", f"libvirt-{index}-storage"
            indices.append(index)
            index += 1
            monitor.execute("blockdev-add", {
                "driver": "qcow2", "node-name": fmt_node, "backing": None,
                "file": {"driver": "file", "filename": path, "node-name": file_node},
            })  # fmt: skip
            added.append(fmt_node)
            actions.append({"type": "blockdev-snapshot",
                            "data": {"node": top.node, "overlay": fmt_node}})  # fmt: skip
        monitor.execute("transaction", {"actions": actions})
    except VirtError:
        for node in added:
            with contextlib.suppress(VirtError):
                monitor.execute("blockdev-del", {"node-name": node})
        raise
    return indices
