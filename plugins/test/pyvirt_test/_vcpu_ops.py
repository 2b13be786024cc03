"""A test domain's vCPUs: where they run (virDomainGetVcpus) and where they and the emulator
threads may run (vCPU and emulator pinning).

Pins live in the definition's ``<cputune>`` (``<vcpupin vcpu='N' cpuset='...'/>``,
``<emulatorpin cpuset='...'/>``), kept as the element pyvirt's domain model carries verbatim,
so ``dumpxml`` shows them where libvirt does.  The figures are libvirt's test driver's: every
host CPU of the test node (16) is allowed unless pinned, a vCPU "runs" on the last CPU it may
use, and its CPU time is a fake that grows with the wall clock (the real time in µs / 10).
"""

from __future__ import annotations

import time

from pyvirt import DomainModificationImpact, ErrorCode, ErrorDomain, make_error
from pyvirt.driver import invalid_arg, unsupported_flags

from pyvirt_test._domain_ops import DomainOps

# Not typing.TYPE_CHECKING: importing typing costs a pyvirsh run several milliseconds.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from lxml import etree
    from pyvirt import DomainRef
    from pyvirt.conf import DomainDef

    from pyvirt_test._objects import TestDomain

_T = ErrorDomain.TEST
_LIVE, _CONFIG = DomainModificationImpact.LIVE, DomainModificationImpact.CONFIG
_VCPU_RUNNING = 1  # VIR_VCPU_RUNNING
#: <cputune> children in the order libvirt writes them.
_CPUTUNE_ORDER = (
    "shares", "period", "quota", "global_period", "global_quota", "emulator_period",
    "emulator_quota", "iothread_period", "iothread_quota", "vcpupin", "emulatorpin",
    "iothreadpin", "emulatorsched", "vcpusched", "iothreadsched", "cachetune", "memorytune",
)  # fmt: skip


# -- CPU sets: libvirt's bitmap strings and cpumap bytes ------------------------------------
def parse_cpuset(text: str) -> set[int]:
    """virBitmapParse for the sets libvirt writes ("0-3,^2,5"); "" is the empty set.  (The
    domain parser has checked every cpuset of a definition already.)"""
    from pyvirt.conf import parse_bitmap

    return parse_bitmap(text)


def format_cpuset(cpus: set[int]) -> str:
    """virBitmapFormat: "0-3,5"."""
    runs: list[str] = []
    for cpu in sorted(cpus):
        if runs and cpu - 1 in cpus:
            runs[-1] = f"{runs[-1].split('-')[0]}-{cpu}"
        else:
            runs.append(str(cpu))
    return ",".join(runs)


