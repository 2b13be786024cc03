"""Disks before QEMU sees them: defaults at define time, backing chains at start.

Why two steps: libvirt fills some things in when a domain is *defined* (the ``<driver
name='qemu' type='raw'/>`` of a disk that named none, the SCSI or SATA controller a disk
needs, the refusal of two disks on one target), and others only when it *starts*, because
they depend on the files as they are then: a ``<disk type='volume'>`` becomes the pool's
file, each image's backing chain is read from its header (see :mod:`pyvirt_qemu._image_meta`
for which formats are trusted), and every layer gets the index that names its QEMU block
nodes (``libvirt-N-format`` / ``libvirt-N-storage``).  The chain is written into the live
definition as libvirt writes it (``<source … index='N'/>`` and nested ``<backingStore>``),
and the command-line builder reads it back from there, so the live XML is the one truth a
restarted daemon (or a hotplug) needs.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from lxml import etree
from pyvirt import ErrorCode, ErrorDomain, VirtError, make_error
from pyvirt.conf import ControllerDef, DiskDef, DomainDef, disk_name_to_index

from pyvirt_qemu._image_meta import probe_format, read_meta, resolve_backing

__all__ = [
    "push_overlay",
    "Layer",
    "VolumeResolver",
    "apply_disk_defaults",
    "disk_file",
    "disk_layers",
    "empty_chain_xml",
    "prepare_disks",
]

_ST = ErrorDomain.STORAGE
#: libvirt's guard against chains that never end (VIR_STORAGE_MAX_CHAIN_DEPTH).
MAX_CHAIN_DEPTH = 200
#: Formats that may name a backing file: a backing file probed as one of these, with no
#: format recorded in its child's header, is refused.
_BACKING_CAPABLE = frozenset({"qcow2"})
#: libvirt's default SCSI controller model for x86 guests.
DEFAULT_SCSI_MODEL = "lsilogic"

#: (pool, volume) → the volume's file; raises libvirt's lookup errors.
VolumeResolver = Callable[[str, str], str]


@dataclass(frozen=True)
class Layer:
    """One image of a disk's chain: the file, its format, its block-node index."""

    path: str
    format: str
    index: int


# ---------------------------------------------------------------- define time


def apply_disk_defaults(d: DomainDef) -> None:
    """libvirt's disk post-parse and validation: one disk per target, the default driver,
    and the implicit controllers (``lsilogic`` SCSI; AHCI on i440fx, q35 has its own)."""
    _order_disks(d)
    seen: dict[str, DiskDef] = {}
    for disk in d.disks:
        other = seen.get(disk.target_dev)
        if other is not None:
            raise make_error(
                ErrorCode.XML_ERROR,
                ErrorDomain.DOMAIN,
                f"target '{disk.target_dev}' duplicated for disk sources "
                f"'{_shown_source(other)}' and '{_shown_source(disk)}'",
            )
        seen[disk.target_dev] = disk
        drv = dict(disk.driver or {})
        if drv.get("name", "qemu") == "qemu" and disk.type in ("file", "block", "volume"):
            drv.setdefault("name", "qemu")
            drv.setdefault("type", "raw")
            disk.driver = {"name": drv.pop("name"), "type": drv.pop("type"), **drv}
    for c in d.controllers:
        if c.type == "scsi" and c.model is None:
            c.model = DEFAULT_SCSI_MODEL  # the QEMU driver's choice, shown once defined
    have = {(c.type, c.index) for c in d.controllers}
    for bus in ("scsi", "sata"):
        for ctrl in sorted({_controller_index(disk) for disk in d.disks if disk.target_bus == bus}):
            if (bus, ctrl) in have:
                continue
            model = DEFAULT_SCSI_MODEL if bus == "scsi" else None
            d.devices.append(ControllerDef(type=bus, index=ctrl, model=model))
            have.add((bus, ctrl))


