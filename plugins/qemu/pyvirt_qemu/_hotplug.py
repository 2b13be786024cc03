"""Plugging disks and NICs into a running QEMU and pulling them out again (QMP).

A disk is two ``blockdev-add`` nodes (``libvirt-N-storage`` under ``libvirt-N-format``,
libvirt's naming, N one above any in use) and a ``device_add``; a NIC is a ``netdev_add``
and a ``device_add``.  Removal is ``device_del``, which only *asks* the guest: the device is
gone when QEMU reports ``DEVICE_DELETED``.  As libvirt (qemuDomainRemoveDeviceWaitTime) the
detach waits :data:`REMOVE_WAIT` seconds for it and then returns anyway; the removal is
finished (backend freed, live definition updated) whenever the event arrives, by
:func:`finish_removal`, which the monitor's event handler calls.

The QEMU ids of devices are found from QEMU itself (``query-block``'s qdev path for a disk,
``query-rx-filter``'s MAC for a NIC), so a device keeps working however it was plugged.
"""

from __future__ import annotations

import contextlib
import os
import threading
from typing import TYPE_CHECKING, Any

from pyvirt import DomainEventID, ErrorCode, ErrorDomain, VirtError, make_error
from pyvirt.conf import DiskDef, InterfaceDef, disk_name_to_index

from pyvirt_qemu._aliases import alias_of
from pyvirt_qemu._command_base import _NIC_MODELS
from pyvirt_qemu._command_iothreads import disk_iothread, iothread_alias
from pyvirt_qemu._domain import QemuDomain, Run
from pyvirt_qemu._lifecycle import save_run_status, with_job
from pyvirt_qemu._monitor import Monitor
from pyvirt_qemu._snapshot_images import next_node_index
from pyvirt_qemu._tap import open_nic_tap

if TYPE_CHECKING:
    from pyvirt_qemu._network import NetworkState
    from pyvirt_qemu._qemudriver import QemuDriver

__all__ = ["REMOVE_WAIT", "finish_removal", "plug_disk", "plug_nic", "removal_rejected", "unplug"]

_Q = ErrorDomain.QEMU
#: libvirt's qemuDomainRemoveDeviceWaitTime: how long a detach waits for the guest.
REMOVE_WAIT = 5.0


def _unsupported(what: str) -> VirtError:
    return make_error(ErrorCode.OPERATION_UNSUPPORTED, _Q, what)


def _peripherals(monitor: Monitor) -> set[str]:
    """The ids of the devices the user's definition made (QOM /machine/peripheral)."""
    return {str(p["name"]) for p in monitor.execute("qom-list", {"path": "/machine/peripheral"})}


def plug_disk(monitor: Monitor, disk: DiskDef) -> str:
    """blockdev-add the disk's image, device_add it on its (virtio) bus; the device's alias."""
    if disk.target_bus != "virtio":
        raise _unsupported(f"disk bus '{disk.target_bus}' cannot be hotplugged.")
    if disk.device != "disk" or disk.type != "file" or not disk.source_path:
        raise _unsupported(
            f"cannot hotplug disk '{disk.target_dev}': only file disks with a source"
        )
    fmt = (disk.driver or {}).get("type", "raw")
    if fmt not in ("raw", "qcow2"):
        raise _unsupported(f"storage format '{fmt}' of disk '{disk.target_dev}'")
    k = next_node_index(monitor)
    storage, node = f"libvirt-{k}-storage", f"libvirt-{k}-format"
    alias = f"virtio-disk{disk_name_to_index(disk.target_dev)}"
    if alias in _peripherals(monitor):
        raise make_error(ErrorCode.OPERATION_FAILED, _Q, f"target {disk.target_dev} already exists")
    monitor.execute("blockdev-add", {"driver": "file", "filename": disk.source_path,
                                     "node-name": storage, "auto-read-only": True,
                                     "discard": "unmap"})  # fmt: skip
    try:
        monitor.execute("blockdev-add", {"node-name": node, "read-only": disk.readonly,
                                         "driver": fmt, "file": storage})  # fmt: skip
        try:
            iothread = disk_iothread(disk)  # (checked against the guest's by the caller)
            served = {} if iothread is None else {"iothread": iothread_alias(iothread)}
            monitor.execute("device_add", {"driver": "virtio-blk-pci", **served, "drive": node,
                                           "id": alias})  # fmt: skip
        except VirtError:
            with contextlib.suppress(VirtError):
                monitor.execute("blockdev-del", {"node-name": node})
            raise
    except VirtError:
        with contextlib.suppress(VirtError):
            monitor.execute("blockdev-del", {"node-name": storage})
        raise
    return alias


def plug_nic(monitor: Monitor, nic: InterfaceDef, networks: NetworkState | None) -> str:
    """netdev_add the backend (user-mode networking, or a tap on the interface's bridge,
    passed to QEMU over the monitor), device_add the NIC with its MAC; *nic* gets its tap's
    name as target, as at start.  Returns the NIC's alias."""
    if nic.type not in ("user", "network", "bridge"):
        raise _unsupported(f"hotplug of interface type '{nic.type}' is not supported")
    model = nic.model or "rtl8139"
    if model not in _NIC_MODELS:
        raise _unsupported(f"interface model '{model}'")
    used = _peripherals(monitor)
    n = next(i for i in range(len(used) + 1) if f"net{i}" not in used)
    if nic.type == "user":
        monitor.execute("netdev_add", {"type": "user", "id": f"hostnet{n}"})
    else:
        fd = open_nic_tap(nic, networks)
        try:
            monitor.send_fd(f"hostnet{n}-tap", fd)
        finally:
            os.close(fd)  # QEMU holds its own copy now (or nobody does): the tap dies with it
        try:
            monitor.execute("netdev_add", {"type": "tap", "id": f"hostnet{n}",
                                           "fd": f"hostnet{n}-tap"})  # fmt: skip
        except VirtError:
            with contextlib.suppress(VirtError):
                monitor.execute("closefd", {"fdname": f"hostnet{n}-tap"})
            raise
    try:
        monitor.execute("device_add", {"driver": _NIC_MODELS[model], "netdev": f"hostnet{n}",
                                       "id": f"net{n}", "mac": nic.mac})  # fmt: skip
    except VirtError:
        with contextlib.suppress(VirtError):
            monitor.execute("netdev_del", {"id": f"hostnet{n}"})
        raise
    return f"net{n}"


