"""A test domain's NUMA memory placement (``<numatune>``) and block I/O weights
(``<blkiotune>``) as typed parameters, as libvirt's test driver serves them
(testDomainGet/SetNumaParameters, testDomainGet/SetBlkioParameters, which share libvirt's
virDomainNumatuneSet and virDomainDriverSetupPersistentDefBlkioParams).

Both live in the definition's XML elements, kept where pyvirt's domain model carries them
verbatim, so ``dumpxml`` shows each change where libvirt writes it.
"""

from __future__ import annotations

from pyvirt import ErrorCode, ErrorDomain, TypedParameterType, make_error, typed_param
from pyvirt.driver import (
    BLKIO_PARAM_TYPES,
    apply_blkio_params,
    blkio_device_params,
    blkio_tune,
    format_cpuset,
    unsupported_flags,
)

from pyvirt_test._vcpu_ops import VcpuOps

# Not typing.TYPE_CHECKING: importing typing costs a pyvirsh run several milliseconds.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from lxml import etree
    from pyvirt import DomainRef, TypedParameter
    from pyvirt.conf import DomainDef

_T = ErrorDomain.TEST
_LIVE, _CONFIG, _STRING_OKAY = 1, 2, 4
#: VIR_DOMAIN_NUMATUNE_MEM_*, by number.
NUMA_MODES = ("strict", "preferred", "interleave", "restrictive")
_STATIC, _AUTO = "static", "auto"  # VIR_DOMAIN_NUMATUNE_PLACEMENT_*


# -- <numatune><memory> -------------------------------------------------------------------
def _memory(defn: DomainDef) -> etree._Element | None:
    tune = defn.extra.get("numatune")
    return tune[0].find("memory") if tune else None


def numa_memory(defn: DomainDef) -> tuple[int, str, set[int] | None] | None:
    """(mode number, placement, nodeset) of ``<memory>``, None when nothing was specified."""
    from pyvirt.conf import parse_bitmap

    memory = _memory(defn)
    if memory is None:
        return None
    mode = memory.get("mode", "strict")
    nodeset = memory.get("nodeset")
    nodes = None if nodeset is None else parse_bitmap(nodeset)
    placement = memory.get("placement", _STATIC if nodes is not None else _AUTO)
    return NUMA_MODES.index(mode) if mode in NUMA_MODES else 0, placement, nodes


def _write_numa_memory(defn: DomainDef, mode: int, placement: str, nodes: set[int] | None) -> None:
    """virDomainNumatuneFormatXML's ``<memory>``: the nodeset when static, else the
    placement; other children of ``<numatune>`` (memnode) are kept after it."""
    from lxml import etree

    tune = defn.extra.get("numatune")
    if not tune:
        tune = [etree.Element("numatune")]
        defn.extra["numatune"] = tune
    old = tune[0].find("memory")
    memory = etree.Element("memory", mode=NUMA_MODES[mode])
    if placement == _STATIC:
        memory.set("nodeset", format_cpuset(nodes or set()))
    else:
        memory.set("placement", placement)
    if old is None:
        tune[0].insert(0, memory)
    else:
        tune[0].replace(old, memory)


def _numa_set(
    defn: DomainDef, mode: int | None, nodes: set[int] | None
) -> tuple[int, str, set[int] | None] | None:
    """virDomainNumatuneSet: the new (mode, placement, nodeset), or None for no change."""
    if mode is None and nodes is None:
        return None
    current = numa_memory(defn)
    placement: str | None = None
    if current is None:
        mode = 0 if mode is None else mode
        placement = "default"
        current = (0, _AUTO, None)
    new_mode = current[0] if mode is None else mode
    new_nodes = current[2]
    if nodes is not None:
        new_nodes = nodes
        placement = placement if placement not in (None, "default") else _STATIC
    if placement == "default":
        placement = _STATIC if new_nodes or defn.vcpu_placement == "static" else _AUTO
    if placement == _STATIC and not new_nodes:
        raise make_error(  # (conf/numa_conf.c reports it: error domain DOMAIN)
            ErrorCode.CONFIG_UNSUPPORTED,
            ErrorDomain.DOMAIN,
            "nodeset for NUMA memory tuning must be set if 'placement' is 'static'",
        )
    if placement == _AUTO:
        new_nodes = None
    return new_mode, placement or current[1], new_nodes


class NumaBlkioOps(VcpuOps):
    """Mixin for the test connection: numatune and blkiotune."""

    # -- NUMA -----------------------------------------------------------------------------
    def domain_get_numa_parameters(self, dom_ref: DomainRef, flags: int) -> list[TypedParameter]:
        unsupported_flags(flags, _LIVE | _CONFIG | _STRING_OKAY, "testDomainGetNumaParameters", _T)
        with self.state.lock:
            current = numa_memory(self._one_def(self._dom(dom_ref), flags & ~_STRING_OKAY))
        mode, nodes = (0, None) if current is None else (current[0], current[2])
        return [
            typed_param("numa_mode", TypedParameterType.INT, mode),
            typed_param("numa_nodeset", TypedParameterType.STRING, format_cpuset(nodes or set())),
        ]

    def domain_set_numa_parameters(
        self, dom_ref: DomainRef, params: list[TypedParameter], flags: int
    ) -> None:
        from pyvirt import validate_typed_params
        from pyvirt.conf import parse_bitmap

        unsupported_flags(flags, _LIVE | _CONFIG, "testDomainSetNumaParameters", _T)
        validate_typed_params(
            params,
            {"numa_mode": TypedParameterType.INT, "numa_nodeset": TypedParameterType.STRING},
        )
        with self.state.lock:
            dom = self._dom(dom_ref)
            defn = self._one_def(dom, flags)
            live = defn is dom.live and dom.active
            mode: int | None = None
            nodes: set[int] | None = None
            for p in params:
                if p.field == "numa_mode":
                    mode = int(p.value)
                    if not 0 <= mode < len(NUMA_MODES):
                        raise make_error(
                            ErrorCode.INVALID_ARG, _T, f"unsupported numatune mode: '{mode}'"
                        )
                else:
                    nodes = parse_bitmap(str(p.value))
                    if not nodes:
                        raise make_error(
                            ErrorCode.OPERATION_INVALID,
                            _T,
                            f"Invalid nodeset of 'numatune': {p.value}",
                        )
            current = numa_memory(defn)
            if live and mode is not None and current is not None and current[0] != mode:
                raise make_error(
                    ErrorCode.OPERATION_INVALID, _T, "can't change numatune mode for running domain"
                )
            new = _numa_set(defn, mode, nodes)
            if new is not None:
                _write_numa_memory(defn, *new)

    # -- block I/O weights ---------------------------------------------------------------------
    def domain_get_blkio_parameters(self, dom_ref: DomainRef, flags: int) -> list[TypedParameter]:
        unsupported_flags(flags, _LIVE | _CONFIG | _STRING_OKAY, "testDomainGetBlkioParameters", _T)
        with self.state.lock:
            weight, devices = blkio_tune(self._one_def(self._dom(dom_ref), flags & ~_STRING_OKAY))
        return [typed_param("weight", TypedParameterType.UINT, weight), *blkio_device_params(devices)]

    def domain_set_blkio_parameters(
        self, dom_ref: DomainRef, params: list[TypedParameter], flags: int
    ) -> None:
        from pyvirt import validate_typed_params

        unsupported_flags(flags, _LIVE | _CONFIG, "testDomainSetBlkioParameters", _T)
        validate_typed_params(params, BLKIO_PARAM_TYPES)
        with self.state.lock:
            apply_blkio_params(self._one_def(self._dom(dom_ref), flags), params)
