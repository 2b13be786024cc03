"""A test domain's tunables as typed parameters: memory limits (``<memtune>``), interface
bandwidth (``<interface><bandwidth>``) and disk throttling (``<disk><iotune>``), read and
changed as libvirt's test driver does (testDomainGet/SetMemoryParameters,
testDomainGet/SetInterfaceParameters, testDomainGet/SetBlockIoTune).

The settings live in the definition's XML elements, kept where pyvirt's domain model carries
them verbatim, so ``dumpxml`` shows each change where libvirt writes it.  A limit nobody set
is VIR_DOMAIN_MEMORY_PARAM_UNLIMITED (libvirt's virDomainDefNew starts every limit there);
only set limits are written.
"""

from __future__ import annotations

from pyvirt import ErrorCode, ErrorDomain, TypedParameterType, make_error, typed_param
from pyvirt.driver import (
    IOTUNE_FIELDS,
    IOTUNE_MAX,
    PERF_EVENTS,
    iotune_values,
    perf_states,
    unsupported_flags,
    write_iotune,
    write_perf,
)

from pyvirt_test._vcpu_ops import VcpuOps

# Not typing.TYPE_CHECKING: importing typing costs a pyvirsh run several milliseconds.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from lxml import etree
    from pyvirt import DomainRef, TypedParameter
    from pyvirt.conf import DiskDef, DomainDef, InterfaceDef

_T = ErrorDomain.TEST
_LIVE, _CONFIG, _STRING_OKAY = 1, 2, 4
_ULLONG, _UINT = TypedParameterType.ULLONG, TypedParameterType.UINT
#: VIR_DOMAIN_MEMORY_PARAM_UNLIMITED: no limit.
UNLIMITED = 2**53 - 1
#: (typed-parameter field, <memtune> child) in the order virDomainGetMemoryParameters answers.
_MEMORY_LIMITS = (
    ("hard_limit", "hard_limit"),
    ("soft_limit", "soft_limit"),
    ("swap_hard_limit", "swap_hard_limit"),
)
#: <memtune> children in the order libvirt writes them.
_MEMTUNE_ORDER = ("hard_limit", "soft_limit", "min_guarantee", "swap_hard_limit")
#: (direction, attribute) of each bandwidth parameter, in libvirt's order of the answer.
_BANDWIDTH = (
    ("inbound", "average"),
    ("inbound", "peak"),
    ("inbound", "burst"),
    ("inbound", "floor"),
    ("outbound", "average"),
    ("outbound", "peak"),
    ("outbound", "burst"),
)
#: <inbound>/<outbound> attributes in the order libvirt writes them.
_RATE_ORDER = ("average", "peak", "floor", "burst")


# -- <memtune> ---------------------------------------------------------------------------
def memory_limits(defn: DomainDef) -> dict[str, int]:
    """The limits in KiB, UNLIMITED where none is set (min_guarantee: 0).  The domain parser
    has written every limit in KiB already, as libvirt keeps them."""
    limits = dict.fromkeys(_MEMTUNE_ORDER, UNLIMITED)
    limits["min_guarantee"] = 0
    for tune in defn.extra.get("memtune", []):
        for el in tune:
            if isinstance(el.tag, str) and el.tag in limits:
                limits[el.tag] = int(el.text or "0")
    return limits


def _write_memtune(defn: DomainDef, limits: dict[str, int]) -> None:
    from lxml import etree

    tune = etree.Element("memtune")
    for name in _MEMTUNE_ORDER:
        value = limits[name]
        if value < UNLIMITED and (name != "min_guarantee" or value):
            etree.SubElement(tune, name, unit="KiB").text = str(value)
    if len(tune):
        defn.extra["memtune"] = [tune]
    else:
        defn.extra.pop("memtune", None)


# -- <interface><bandwidth> --------------------------------------------------------------
def find_interface(defn: DomainDef, device: str) -> InterfaceDef:
    """virDomainNetFind: by MAC address (any case) or by target device name."""
    for nic in defn.interfaces:
        if device.lower() == (nic.mac or "").lower() or device == nic.target_dev:
            return nic
    raise make_error(
        ErrorCode.INVALID_ARG, ErrorDomain.DOMAIN, f"'{device}' is not a known interface"
    )


def _bandwidth(nic: InterfaceDef) -> etree._Element | None:
    return next((el for el in nic.extra if el.tag == "bandwidth"), None)


