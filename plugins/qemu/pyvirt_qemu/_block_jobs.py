"""Block jobs of the QEMU driver: pull (``block-stream``), commit (``block-commit``, of a
backing image or of the active layer), and their info, speed, abort and pivot (libvirt's
qemuDomainBlockPull/Rebase/Commit, qemuDomainGetBlockJobInfo, qemuDomainBlockJobSetSpeed
and qemuDomainBlockJobAbort, with qemu_blockjob.c's handling of the job's end).

Why the job's end is handled from QEMU's JOB_STATUS_CHANGE events: a block job runs on in
QEMU after the call that started it returned, and libvirt's callers learn of its end from
the BLOCK_JOB / BLOCK_JOB_2 events (virsh's ``--wait`` too).  QEMU keeps a concluded job
until it is dismissed (``auto-dismiss`` off), so its error is read before it is let go;
only then is the live XML's backing chain changed as libvirt changes it: a pull drops the
images it copied from, a commit the images it merged, a pivot makes the base the disk's
image.  The events' numbers are libvirt's (VIR_DOMAIN_BLOCK_JOB_TYPE_*, VIR_DOMAIN_BLOCK_JOB_*).
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lxml import etree
from pyvirt import (
    DomainEventID,
    DomainRef,
    ErrorCode,
    ErrorDomain,
    ObjectEvent,
    VirtError,
    make_error,
)
from pyvirt.conf import DiskDef, DomainDef
from pyvirt.driver import unsupported_flags

from pyvirt_qemu._block_ops import disk_by_name, running
from pyvirt_qemu._disks import Layer, disk_layers
from pyvirt_qemu._listeners import deliver

if TYPE_CHECKING:
    from pyvirt_qemu._domain import QemuDomain, Run
    from pyvirt_qemu._qemudriver import QemuDriver

__all__ = ["BlockJob", "BlockJobOps", "on_job_status"]

log = logging.getLogger("pyvirt.qemu")
_Q = ErrorDomain.QEMU
MiB = 1024 * 1024
_ULLONG_MAX = 2**64 - 1
#: VIR_DOMAIN_BLOCK_JOB_TYPE_*.
PULL, COPY, COMMIT, ACTIVE_COMMIT = 1, 2, 3, 4
#: VIR_DOMAIN_BLOCK_JOB_* (the event's status).
COMPLETED, FAILED, CANCELED, READY = 0, 1, 2, 3
#: Flags: VIR_DOMAIN_BLOCK_PULL_BANDWIDTH_BYTES / _REBASE_* / _COMMIT_* / _JOB_ABORT_* ...
_PULL_BYTES = 1
_REBASE_RELATIVE, _REBASE_BYTES = 16, 64
_COMMIT_SHALLOW, _COMMIT_ACTIVE, _COMMIT_RELATIVE, _COMMIT_BYTES = 1, 4, 8, 16
_ABORT_ASYNC, _ABORT_PIVOT = 1, 2
_INFO_BYTES = _SPEED_BYTES = 1
#: How long a synchronous abort waits for QEMU to end the job.
ABORT_TIMEOUT = 120.0


@dataclass
class BlockJob:
    """One block job on one disk, as libvirt's qemuBlockJobData keeps it."""

    name: str
    kind: int
    target: str
    #: The disk's image when the job started (the BLOCK_JOB event names it).
    path: str
    #: The images the job takes out of the chain when it completes (node indices), and the
    #: image that then takes their place (None: a pull of the whole chain).
    removed: list[int]
    base: int | None
    ready: bool = False
    aborting: bool = False
    pivoting: bool = False
    ended: threading.Event = field(default_factory=threading.Event)


def _invalid(message: str, code: ErrorCode = ErrorCode.INVALID_ARG) -> VirtError:
    return make_error(code, _Q, message)


def _speed(bandwidth: int, in_bytes: bool) -> int:
    """The job's speed in bytes/s (virDomainBlock* take MiB/s unless told bytes)."""
    if in_bytes:
        return bandwidth
    if bandwidth > _ULLONG_MAX // MiB:
        raise make_error(ErrorCode.OVERFLOW, _Q,
                         f"bandwidth must be less than {_ULLONG_MAX // MiB}")  # fmt: skip
    return bandwidth * MiB


def _chain(disk: DiskDef) -> list[Layer]:
    return disk_layers(disk, disk.source_path, 1)


def _lookup(disk: DiskDef, layers: list[Layer], name: str, after: int = 0) -> int:
    """virStorageSourceChainLookup: the position of the image *name* (its path or
    ``vda[N]``) in the chain, at or below position *after*, with its errors."""
    dst = disk.target_dev
    m = re.fullmatch(rf"{re.escape(dst)}\[(\d+)\]", name)
    for pos, layer in enumerate(layers):
        if pos >= after and (layer.index == int(m[1]) if m else name == layer.path):
            return pos
    if m:
        raise _invalid(f"could not find backing store index '{m[1]}' in chain for '{dst}'")
    raise _invalid(f"could not find image '{name}' in chain for '{dst}'")


