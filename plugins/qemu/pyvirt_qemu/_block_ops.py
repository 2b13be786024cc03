"""Resizing a running guest's disk (libvirt's qemuDomainBlockResize), and the disk lookup
the block calls share.

Why the node name comes from the live XML: every layer of a running disk carries the index
its ``-blockdev`` nodes were named with (``<source index='N'>`` → ``libvirt-N-format``, see
:mod:`pyvirt_qemu._command_disks`), so QMP commands address exactly the image libvirt would,
including after an external snapshot put a new image on top.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyvirt import DomainRef, ErrorCode, ErrorDomain, make_error
from pyvirt.conf import DiskDef, DomainDef
from pyvirt.driver import domain_not_running, unsupported_flags

if TYPE_CHECKING:  # (the lifecycle code imports this module's helpers)
    from pyvirt_qemu._domain import QemuDomain, Run
    from pyvirt_qemu._qemudriver import QemuDriver

__all__ = ["BlockOps", "disk_by_name", "format_node", "running_disk"]

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


def running_disk(dom: QemuDomain, name: str) -> tuple[Run, DiskDef]:
    """The running guest's monitor and the live disk *name*, with libvirt's errors for a
    stopped domain and an unknown disk (call under the domain's job)."""
    run, live = dom.run, dom.live
    if run is None or live is None:
        raise domain_not_running()
    disk = disk_by_name(live, name)
    if disk is None:
        raise make_error(ErrorCode.INVALID_ARG, ErrorDomain.DOMAIN,
                         f"disk '{name}' was not found in the domain config")  # fmt: skip
    return run, disk


class BlockOps:
    """Mixin for :class:`~pyvirt_qemu._driver.QemuConnection`: ``virsh blockresize``."""

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