def _order_disks(d: DomainDef) -> None:
    """libvirt keeps disks as ``virDomainDiskInsert`` places them, one by one in document
    order: before the first disk of the same bus with a later name, else right after the
    last disk of that bus, else at the end.  The order decides the node indices (and the
    order of the command line), so it is kept here exactly."""
    placed: list[DiskDef] = []
    for disk in d.disks:
        at = -1
        for i in range(len(placed) - 1, -1, -1):
            if placed[i].target_bus != disk.target_bus:
                continue
            if disk_name_to_index(placed[i].target_dev) > disk_name_to_index(disk.target_dev):
                at = i
            elif at == -1:
                at = i + 1
        placed.insert(len(placed) if at == -1 else at, disk)
    slots = [i for i, dev in enumerate(d.devices) if isinstance(dev, DiskDef)]
    for i, disk in zip(slots, placed, strict=True):
        d.devices[i] = disk


def _controller_index(disk: DiskDef) -> int:
    addr = disk.address
    if addr is not None and addr.type == "drive":
        return int(addr.attrs.get("controller", "0"))
    return 0


def _shown_source(disk: DiskDef) -> str:
    if disk.type == "volume":
        return f"{disk.source.get('pool', '')}/{disk.source.get('volume', '')}"
    return disk.source_path or ""


# ---------------------------------------------------------------- start time


def prepare_disks(live: DomainDef, resolve_volume: VolumeResolver) -> dict[str, str]:
    """Read every disk's chain into *live* (indices, ``<backingStore>``); return the file
    of each disk by target (a volume disk's file is not in its XML).

    Node indices go as libvirt hands them out: first every disk's own image, from the last
    disk to the first (an empty drive takes an index too), then the backing images of each
    chain, again from the last disk to the first (libvirtd numbers a guest whose vda and vdb
    both have backing files vdb=1, vda=2, vdb's backing 3, 4 ..., vda's after them).
    """
    files: dict[str, str] = {}
    chains: list[tuple[DiskDef, list[tuple[str, str]]]] = []
    index = 0
    for disk in reversed(live.disks):
        _forget_chain(disk)
        index += 1
        path = disk_file(disk, resolve_volume)
        if path is None:
            # An empty drive has no image, so no format either (libvirt's live XML).
            disk.driver = {k: v for k, v in (disk.driver or {}).items() if k != "type"}
            continue
        files[disk.target_dev] = path
        fmt = (disk.driver or {}).get("type", "raw")
        chains.append((disk, _read_chain(path, fmt)))
        disk.source = {**disk.source, "index": str(index)}
    for disk, backing in chains:
        disk.extra.append(_backing_xml(backing, index + 1))
        index += len(backing)
    return files


def push_overlay(disk: DiskDef, path: str, index: int) -> None:
    """A running disk's new top image *path* (node index *index*) over what it was: the old
    top becomes the first ``<backingStore>``, its own chain below it, as libvirt shows a
    disk after an external snapshot."""
    below = etree.Element("backingStore", type="file", index=disk.source.get("index", "1"))
    etree.SubElement(below, "format", type=(disk.driver or {}).get("type", "raw"))
    etree.SubElement(below, "source", file=disk.source_path or "")
    old = next((e for e in disk.extra if e.tag == "backingStore"), None)
    below.append(old if old is not None else etree.Element("backingStore"))
    disk.extra = [e for e in disk.extra if e.tag != "backingStore"] + [below]
    disk.source = {**disk.source, "file": path, "index": str(index)}


def _forget_chain(disk: DiskDef) -> None:
    """A definition copied from an earlier run carries that run's chain: drop it."""
    disk.source = {k: v for k, v in disk.source.items() if k != "index"}
    disk.extra = [el for el in disk.extra if el.tag != "backingStore"]


def disk_file(disk: DiskDef, resolve_volume: VolumeResolver) -> str | None:
    """The image *disk* opens: its file (or device), a volume's file from its pool, None
    for an empty drive."""
    if disk.type == "volume":
        pool, vol = disk.source.get("pool"), disk.source.get("volume")
        if not pool or not vol:
            return None
        return resolve_volume(pool, vol)
    if disk.type not in ("file", "block"):
        return None
    return disk.source.get("file") or disk.source.get("dev")