def bandwidth_rates(nic: InterfaceDef) -> dict[str, dict[str, int]]:
    """{"inbound": {average, peak, burst, floor}, "outbound": {...}}; 0 where unset."""
    rates = {d: dict.fromkeys(_RATE_ORDER, 0) for d in ("inbound", "outbound")}
    found = _bandwidth(nic)
    for rate in () if found is None else found:
        if rate.tag in rates:
            for attr in _RATE_ORDER:
                rates[str(rate.tag)][attr] = int(rate.get(attr, "0"))
    return rates


def _write_bandwidth(nic: InterfaceDef, rates: dict[str, dict[str, int] | None]) -> None:
    """Replace the <bandwidth> element; a direction of None is left out."""
    from lxml import etree

    old = _bandwidth(nic)
    new = etree.Element("bandwidth")
    for direction in ("inbound", "outbound"):
        values = rates[direction]
        if values is not None:
            attrs = {a: str(values[a]) for a in _RATE_ORDER if values.get(a)}
            etree.SubElement(new, direction, attrs)
    if not len(new):
        # libvirt writes an empty <bandwidth> as an opening and a closing line; the element
        # sits at depth 3 (domain, devices, interface), as the writer indents it.
        new.text = "\n" + "  " * 3
    if old is None:
        nic.extra.append(new)
    else:
        nic.extra[nic.extra.index(old)] = new


def _has(nic: InterfaceDef, direction: str) -> bool:
    found = _bandwidth(nic)
    return found is not None and found.find(direction) is not None


# -- <disk><iotune> -------------------------------------------------------------------------
def find_disk(defn: DomainDef, path: str) -> DiskDef | None:
    """virDomainDiskByName: by target ("vda") or by source path."""
    return next((d for d in defn.disks if path in (d.target_dev, d.source_path)), None)


def _check_iotune(info: dict[str, int | str]) -> None:
    """testDomainSetBlockIoTune's checks of the combined settings, in its order."""
    for kind in ("bytes_sec", "iops_sec", "bytes_sec_max", "iops_sec_max"):
        total = info[f"total_{kind}"]
        if total and (info[f"read_{kind}"] or info[f"write_{kind}"]):
            raise make_error(
                ErrorCode.INVALID_ARG,
                _T,
                f"total and read/write of {kind} cannot be set at the same time",
            )
    for kind in ("total", "read", "write"):
        for unit in ("bytes_sec", "iops_sec"):
            field = f"{kind}_{unit}"
            if int(info[field]) > int(info[f"{field}_max"]):
                raise make_error(
                    ErrorCode.INVALID_ARG, _T, f"{field} cannot be set higher than {field}_max "
                )


