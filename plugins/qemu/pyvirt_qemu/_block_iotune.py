"""Disk I/O throttling of the QEMU driver (virsh blkdeviotune): libvirt's
qemuDomainGet/SetBlockIoTune over QMP ``block_set_io_throttle`` and ``query-block``.

Why a running guest's values are read back from QEMU and not from the live XML: QEMU
shares one set of limits between the disks of a throttle group, and names the group of a
disk that joined none itself (its device's QOM path), which is what libvirt 9.0 reports.
The ``<iotune>`` elements still record what was set, as libvirt writes them: in the live
definition and, with --config, the persistent one, for every disk of the group.

A new value replaces its whole family (the three ``*_bytes_sec`` go together, as do the
``*_iops_sec``, the maxima, their burst lengths ...); the families not given keep their
values, those of the group being joined when a group is named (libvirt's
qemuDomainSetBlockIoTuneDefaults and qemuDomainFindGroupBlockIoTune).
"""

from __future__ import annotations

from typing import Any

from pyvirt import (
    DomainRef,
    ErrorCode,
    ErrorDomain,
    TypedParameter,
    TypedParameterType,
    make_error,
    typed_param,
    validate_typed_params,
)
from pyvirt.conf import DiskDef, DomainDef
from pyvirt.driver import IOTUNE_FIELDS, IOTUNE_MAX, iotune_values, unsupported_flags, write_iotune

from pyvirt_qemu._affect import AffectOps
from pyvirt_qemu._block_ops import disk_by_name
from pyvirt_qemu._monitor import Monitor

__all__ = ["BlockIoTuneOps", "apply_disk_throttles"]

_Q = ErrorDomain.QEMU
_LIVE, _CONFIG, _STRING_OKAY = 1, 2, 4
_ULL, _STR = TypedParameterType.ULLONG, TypedParameterType.STRING
#: libvirt's field → QMP's (block_set_io_throttle's arguments, query-block's keys).
_QMP = dict(zip(IOTUNE_FIELDS, (
    "bps", "bps_rd", "bps_wr", "iops", "iops_rd", "iops_wr", "bps_max", "bps_rd_max",
    "bps_wr_max", "iops_max", "iops_rd_max", "iops_wr_max", "iops_size", "group",
    "bps_max_length", "bps_rd_max_length", "bps_wr_max_length", "iops_max_length",
    "iops_rd_max_length", "iops_wr_max_length",
), strict=True))  # fmt: skip
_KINDS = ("total", "read", "write")
#: The families a given field sets as a whole (libvirt's QEMU_BLOCK_IOTUNE_SET_*).
_FAMILIES: tuple[tuple[str, ...], ...] = (
    *(tuple(f"{k}_{unit}" for k in _KINDS) for unit in (
        "bytes_sec", "iops_sec", "bytes_sec_max", "iops_sec_max",
        "bytes_sec_max_length", "iops_sec_max_length")),
    ("size_iops_sec",),
    ("group_name",),
)  # fmt: skip
_NUMERIC = tuple(f for f in IOTUNE_FIELDS if f != "group_name")
_Info = dict[str, int | str]


def _family(field: str) -> tuple[str, ...]:
    return next(f for f in _FAMILIES if field in f)


def _qmp_args(qdev: str, info: _Info) -> dict[str, Any]:
    args: dict[str, Any] = {"id": qdev}
    # A burst length of 0 means "QEMU's default" to libvirt: it is left out, not sent.
    args.update({_QMP[f]: info[f] for f in _NUMERIC if info[f] or not f.endswith("_length")})
    if info["group_name"]:
        args["group"] = info["group_name"]
    return args


def _alias(disk: DiskDef) -> str:
    from pyvirt_qemu._aliases import alias_of, disk_alias

    return alias_of(disk) or disk_alias(disk)


def _block_entry(monitor: Monitor, disk: DiskDef) -> dict[str, Any]:
    """query-block's entry of *disk*: its ``qdev`` is the QOM path QMP's throttling takes
    (a virtio disk's block backend is its ``virtio-backend`` child, not the device)."""
    alias = _alias(disk)
    for entry in monitor.execute("query-block"):
        qdev = str(entry.get("qdev", ""))
        if qdev == alias or qdev.startswith(f"/machine/peripheral/{alias}/"):
            return dict(entry)
    raise make_error(ErrorCode.INTERNAL_ERROR, _Q, f"cannot find limits on device '{alias}'")


def _throttle(monitor: Monitor, disk: DiskDef, info: _Info) -> None:
    qdev = str(_block_entry(monitor, disk).get("qdev", ""))
    monitor.execute("block_set_io_throttle", _qmp_args(qdev, info))


def apply_disk_throttles(monitor: Monitor, live: DomainDef) -> None:
    """At start: the limits of every disk whose definition has an ``<iotune>`` (libvirt
    sets them over QMP once QEMU runs, as ``-blockdev`` has no place for them)."""
    for disk in live.disks:
        if any(el.tag == "iotune" for el in disk.extra) and disk.source_path is not None:
            _throttle(monitor, disk, iotune_values(disk))


def _check_exclusive(info: _Info) -> None:
    for kind in ("bytes_sec", "iops_sec", "bytes_sec_max", "iops_sec_max"):
        if info[f"total_{kind}"] and (info[f"read_{kind}"] or info[f"write_{kind}"]):
            raise make_error(ErrorCode.INVALID_ARG, _Q,
                             f"total and read/write of {kind} cannot be set at the same time")  # fmt: skip


