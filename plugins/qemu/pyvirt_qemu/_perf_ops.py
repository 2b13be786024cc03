"""virsh perf on the QEMU driver (virDomainGetPerfEvents / virDomainSetPerfEvents): which
host perf events count a guest's QEMU, live (:mod:`pyvirt_qemu._perf`) and in its
definitions' ``<perf>``, as libvirt's qemuDomainGetPerfEvents / SetPerfEvents do."""

from __future__ import annotations

from pyvirt import DomainRef, ErrorDomain, TypedParameter, TypedParameterType, typed_param
from pyvirt.driver import PERF_EVENTS, perf_states, unsupported_flags, write_perf

from pyvirt_qemu._affect import AffectOps
from pyvirt_qemu._lifecycle import save_run_status

__all__ = ["PerfOps"]

_Q = ErrorDomain.QEMU
_LIVE, _CONFIG = 1, 2
#: VIR_TYPED_PARAM_STRING_OKAY, which a getter may be given.
_STRING_OKAY = 1 << 2


class PerfOps(AffectOps):
    """Mixin for :class:`~pyvirt_qemu._driver.QemuConnection`; ``self.driver`` is the state."""

    def domain_get_perf_events(self, dom_ref: DomainRef, flags: int) -> list[TypedParameter]:
        unsupported_flags(flags, _LIVE | _CONFIG | _STRING_OKAY, "qemuDomainGetPerfEvents", _Q)
        with self.driver.lock:
            dom, defn = self._one_def(dom_ref, flags & ~_STRING_OKAY)
            run = dom.run
            if run is not None and defn is dom.live:
                on = {n: run.perf.enabled(n) for n in PERF_EVENTS}
            else:
                on = {n: bool(state) for n, state in perf_states(defn).items()}
        return [typed_param(n, TypedParameterType.BOOLEAN, on[n]) for n in PERF_EVENTS]

    def domain_set_perf_events(
        self, dom_ref: DomainRef, params: list[TypedParameter], flags: int
    ) -> None:
        """Live, each event is switched in turn (one that cannot be enabled stops the call,
        those before it stay switched, as in libvirt); the definitions' ``<perf>`` follow."""
        from pyvirt import validate_typed_params

        unsupported_flags(flags, _LIVE | _CONFIG, "qemuDomainSetPerfEvents", _Q)
        validate_typed_params(params, dict.fromkeys(PERF_EVENTS, TypedParameterType.BOOLEAN))
        dom = self.driver.domains.from_ref(dom_ref)
        with dom.job.hold("virDomainSetPerfEvents", self.driver.job_wait):
            with self.driver.lock:
                dom, live, config = self._affected(dom_ref, flags)
            if live and dom.run is not None and dom.live is not None:
                run, states = dom.run, perf_states(dom.live)
                try:
                    for p in params:
                        if p.value:
                            run.perf.enable(p.field, run.proc.pid)
                        else:
                            run.perf.disable(p.field)
                        states[p.field] = bool(p.value)
                finally:
                    new = dom.live.copy()
                    write_perf(new, states)
                    dom.live = new
                    save_run_status(self.driver, dom)
            if config:
                new = dom.defn.copy()
                states = perf_states(new)
                for p in params:
                    states[p.field] = bool(p.value)
                write_perf(new, states)
                dom.defn = new
                self._persist(dom)
