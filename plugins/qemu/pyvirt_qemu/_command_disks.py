"""``-blockdev`` and ``-device`` arguments of disks, as libvirt 9.0 writes them.

Why JSON and this exact shape: it is what libvirt 9.0 gives QEMU 7.2 (``ps`` of a guest
libvirtd started shows it, and tests/test_qemu_disks.py compares the two), and the node
names are the handles later QMP commands use (hotplug's ``blockdev-add``/``blockdev-del``,
snapshots), so they follow libvirt's ``libvirt-N-storage`` (the file) under
``libvirt-N-format`` (the format driver, whose ``backing`` is the next layer's format node).
Each chain is written bottom up, so every node exists before the node that points at it.
"""

from __future__ import annotations

import json

from pyvirt import ErrorCode, ErrorDomain, make_error
from pyvirt.conf import DiskDef, disk_name_to_index

from pyvirt_qemu._command_base import _Builder, _check_extra, unsupported
from pyvirt_qemu._command_iothreads import disk_iothread, iothread_alias
from pyvirt_qemu._disks import Layer, disk_layers

__all__ = ["build_disks", "scsi_controller_driver"]

_FORMATS = ("raw", "qcow2")
_SCSI_MODELS = {"lsilogic": "lsi", "virtio-scsi": "virtio-scsi-pci"}
_CACHE_MODES = {"none": (True, False)}  # mode → (cache.direct, cache.no-flush)
_Props = list[tuple[str, object]]


def _json(props: _Props) -> str:
    return json.dumps(dict(props), separators=(",", ":"))


def scsi_controller_driver(model: str | None) -> str:
    """The ``-device`` of a SCSI controller model (libvirt's default is lsilogic)."""
    driver = _SCSI_MODELS.get(model or "lsilogic")
    if driver is None:
        raise unsupported(f"SCSI controller model '{model}'")
    return driver


def build_disks(b: _Builder) -> None:
    disks = b.d.disks
    for pos, disk in enumerate(disks):
        _check_disk(disk)
        path = b.paths.disk_files.get(disk.target_dev)
        if path is None and disk.type == "file":
            path = disk.source.get("file")
        if path is None and disk.type == "volume" and disk.source.get("volume"):
            path = "/volume/not/resolved/yet"  # the define-time trial build: shape only
        cache = _cache(disk)
        layers = disk_layers(disk, path, fallback_index=len(disks) - pos)
        for n in range(len(layers) - 1, -1, -1):
            below = layers[n + 1] if n + 1 < len(layers) else None
            _blockdev(b, layers[n], below, read_only=n > 0 or disk.readonly, cache=cache)
        if not layers and disk.device != "cdrom":
            raise make_error(ErrorCode.NO_SOURCE, ErrorDomain.QEMU, disk.target_dev)
        _device(b, disk, layers[0] if layers else None, cache)


def _check_disk(disk: DiskDef) -> None:
    what = f"disk '{disk.target_dev}'"
    _check_extra(disk, what, frozenset({"boot", "backingStore", "iotune"}))
    if disk.device not in ("disk", "cdrom"):
        raise unsupported(f"disk device '{disk.device}'")
    if disk.type not in ("file", "volume"):
        raise unsupported(f"disk type '{disk.type}'")
    allowed = {"file"} if disk.type == "file" else {"pool", "volume", "mode"}
    # A <seclabel> of the source is the DAC driver's (pyvirt_qemu._dac), not QEMU's.
    options = [el for el in disk.source_children if el.tag != "seclabel"]
    # A CD-ROM's open tray (live XML) is the guest's state, not a command-line option.
    target = {k: v for k, v in disk.target_attrs.items() if not (k == "tray" and disk.device == "cdrom")}
    if options or set(disk.source) - allowed - {"index"} or target:
        raise unsupported(f"source or target options of {what}")
    if disk.source.get("mode", "host") != "host":
        raise unsupported(f"volume mode '{disk.source['mode']}' of {what}")
    if disk.attrs:
        raise unsupported(f"attributes of {what}")
    drv = dict(disk.driver or {})
    if drv.pop("name", "qemu") != "qemu":
        raise unsupported(f"disk driver name of {what}")
    fmt = drv.pop("type", "raw")
    if fmt not in _FORMATS:
        raise unsupported(f"storage format '{fmt}' of {what}")
    drv.pop("iothread", None)  # checked with the guest's IOThreads (_command_iothreads)
    if drv.pop("cache", "none") not in _CACHE_MODES:
        raise unsupported(f"cache mode of {what}: only 'none' or the default")
    if drv:
        raise unsupported(f"driver options {sorted(drv)} of {what}")


def _cache(disk: DiskDef) -> dict[str, bool] | None:
    mode = (disk.driver or {}).get("cache")
    if mode is None:
        return None
    direct, no_flush = _CACHE_MODES[mode]
    return {"direct": direct, "no-flush": no_flush}


