"""A running test domain's CPU statistics, and its launch-security query.

The figures are libvirt's test driver's fixed ones: 48772617035 ns of CPU time in total
(5.54 s user, 6.46 s system), shared out over the node's cores (the per-CPU time is the
total divided by the cores, plus the CPU's number; the vCPU time 1234567890 ns less), so
``cpu-stats`` prints what virsh prints on ``test:///default``.
"""

from __future__ import annotations

from pyvirt import ErrorCode, ErrorDomain, TypedParameter, TypedParameterType, make_error
from pyvirt.driver import domain_not_running, unsupported_flags

from pyvirt_test._domain_ops import DomainOps

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyvirt import DomainRef

_T = ErrorDomain.TEST
_ULLONG = TypedParameterType.ULLONG
_TOTAL_CPU_TIME = 48772617035
_USER_TIME, _SYSTEM_TIME = 5540000000, 6460000000
_VCPU_TIME_LESS = 1234567890


class CpuStatsOps(DomainOps):
    """Mixin for the test connection: virDomainGetCPUStats, virDomainGetLaunchSecurityInfo."""

    def domain_get_cpu_stats(
        self, dom_ref: DomainRef, start_cpu: int, ncpus: int, flags: int
    ) -> tuple[int, list[list[TypedParameter]]]:
        unsupported_flags(flags, 0, "testDomainGetCPUStats", _T)
        with self.state.lock:
            if not self._dom(dom_ref).active:
                raise domain_not_running()
            cpus = self.state.node_info.cores
        if start_cpu == -1:
            return cpus, [
                [
                    TypedParameter("cpu_time", _ULLONG, _TOTAL_CPU_TIME),
                    TypedParameter("user_time", _ULLONG, _USER_TIME),
                    TypedParameter("system_time", _ULLONG, _SYSTEM_TIME),
                ]
            ]
        if ncpus == 0:
            return cpus, []
        if start_cpu >= cpus:
            raise make_error(
                ErrorCode.INVALID_ARG,
                _T,
                f"start_cpu {start_cpu} larger than maximum of {cpus - 1}",
            )
        per_cpu = _TOTAL_CPU_TIME // cpus
        return cpus, [
            [
                TypedParameter("cpu_time", _ULLONG, per_cpu + cpu),
                TypedParameter("vcpu_time", _ULLONG, per_cpu + cpu - _VCPU_TIME_LESS),
            ]
            for cpu in range(start_cpu, min(cpus, start_cpu + ncpus))
        ]

    def domain_get_launch_security_info(
        self, dom_ref: DomainRef, flags: int
    ) -> list[TypedParameter]:
        # libvirt's public API adds VIR_TYPED_PARAM_STRING_OKAY (4) for a driver that takes
        # string parameters, and the test driver then refuses it: the only answer it gives.
        unsupported_flags(flags, 0, "testDomainGetLaunchSecurityInfo", _T)
        return []