def cpus_of(cpumap: bytes) -> set[int]:
    return {i for i in range(len(cpumap) * 8) if cpumap[i // 8] >> (i % 8) & 1}


def cpumap_of(cpus: set[int], maplen: int) -> bytes:
    """The first *maplen* bytes of the bitmap (virBitmapToDataBuf: higher CPUs dropped)."""
    data = bytearray(maplen)
    for cpu in cpus:
        if cpu < maplen * 8:
            data[cpu // 8] |= 1 << (cpu % 8)
    return bytes(data)


# -- pins in <cputune> -------------------------------------------------------------------
def _cputune(defn: DomainDef) -> etree._Element | None:
    found = defn.extra.get("cputune")
    return found[0] if found else None


def _vcpu_pin(defn: DomainDef, vcpu: int) -> set[int] | None:
    tune = _cputune(defn)
    for pin in tune.findall("vcpupin") if tune is not None else []:
        if pin.get("vcpu") == str(vcpu):
            return parse_cpuset(pin.get("cpuset", ""))
    return None


def _emulator_pin(defn: DomainDef) -> set[int] | None:
    tune = _cputune(defn)
    pin = tune.find("emulatorpin") if tune is not None else None
    return None if pin is None else parse_cpuset(pin.get("cpuset", ""))


def _set_pin(defn: DomainDef, tag: str, vcpu: int | None, cpus: set[int]) -> None:
    """Replace the ``<vcpupin>`` of *vcpu* (or the ``<emulatorpin>``) and keep libvirt's
    order of ``<cputune>``'s children (vCPU pins by number)."""
    from lxml import etree

    tune = _cputune(defn)
    if tune is None:
        tune = etree.Element("cputune")
        defn.extra["cputune"] = [tune]
    for old in tune.findall(tag):
        if vcpu is None or old.get("vcpu") == str(vcpu):
            tune.remove(old)
    attrs = {} if vcpu is None else {"vcpu": str(vcpu)}
    etree.SubElement(tune, tag, attrs).set("cpuset", format_cpuset(cpus))

    def rank(el: etree._Element) -> tuple[int, int]:
        tag = str(el.tag)
        order = _CPUTUNE_ORDER.index(tag) if tag in _CPUTUNE_ORDER else len(_CPUTUNE_ORDER)
        return order, int(el.get("vcpu", "0")) if tag == "vcpupin" else 0

    tune[:] = sorted(tune, key=rank)


class VcpuOps(DomainOps):
    """Mixin for the test connection: vCPU information and pinning."""

    def _host_cpus(self) -> set[int]:
        info = self.state.node_info
        return set(range(info.nodes * info.sockets * info.cores * info.threads))

    def _one_def(self, dom: TestDomain, flags: int) -> DomainDef:
        """libvirt's virDomainObjGetOneDef: the live or the persistent definition."""
        if flags & _LIVE and flags & _CONFIG:
            raise invalid_arg(
                "Flags 'VIR_DOMAIN_AFFECT_LIVE' and 'VIR_DOMAIN_AFFECT_CONFIG' are mutually exclusive",
                "virDomainObjGetOneDefState",
                "flags",
            )
        live, persistent = self._defs_for(dom, flags)
        defn = live if live is not None else persistent
        assert defn is not None
        return defn

    def domain_get_vcpus(
        self, dom_ref: DomainRef, maxinfo: int, maplen: int
    ) -> tuple[list[tuple[int, int, int, int]], bytes]:
        with self.state.lock:
            dom = self._dom(dom_ref)
            if not dom.active:
                raise make_error(
                    ErrorCode.OPERATION_INVALID, _T, "cannot list vcpus for an inactive domain"
                )
            cpu_time = time.time_ns() // 1000 // 10
            infos: list[tuple[int, int, int, int]] = []
            maps = b""
            for vcpu in range(min(maxinfo, dom.live.vcpus)):
                pin = _vcpu_pin(dom.live, vcpu)
                allowed = self._host_cpus() if pin is None else pin
                infos.append((vcpu, _VCPU_RUNNING, cpu_time, max(allowed, default=-1)))
                maps += cpumap_of(allowed, maplen)
            return infos, maps

    def domain_pin_vcpu_flags(
        self, dom_ref: DomainRef, vcpu: int, cpumap: bytes, flags: int
    ) -> None:
        unsupported_flags(flags, 0, "testDomainPinVcpuFlags", _T)
        with self.state.lock:
            dom = self._dom(dom_ref)
            if not dom.active:
                raise make_error(
                    ErrorCode.OPERATION_INVALID, _T, "cannot pin vcpus on an inactive domain"
                )
            if not 0 <= vcpu < dom.live.vcpus:
                raise make_error(
                    ErrorCode.INVALID_ARG,
                    _T,
                    f"requested vcpu '{vcpu}' is not present in the domain",
                )
            self._defs_for(dom, _LIVE)  # the next boot keeps its own pins
            _set_pin(dom.live, "vcpupin", vcpu, cpus_of(cpumap))

    def domain_get_vcpu_pin_info(
        self, dom_ref: DomainRef, ncpumaps: int, maplen: int, flags: int
    ) -> bytes:
        with self.state.lock:
            defn = self._one_def(self._dom(dom_ref), flags)
            maps = b""
            for vcpu in range(min(ncpumaps, defn.max_vcpus)):
                pin = _vcpu_pin(defn, vcpu)
                maps += cpumap_of(self._host_cpus() if pin is None else pin, maplen)
            return maps

    def domain_pin_emulator(self, dom_ref: DomainRef, cpumap: bytes, flags: int) -> None:
        unsupported_flags(flags, _LIVE | _CONFIG, "testDomainPinEmulator", _T)
        with self.state.lock:
            defn = self._one_def(self._dom(dom_ref), flags)
            cpus = cpus_of(cpumap)
            if not cpus:
                raise make_error(ErrorCode.INVALID_ARG, _T, "Empty cpu list for pinning")
            _set_pin(defn, "emulatorpin", None, cpus)

    def domain_get_emulator_pin_info(self, dom_ref: DomainRef, maplen: int, flags: int) -> bytes:
        unsupported_flags(flags, _LIVE | _CONFIG, "testDomainGetEmulatorPinInfo", _T)
        with self.state.lock:
            defn = self._one_def(self._dom(dom_ref), flags)
            pin = _emulator_pin(defn)
            return cpumap_of(self._host_cpus() if pin is None else pin, maplen)
