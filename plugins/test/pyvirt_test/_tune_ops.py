"""A test domain's tunables as typed parameters: memory limits (``<memtune>``) and interface
bandwidth (``<interface><bandwidth>``), read and changed as libvirt's test driver does
(testDomainGet/SetMemoryParameters, testDomainGet/SetInterfaceParameters).

The settings live in the definition's XML elements, kept where pyvirt's domain model carries
them verbatim, so ``dumpxml`` shows each change where libvirt writes it.  A limit nobody set
is VIR_DOMAIN_MEMORY_PARAM_UNLIMITED (libvirt's virDomainDefNew starts every limit there);
only set limits are written.
"""

from __future__ import annotations

from pyvirt import ErrorCode, ErrorDomain, TypedParameterType, make_error, typed_param
from pyvirt.driver import unsupported_flags

from pyvirt_test._vcpu_ops import VcpuOps

# Not typing.TYPE_CHECKING: importing typing costs a pyvirsh run several milliseconds.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from lxml import etree
    from pyvirt import DomainRef, TypedParameter
    from pyvirt.conf import DomainDef, InterfaceDef

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


def _has(nic: InterfaceDef, direction: str) -> bool:
    found = _bandwidth(nic)
    return found is not None and found.find(direction) is not None
