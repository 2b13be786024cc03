"""Snapshot entry points of a QEMU connection (libvirt's qemuDomainSnapshot* family).

Internal snapshots keep RAM and disks inside the qcow2 images (a running guest's through
QMP jobs, a shut-off guest's through ``qemu-img``); external disk-only snapshots put new
qcow2 overlays on top.  The tree and its listing are the kit's
:class:`pyvirt.driver.SnapshotTree`, kept on disk by
:class:`~pyvirt_qemu._snapshot_store.SnapshotStore` so it survives a daemon restart; a
snapshot being taken is bracketed by a pending marker so that a daemon killed meanwhile
leaves it complete or absent (see :func:`recover_snapshots`).
"""

from __future__ import annotations

import contextlib
import logging
import os

from pyvirt import (
    DomainEventResumedDetail,
    DomainEventStartedDetail,
    DomainEventStoppedDetail,
    DomainEventSuspendedDetail,
    DomainEventType,
    DomainPausedReason,
    DomainRef,
    DomainRunningReason,
    DomainShutoffReason,
    DomainSnapshotCreateFlags,
    DomainSnapshotDeleteFlags,
    DomainSnapshotRef,
    DomainSnapshotRevertFlags,
    DomainSnapshotXMLFlags,
    DomainState,
    ErrorCode,
    ErrorDomain,
    VirtError,
    make_error,
)
from pyvirt.conf import (
    SNAPSHOT_STATES,
    DomainDef,
    SnapshotDef,
    align_disks,
    format_domain_xml,
    format_snapshot_xml,
    parse_snapshot_xml,
)
from pyvirt.driver import (
    SNAPSHOT_CHILDREN_FLAGS,
    SNAPSHOT_LIST_FLAGS,
    SnapshotTree,
    snapshot_is_external,
    unsupported_flags,
)

from pyvirt_qemu._config import atomic_write
from pyvirt_qemu._dac import label_new_file
from pyvirt_qemu._disks import push_overlay
from pyvirt_qemu._domain import QemuDomain, Run
from pyvirt_qemu._lifecycle import save_run_status, start_domain, stop_domain
from pyvirt_qemu._monitor import MonitorClosed
from pyvirt_qemu._qemudriver import QemuDriver
from pyvirt_qemu._snapshot_images import (
    block_nodes,
    create_overlay,
    dismiss_concluded,
    external_snapshot_live,
    img_has_snapshot,
    img_snapshot,
    internal_disks,
    node_for,
    run_job,
)
from pyvirt_qemu._snapshot_store import PendingSnapshot

__all__ = ["SnapshotOps", "recover_snapshots"]

log = logging.getLogger("pyvirt.qemu")
_Q = ErrorDomain.QEMU
_C = DomainSnapshotCreateFlags
_D = DomainSnapshotDeleteFlags
_R = DomainSnapshotRevertFlags
_CREATE_FLAGS = _C.REDEFINE | _C.CURRENT | _C.HALT | _C.DISK_ONLY | _C.ATOMIC | _C.VALIDATE
_E = DomainEventType


def _no_snapshot(name: str) -> VirtError:
    return make_error(ErrorCode.NO_DOMAIN_SNAPSHOT, _Q,
                      f"no domain snapshot with matching name '{name}'")  # fmt: skip


def _images(defn: DomainDef, snap: SnapshotDef) -> list[str]:
    return [d.source_path or "" for d in internal_disks(defn, snap)]


def _save_config(driver: QemuDriver, dom: QemuDomain) -> None:
    if dom.persistent:
        atomic_write(driver.config_path(dom.name),
                     format_domain_xml(dom.defn, inactive=True, secure=True))  # fmt: skip


