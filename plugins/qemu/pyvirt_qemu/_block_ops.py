"""Resizing a running guest's disk (libvirt's qemuDomainBlockResize), its write threshold
(qemuDomainSetBlockThreshold and the BLOCK_THRESHOLD event), and the disk lookups the
block calls share.

Why the node name comes from the live XML: every layer of a running disk carries the index
its ``-blockdev`` nodes were named with (``<source index='N'>`` → ``libvirt-N-format``, see
:mod:`pyvirt_qemu._command_disks`), so QMP commands address exactly the image libvirt would,
including after an external snapshot put a new image on top.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from pyvirt import DomainEventID, DomainRef, ErrorCode, ErrorDomain, ObjectEvent, make_error
from pyvirt.conf import DiskDef, DomainDef
from pyvirt.driver import domain_not_running, unsupported_flags

from pyvirt_qemu._disks import Layer, disk_layers
from pyvirt_qemu._listeners import deliver

if TYPE_CHECKING:  # (the lifecycle code imports this module's helpers)
    from pyvirt_qemu._domain import QemuDomain, Run
    from pyvirt_qemu._qemudriver import QemuDriver

__all__ = [
    "BlockOps",
    "disk_by_name",
    "format_node",
    "layer_by_devstr",
    "on_write_threshold",
    "running",
    "running_disk",
]

_Q = ErrorDomain.QEMU
#: VIR_DOMAIN_BLOCK_RESIZE_BYTES.
_RESIZE_BYTES = 1
_ULLONG_MAX = 2**64 - 1
#: Formats whose sizes QEMU takes in whole 512-byte sectors (libvirt rounds up for them).
_SECTOR_FORMATS = frozenset({"qcow2", "qed"})


def disk_by_name(defn: DomainDef, name: str) -> DiskDef | None:
    """virDomainDiskByName: the disk whose target is *name*, else whose image is."""
    for disk in defn.disks:
        if disk.target_dev == name:
            return disk
    return next((d for d in defn.disks if d.source_path and d.source_path == name), None)


def format_node(disk: DiskDef) -> str:
    """The node QMP addresses for the disk's top image (its format layer)."""
    return f"libvirt-{disk.source.get('index', '1')}-format"


def running(dom: QemuDomain) -> tuple[Run, DomainDef]:
    """The running guest's QEMU and live definition; libvirt's error for a stopped one."""
    run, live = dom.run, dom.live
    if run is None or live is None:
        raise domain_not_running()
    return run, live


def running_disk(dom: QemuDomain, name: str) -> tuple[Run, DiskDef]:
    """The running guest's monitor and the live disk *name*, with libvirt's errors for a
    stopped domain and an unknown disk (call under the domain's job)."""
    run, live = running(dom)
    disk = disk_by_name(live, name)
    if disk is None:
        raise make_error(ErrorCode.INVALID_ARG, _Q,
                         f"disk '{name}' was not found in the domain config")  # fmt: skip
    return run, disk