def device_alias(monitor: Monitor, dev: DiskDef | InterfaceDef) -> str:
    """The QEMU id of a live disk or NIC: the alias the live definition gives it, else
    found in QEMU (a disk by its image, a NIC by its MAC: ``query-rx-filter`` knows only
    virtio NICs)."""
    known = alias_of(dev)  # (a user's ua- alias is QEMU's id too)
    if known is not None:
        return known
    if isinstance(dev, DiskDef):
        for b in monitor.execute("query-block"):
            inserted = b.get("inserted") or {}
            if inserted.get("file") == dev.source_path and b.get("qdev"):
                return str(b["qdev"]).split("/")[3]
    else:
        for f in monitor.execute("query-rx-filter"):
            if str(f.get("main-mac", "")).lower() == (dev.mac or "").lower():
                return str(f["name"])
    raise make_error(ErrorCode.INTERNAL_ERROR, _Q, "cannot find the device in QEMU")


def unplug(
    driver: QemuDriver, dom: QemuDomain, run: Run, dev: DiskDef | InterfaceDef,
    *, wait: float = REMOVE_WAIT,
) -> bool:  # fmt: skip
    """device_del and wait up to *wait* seconds for the guest; True when the device is gone
    (its backend freed, the live definition updated), False when it is still pending."""
    alias = device_alias(run.monitor, dev)
    backend = _backend(run.monitor, dev, alias)
    waiter = threading.Event()
    with driver.lock:
        run.device_waiters[alias] = waiter
        run.pending_removals[alias] = (dev, backend)
    try:
        run.monitor.execute("device_del", {"id": alias})
        deleted = waiter.wait(wait)
    finally:
        with driver.lock:
            run.device_waiters.pop(alias, None)
            deleted = waiter.is_set()  # the event may have come just now
            rejected = alias in run.rejected_removals
            run.rejected_removals.discard(alias)
    if rejected:
        raise make_error(ErrorCode.OPERATION_FAILED, _Q, "unplug of device was rejected by the guest")
    if deleted:
        _remove(driver, dom, run, alias)
    return deleted


def _backend(monitor: Monitor, dev: DiskDef | InterfaceDef, alias: str) -> list[tuple[str, str]]:
    """(QMP command, argument) pairs that free the device's backend once it is gone."""
    if isinstance(dev, InterfaceDef):
        return [("netdev_del", "hostnet" + alias.removeprefix("net"))]
    for b in monitor.execute("query-block"):
        node = str((b.get("inserted") or {}).get("node-name", ""))
        if str(b.get("qdev", "")).split("/")[3:4] == [alias] and node:
            nodes = [node]
            if node.endswith("-format"):
                nodes.append(node.removesuffix("-format") + "-storage")
            return [("blockdev-del", n) for n in nodes]
    return []


def _remove(driver: QemuDriver, dom: QemuDomain, run: Run, alias: str) -> None:
    """The guest let go of *alias*: free its backend, drop it from the live definition."""
    with driver.lock:
        dev, backend = run.pending_removals.pop(alias, (None, []))
    for command, arg in backend:
        key = "id" if command == "netdev_del" else "node-name"
        with contextlib.suppress(VirtError):
            run.monitor.execute(command, {key: arg})
    if dev is None or dom.live is None:
        return
    with driver.lock:
        live = dom.live.copy()
        live.devices = [d for d in live.devices if not _same(d, dev)]
        dom.live = live
    save_run_status(driver, dom)
    driver.emit_device(dom, DomainEventID.DEVICE_REMOVED, alias)


def _same(a: Any, b: DiskDef | InterfaceDef) -> bool:
    if isinstance(b, DiskDef):
        return isinstance(a, DiskDef) and a.target_dev == b.target_dev
    return isinstance(a, InterfaceDef) and (a.mac or "").lower() == (b.mac or "").lower()


def finish_removal(driver: QemuDriver, dom: QemuDomain, run: Run, alias: str) -> None:
    """A DEVICE_DELETED nobody was waiting for (the detach had given up): finish it under
    the domain's job."""

    def body() -> None:
        if dom.run is run and alias in run.pending_removals:
            _remove(driver, dom, run, alias)

    with_job(driver, dom, "device removal", body)


def removal_rejected(driver: QemuDriver, dom: QemuDomain, run: Run, alias: str) -> None:
    """QEMU's DEVICE_UNPLUG_GUEST_ERROR (on the monitor's loop thread): the guest refused to
    let go of *alias*.  The device stays; a detach waiting for it fails with libvirt's
    "rejected by the guest", and subscribers hear DEVICE_REMOVAL_FAILED, as from libvirt."""
    with driver.lock:
        if dom.run is not run:
            return
        run.pending_removals.pop(alias, None)
        waiter = run.device_waiters.get(alias)
        if waiter is not None:
            run.rejected_removals.add(alias)
            waiter.set()
    driver.emit_device(dom, DomainEventID.DEVICE_REMOVAL_FAILED, alias)