def _with_defaults(defn: DomainDef, disk: DiskDef, given: _Info) -> _Info:
    """The new settings of *disk*: *given*'s families, the others as they are (the group's
    when *given* names a group another disk is in)."""
    source = disk
    group = given.get("group_name")
    if group:
        source = next((d for d in defn.disks if iotune_values(d)["group_name"] == group), disk)
    old = iotune_values(source)
    new = dict(old)
    set_families = {_family(f) for f in given}
    for family in _FAMILIES:
        if family in set_families:
            for field in family:
                new[field] = given.get(field, "" if field == "group_name" else 0)
    for unit in ("bytes_sec", "iops_sec"):  # a cleared burst length QEMU must still accept
        for kind in _KINDS:
            length, base = f"{kind}_{unit}_max_length", f"{kind}_{unit}"
            if _family(length) in set_families and old[length] and not new[length]:
                new[length] = 1 if new[base] or new[f"{base}_max"] else 0
    return new


def _check_reset(disk: DiskDef, info: _Info) -> None:
    """All limits zero removes the throttling (and the group); naming a new group so is
    refused (qemuDomainCheckBlockIoTuneReset)."""
    if any(info[f] for f in _NUMERIC):
        return
    if info["group_name"] and info["group_name"] != iotune_values(disk)["group_name"]:
        raise make_error(ErrorCode.CONFIG_UNSUPPORTED, _Q,
                         "creating a new group/updating existing with all tune parameters zero "
                         "is not supported")  # fmt: skip
    info["group_name"] = ""


def _settings(defn: DomainDef, name: str, given: _Info, missing: str) -> tuple[DiskDef, _Info]:
    """The disk *name* of *defn* (*missing*: the error's words) and its new settings."""
    found = disk_by_name(defn, name)
    if found is None:
        raise make_error(ErrorCode.INVALID_ARG, _Q, missing.format(name))
    info = _with_defaults(defn, found, given)
    _check_reset(found, info)
    return found, info


def _check_max(info: _Info) -> None:
    """A maximum needs its base rate (libvirt 9.0 words every case as a reset)."""
    for unit in ("bytes_sec", "iops_sec"):
        for kind in _KINDS:
            base = f"{kind}_{unit}"
            if info[f"{base}_max"] and not info[base]:
                raise make_error(ErrorCode.CONFIG_UNSUPPORTED, _Q,
                                 f"cannot reset '{base}' when '{base}_max' is set")  # fmt: skip


def _store(defn: DomainDef, disk: DiskDef, info: _Info) -> None:
    """The disk's <iotune>, and every disk of its group's (qemuDomainSetGroupBlockIoTune)."""
    write_iotune(disk, info)
    if info["group_name"]:
        for other in defn.disks:
            if other is not disk and iotune_values(other)["group_name"] == info["group_name"]:
                write_iotune(other, info)


def _from_query(entry: dict[str, Any]) -> _Info:
    inserted = entry.get("inserted") or {}
    info: _Info = {f: int(inserted.get(_QMP[f], 0)) for f in _NUMERIC}
    info["group_name"] = str(inserted.get("group", ""))
    return info


class BlockIoTuneOps(AffectOps):
    """Mixin for :class:`~pyvirt_qemu._driver.QemuConnection`: ``virsh blkdeviotune``."""

    def domain_get_block_io_tune(
        self, dom_ref: DomainRef, disk: str, flags: int
    ) -> list[TypedParameter]:
        unsupported_flags(flags, _LIVE | _CONFIG | _STRING_OKAY, "qemuDomainGetBlockIoTune", _Q)
        dom = self.driver.domains.from_ref(dom_ref)
        with dom.job.hold("virDomainGetBlockIoTune", self.driver.job_wait):
            with self.driver.lock:
                dom, defn = self._one_def(dom_ref, flags & ~_STRING_OKAY)
            found = disk_by_name(defn, disk)
            if found is None:
                raise make_error(ErrorCode.INVALID_ARG, _Q,
                                 f"disk '{disk}' not found in domain")  # fmt: skip
            if defn is dom.live and dom.run is not None:
                info = _from_query(_block_entry(dom.run.monitor, found))
            else:
                info = iotune_values(found)
        return [typed_param(f, _STR if f == "group_name" else _ULL, info[f]) for f in IOTUNE_FIELDS]

    def domain_set_block_io_tune(
        self, dom_ref: DomainRef, disk: str, params: list[TypedParameter], flags: int
    ) -> None:
        unsupported_flags(flags, _LIVE | _CONFIG, "qemuDomainSetBlockIoTune", _Q)
        validate_typed_params(
            params, {f: _STR if f == "group_name" else _ULL for f in IOTUNE_FIELDS}
        )
        for p in params:
            if isinstance(p.value, int) and p.value > IOTUNE_MAX:
                raise make_error(ErrorCode.ARGUMENT_UNSUPPORTED, _Q,
                                 f"block I/O throttle limit value must be no more than {IOTUNE_MAX}")  # fmt: skip
        given: _Info = {p.field: p.value for p in params}  # type: ignore[misc]
        dom = self.driver.domains.from_ref(dom_ref)
        with dom.job.hold("virDomainSetBlockIoTune", self.driver.job_wait):
            with self.driver.lock:
                dom, live, config = self._affected(dom_ref, flags)
            _check_exclusive({**dict.fromkeys(IOTUNE_FIELDS, 0), **given})
            if live and dom.live is not None and dom.run is not None:
                found, info = _settings(dom.live, disk, given, "disk '{}' not found in domain")
                _check_max(info)
                _throttle(dom.run.monitor, found, info)
                _store(dom.live, found, info)
                from pyvirt_qemu._lifecycle import save_run_status  # (it imports this module)

                save_run_status(self.driver, dom)
            if config:
                missing = "missing persistent configuration for disk '{}'"
                found, info = _settings(dom.defn, disk, given, missing)
                _store(dom.defn, found, info)
                self._persist(dom)