class SnapshotOps:
    """Mixin for :class:`~pyvirt_qemu._driver.QemuConnection`; ``self.driver`` is the state."""

    driver: QemuDriver

    # -- lookup helpers --------------------------------------------------------------------
    def _tree(self, ref: DomainRef) -> tuple[QemuDomain, SnapshotTree]:
        dom = self.driver.domains.from_ref(ref)
        return dom, self.driver.snapshots.tree(dom.name)

    def _snap(self, ref: DomainSnapshotRef) -> tuple[QemuDomain, SnapshotTree, SnapshotDef]:
        dom, tree = self._tree(ref.domain)
        snap = tree.get(ref.name)
        if snap is None:
            raise _no_snapshot(ref.name)
        return dom, tree, snap

    # -- listing ---------------------------------------------------------------------------
    def domain_list_all_snapshots(self, dom: DomainRef, flags: int) -> list[DomainSnapshotRef]:
        unsupported_flags(flags, SNAPSHOT_LIST_FLAGS, "qemuDomainListAllSnapshots", _Q)
        with self.driver.lock:
            obj, tree = self._tree(dom)
            return [DomainSnapshotRef(obj.ref(), n) for n in tree.listed(flags)]

    def domain_snapshot_num(self, dom: DomainRef, flags: int) -> int:
        unsupported_flags(flags, SNAPSHOT_LIST_FLAGS, "qemuDomainSnapshotNum", _Q)
        with self.driver.lock:
            return len(self._tree(dom)[1].listed(flags))

    def domain_snapshot_list_names(self, dom: DomainRef, limit: int, flags: int) -> list[str]:
        unsupported_flags(flags, SNAPSHOT_LIST_FLAGS, "qemuDomainSnapshotListNames", _Q)
        with self.driver.lock:
            return self._tree(dom)[1].listed(flags)[:limit]

    def _children(self, snap: DomainSnapshotRef, flags: int, function: str) -> list[str]:
        unsupported_flags(flags, SNAPSHOT_CHILDREN_FLAGS, function, _Q)
        _, tree, _ = self._snap(snap)
        return tree.listed_children(snap.name, flags)

    def domain_snapshot_list_all_children(
        self, snap: DomainSnapshotRef, flags: int
    ) -> list[DomainSnapshotRef]:
        with self.driver.lock:
            names = self._children(snap, flags, "qemuDomainSnapshotListAllChildren")
            return [DomainSnapshotRef(snap.domain, n) for n in names]

    def domain_snapshot_num_children(self, snap: DomainSnapshotRef, flags: int) -> int:
        with self.driver.lock:
            return len(self._children(snap, flags, "qemuDomainSnapshotNumChildren"))

    def domain_snapshot_list_children_names(
        self, snap: DomainSnapshotRef, limit: int, flags: int
    ) -> list[str]:
        with self.driver.lock:
            return self._children(snap, flags, "qemuDomainSnapshotListChildrenNames")[:limit]

    def domain_snapshot_lookup_by_name(
        self, dom: DomainRef, name: str, flags: int
    ) -> DomainSnapshotRef:
        unsupported_flags(flags, 0, "qemuDomainSnapshotLookupByName", _Q)
        with self.driver.lock:
            obj, tree = self._tree(dom)
            if name not in tree:
                raise _no_snapshot(name)
            return DomainSnapshotRef(obj.ref(), name)

    def domain_has_current_snapshot(self, dom: DomainRef, flags: int) -> bool:
        unsupported_flags(flags, 0, "qemuDomainHasCurrentSnapshot", _Q)
        with self.driver.lock:
            return self._tree(dom)[1].current is not None

    def domain_snapshot_current(self, dom: DomainRef, flags: int) -> DomainSnapshotRef:
        unsupported_flags(flags, 0, "qemuDomainSnapshotCurrent", _Q)
        with self.driver.lock:
            obj, tree = self._tree(dom)
            if tree.current is None:
                raise make_error(ErrorCode.NO_DOMAIN_SNAPSHOT, _Q,
                                 "the domain does not have a current snapshot")  # fmt: skip
            return DomainSnapshotRef(obj.ref(), tree.current)

    def domain_snapshot_get_parent(self, snap: DomainSnapshotRef, flags: int) -> DomainSnapshotRef:
        unsupported_flags(flags, 0, "qemuDomainSnapshotGetParent", _Q)
        with self.driver.lock:
            _, _, defn = self._snap(snap)
            if defn.parent is None:
                raise make_error(ErrorCode.NO_DOMAIN_SNAPSHOT, _Q,
                                 f"snapshot '{snap.name}' does not have a parent")  # fmt: skip
            return DomainSnapshotRef(snap.domain, defn.parent)

    def domain_snapshot_get_xml_desc(self, snap: DomainSnapshotRef, flags: int) -> str:
        unsupported_flags(flags, DomainSnapshotXMLFlags.SECURE, "qemuDomainSnapshotGetXMLDesc", _Q)
        with self.driver.lock:
            _, _, defn = self._snap(snap)
            return format_snapshot_xml(defn, secure=bool(flags & DomainSnapshotXMLFlags.SECURE))

    def domain_snapshot_is_current(self, snap: DomainSnapshotRef, flags: int) -> bool:
        unsupported_flags(flags, 0, "qemuDomainSnapshotIsCurrent", _Q)
        with self.driver.lock:
            _, tree, _ = self._snap(snap)
            return tree.current == snap.name

    def domain_snapshot_has_metadata(self, snap: DomainSnapshotRef, flags: int) -> bool:
        unsupported_flags(flags, 0, "qemuDomainSnapshotHasMetadata", _Q)
        with self.driver.lock:
            self._snap(snap)
            return True

    # -- create ----------------------------------------------------------------------------
    def domain_snapshot_create_xml(self, dom: DomainRef, xml: str, flags: int) -> DomainSnapshotRef:
        unsupported_flags(flags, _CREATE_FLAGS, "qemuDomainSnapshotCreateXML", _Q)
        obj = self.driver.domains.from_ref(dom)
        redefine = bool(flags & _C.REDEFINE)
        if flags & _C.HALT and not obj.persistent:
            raise make_error(ErrorCode.OPERATION_INVALID, _Q,
                             "cannot halt after transient domain snapshot")  # fmt: skip
        snap = parse_snapshot_xml(xml, redefine=redefine)
        with obj.job.hold("virDomainSnapshotCreateXML", self.driver.job_wait):
            tree = self.driver.snapshots.tree(obj.name)
            if redefine:
                self._redefine(obj, tree, snap, flags)
            else:
                self._take(obj, tree, snap, flags)
        return DomainSnapshotRef(obj.ref(), snap.name or "")

    def _redefine(self, dom: QemuDomain, tree: SnapshotTree, snap: SnapshotDef, flags: int) -> None:
        """Metadata only: the images already hold what the XML describes."""
        if snap.parent is not None and snap.parent not in tree:
            raise make_error(ErrorCode.INVALID_ARG, ErrorDomain.DOMAIN_SNAPSHOT,
                             f"parent {snap.parent} for moment {snap.name} not found")  # fmt: skip
        if snap.domain is not None and snap.domain.uuid != dom.uuid:
            raise make_error(ErrorCode.INVALID_ARG, ErrorDomain.DOMAIN_SNAPSHOT,
                             f"definition for snapshot {snap.name} must use uuid {dom.uuid}")  # fmt: skip
        if snap.domain is not None:
            if snap.memory == "default":
                live = snap.state not in ("shutoff", "disk-snapshot")
                snap.memory = "internal" if live else "no"
            align_disks(snap, "internal", require_match=False)
        with self.driver.lock:
            self.driver.snapshots.add(dom.name, snap, current=bool(flags & _C.CURRENT))

    def _take(self, dom: QemuDomain, tree: SnapshotTree, snap: SnapshotDef, flags: int) -> None:
        name = snap.name or ""
        if name in tree:
            raise make_error(ErrorCode.OPERATION_FAILED, ErrorDomain.DOMAIN,
                             f"domain moment {name} already exists")  # fmt: skip
        disk_only = bool(flags & _C.DISK_ONLY) or snap.state == "disk-snapshot"
        if snap.memory == "external" or (snap.memory == "internal" and disk_only):
            raise make_error(ErrorCode.CONFIG_UNSUPPORTED, _Q,
                             "memory snapshots other than internal ones are not supported")  # fmt: skip
        run = dom.run
        source = dom.live if dom.live is not None else dom.defn
        snap.domain = source.copy()
        snap.parent = tree.current
        if disk_only:
            snap.memory, snap.state = "no", "disk-snapshot"
            align_disks(snap, "external", require_match=False)
            self._take_external(dom, snap)
        else:
            snap.state = SNAPSHOT_STATES[dom.state]
            if snap.memory == "default":
                snap.memory = "no" if run is None else "internal"
            align_disks(snap, "internal", require_match=True)
            self._take_internal(dom, run, snap)
        if flags & _C.HALT and dom.run is not None:
            stop_domain(self.driver, dom, DomainShutoffReason.FROM_SNAPSHOT,
                        DomainEventStoppedDetail.FROM_SNAPSHOT)  # fmt: skip

    def _take_internal(self, dom: QemuDomain, run: Run | None, snap: SnapshotDef) -> None:
        assert snap.domain is not None
        disks = internal_disks(snap.domain, snap)
        images = [d.source_path or "" for d in disks]
        if run is not None and not disks:
            raise make_error(ErrorCode.OPERATION_UNSUPPORTED, _Q,
                             "internal snapshot of a running domain needs a qcow2 disk")  # fmt: skip
        store = self.driver.snapshots
        pending = store.begin(dom.name, snap.name or "", images)
        try:
            if run is not None:
                nodes = block_nodes(run.monitor)
                devices = [node_for(nodes, d).node for d in disks]
                run_job(run.monitor, "snapshot-save",
                        {"tag": snap.name, "vmstate": devices[0], "devices": devices})  # fmt: skip
            else:
                done: list[str] = []
                try:
                    for image in images:
                        img_snapshot("c", snap.name or "", image)
                        done.append(image)
                except VirtError:
                    for image in done:
                        with contextlib.suppress(VirtError):
                            img_snapshot("d", snap.name or "", image)
                    raise
        except VirtError as exc:
            if isinstance(exc, MonitorClosed) or exc.code == ErrorCode.OPERATION_TIMEOUT:
                # QEMU may still finish the job with nobody to record it: the marker stays,
                # and the driver's next start removes what the images got.
                raise
            store.end(pending)  # QEMU or qemu-img refused: the images hold nothing new
            raise
        except BaseException:
            store.end(pending)  # QEMU or qemu-img refused: the images hold nothing new
            raise
        with self.driver.lock:
            store.add(dom.name, snap, current=True)
        store.end(pending)

    def _take_external(self, dom: QemuDomain, snap: SnapshotDef) -> None:
        assert snap.domain is not None
        by_target = {d.target_dev: d for d in snap.domain.disks}
        overlays = [(by_target[d.name], d.source_file or "") for d in snap.disks
                    if d.snapshot == "external"]  # fmt: skip
        for disk, path in overlays:
            if os.path.exists(path):
                raise make_error(ErrorCode.OPERATION_INVALID, _Q,
                                 f"external snapshot file for disk {disk.target_dev} already "
                                 f"exists and is not a block device: {path}")  # fmt: skip
        run = dom.run
        indices: dict[str, int] = {}
        try:
            if run is not None:
                live, lib = dom.live, run.lib_dir
                made = external_snapshot_live(
                    run.monitor, overlays, lambda p: live is not None and label_new_file(live, lib, p)
                )
                indices = dict(zip((d.target_dev for d, _ in overlays), made, strict=True))
            else:
                for disk, path in overlays:
                    fmt = (disk.driver or {}).get("type", "raw")
                    create_overlay(path, disk.source_path or "", fmt)
        except VirtError:
            for _, path in overlays:
                with contextlib.suppress(OSError):
                    os.unlink(path)
            raise
        # The overlays are the disks from now on, in the running and the next definition.
        new = {disk.target_dev: path for disk, path in overlays}
        defs = [d for d in (dom.live, dom.defn) if d is not None]
        for defn in defs:
            for disk in defn.disks:
                if (
                    disk.target_dev in new
                    and disk.source_path == by_target[disk.target_dev].source_path
                ):
                    if defn is dom.live and disk.target_dev in indices:
                        push_overlay(disk, new[disk.target_dev], indices[disk.target_dev])
                    else:
                        disk.source = {**disk.source, "file": new[disk.target_dev]}
                    disk.driver = {**(disk.driver or {"name": "qemu"}), "type": "qcow2"}
        with self.driver.lock:
            self.driver.snapshots.add(dom.name, snap, current=True)
        _save_config(self.driver, dom)
        save_run_status(self.driver, dom)

    # -- delete ----------------------------------------------------------------------------
    def domain_snapshot_delete(self, snap: DomainSnapshotRef, flags: int) -> None:
        allowed = _D.CHILDREN | _D.CHILDREN_ONLY | _D.METADATA_ONLY
        unsupported_flags(flags, allowed, "qemuDomainSnapshotDelete", _Q)
        dom, tree, _ = self._snap(snap)
        with dom.job.hold("virDomainSnapshotDelete", self.driver.job_wait):
            dom, tree, _ = self._snap(snap)  # again, under the job
            children = bool(flags & _D.CHILDREN)
            only = bool(flags & _D.CHILDREN_ONLY)
            doomed = tree.doomed(snap.name, children=children, children_only=only)
            if not flags & _D.METADATA_ONLY:
                external = [n for n in doomed if snapshot_is_external(tree.moments[n])]
                if external:
                    raise make_error(ErrorCode.CONFIG_UNSUPPORTED, _Q,
                                     f"deletion of {len(external)} external disk snapshots not "
                                     "supported yet")  # fmt: skip
                for name in reversed(doomed):
                    self._delete_images(dom, tree.moments[name])
            with self.driver.lock:
                self.driver.snapshots.remove(dom.name, snap.name, doomed, children=children,
                                             children_only=only)  # fmt: skip

    def _delete_images(self, dom: QemuDomain, snap: SnapshotDef) -> None:
        if snap.domain is None:
            return
        disks = internal_disks(snap.domain, snap)
        run = dom.run
        if run is not None:
            nodes = block_nodes(run.monitor)
            devices = [nodes[d.source_path or ""].node for d in disks
                       if d.source_path in nodes]  # fmt: skip
            if devices:
                run_job(run.monitor, "snapshot-delete", {"tag": snap.name, "devices": devices})
            return
        for disk in disks:
            img_snapshot("d", snap.name or "", disk.source_path or "")

    # -- revert ----------------------------------------------------------------------------
    def domain_revert_to_snapshot(self, snap: DomainSnapshotRef, flags: int) -> None:
        """Put the guest back: a live snapshot's RAM and disks are loaded into QEMU (started
        paused for it when the domain is off), a shut-off snapshot's disks are rolled back
        with the domain stopped.  Events and reasons are libvirt's FROM_SNAPSHOT ones."""
        unsupported_flags(
            flags, _R.RUNNING | _R.PAUSED | _R.FORCE, "qemuDomainRevertToSnapshot", _Q
        )
        dom, _, defn = self._snap(snap)
        with dom.job.hold("virDomainRevertToSnapshot", self.driver.job_wait):
            dom, _, defn = self._snap(snap)
            if snapshot_is_external(defn):
                raise make_error(ErrorCode.CONFIG_UNSUPPORTED, _Q,
                                 "revert to external snapshot not supported yet")  # fmt: skip
            live = defn.state in ("running", "paused")
            start = flags & (_R.RUNNING | _R.PAUSED)
            if not dom.persistent and not live and not start:
                raise make_error(ErrorCode.OPERATION_INVALID, _Q,
                                 "transient domain needs to request run or pause to revert to "
                                 "inactive snapshot")  # fmt: skip
            if defn.domain is None:
                raise make_error(ErrorCode.SNAPSHOT_REVERT_RISKY, _Q,
                                 f"snapshot '{defn.name}' lacks domain '{dom.name}' rollback "
                                 "info")  # fmt: skip
            paused = bool(flags & _R.PAUSED) or (defn.state == "paused" and not flags & _R.RUNNING)
            if live:
                self._revert_live(dom, defn, paused)
            else:
                self._revert_inactive(dom, defn, start, paused)
            with self.driver.lock:
                self.driver.snapshots.set_current(dom.name, defn.name)

    def _revert_live(self, dom: QemuDomain, snap: SnapshotDef, paused: bool) -> None:
        assert snap.domain is not None
        driver = self.driver
        was_active = dom.run is not None
        if not was_active:
            dom.defn = snap.domain.copy()
            _save_config(driver, dom)
            start_domain(driver, dom, announce=False)
        run = dom.run
        assert run is not None
        if was_active and dom.state == DomainState.RUNNING:
            run.monitor.execute("stop")
            with driver.lock:
                dom.state, dom.reason = DomainState.PAUSED, DomainPausedReason.FROM_SNAPSHOT
            driver.emit(dom, _E.SUSPENDED, DomainEventSuspendedDetail.FROM_SNAPSHOT)
        disks = internal_disks(snap.domain, snap)
        nodes = block_nodes(run.monitor)
        devices = [node_for(nodes, d).node for d in disks]
        try:
            run_job(run.monitor, "snapshot-load",
                    {"tag": snap.name, "vmstate": devices[0], "devices": devices})  # fmt: skip
        except VirtError:
            if not was_active:
                stop_domain(driver, dom, DomainShutoffReason.FAILED,
                            DomainEventStoppedDetail.FAILED, emit=False)  # fmt: skip
            raise
        if not was_active:
            driver.emit(dom, _E.STARTED, DomainEventStartedDetail.FROM_SNAPSHOT)
        if paused:
            with driver.lock:
                dom.state, dom.reason = DomainState.PAUSED, DomainPausedReason.FROM_SNAPSHOT
            if not was_active:
                driver.emit(dom, _E.SUSPENDED, DomainEventSuspendedDetail.FROM_SNAPSHOT)
        else:
            run.monitor.execute("cont")
            with driver.lock:
                dom.state, dom.reason = DomainState.RUNNING, DomainRunningReason.FROM_SNAPSHOT
            if was_active:
                driver.emit(dom, _E.RESUMED, DomainEventResumedDetail.FROM_SNAPSHOT)
        save_run_status(driver, dom)

    def _revert_inactive(
        self, dom: QemuDomain, snap: SnapshotDef, start: int, paused: bool
    ) -> None:
        assert snap.domain is not None
        driver = self.driver
        if dom.run is not None:
            stop_domain(driver, dom, DomainShutoffReason.FROM_SNAPSHOT,
                        DomainEventStoppedDetail.FROM_SNAPSHOT)  # fmt: skip
        for image in _images(snap.domain, snap):
            img_snapshot("a", snap.name or "", image)
        dom.defn = snap.domain.copy()
        _save_config(driver, dom)
        if not start:
            return
        start_domain(driver, dom, announce=False)
        run = dom.run
        assert run is not None
        if not paused:
            run.monitor.execute("cont")
        with driver.lock:
            dom.state, dom.reason = (
                (DomainState.PAUSED, DomainPausedReason.FROM_SNAPSHOT)
                if paused
                else (DomainState.RUNNING, DomainRunningReason.FROM_SNAPSHOT)
            )
        save_run_status(driver, dom)
        driver.emit(dom, _E.STARTED, DomainEventStartedDetail.FROM_SNAPSHOT)
        if paused:
            driver.emit(dom, _E.SUSPENDED, DomainEventSuspendedDetail.FROM_SNAPSHOT)


