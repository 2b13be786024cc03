"""A running guest's CD-ROM: its medium changed (update-device, change-media) and its tray
followed as QEMU reports it.

The change is libvirt's qemuDomainChangeMediaBlockdev: open the tray (``force`` pulls it
open even when the guest locked it; without it the change waits up to
:data:`CHANGE_MEDIA_TIMEOUT` for the guest to let go), remove the medium and its block
nodes, add the new image's nodes and insert them, close the tray.  The new source gets the
next block-node index even when the drive is left empty, as libvirt hands out its node
names from one counter (an eject shows ``<source index='3'/>``).

QEMU reports every move of the tray (ours, and a guest's own ``eject``) as
DEVICE_TRAY_MOVED: the live definition then shows ``tray='open'`` on the disk's target
while it is open, and a TRAY_CHANGE event names the disk's alias (qemuProcessHandleTrayChange).
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
import time
from typing import TYPE_CHECKING, Any

from pyvirt import (
    DomainEventID,
    ErrorCode,
    ErrorDomain,
    ObjectEvent,
    VirtError,
    make_error,
)
from pyvirt.conf import DiskDef, DomainDef

from pyvirt_qemu._aliases import alias_of
from pyvirt_qemu._command_base import unsupported
from pyvirt_qemu._dac import label_new_file
from pyvirt_qemu._disks import disk_file, empty_chain_xml
from pyvirt_qemu._listeners import deliver
from pyvirt_qemu._snapshot_images import next_node_index

if TYPE_CHECKING:
    from pyvirt_qemu._domain import QemuDomain, Run
    from pyvirt_qemu._monitor import Monitor
    from pyvirt_qemu._qemudriver import QemuDriver

__all__ = ["CHANGE_MEDIA_TIMEOUT", "change_medium", "on_tray_moved"]

_Q = ErrorDomain.QEMU
#: VIR_DOMAIN_EVENT_TRAY_CHANGE_OPEN and _CLOSE.
_TRAY_OPEN, _TRAY_CLOSE = 0, 1
#: libvirt's CHANGE_MEDIA_TIMEOUT: how long an unforced change waits for the tray to open.
CHANGE_MEDIA_TIMEOUT = 5.0
#: The waits for a tray to open, by (domain uuid, device alias): set by on_tray_moved.
#: How often an insert opens a tray that closed under it before giving up.
_INSERT_TRIES = 3
_tray_waits: dict[tuple[str, str], threading.Event] = {}
_tray_lock = threading.Lock()


def _next_index(monitor: Monitor, live: DomainDef) -> int:
    """One above every block-node index in use: QEMU's nodes and the live definition's
    (an empty drive holds an index without a node)."""
    used = [next_node_index(monitor) - 1]
    for disk in live.disks:
        if (index := disk.source.get("index", "")).isdigit():
            used.append(int(index))
        for el in disk.extra:
            if el.tag == "backingStore":
                for below in el.iter("backingStore"):
                    if (index := below.get("index", "")).isdigit():
                        used.append(int(index))
    return max(used) + 1


def change_medium(
    driver: QemuDriver, dom: QemuDomain, run: Run, disk: DiskDef, new: DiskDef, force: bool
) -> None:
    """Put *new*'s source (none: eject) into the running *disk* (a CD-ROM of the live
    definition), which then shows it; raises libvirt's errors, the drive as QEMU left it."""
    if new.type not in ("file", "volume"):  # (as a start refuses it: _command_disks)
        raise unsupported(f"disk type '{new.type}'")
    path = disk_file(new, driver.storage.volume_file)  # (a volume's: its pool's lookup errors)
    if path is not None:
        try:
            os.stat(path)
        except OSError as exc:
            raise make_error(ErrorCode.SYSTEM_ERROR, ErrorDomain.STORAGE,
                             f"Cannot access storage file '{path}': {exc.strerror}") from None  # fmt: skip
    fmt = (new.driver or {}).get("type", "raw")
    if fmt not in ("raw", "qcow2"):
        raise make_error(ErrorCode.OPERATION_UNSUPPORTED, _Q,
                         f"storage format '{fmt}' of disk '{disk.target_dev}'")  # fmt: skip
    monitor = run.monitor
    qdev = alias_of(disk) or ""
    live = dom.live
    assert live is not None
    index = _next_index(monitor, live)
    # The medium in the drive now (its source names more than a node index) and its nodes.
    old = disk.source.get("index") if disk.source.keys() - {"index"} else None
    if path is not None:  # its owner becomes the guest's, as its disks' at start (DAC)
        label_new_file(live, run.lib_dir, path)
    _open_tray(dom, monitor, disk, qdev, force)
    try:
        monitor.execute("blockdev-remove-medium", {"id": qdev})
        if old is not None:
            for node in (f"libvirt-{old}-format", f"libvirt-{old}-storage"):
                with contextlib.suppress(VirtError):  # libvirt ignores a failed removal too
                    monitor.execute("blockdev-del", {"node-name": node})
        _set_source(driver, disk, new, False, index)
        if path is not None:
            _add_and_insert(dom, monitor, disk, qdev, (path, fmt, index), force)
            _set_source(driver, disk, new, True, index)
        monitor.execute("blockdev-close-tray", {"id": qdev})
    finally:  # done or not, the live tray is QEMU's (a failed change leaves it open)
        with contextlib.suppress(VirtError):
            _sync_tray(driver, disk, _tray_open(monitor, qdev))


