"""schedinfo, memtune and blkiotune of the QEMU driver: the guest's cgroup, live and --config.

Why the cgroup files are the truth for a running guest: an administrator (or another tool)
may change them under us, and libvirt reads them back each time; the live definition's
``<cputune>``/``<memtune>``/``<blkiotune>`` only records what was set through the API, and
the persistent one is what the next start writes into the new cgroup
(:func:`apply_tunables`).  The session driver has no cgroups: libvirt's refuses these calls
"in session mode".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lxml import etree
from pyvirt import (
    DomainRef,
    ErrorCode,
    ErrorDomain,
    TypedParameter,
    TypedParameterType,
    VirtError,
    make_error,
    typed_param,
    validate_typed_params,
)
from pyvirt.conf import DomainDef
from pyvirt.driver import (
    BLKIO_DEVICE_FIELDS,
    BLKIO_PARAM_TYPES,
    apply_blkio_params,
    blkio_device_params,
    blkio_tune,
    merge_blkio_devices,
    parse_blkio_devices,
    set_blkio_tune,
    unsupported_flags,
)

from pyvirt_qemu._affect import AffectOps
from pyvirt_qemu._blkio_devices import set_device_limit
from pyvirt_qemu._cgroups import DomainCgroup, find_domain_cgroup

if TYPE_CHECKING:
    from pyvirt_qemu._domain import QemuDomain

__all__ = ["TuneOps", "apply_tunables", "apply_vcpu_tunables"]

_Q = ErrorDomain.QEMU
_LIVE, _CONFIG, _STRING_OKAY = 1, 2, 4
_ULL, _LL, _UINT = TypedParameterType.ULLONG, TypedParameterType.LLONG, TypedParameterType.UINT
#: VIR_DOMAIN_MEMORY_PARAM_UNLIMITED (KiB).
UNLIMITED = 2**53 - 1
#: schedinfo's parameters in libvirt's order: (field, type, <cputune> child, cgroup child
#: whose cpu.cfs_* it is: "" the guest's own, None for cpu.shares).
_SCHED: tuple[tuple[str, TypedParameterType, str], ...] = (
    ("cpu_shares", _ULL, "shares"),
    ("vcpu_period", _ULL, "period"),
    ("vcpu_quota", _LL, "quota"),
    ("emulator_period", _ULL, "emulator_period"),
    ("emulator_quota", _LL, "emulator_quota"),
    ("global_period", _ULL, "global_period"),
    ("global_quota", _LL, "global_quota"),
    ("iothread_period", _ULL, "iothread_period"),
    ("iothread_quota", _LL, "iothread_quota"),
)
#: <cputune> children in the order libvirt writes them (the pins follow).
_CPUTUNE_ORDER = ("shares", "period", "quota", "global_period", "global_quota",
                  "emulator_period", "emulator_quota", "iothread_period", "iothread_quota")  # fmt: skip
_PERIOD_RANGE, _QUOTA_RANGE = (1000, 1000000), (1000, 17592186044415)
_SHARES_RANGE = (2, 262144)
#: memtune: field, <memtune> child, v1 file, v2 file.
_MEM = (
    ("hard_limit", "memory.limit_in_bytes", "memory.max"),
    ("soft_limit", "memory.soft_limit_in_bytes", "memory.high"),
    ("swap_hard_limit", "memory.memsw.limit_in_bytes", "memory.swap.max"),
)
_MEMTUNE_ORDER = ("hard_limit", "soft_limit", "min_guarantee", "swap_hard_limit")


def _invalid(message: str, code: ErrorCode = ErrorCode.OPERATION_INVALID) -> Exception:
    return make_error(code, _Q, message)


# ---------------------------------------------------------------- the XML side


def _children(defn: DomainDef, tag: str) -> dict[str, str]:
    return {str(el.tag): el.text or "" for top in defn.extra.get(tag, []) for el in top
            if isinstance(el.tag, str)}  # fmt: skip


def _set_children(defn: DomainDef, tag: str, order: tuple[str, ...], values: dict[str, str],
                  unit: str | None = None) -> None:  # fmt: skip
    """Write *values* into the <tag> element at libvirt's child order, keeping children
    this module does not own (the pins of <cputune>); an element left empty is dropped."""
    old = defn.extra.get(tag, [])
    top = old[0] if old else etree.Element(tag)
    kept = [el for el in top if not (isinstance(el.tag, str) and el.tag in order)]
    for el in list(top):
        top.remove(el)
    for name in order:
        if name in values:
            el = etree.SubElement(top, name, unit=unit) if unit else etree.SubElement(top, name)
            el.text = values[name]
    for el in kept:
        top.append(el)
    if len(top):
        defn.extra[tag] = [top]
    else:
        defn.extra.pop(tag, None)


def memory_limits(defn: DomainDef) -> dict[str, int]:
    limits = dict.fromkeys(_MEMTUNE_ORDER, UNLIMITED)
    limits.update({k: int(v) for k, v in _children(defn, "memtune").items() if v.isdigit()})
    return limits


def _write_memtune(defn: DomainDef, limits: dict[str, int]) -> None:
    values = {k: str(v) for k, v in limits.items()
              if v < UNLIMITED and (k != "min_guarantee" or v)}  # fmt: skip
    _set_children(defn, "memtune", _MEMTUNE_ORDER, values, unit="KiB")


# ---------------------------------------------------------------- the cgroup side


def _cfs_place(field: str) -> str:
    """The cgroup child whose cpu.cfs_* a schedinfo field is (vcpu: vcpu0 for reading)."""
    return {"vcpu": "vcpu0", "emulator": "emulator"}.get(field.split("_")[0], "")


def _read_sched(cg: DomainCgroup) -> dict[str, int]:
    out: dict[str, int] = {}
    if cg.version == 1:
        out["cpu_shares"] = int(cg.read("cpu", "cpu.shares"))
    else:
        out["cpu_shares"] = int(cg.read("cpu", "cpu.weight")) * 1024 // 100
    for name, _type, _tag in _SCHED[1:]:
        if cg.version == 1:
            key = "cpu.cfs_period_us" if name.endswith("period") else "cpu.cfs_quota_us"
            out[name] = int(cg.read("cpu", key, _cfs_place(name)))
        else:
            quota, period = cg.read("cpu", "cpu.max").split()
            out[name] = int(period) if name.endswith("period") else (
                -1 if quota == "max" else int(quota))  # fmt: skip
    return out


def _write_sched(cg: DomainCgroup, name: str, value: int, vcpus: int) -> None:
    if name == "cpu_shares":
        if cg.version == 1:
            cg.write("cpu", "cpu.shares", str(value))
        else:
            cg.write("cpu", "cpu.weight", str(max(1, min(10000, value * 100 // 1024))))
        return
    if name.startswith("iothread"):
        return  # no iothread of its own: the setting is kept in the XML only
    if cg.version == 2:
        quota, period = cg.read("cpu", "cpu.max").split()
        if name.endswith("period"):
            period = str(value)
        else:
            quota = "max" if value < 0 else str(value)
        cg.write("cpu", "cpu.max", f"{quota} {period}")
        return
    key = "cpu.cfs_period_us" if name.endswith("period") else "cpu.cfs_quota_us"
    places = [_cfs_place(name)]
    if name.startswith("vcpu"):  # the vCPUs present: an absent (unplugged) one has no cgroup
        places = [f"vcpu{i}" for i in range(vcpus) if cg.path("cpu", f"vcpu{i}").is_dir()]
    for place in places:
        cg.write("cpu", key, str(value), place)


def _read_memory(cg: DomainCgroup) -> dict[str, int]:
    out = {}
    for name, v1, v2 in _MEM:
        try:
            raw = cg.read("memory", v1 if cg.version == 1 else v2)
        except Exception:  # noqa: BLE001 - memsw missing when swap accounting is off
            raw = "max"
        kib = UNLIMITED if raw == "max" else int(raw) >> 10
        out[name] = min(kib, UNLIMITED) if kib < (2**63 - 4096) >> 10 else UNLIMITED
    return out


def _write_memory(cg: DomainCgroup, limits: dict[str, int]) -> None:
    """Hard and swap limits in the order the kernel accepts (memsw ≥ limit at all times)."""
    files = {name: (v1 if cg.version == 1 else v2) for name, v1, v2 in _MEM}
    raw = {name: ("-1" if cg.version == 1 else "max") if value >= UNLIMITED else str(value << 10)
           for name, value in limits.items()}  # fmt: skip
    order = [n for n in ("swap_hard_limit", "hard_limit", "soft_limit") if n in raw]
    if "hard_limit" in raw and "swap_hard_limit" in raw and \
            limits["swap_hard_limit"] < _read_memory(cg)["hard_limit"]:  # fmt: skip
        order = ["hard_limit", "swap_hard_limit", "soft_limit"]
    for name in order:
        if name == "soft_limit" or cg.has("memory"):
            cg.write("memory", files[name], raw[name])


def _blkio_weight_file(cg: DomainCgroup) -> tuple[str, str]:
    controller = "blkio" if cg.version == 1 else "io"
    for name in ("blkio.bfq.weight", "blkio.weight") if cg.version == 1 else ("io.bfq.weight", "io.weight"):
        if cg.has(controller) and (cg.path(controller) / name).exists():
            return controller, name
    raise _invalid("blkio device weight is valid only for bfq or cfq scheduler")


def apply_tunables(cg: DomainCgroup, live: DomainDef) -> None:
    """At start: the definition's <cputune>, <memtune> and <blkiotune> into the new cgroup."""
    tune = _children(live, "cputune")
    for name, _type, tag in _SCHED:
        if tag in tune and tune[tag].lstrip("-").isdigit() and int(tune[tag]) != 0:
            _write_sched(cg, name, int(tune[tag]), live.vcpus)
    limits = {k: v for k, v in memory_limits(live).items() if k != "min_guarantee"}
    if any(v < UNLIMITED for v in limits.values()):
        _write_memory(cg, limits)
    weight, devices = blkio_tune(live)
    if weight:
        controller, name = _blkio_weight_file(cg)
        cg.write(controller, name, str(weight))
    for device in devices:  # (libvirt's qemuSetupBlkioCgroup: each value set)
        for _field, child, _limit in BLKIO_DEVICE_FIELDS:
            if device[child]:
                set_device_limit(cg, str(device["path"]), child, int(device[child]))