class BlockOps:
    """Mixin for :class:`~pyvirt_qemu._driver.QemuConnection`: ``virsh blockresize`` and
    ``domblkthreshold``."""

    driver: QemuDriver

    def domain_block_resize(self, dom_ref: DomainRef, disk: str, size: int, flags: int) -> None:
        """QMP ``block_resize`` on the disk's top node.  libvirt 9.0 passes a smaller size
        on as well (QEMU shrinks a qcow2 or raw image when asked); an empty or read-only
        disk is refused before QEMU is asked."""
        unsupported_flags(flags, _RESIZE_BYTES, "qemuDomainBlockResize", _Q)
        if not flags & _RESIZE_BYTES:
            if size > _ULLONG_MAX // 1024:
                raise make_error(ErrorCode.OVERFLOW, _Q,
                                 f"size must be less than {_ULLONG_MAX // 1024}")  # fmt: skip
            size *= 1024
        dom = self.driver.domains.from_ref(dom_ref)
        with dom.job.hold("virDomainBlockResize", self.driver.job_wait):
            run, found = running_disk(dom, disk)
            fmt = (found.driver or {}).get("type", "raw")
            if fmt in _SECTOR_FORMATS:
                size = (size + 511) // 512 * 512
            if found.source_path is None or found.readonly:
                raise make_error(ErrorCode.OPERATION_UNSUPPORTED, _Q,
                                 f"can't resize empty or readonly disk '{found.target_dev}'")  # fmt: skip
            run.monitor.execute("block_resize", {"node-name": format_node(found), "size": size})

    def domain_set_block_threshold(
        self, dom_ref: DomainRef, dev: str, threshold: int, flags: int
    ) -> None:
        """QMP ``block-set-write-threshold`` on the image's storage node: QEMU reports a
        write past *threshold* bytes of the file once (BLOCK_WRITE_THRESHOLD), which
        :func:`on_write_threshold` turns into libvirt's BLOCK_THRESHOLD event."""
        unsupported_flags(flags, 0, "qemuDomainSetBlockThreshold", _Q)
        dom = self.driver.domains.from_ref(dom_ref)
        with dom.job.hold("virDomainSetBlockThreshold", self.driver.job_wait):
            run, live = running(dom)
            layer = layer_by_devstr(live, dev)
            if layer is None:
                raise make_error(ErrorCode.INVALID_ARG, _Q,
                                 f"failed to find disk '{dev}'")  # fmt: skip
            index = layer[1].index
            run.monitor.execute("block-set-write-threshold",
                                {"node-name": f"libvirt-{index}-storage",
                                 "write-threshold": threshold})  # fmt: skip
            if "[" in dev:
                run.thresholds_by_index.add(index)
            else:
                run.thresholds_by_index.discard(index)


def layer_by_devstr(defn: DomainDef, dev: str) -> tuple[DiskDef, Layer] | None:
    """qemuDomainGetStorageSourceByDevstr: ``vda`` (its top image) or ``vda[N]`` (the
    image of index N in its chain); a disk is named by its target only."""
    m = re.fullmatch(r"([^\[\]]+)(?:\[(\d+)\])?", dev)
    if m is None:
        return None
    disk = next((d for d in defn.disks if d.target_dev == m[1]), None)
    if disk is None or disk.source_path is None:
        return None
    layers = disk_layers(disk, disk.source_path, 1)
    if m[2] is None:
        return disk, layers[0]
    found = next((x for x in layers if x.index == int(m[2])), None)
    return None if found is None else (disk, found)


def on_write_threshold(driver: QemuDriver, dom: QemuDomain, run: Run, data: dict[str, Any]) -> None:
    """QEMU's BLOCK_WRITE_THRESHOLD → VIR_DOMAIN_EVENT_ID_BLOCK_THRESHOLD: the disk (by
    target, or ``vda[N]`` when set so or when a backing image crossed it), the image's
    path, the threshold and how far the write went beyond it (qemuProcessHandleBlockThreshold)."""
    m = re.fullmatch(r"libvirt-(\d+)-(?:storage|format)", str(data.get("node-name", "")))
    live = dom.live
    if m is None or live is None or dom.run is not run:
        return
    index = int(m[1])
    for disk in live.disks:
        layers = disk_layers(disk, disk.source_path, 1) if disk.source_path else []
        layer = next((x for x in layers if x.index == index), None)
        if layer is None:
            continue
        by_index = layer is not layers[0] or index in run.thresholds_by_index
        run.thresholds_by_index.discard(index)
        ev = ObjectEvent("domain", dom.name, dom.uuid, dom.id, int(data.get("write-threshold", 0)),
                         int(data.get("amount-exceeded", 0)), event_id=DomainEventID.BLOCK_THRESHOLD,
                         text=f"{disk.target_dev}[{index}]" if by_index else disk.target_dev,
                         details=layer.path)  # fmt: skip
        deliver(driver.listeners, ev)
        return