def _add_and_insert(dom: QemuDomain, monitor: Monitor, disk: DiskDef, qdev: str,
                    image: tuple[str, str, int], force: bool) -> None:  # fmt: skip
    """The new image's nodes (*image*: file, format, node index) added and put in the
    drive; removed again if that fails."""
    path, fmt, index = image
    storage, node = f"libvirt-{index}-storage", f"libvirt-{index}-format"
    monitor.execute("blockdev-add", {"driver": "file", "filename": path, "node-name": storage,
                                     "auto-read-only": True, "discard": "unmap"})  # fmt: skip
    try:
        monitor.execute("blockdev-add", {"node-name": node, "read-only": True, "driver": fmt,
                                         "file": storage})  # fmt: skip
        _insert(dom, monitor, disk, qdev, node, force)
    except VirtError:
        for each in (node, storage):
            with contextlib.suppress(VirtError):
                monitor.execute("blockdev-del", {"node-name": each})
        raise


def _sync_tray(driver: QemuDriver, disk: DiskDef, is_open: bool) -> None:
    """The live disk's tray as QEMU has it now.  Its events say the same, but not always:
    firmware probing the drive while the change runs (SeaBIOS at boot) can close the tray
    under it, and then the close of blockdev-close-tray never comes."""
    with driver.lock:
        if is_open:
            disk.target_attrs = {**disk.target_attrs, "tray": "open"}
        else:
            disk.target_attrs = {k: v for k, v in disk.target_attrs.items() if k != "tray"}


def _set_source(driver: QemuDriver, disk: DiskDef, new: DiskDef, inserted: bool,
                index: int) -> None:  # fmt: skip
    """The live *disk* now holds *new*'s source (*inserted*; else nothing) under node
    index *index*."""
    with driver.lock:
        disk.type = new.type
        source = {k: v for k, v in new.source.items() if k != "index"} if inserted else {}
        disk.source = {**source, "index": str(index)}
        disk.driver = dict(new.driver or disk.driver or {})
        disk.extra = [el for el in disk.extra if el.tag != "backingStore"]
        if inserted:
            disk.extra.append(empty_chain_xml())


def _insert(dom: QemuDomain, monitor: Monitor, disk: DiskDef, qdev: str, node: str,
            force: bool) -> None:  # fmt: skip
    """blockdev-insert-medium, opening the tray again if it closed meanwhile: firmware
    probing the drive (SeaBIOS at boot) closes an open tray with a START STOP UNIT, and the
    insert then finds it shut (measured: one change in a few right after a start)."""
    for attempt in range(_INSERT_TRIES):
        try:
            monitor.execute("blockdev-insert-medium", {"id": qdev, "node-name": node})
            return
        except VirtError as exc:
            if "Tray of the device is not open" not in str(exc) or attempt + 1 == _INSERT_TRIES:
                raise
        _open_tray(dom, monitor, disk, qdev, force)


def _open_tray(dom: QemuDomain, monitor: Monitor, disk: DiskDef, qdev: str, force: bool) -> None:
    """blockdev-open-tray; unforced, wait for the tray to be open (a guest may hold it).

    Asked every time, though libvirt skips an open tray: the live definition learns of a
    tray from QEMU's events, which may still be on their way (the close of the change just
    before), and opening an open tray changes nothing.  Whether it opened is QEMU's answer
    (query-block), the event only wakes the wait."""
    key = (dom.uuid, qdev)
    opened = threading.Event()
    with _tray_lock:
        _tray_waits[key] = opened
    try:
        monitor.execute("blockdev-open-tray", {"id": qdev, "force": force})
        deadline = time.monotonic() + CHANGE_MEDIA_TIMEOUT
        while not force and not _tray_open(monitor, qdev):
            if time.monotonic() >= deadline:
                raise make_error(ErrorCode.OPERATION_FAILED, _Q,
                                 f"timed out waiting to open tray of '{disk.target_dev}'")  # fmt: skip
            opened.wait(0.1)
    finally:
        with _tray_lock:
            _tray_waits.pop(key, None)


def _tray_open(monitor: Monitor, qdev: str) -> bool:
    for block in monitor.execute("query-block"):
        if block.get("qdev") in (qdev, f"/machine/peripheral/{qdev}"):
            return bool(block.get("tray_open"))
    return False


def _qdev_id(data: dict[str, Any]) -> str:
    """The device DEVICE_TRAY_MOVED names: its id, or the last part of its QOM path."""
    ident = str(data.get("id") or data.get("device") or "")
    return m[1] if (m := re.fullmatch(r"/machine/peripheral/([^/]+)", ident)) else ident


def on_tray_moved(driver: QemuDriver, dom: QemuDomain, run: Run, data: dict[str, Any]) -> None:
    """On the monitor loop thread: the live disk's tray, then libvirt's TRAY_CHANGE event."""
    from pyvirt_qemu._lifecycle import save_run_status  # (it imports this module)

    qdev = _qdev_id(data)
    is_open = bool(data.get("tray-open"))
    with driver.lock:
        live = dom.live
        if dom.run is not run or run.stopping or live is None:
            return
        disk = next((d for d in live.disks if alias_of(d) == qdev), None)
        if disk is None:
            return
    _sync_tray(driver, disk, is_open)
    with _tray_lock:
        waiting = _tray_waits.get((dom.uuid, qdev))
    if waiting is not None and is_open:
        waiting.set()
    with contextlib.suppress(VirtError):
        save_run_status(driver, dom)
    reason = _TRAY_OPEN if is_open else _TRAY_CLOSE
    deliver(driver.listeners, ObjectEvent("domain", dom.name, dom.uuid, dom.id, reason, 0,
                                          event_id=DomainEventID.TRAY_CHANGE, text=qdev))  # fmt: skip