def _set_chain(disk: DiskDef, layers: list[Layer]) -> None:
    """Write *layers* (top first) as the disk's live source and ``<backingStore>`` chain."""
    top = layers[0]
    disk.source = {**disk.source, "file": top.path, "index": str(top.index)}
    disk.driver = {**(disk.driver or {"name": "qemu"}), "type": top.format}
    root = etree.Element("backingStore")
    el = root
    for layer in layers[1:]:
        el.set("type", "file")
        el.set("index", str(layer.index))
        etree.SubElement(el, "format", type=layer.format)
        etree.SubElement(el, "source", file=layer.path)
        el = etree.SubElement(el, "backingStore")
    disk.extra = [e for e in disk.extra if e.tag != "backingStore"] + [root]


def _emit(driver: QemuDriver, dom: QemuDomain, job: BlockJob, status: int) -> None:
    """BLOCK_JOB (naming the image) and BLOCK_JOB_2 (naming the disk), as libvirt sends
    both for every change of a job's state."""
    for event_id, text in ((DomainEventID.BLOCK_JOB, job.path),
                           (DomainEventID.BLOCK_JOB_2, job.target)):  # fmt: skip
        deliver(driver.listeners, ObjectEvent("domain", dom.name, dom.uuid, dom.id, job.kind,
                                              status, event_id=event_id, text=text))  # fmt: skip


# ---------------------------------------------------------------- the job's end


def on_job_status(driver: QemuDriver, dom: QemuDomain, run: Run, data: dict[str, Any]) -> None:
    """QEMU's JOB_STATUS_CHANGE (on the monitor's thread: the work that needs the monitor
    goes to a thread of its own)."""
    job_id, status = str(data.get("id", "")), str(data.get("status", ""))
    job = next((j for j in run.block_jobs.values() if j.name == job_id), None)
    if job is None:
        return
    if status == "ready" and not job.ready:
        job.ready = True
        _emit(driver, dom, job, READY)
    elif status == "concluded":
        threading.Thread(target=_conclude, args=(driver, dom, run, job), daemon=True,
                         name=f"qemu-blockjob-{job_id}").start()  # fmt: skip


def _conclude(driver: QemuDriver, dom: QemuDomain, run: Run, job: BlockJob) -> None:
    error: str | None = None
    try:
        jobs = {j["id"]: j for j in run.monitor.execute("query-jobs")}
        error = jobs.get(job.name, {}).get("error")
        run.monitor.execute("job-dismiss", {"id": job.name})
    except VirtError as exc:
        log.warning("block job %s of %s: %s", job.name, dom.name, exc)
    if error is not None:
        status = CANCELED if job.aborting else FAILED
    elif job.aborting and not job.pivoting:
        status = CANCELED
    else:
        status = COMPLETED
    with driver.lock:
        live = dom.live
        disk = disk_by_name(live, job.target) if live is not None and dom.run is run else None
        if disk is not None and status == COMPLETED:
            _finish_chain(dom, disk, job)
        run.block_jobs.pop(job.target, None)
    if disk is not None:
        from pyvirt_qemu._lifecycle import save_run_status  # (it imports this module)

        save_run_status(driver, dom)
    _emit(driver, dom, job, status)
    job.ended.set()


def _finish_chain(dom: QemuDomain, disk: DiskDef, job: BlockJob) -> None:
    layers = _chain(disk)
    if job.kind == ACTIVE_COMMIT:  # pivoted: the base is the disk's image now
        pos = next(i for i, x in enumerate(layers) if x.index == job.base)
        _set_chain(disk, layers[pos:])
        persistent = disk_by_name(dom.defn, job.target)
        if dom.persistent and persistent is not None and persistent.source_path == job.path:
            persistent.source = {**persistent.source, "file": layers[pos].path}
            persistent.driver = {**(persistent.driver or {"name": "qemu"}),
                                 "type": layers[pos].format}  # fmt: skip
            # libvirt keeps the base's chain as it knew it: ended, for a base with no backing
            below = etree.Element("backingStore")
            persistent.extra = [e for e in persistent.extra if e.tag != "backingStore"] + [below]
        return
    _set_chain(disk, [x for x in layers if x.index not in job.removed])


# ---------------------------------------------------------------- the calls