# ---------------------------------------------------------------- start-up


def recover_snapshots(driver: QemuDriver) -> None:
    """Finish what a killed daemon left half done: a snapshot with metadata is complete (its
    marker only outlived it); one without is removed from the images it may have reached."""
    store = driver.snapshots
    for pending in store.pending():
        try:
            _recover(driver, pending)
        except VirtError as exc:
            log.warning("cannot clean up snapshot %s of %s: %s", pending.name, pending.domain, exc)
        store.end(pending)


def _recover(driver: QemuDriver, pending: PendingSnapshot) -> None:
    if pending.name in driver.snapshots.tree(pending.domain):
        return
    dom = driver.domains.find_by_name(pending.domain)
    run = dom.run if dom is not None else None
    if run is None:
        for image in pending.images:
            if os.path.exists(image) and img_has_snapshot(pending.name, image):
                img_snapshot("d", pending.name, image)
        return
    assert dom is not None
    dismiss_concluded(run.monitor)  # the interrupted snapshot-save, run to its end by QEMU
    nodes = block_nodes(run.monitor)
    devices = [nodes[i].node for i in pending.images if i in nodes]
    if devices:
        with contextlib.suppress(VirtError):  # absent when the save never started
            run_job(run.monitor, "snapshot-delete", {"tag": pending.name, "devices": devices})
    status = str(run.monitor.execute("query-status").get("status", ""))
    if status == "running" and dom.state == DomainState.PAUSED:
        with driver.lock:
            dom.state, dom.reason = DomainState.RUNNING, DomainRunningReason.UNPAUSED
        save_run_status(driver, dom)
