"""vCPU counts and pinning of QEMU guests, applied to the real QEMU threads.

Why sched_setaffinity on the threads QEMU names: without cgroups, a thread's affinity is
where the kernel lets it run, and QEMU reports each vCPU's thread id (query-cpus-fast); the
emulator's threads are all the others.  The pins are kept in ``<cputune>`` (the driver kit's
:func:`pyvirt.driver.set_pin`), applied again whenever the guest starts, as libvirt applies
them at start.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from pyvirt import DomainModificationImpact, DomainRef, ErrorCode, ErrorDomain, make_error
from pyvirt.driver import (
    cpumap_of,
    cpus_of,
    emulator_pin,
    parse_cpuset,
    set_pin,
    unsupported_flags,
    vcpu_pin,
)

from pyvirt_qemu._affect import AffectOps
from pyvirt_qemu._agent_ops import guest_online_vcpus, set_guest_online_vcpus
from pyvirt_qemu._agent_state import agent_of
from pyvirt_qemu._iothread_ops import iothread_tids
from pyvirt_qemu._stats_ops import host_cpus

if TYPE_CHECKING:
    from pyvirt.conf import DomainDef

    from pyvirt_qemu._domain import QemuDomain, Run

__all__ = ["VcpuOps", "apply_pins"]

_Q = ErrorDomain.QEMU
_LIVE, _CONFIG = DomainModificationImpact.LIVE, DomainModificationImpact.CONFIG
_MAXIMUM, _GUEST = 4, 8  # VIR_DOMAIN_VCPU_MAXIMUM, _GUEST


def _online() -> set[int]:
    return {cpu for cpu, on in enumerate(host_cpus()) if on}


def vcpu_threads(run: Run) -> dict[int, int]:
    """vCPU index → thread id, as QEMU reports them."""
    return {int(c["cpu-index"]): int(c["thread-id"]) for c in run.monitor.execute("query-cpus-fast")}


def _set_affinity(tids: list[int], cpus: set[int]) -> None:
    for tid in tids:
        try:
            os.sched_setaffinity(tid, cpus)
        except ProcessLookupError:
            continue  # a worker thread that just ended
        except OSError as exc:
            raise make_error(ErrorCode.SYSTEM_ERROR, _Q,
                             f"cannot set CPU affinity on thread {tid}: {exc.strerror}") from None  # fmt: skip


def _emulator_threads(run: Run, vcpus: dict[int, int]) -> list[int]:
    try:
        tids = [int(t) for t in os.listdir(f"/proc/{run.proc.pid}/task")]
    except OSError:
        return []
    # IOThreads are pinned on their own (<iothreadpin>), as libvirt keeps them apart.
    others = set(vcpus.values()) | iothread_tids(run)
    return [t for t in tids if t not in others]


def apply_pins(run: Run, live: DomainDef) -> None:
    """Pin a just-started guest's threads as its definition says (nothing when unpinned)."""
    vcpus = vcpu_threads(run)
    for index, tid in vcpus.items():
        pin = vcpu_pin(live, index)
        if pin is not None:
            _set_affinity([tid], pin)
    pin = emulator_pin(live)
    if pin is not None:
        _set_affinity(_emulator_threads(run, vcpus), pin)


def pin_plugged_vcpu(live: DomainDef, vcpu: int, tid: int) -> None:
    """A hotplugged vCPU's thread pinned as its ``<vcpupin>`` says (as at start)."""
    pin = vcpu_pin(live, vcpu)
    if pin is not None:
        _set_affinity([tid], pin)