def _blockdev(
    b: _Builder, layer: Layer, below: Layer | None, *, read_only: bool, cache: dict[str, bool] | None
) -> None:
    node = f"libvirt-{layer.index}"
    storage: _Props = [("driver", "file"), ("filename", layer.path), ("node-name", f"{node}-storage")]
    if cache is not None:
        storage.append(("cache", cache))
    storage += [("auto-read-only", True), ("discard", "unmap")]
    fmt: _Props = [("node-name", f"{node}-format"), ("read-only", read_only)]
    if cache is not None:
        fmt.append(("cache", cache))
    fmt += [("driver", layer.format), ("file", f"{node}-storage")]
    if layer.format == "qcow2":  # null: QEMU must not open what the header names itself
        fmt.append(("backing", f"libvirt-{below.index}-format" if below else None))
    b.add("-blockdev", _json(storage))
    b.add("-blockdev", _json(fmt))


def _device(b: _Builder, disk: DiskDef, top: Layer | None, cache: dict[str, bool] | None) -> None:
    driver, props, alias = _bus_props(b, disk)
    if disk.shareable:
        props.append(("share-rw", True))
    if top is not None:
        props.append(("drive", f"libvirt-{top.index}-format"))
    props.append(("id", alias))
    boot = b.boot_index(disk)
    if boot is not None:
        props.append(("bootindex", boot))
    if cache is not None:
        props.append(("write-cache", "on"))
    b.add("-device", _json([("driver", driver), *props]))


def _drive_address(disk: DiskDef) -> tuple[str, str, str, str]:
    """(controller, bus, target, unit) of a disk's drive address."""
    a = disk.address.attrs if disk.address is not None and disk.address.type == "drive" else {}
    return (a.get("controller", "0"), a.get("bus", "0"), a.get("target", "0"), a.get("unit", "0"))


def _bus_props(b: _Builder, disk: DiskDef) -> tuple[str, _Props, str]:
    """(-device driver, its bus properties, its alias) for a disk on its bus."""
    ctrl, bus, target, unit = (int(x) for x in _drive_address(disk))
    cd = disk.device == "cdrom"
    if disk.target_bus == "virtio":
        if cd:
            raise unsupported(f"disk type of '{disk.target_dev}' does not support ejectable media")
        props: _Props = []
        if disk.address is not None:
            for item in b.address_props(disk.address, "virtio-blk-pci"):
                key, _, value = item.partition("=")
                props.append((key, True if value == "on" else value))
        iothread = disk_iothread(disk)
        if iothread is not None:
            props.insert(0, ("iothread", iothread_alias(iothread)))
        return "virtio-blk-pci", props, f"virtio-disk{disk_name_to_index(disk.target_dev)}"
    if disk.target_bus == "scsi":
        return _scsi_props(b, disk, (ctrl, bus, target, unit))
    driver = "ide-cd" if cd else "ide-hd"
    if disk.readonly and not cd:
        raise unsupported(f"readonly {disk.target_bus} disks are not supported")
    if disk.target_bus == "ide":
        if b.q35:
            raise unsupported("IDE controllers are unsupported for this QEMU binary or machine "
                              "type")  # fmt: skip
        if ctrl != 0:
            raise unsupported("only a single IDE controller is supported")
        return driver, [("bus", f"ide.{bus}"), ("unit", unit)], f"ide{ctrl}-{bus}-{unit}"
    if disk.target_bus == "sata":
        qbus = f"ide.{unit}" if b.q35 and ctrl == 0 else f"sata{ctrl}.{unit}"
        return driver, [("bus", qbus)], f"sata{ctrl}-0-{unit}"
    raise unsupported(f"disk bus '{disk.target_bus}'")


def _scsi_props(
    b: _Builder, disk: DiskDef, addr: tuple[int, int, int, int]
) -> tuple[str, _Props, str]:
    ctrl, bus, target, unit = addr
    model = next((c.model for c in b.d.controllers if c.type == "scsi" and c.index == ctrl), None)
    driver = "scsi-cd" if disk.device == "cdrom" else "scsi-hd"
    if scsi_controller_driver(model) == "lsi":
        if bus or target:
            raise unsupported("an lsilogic SCSI controller has one bus and target")
        alias = f"scsi{ctrl}-0-{unit}"
        return driver, [("bus", f"scsi{ctrl}.0"), ("scsi-id", unit),
                        ("device_id", f"drive-{alias}")], alias  # fmt: skip
    alias = f"scsi{ctrl}-{bus}-{target}-{unit}"
    return driver, [("bus", f"scsi{ctrl}.0"), ("channel", bus), ("scsi-id", target), ("lun", unit),
                    ("device_id", f"drive-{alias}")], alias  # fmt: skip