class BlockJobOps:
    """Mixin for :class:`~pyvirt_qemu._driver.QemuConnection`: blockpull, blockcommit,
    blockjob."""

    driver: QemuDriver

    def _start(self, dom_ref: DomainRef, api: str, path: str,
               plan: Any) -> None:  # fmt: skip
        """Under the domain's job: the running disk *path* (no job on it yet), and QEMU's
        job as *plan*(disk, layers) answers it: (:class:`BlockJob`, QMP command, arguments)."""
        dom = self.driver.domains.from_ref(dom_ref)
        with dom.job.hold(api, self.driver.job_wait):
            run, live = running(dom)
            disk = _disk(live, path)
            if disk.target_dev in run.block_jobs:
                raise _invalid(f"disk '{disk.target_dev}' already in active block job",
                               ErrorCode.OPERATION_UNSUPPORTED)  # fmt: skip
            if disk.source_path is None:
                raise _invalid(f"disk '{disk.target_dev}' does not have a source",
                               ErrorCode.OPERATION_INVALID)  # fmt: skip
            job, command, args = plan(disk, _chain(disk))
            # Known before QEMU starts it: a short job's end may be reported at once.
            with self.driver.lock:
                run.block_jobs[disk.target_dev] = job
            try:
                run.monitor.execute(command, args)
            except BaseException:
                with self.driver.lock:
                    run.block_jobs.pop(disk.target_dev, None)
                raise

    def domain_block_pull(self, dom_ref: DomainRef, path: str, bandwidth: int, flags: int) -> None:
        unsupported_flags(flags, _PULL_BYTES, "qemuDomainBlockPull", _Q)
        self._pull(dom_ref, path, None, _speed(bandwidth, bool(flags & _PULL_BYTES)),
                   "virDomainBlockPull")  # fmt: skip

    def domain_block_rebase(
        self, dom_ref: DomainRef, path: str, base: str | None, bandwidth: int, flags: int
    ) -> None:
        """Only the pull form (no COPY): the images above *base* are copied into the top."""
        unsupported_flags(flags, _REBASE_RELATIVE | _REBASE_BYTES, "qemuDomainBlockRebase", _Q)
        if flags & _REBASE_RELATIVE and base is None:
            raise _invalid("flag VIR_DOMAIN_BLOCK_REBASE_RELATIVE is valid only with non-null "
                           "base", ErrorCode.INVALID_ARG)  # fmt: skip
        self._pull(dom_ref, path, base, _speed(bandwidth, bool(flags & _REBASE_BYTES)),
                   "virDomainBlockRebase")  # fmt: skip

    def _pull(self, dom_ref: DomainRef, path: str, base: str | None, speed: int, api: str) -> None:
        def plan(disk: DiskDef, layers: list[Layer]) -> tuple[BlockJob, str, dict[str, Any]]:
            base_pos = _lookup(disk, layers, base, 1) if base else len(layers)
            top = layers[0]
            name = f"pull-{disk.target_dev}-libvirt-{top.index}-format"
            args: dict[str, Any] = {"job-id": name, "device": f"libvirt-{top.index}-format",
                                    "speed": speed, "auto-dismiss": False}  # fmt: skip
            below = layers[base_pos] if base_pos < len(layers) else None
            if below is not None:
                args["base-node"] = f"libvirt-{below.index}-format"
            job = BlockJob(name, PULL, disk.target_dev, top.path,
                           [x.index for x in layers[1:base_pos]], below.index if below else None)  # fmt: skip
            return job, "block-stream", args

        self._start(dom_ref, api, path, plan)

    def domain_block_commit(
        self, dom_ref: DomainRef, disk: str, base: str | None, top: str | None, bandwidth: int,
        flags: int,
    ) -> None:  # fmt: skip
        allowed = _COMMIT_SHALLOW | _COMMIT_ACTIVE | _COMMIT_BYTES
        unsupported_flags(flags, allowed, "qemuDomainBlockCommit", _Q)
        speed = _speed(bandwidth, bool(flags & _COMMIT_BYTES))

        def plan(found: DiskDef, layers: list[Layer]) -> tuple[BlockJob, str, dict[str, Any]]:
            dst = found.target_dev
            top_pos = 0 if not top or top == dst else _lookup(found, layers, top)
            if base:
                base_pos = _lookup(found, layers, base, top_pos + 1)
            elif flags & _COMMIT_SHALLOW:
                base_pos = top_pos + 1
            else:
                base_pos = len(layers) - 1
            if base_pos <= top_pos or base_pos >= len(layers):
                raise _invalid(f"could not find base image in chain for '{dst}'")
            if top_pos == 0 and not flags & _COMMIT_ACTIVE:
                raise _invalid(f"commit of '{dst}' active layer requires active flag")
            if top_pos != 0 and flags & _COMMIT_ACTIVE:
                raise _invalid(f"active commit requested but '{layers[top_pos].path}' is not "
                               "active")  # fmt: skip
            if flags & _COMMIT_SHALLOW and base_pos != top_pos + 1:
                raise _invalid(f"base '{layers[base_pos].path}' is not immediately below "
                               f"'{layers[top_pos].path}' in chain for '{layers[0].path}'")  # fmt: skip
            head, top_layer, base_layer = layers[0], layers[top_pos], layers[base_pos]
            name = f"commit-{dst}-libvirt-{top_layer.index}-format"
            args: dict[str, Any] = {
                "job-id": name, "device": f"libvirt-{head.index}-format",
                "base-node": f"libvirt-{base_layer.index}-format", "speed": speed,
                "auto-dismiss": False,
            }  # fmt: skip
            if top_pos:
                args["top-node"] = f"libvirt-{top_layer.index}-format"
            kind = ACTIVE_COMMIT if top_pos == 0 else COMMIT
            job = BlockJob(name, kind, dst, head.path, [x.index for x in layers[top_pos:base_pos]],
                           base_layer.index)  # fmt: skip
            return job, "block-commit", args

        self._start(dom_ref, "virDomainBlockCommit", disk, plan)

    def _job(self, dom: QemuDomain, path: str) -> tuple[Run, BlockJob | None]:
        run, live = running(dom)
        disk = _disk(live, path)
        return run, run.block_jobs.get(disk.target_dev)

    def domain_get_block_job_info(self, dom_ref: DomainRef, path: str, flags: int) -> list[int]:
        unsupported_flags(flags, _INFO_BYTES, "qemuDomainGetBlockJobInfo", _Q)
        dom = self.driver.domains.from_ref(dom_ref)
        with dom.job.hold("virDomainGetBlockJobInfo", self.driver.job_wait):
            run, job = self._job(dom, path)
            if job is None:
                return []
            raw = {j.get("device"): j for j in run.monitor.execute("query-block-jobs")}
        entry = raw.get(job.name)
        if entry is None:  # concluded, being collected
            return [job.kind, 0, 1, 1]
        speed = int(entry.get("speed", 0))
        if not flags & _INFO_BYTES:
            speed //= MiB
        cur, end = int(entry.get("offset", 0)), int(entry.get("len", 0))
        if job.ready and cur == end == 0:
            cur = end = 1
        return [job.kind, speed, cur, end]

    def domain_block_job_set_speed(
        self, dom_ref: DomainRef, path: str, bandwidth: int, flags: int
    ) -> None:
        unsupported_flags(flags, _SPEED_BYTES, "qemuDomainBlockJobSetSpeed", _Q)
        speed = _speed(bandwidth, bool(flags & _SPEED_BYTES))
        dom = self.driver.domains.from_ref(dom_ref)
        with dom.job.hold("virDomainBlockJobSetSpeed", self.driver.job_wait):
            run, job = self._job(dom, path)
            if job is None:
                raise _no_job(path)
            run.monitor.execute("block-job-set-speed", {"device": job.name, "speed": speed})

    def domain_block_job_abort(self, dom_ref: DomainRef, path: str, flags: int) -> None:
        """Cancel the job, or (PIVOT) finish a synchronised active commit; without ASYNC,
        return once QEMU has ended it and its events went out."""
        unsupported_flags(flags, _ABORT_ASYNC | _ABORT_PIVOT, "qemuDomainBlockJobAbort", _Q)
        dom = self.driver.domains.from_ref(dom_ref)
        with dom.job.hold("virDomainBlockJobAbort", self.driver.job_wait):
            run, job = self._job(dom, path)
            if job is None:
                raise _no_job(path)
            if job.aborting:
                raise _invalid(f"block job on disk '{job.target}' is still being ended",
                               ErrorCode.OPERATION_INVALID)  # fmt: skip
            if flags & _ABORT_PIVOT:
                if not job.ready:
                    raise _invalid(f"block job '{job.name}' not ready for pivot yet",
                                   ErrorCode.BLOCK_COPY_ACTIVE)  # fmt: skip
                if job.kind not in (COPY, ACTIVE_COMMIT):
                    raise _invalid(f"job type '{_TYPE_NAMES[job.kind]}' does not support pivot",
                                   ErrorCode.OPERATION_UNSUPPORTED)  # fmt: skip
                job.aborting = job.pivoting = True
                run.monitor.execute("block-job-complete", {"device": job.name})
            else:
                job.aborting = True
                with contextlib.suppress(VirtError):  # it may have ended meanwhile
                    run.monitor.execute("block-job-cancel", {"device": job.name, "force": True})
        if not flags & _ABORT_ASYNC:
            job.ended.wait(ABORT_TIMEOUT)


_TYPE_NAMES = {PULL: "pull", COPY: "copy", COMMIT: "commit", ACTIVE_COMMIT: "active-commit"}


def _disk(live: DomainDef, path: str) -> DiskDef:
    disk = disk_by_name(live, path)
    if disk is None:
        raise _invalid(f"disk '{path}' not found in domain")
    return disk


def _no_job(path: str) -> VirtError:
    return _invalid(f"disk {path} does not have an active block job")