def _access_error(what: str, errno_text: str) -> VirtError:
    return make_error(
        ErrorCode.SYSTEM_ERROR,
        _ST,
        f"Cannot access {what} (as uid:{os.geteuid()}, gid:{os.getegid()}): {errno_text}",
    )


def _check_readable(path: str, what: str) -> None:
    try:
        os.stat(path)
    except OSError as exc:
        raise _access_error(what, exc.strerror or str(exc)) from None
    if not os.access(path, os.R_OK):
        raise _access_error(what, "Permission denied")


def _read_chain(top: str, fmt: str) -> list[tuple[str, str]]:
    """The backing images of *top* (opened as *fmt*): (file, format) from the nearest."""
    _check_readable(top, f"storage file '{top}'")
    chain: list[tuple[str, str]] = []
    seen = {os.path.realpath(top)}
    path = top
    while True:
        try:
            meta = read_meta(path, fmt)
        except (OSError, ValueError) as exc:
            raise make_error(ErrorCode.INTERNAL_ERROR, _ST,
                             f"cannot probe backing volume info: {path}: {exc}") from None  # fmt: skip
        if meta.backing is None:
            return chain
        child = path
        path = resolve_backing(child, meta.backing)
        if os.path.realpath(path) in seen or len(chain) >= MAX_CHAIN_DEPTH:
            raise make_error(ErrorCode.INTERNAL_ERROR, _ST,
                             f"backing store for {top} is self-referential or too deeply "
                             f"nested")  # fmt: skip
        seen.add(os.path.realpath(path))
        _check_readable(path, f"backing store '{path}' of storage file '{child}'")
        fmt = meta.backing_format or _probe_untrusted(path, meta.backing, child)
        chain.append((path, fmt))


def _probe_untrusted(path: str, recorded: str, child: str) -> str:
    """No format in the header: a probe may only ever conclude raw (libvirt's rule)."""
    probed = probe_format(path)
    if probed in _BACKING_CAPABLE:
        raise make_error(
            ErrorCode.OPERATION_INVALID,
            _ST,
            f"format of backing image '{recorded}' of image '{child}' was not specified in "
            "the image metadata (See https://libvirt.org/kbase/backing_chains.html for "
            "troubleshooting)",
        )
    return probed


def empty_chain_xml() -> etree._Element:
    """The ``<backingStore/>`` libvirt shows under an image with no backing file."""
    return _backing_xml([], 0)


def _backing_xml(chain: list[tuple[str, str]], first_index: int) -> etree._Element:
    """``<backingStore type='file' index='N'><format/><source/><backingStore …/>`` nested,
    ending in an empty ``<backingStore/>`` as libvirt ends a chain it read to the end."""
    root = etree.Element("backingStore")
    el = root
    for n, (path, fmt) in enumerate(chain):
        el.set("type", "file")
        el.set("index", str(first_index + n))
        etree.SubElement(el, "format", type=fmt)
        etree.SubElement(el, "source", file=path)
        el = etree.SubElement(el, "backingStore")
    return root


def disk_layers(disk: DiskDef, path: str | None, fallback_index: int) -> list[Layer]:
    """The disk's chain as the live XML records it, its own image first.

    *fallback_index* numbers a disk whose definition was never prepared (the trial build
    at define time), which then has no backing layers.
    """
    if path is None:
        return []
    fmt = (disk.driver or {}).get("type", "raw")
    top = Layer(path, fmt, int(disk.source.get("index", fallback_index)))
    layers = [top]
    el = next((e for e in disk.extra if e.tag == "backingStore"), None)
    while el is not None and el.get("index") is not None:
        fmt_el, src = el.find("format"), el.find("source")
        if fmt_el is None or src is None:
            break
        layers.append(Layer(src.get("file", ""), fmt_el.get("type", "raw"), int(el.get("index", "0"))))
        el = el.find("backingStore")
    return layers