class VcpuOps(AffectOps):
    """Mixin for :class:`~pyvirt_qemu._driver.QemuConnection`."""

    # -- counts ----------------------------------------------------------------------------
    def domain_get_vcpus_flags(self, dom_ref: DomainRef, flags: int) -> int:
        unsupported_flags(flags, _LIVE | _CONFIG | _MAXIMUM | _GUEST, "qemuDomainGetVcpusFlags", _Q)
        if flags & _GUEST:
            if flags & _CONFIG:
                raise make_error(ErrorCode.INVALID_ARG, ErrorDomain.DOMAIN,
                                 f"invalid flag combination: (0x{flags:x})")  # fmt: skip
            return guest_online_vcpus(agent_of(self.driver, self.driver.domains.from_ref(dom_ref)))
        with self.driver.lock:
            _, defn = self._one_def(dom_ref, flags & (_LIVE | _CONFIG))
            return defn.max_vcpus if flags & _MAXIMUM else defn.vcpus

    def domain_set_vcpus_flags(self, dom_ref: DomainRef, nvcpus: int, flags: int) -> None:
        """The persistent count (or maximum), and a running guest's count by vCPU hotplug
        (pyvirt_qemu._vcpu_hotplug) up to the maximum it was started with."""
        unsupported_flags(flags, _LIVE | _CONFIG | _MAXIMUM | _GUEST, "qemuDomainSetVcpusFlags", _Q)
        if flags & _GUEST:
            dom = self.driver.domains.from_ref(dom_ref)
            agent = agent_of(self.driver, dom)
            enabled = dom.live.vcpus if dom.live is not None else 0
            if nvcpus > enabled:
                raise make_error(ErrorCode.INVALID_ARG, _Q,
                                 "requested vcpu count is greater than the count of enabled "
                                 f"vcpus in the domain: {nvcpus} > {enabled}")  # fmt: skip
            set_guest_online_vcpus(agent, nvcpus)
            return
        with self.driver.lock:
            dom, live, config = self._affected(dom_ref, flags)
            if live:
                assert dom.live is not None
                if flags & _MAXIMUM:
                    raise make_error(ErrorCode.INVALID_ARG, ErrorDomain.DOMAIN,
                                     "cannot change the maximum vCPU count of a running "
                                     "domain")  # fmt: skip
                if nvcpus > dom.live.max_vcpus:
                    raise make_error(ErrorCode.INVALID_ARG, ErrorDomain.DOMAIN,
                                     "requested vcpus is greater than max allowable vcpus for "
                                     f"the live domain: {nvcpus} > {dom.live.max_vcpus}")  # fmt: skip
            if config:
                self._check_config_count(dom, nvcpus, flags)
        if live:
            with dom.job.hold("virDomainSetVcpusFlags", self.driver.job_wait):
                run = dom.run
                if run is None:
                    raise make_error(ErrorCode.OPERATION_INVALID, ErrorDomain.DOMAIN,
                                     "domain is not running")  # fmt: skip
                from pyvirt_qemu._vcpu_hotplug import set_live_vcpu_count  # (cycle: _lifecycle)

                set_live_vcpu_count(self.driver, dom, run, nvcpus)
        if config:
            with self.driver.define_lock, self.driver.lock:
                new = dom.defn.copy()
                if flags & _MAXIMUM:
                    new.max_vcpus = nvcpus
                    new.vcpus = min(new.vcpus, nvcpus)
                else:
                    new.vcpus = nvcpus
                dom.defn = new
                self._persist(dom)

    def _check_config_count(self, dom: QemuDomain, nvcpus: int, flags: int) -> None:
        if not flags & _MAXIMUM and nvcpus > dom.defn.max_vcpus:
            raise make_error(ErrorCode.INVALID_ARG, ErrorDomain.DOMAIN,
                             "requested vcpus is greater than max allowable vcpus for "
                             f"the persistent domain: {nvcpus} > {dom.defn.max_vcpus}")  # fmt: skip
        if nvcpus < 1:
            raise make_error(ErrorCode.INVALID_ARG, ErrorDomain.DOMAIN,
                             "requested vcpu count must be at least 1")  # fmt: skip

    def domain_set_vcpu(self, dom_ref: DomainRef, vcpumap: str, state: int, flags: int) -> None:
        """setvcpu: plug or unplug single vCPUs of a running guest (live only here)."""
        unsupported_flags(flags, _LIVE | _CONFIG, "qemuDomainSetVcpu", _Q)
        ids = parse_cpuset(vcpumap)
        if not ids:
            raise make_error(ErrorCode.INVALID_ARG, _Q, "no vcpus selected for modification")
        with self.driver.lock:
            dom, live, config = self._affected(dom_ref, flags)
        if config:
            raise make_error(ErrorCode.OPERATION_UNSUPPORTED, _Q,
                             "changing single vCPUs of the persistent definition is not "
                             "supported by this driver")  # fmt: skip
        with dom.job.hold("virDomainSetVcpu", self.driver.job_wait):
            run = dom.run
            if run is None:
                raise make_error(ErrorCode.OPERATION_INVALID, ErrorDomain.DOMAIN,
                                 "domain is not running")  # fmt: skip
            from pyvirt_qemu._vcpu_hotplug import set_live_vcpus  # (cycle: _lifecycle)

            set_live_vcpus(self.driver, dom, run, ids, bool(state))

    # -- pinning ---------------------------------------------------------------------------
    def domain_get_vcpu_pin_info(
        self, dom_ref: DomainRef, ncpumaps: int, maplen: int, flags: int
    ) -> bytes:
        unsupported_flags(flags, _LIVE | _CONFIG, "qemuDomainGetVcpuPinInfo", _Q)
        with self.driver.lock:
            _, defn = self._one_def(dom_ref, flags)
            everywhere = _online()
            return b"".join(
                cpumap_of(vcpu_pin(defn, vcpu) or everywhere, maplen)
                for vcpu in range(min(ncpumaps, defn.max_vcpus))
            )

    def domain_get_emulator_pin_info(self, dom_ref: DomainRef, maplen: int, flags: int) -> bytes:
        unsupported_flags(flags, _LIVE | _CONFIG, "qemuDomainGetEmulatorPinInfo", _Q)
        with self.driver.lock:
            _, defn = self._one_def(dom_ref, flags)
            return cpumap_of(emulator_pin(defn) or _online(), maplen)

    def domain_pin_vcpu_flags(self, dom_ref: DomainRef, vcpu: int, cpumap: bytes, flags: int) -> None:
        unsupported_flags(flags, _LIVE | _CONFIG, "qemuDomainPinVcpuFlags", _Q)
        self._pin(dom_ref, vcpu, cpus_of(cpumap), flags)

    def domain_pin_emulator(self, dom_ref: DomainRef, cpumap: bytes, flags: int) -> None:
        unsupported_flags(flags, _LIVE | _CONFIG, "qemuDomainPinEmulator", _Q)
        self._pin(dom_ref, None, cpus_of(cpumap), flags)

    def _pin(self, dom_ref: DomainRef, vcpu: int | None, cpus: set[int], flags: int) -> None:
        """Pin *vcpu* (None: the emulator threads) live on its threads and/or in the config."""
        if not cpus:
            raise make_error(ErrorCode.INVALID_ARG, ErrorDomain.DOMAIN, "Empty cpu list for pinning")
        tag = "emulatorpin" if vcpu is None else "vcpupin"
        with self.driver.define_lock:
            with self.driver.lock:
                dom, live, config = self._affected(dom_ref, flags)
                run = dom.run
            for which, defn in (("live", dom.live if live else None),
                                ("persistent", dom.defn if config else None)):  # fmt: skip
                if defn is not None and vcpu is not None and not 0 <= vcpu < defn.vcpus:
                    raise make_error(ErrorCode.INVALID_ARG, ErrorDomain.DOMAIN,
                                     f"vcpu {vcpu} is out of range of {which} cpu count "
                                     f"{defn.vcpus}")  # fmt: skip
            if live and run is not None and dom.live is not None:
                threads = vcpu_threads(run)
                tids = [threads[vcpu]] if vcpu is not None else _emulator_threads(run, threads)
                _set_affinity(tids, cpus)
                with self.driver.lock:
                    set_pin(dom.live, tag, vcpu, cpus)
                from pyvirt_qemu._lifecycle import save_run_status

                save_run_status(self.driver, dom)
            if config:
                new = dom.defn.copy()
                set_pin(new, tag, vcpu, cpus)
                dom.defn = new
                self._persist(dom)