def apply_vcpu_tunables(cg: DomainCgroup, live: DomainDef, vcpu: int) -> None:
    """A hotplugged vCPU's cgroup gets the definition's vCPU period and quota, as the
    boot vCPUs got them at start."""
    tune = _children(live, "cputune")
    for key, tag in (("cpu.cfs_period_us", "period"), ("cpu.cfs_quota_us", "quota")):
        if cg.version == 1 and tune.get(tag, "").lstrip("-").isdigit() and int(tune[tag]) != 0:
            cg.write("cpu", key, tune[tag], f"vcpu{vcpu}")


# ---------------------------------------------------------------- the API


class TuneOps(AffectOps):
    """Mixin for the QEMU connection: schedinfo, memtune and blkiotune."""

    def _privileged_only(self, what: str) -> None:
        if not self.driver.privileged:
            raise _invalid(f"{what} tuning is not available in session mode")

    def _read_def(self, dom_ref: DomainRef, flags: int, api: str,
                  what: str) -> tuple[QemuDomain, DomainDef, bool]:  # fmt: skip
        """A getter's checks, and the definition it reads (True: the running guest's)."""
        unsupported_flags(flags, _LIVE | _CONFIG | _STRING_OKAY, api, _Q)
        self._privileged_only(what)
        with self.driver.lock:
            dom, defn = self._one_def(dom_ref, flags & ~_STRING_OKAY)
            return dom, defn, defn is dom.live

    def _cgroup(self, dom: QemuDomain, controller: str, what: str) -> DomainCgroup:
        live = dom.live
        cg = find_domain_cgroup(live, dom.id) if live is not None else None
        if cg is None or not cg.has(controller):
            raise _invalid(f"cgroup {what} controller is not mounted")
        return cg

    # -- schedinfo ------------------------------------------------------------------------
    def domain_get_scheduler_type(self, dom_ref: DomainRef) -> tuple[str, int]:
        self._privileged_only("CPU")
        with self.driver.lock:
            self.driver.domains.from_ref(dom_ref)
        return "posix", len(_SCHED)

    def domain_get_scheduler_parameters(
        self, dom_ref: DomainRef, flags: int
    ) -> list[TypedParameter]:
        dom, defn, live = self._read_def(dom_ref, flags, "qemuDomainGetSchedulerParametersFlags", "CPU")
        if live:
            values = _read_sched(self._cgroup(dom, "cpu", "CPU"))
        else:
            tune = _children(defn, "cputune")
            values = {name: int(tune.get(tag) or 0) for name, _type, tag in _SCHED}
        return [typed_param(name, type_, values[name]) for name, type_, _tag in _SCHED]

    def domain_set_scheduler_parameters(
        self, dom_ref: DomainRef, params: list[TypedParameter], flags: int
    ) -> None:
        unsupported_flags(flags, _LIVE | _CONFIG, "qemuDomainSetSchedulerParametersFlags", _Q)
        self._privileged_only("CPU")
        validate_typed_params(params, {name: type_ for name, type_, _tag in _SCHED})
        wanted = {p.field: int(p.value) for p in params}
        for name, value in wanted.items():
            if name.endswith("period") and value and not _in(value, _PERIOD_RANGE):
                raise _range(name, _PERIOD_RANGE)
            if name.endswith("quota") and value not in (0, -1) and not _in(value, _QUOTA_RANGE):
                raise _range(name, _QUOTA_RANGE)
        tags = {name: tag for name, _type, tag in _SCHED}
        changes = {tags[k]: v for k, v in wanted.items()}

        def on_live(dom: QemuDomain, live: DomainDef) -> None:
            shares = wanted.get("cpu_shares")
            if shares is not None and not _in(shares, _SHARES_RANGE):
                raise make_error(ErrorCode.INVALID_ARG, ErrorDomain.CGROUP,
                                 f"shares '{shares}' must be in range [2, 262144]")  # fmt: skip
            cg = self._cgroup(dom, "cpu", "CPU")
            for name, value in wanted.items():
                _write_sched(cg, name, value, live.vcpus)
            _update_cputune(live, changes)

        self._change(dom_ref, flags, "virDomainSetSchedulerParameters", on_live,
                     lambda defn: _update_cputune(defn, changes))  # fmt: skip

    # -- memtune --------------------------------------------------------------------------
    def domain_get_memory_parameters(self, dom_ref: DomainRef, flags: int) -> list[TypedParameter]:
        dom, defn, live = self._read_def(dom_ref, flags, "qemuDomainGetMemoryParameters", "Memory")
        values = _read_memory(self._cgroup(dom, "memory", "memory")) if live else memory_limits(defn)
        return [typed_param(name, _ULL, values[name]) for name, _v1, _v2 in _MEM]

    def domain_set_memory_parameters(
        self, dom_ref: DomainRef, params: list[TypedParameter], flags: int
    ) -> None:
        unsupported_flags(flags, _LIVE | _CONFIG, "qemuDomainSetMemoryParameters", _Q)
        self._privileged_only("Memory")
        validate_typed_params(params, {name: _ULL for name, _v1, _v2 in _MEM})
        wanted = {p.field: min(int(p.value), UNLIMITED) for p in params}
        with self.driver.lock:
            dom = self.driver.domains.from_ref(dom_ref)
            # libvirt checks against the guest's current definition, whichever is changed.
            current = memory_limits(dom.live if dom.live is not None else dom.defn)
        if "hard_limit" in wanted or "swap_hard_limit" in wanted:
            hard = wanted.get("hard_limit", current["hard_limit"])
            if hard > wanted.get("swap_hard_limit", current["swap_hard_limit"]):
                raise _invalid("memory hard_limit tunable value must be lower than or "
                               "equal to swap_hard_limit", ErrorCode.INVALID_ARG)  # fmt: skip

        def on_live(dom: QemuDomain, live: DomainDef) -> None:
            _write_memory(self._cgroup(dom, "memory", "memory"), wanted)
            _write_memtune(live, {**memory_limits(live), **wanted})

        self._change(dom_ref, flags, "virDomainSetMemoryParameters", on_live,
                     lambda defn: _write_memtune(defn, {**memory_limits(defn), **wanted}))  # fmt: skip

    # -- blkiotune ------------------------------------------------------------------------
    def domain_get_blkio_parameters(self, dom_ref: DomainRef, flags: int) -> list[TypedParameter]:
        dom, defn, live = self._read_def(dom_ref, flags, "qemuDomainGetBlkioParameters", "Block I/O")
        weight, devices = blkio_tune(defn)
        if live:  # the weight as the cgroup has it; the devices as the live XML records them
            cg = self._cgroup(dom, "blkio", "blkio")
            weight = int(cg.read(*_blkio_weight_file(cg)).split()[-1])
        return [typed_param("weight", _UINT, weight), *blkio_device_params(devices)]

    def domain_set_blkio_parameters(
        self, dom_ref: DomainRef, params: list[TypedParameter], flags: int
    ) -> None:
        unsupported_flags(flags, _LIVE | _CONFIG, "qemuDomainSetBlkioParameters", _Q)
        self._privileged_only("Block I/O")
        validate_typed_params(params, BLKIO_PARAM_TYPES)

        def on_live(dom: QemuDomain, live: DomainDef) -> None:
            _set_live_blkio(self._cgroup(dom, "blkio", "blkio"), live, params)

        self._change(dom_ref, flags, "virDomainSetBlkioParameters", on_live,
                     lambda defn: apply_blkio_params(defn, params))  # fmt: skip


