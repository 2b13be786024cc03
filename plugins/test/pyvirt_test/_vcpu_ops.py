"""A test domain's vCPUs: where they run (virDomainGetVcpus) and where they and the emulator
threads may run (vCPU and emulator pinning).

Pins live in the definition's ``<cputune>`` (the driver kit's :func:`pyvirt.driver.set_pin`
and friends).  The figures are libvirt's test driver's: every
host CPU of the test node (16) is allowed unless pinned, a vCPU "runs" on the last CPU it may
use, and its CPU time is a fake that grows with the wall clock (the real time in µs / 10).
"""

from __future__ import annotations

import time

from pyvirt import DomainModificationImpact, ErrorCode, ErrorDomain, make_error
from pyvirt.driver import (
    cpumap_of,
    cpus_of,
    emulator_pin,
    invalid_arg,
    set_pin,
    unsupported_flags,
    vcpu_pin,
)

from pyvirt_test._domain_ops import DomainOps

# Not typing.TYPE_CHECKING: importing typing costs a pyvirsh run several milliseconds.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyvirt import DomainRef
    from pyvirt.conf import DomainDef

    from pyvirt_test._objects import TestDomain

_T = ErrorDomain.TEST
_LIVE, _CONFIG = DomainModificationImpact.LIVE, DomainModificationImpact.CONFIG
_VCPU_RUNNING = 1  # VIR_VCPU_RUNNING


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
                pin = vcpu_pin(dom.live, vcpu)
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
            set_pin(dom.live, "vcpupin", vcpu, cpus_of(cpumap))

    def domain_get_vcpu_pin_info(
        self, dom_ref: DomainRef, ncpumaps: int, maplen: int, flags: int
    ) -> bytes:
        with self.state.lock:
            defn = self._one_def(self._dom(dom_ref), flags)
            maps = b""
            for vcpu in range(min(ncpumaps, defn.max_vcpus)):
                pin = vcpu_pin(defn, vcpu)
                maps += cpumap_of(self._host_cpus() if pin is None else pin, maplen)
            return maps

    def domain_pin_emulator(self, dom_ref: DomainRef, cpumap: bytes, flags: int) -> None:
        unsupported_flags(flags, _LIVE | _CONFIG, "testDomainPinEmulator", _T)
        with self.state.lock:
            defn = self._one_def(self._dom(dom_ref), flags)
            cpus = cpus_of(cpumap)
            if not cpus:
                raise make_error(ErrorCode.INVALID_ARG, _T, "Empty cpu list for pinning")
            set_pin(defn, "emulatorpin", None, cpus)

    def domain_get_emulator_pin_info(self, dom_ref: DomainRef, maplen: int, flags: int) -> bytes:
        unsupported_flags(flags, _LIVE | _CONFIG, "testDomainGetEmulatorPinInfo", _T)
        with self.state.lock:
            defn = self._one_def(self._dom(dom_ref), flags)
            pin = emulator_pin(defn)
            return cpumap_of(self._host_cpus() if pin is None else pin, maplen)