class TuneOps(VcpuOps):
    """Mixin for the test connection: memtune and domiftune."""

    # -- memory ---------------------------------------------------------------------------
    def domain_get_memory_parameters(self, dom_ref: DomainRef, flags: int) -> list[TypedParameter]:
        unsupported_flags(
            flags, _LIVE | _CONFIG | _STRING_OKAY, "testDomainGetMemoryParameters", _T
        )
        with self.state.lock:
            limits = memory_limits(self._one_def(self._dom(dom_ref), flags & ~_STRING_OKAY))
        return [typed_param(field, _ULLONG, limits[tag]) for field, tag in _MEMORY_LIMITS]

    def domain_set_memory_parameters(
        self, dom_ref: DomainRef, params: list[TypedParameter], flags: int
    ) -> None:
        from pyvirt import validate_typed_params

        unsupported_flags(flags, _LIVE | _CONFIG, "testDomainSetMemoryParameters", _T)
        validate_typed_params(params, {field: _ULLONG for field, _tag in _MEMORY_LIMITS})
        wanted = {p.field: int(p.value) for p in params}
        with self.state.lock:
            dom = self._dom(dom_ref)
            defn = self._one_def(dom, flags)
            if "hard_limit" in wanted or "swap_hard_limit" in wanted:
                # libvirt compares with the domain's current definition, whichever is changed
                current = memory_limits(dom.live)
                hard = wanted.get("hard_limit", current["hard_limit"])
                if hard > wanted.get("swap_hard_limit", current["swap_hard_limit"]):
                    raise make_error(
                        ErrorCode.INVALID_ARG,
                        _T,
                        "memory hard_limit tunable value must be lower than or equal to "
                        "swap_hard_limit",
                    )
            limits = memory_limits(defn)
            limits.update(wanted)
            _write_memtune(defn, limits)

    # -- interface bandwidth ----------------------------------------------------------------
    def domain_get_interface_parameters(
        self, dom_ref: DomainRef, device: str, flags: int
    ) -> list[TypedParameter]:
        unsupported_flags(
            flags, _LIVE | _CONFIG | _STRING_OKAY, "testDomainGetInterfaceParameters", _T
        )
        with self.state.lock:
            defn = self._one_def(self._dom(dom_ref), flags & ~_STRING_OKAY)
            rates = bandwidth_rates(find_interface(defn, device))
        return [typed_param(f"{d}.{a}", _UINT, rates[d][a]) for d, a in _BANDWIDTH]

    def domain_set_interface_parameters(
        self, dom_ref: DomainRef, device: str, params: list[TypedParameter], flags: int
    ) -> None:
        from pyvirt import validate_typed_params

        unsupported_flags(flags, _LIVE | _CONFIG, "testDomainSetInterfaceParameters", _T)
        validate_typed_params(params, {f"{d}.{a}": _UINT for d, a in _BANDWIDTH})
        given: dict[str, dict[str, int]] = {"inbound": {}, "outbound": {}}
        for p in params:
            direction, _, attr = p.field.partition(".")
            given[direction][attr] = int(p.value)
        with self.state.lock:
            nic = find_interface(self._one_def(self._dom(dom_ref), flags), device)
            had = _bandwidth(nic) is not None
            old = bandwidth_rates(nic) if had else None
            new: dict[str, dict[str, int] | None] = {}
            for direction, values in given.items():
                mandatory = ("average", "floor") if direction == "inbound" else ("average",)
                specified = any(a in values for a in mandatory)
                if any(values.get(a) for a in mandatory):
                    new[direction] = dict.fromkeys(_RATE_ORDER, 0) | values
                elif specified or old is None or not _has(nic, direction):
                    new[direction] = None  # cleared, or never set
                else:
                    new[direction] = old[direction]  # kept as it was
            _write_bandwidth(nic, new)

    # -- disk throttling ---------------------------------------------------------------------
    def domain_get_block_io_tune(
        self, dom_ref: DomainRef, disk: str, flags: int
    ) -> list[TypedParameter]:
        unsupported_flags(flags, _LIVE | _CONFIG | _STRING_OKAY, "testDomainGetBlockIoTune", _T)
        with self.state.lock:
            found = find_disk(self._one_def(self._dom(dom_ref), flags & ~_STRING_OKAY), disk)
            if found is None:
                raise make_error(
                    ErrorCode.INVALID_ARG, _T, f"disk '{disk}' was not found in the domain config"
                )
            values = iotune_values(found)
        return [
            typed_param(f, TypedParameterType.STRING if f == "group_name" else _ULLONG, values[f])
            for f in IOTUNE_FIELDS
        ]

    def domain_set_block_io_tune(
        self, dom_ref: DomainRef, disk: str, params: list[TypedParameter], flags: int
    ) -> None:
        from pyvirt import validate_typed_params

        unsupported_flags(flags, _LIVE | _CONFIG, "testDomainSetBlockIoTune", _T)
        types = {f: _ULLONG for f in IOTUNE_FIELDS} | {"group_name": TypedParameterType.STRING}
        validate_typed_params(params, types)
        with self.state.lock:
            found = find_disk(self._one_def(self._dom(dom_ref), flags), disk)
            if found is None:
                raise make_error(
                    ErrorCode.INVALID_ARG, _T, f"missing persistent configuration for disk '{disk}'"
                )
            info = iotune_values(found)
            for p in params:
                if isinstance(p.value, int) and p.value > IOTUNE_MAX:
                    raise make_error(
                        ErrorCode.ARGUMENT_UNSUPPORTED,
                        _T,
                        f"block I/O throttle limit value must be no more than {IOTUNE_MAX}",
                    )
                info[p.field] = p.value  # type: ignore[assignment]
            _check_iotune(info)
            write_iotune(found, info)

    # -- perf events ---------------------------------------------------------------------------
    def domain_get_perf_events(self, dom_ref: DomainRef, flags: int) -> list[TypedParameter]:
        unsupported_flags(flags, _LIVE | _CONFIG | _STRING_OKAY, "testDomainGetPerfEvents", _T)
        with self.state.lock:
            states = perf_states(self._one_def(self._dom(dom_ref), flags & ~_STRING_OKAY))
        return [typed_param(n, TypedParameterType.BOOLEAN, bool(states[n])) for n in PERF_EVENTS]

    def domain_set_perf_events(
        self, dom_ref: DomainRef, params: list[TypedParameter], flags: int
    ) -> None:
        from pyvirt import validate_typed_params

        unsupported_flags(flags, _LIVE | _CONFIG, "testDomainSetPerfEvents", _T)
        validate_typed_params(params, dict.fromkeys(PERF_EVENTS, TypedParameterType.BOOLEAN))
        with self.state.lock:
            defn = self._one_def(self._dom(dom_ref), flags)
            states = perf_states(defn)
            for p in params:
                states[p.field] = bool(p.value)
            write_perf(defn, states)