def _in(value: int, bounds: tuple[int, int]) -> bool:
    return bounds[0] <= value <= bounds[1]


def _range(name: str, bounds: tuple[int, int]) -> Exception:
    return make_error(ErrorCode.INVALID_ARG, _Q,
                      f"value of '{name}' is out of range [{bounds[0]}, {bounds[1]}]")  # fmt: skip


def _update_cputune(defn: DomainDef, changes: dict[str, int]) -> None:
    values = _children(defn, "cputune")
    for tag, value in changes.items():
        values[tag] = str(value)
    values = {k: v for k, v in values.items() if k in _CPUTUNE_ORDER and v not in ("", "0")}
    _set_children(defn, "cputune", _CPUTUNE_ORDER, values)


def _set_live_blkio(cg: DomainCgroup, live: DomainDef, params: list[TypedParameter]) -> None:
    """qemuDomainSetBlkioParameters on a running guest: each parameter into the cgroup in
    turn, the live XML recording what the cgroup holds afterwards.  As libvirt, a list that
    fails (unparsable, not a block device, no such cgroup file) is left out of the XML, the
    others still apply, and the last failure is raised at the end."""
    children = {field: (child, limit) for field, child, limit in BLKIO_DEVICE_FIELDS}
    weight, devices = blkio_tune(live)
    failure: VirtError | None = None
    for p in params:
        try:
            if p.field == "weight":
                controller, name = _blkio_weight_file(cg)
                cg.write(controller, name, str(p.value))
                weight = int(cg.read(controller, name).split()[-1])
                continue
            child, limit = children[p.field]
            given = parse_blkio_devices(str(p.value), p.field, limit)
            held = [(path, set_device_limit(cg, path, child, value)) for path, value in given]
            merge_blkio_devices(devices, held, child)
        except VirtError as e:
            failure = e
    set_blkio_tune(live, weight, devices)
    if failure is not None:
        raise failure
