"""The driver contract's IOThread, CPU statistics, job, migration-tuning and launch-security
entries, part of :class:`pyvirt.driver.DriverConnection`.

Every entry answers libvirt's VIR_ERR_NO_SUPPORT until a driver overrides it, as libvirt's
drivers leave the slot empty: libvirt's test driver serves the IOThread calls, the CPU
statistics and (with its own error) the launch-security query, and nothing of the job and
migration families.  Kept apart from :mod:`pyvirt.driver` so that module stays readable.
"""

from __future__ import annotations

from pyvirt._codes import ErrorCode, ErrorDomain
from pyvirt._errors import make_error
from pyvirt._procedures import BY_METHOD
from pyvirt._records import DomainRef, TypedParameter

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import NoReturn


def _no_support(method: str) -> NoReturn:
    raise make_error(ErrorCode.NO_SUPPORT, ErrorDomain.DOMAIN, BY_METHOD[method].api)


class DomainJobDriver:
    """IOThreads, CPU statistics, jobs, migration tunables, launch security."""

    # -- IOThreads (libvirt's virDomain*IOThread*) ----------------------------------------
    def domain_get_iothread_info(self, dom: DomainRef, flags: int) -> list[tuple[int, bytes]]:
        """virDomainGetIOThreadInfo: each IOThread's id and affinity (a cpumap, bit i: host
        CPU i) in the live or the persistent definition (*flags*: LIVE or CONFIG)."""
        _no_support("domain_get_iothread_info")

    def domain_pin_iothread(
        self, dom: DomainRef, iothread_id: int, cpumap: bytes, flags: int
    ) -> None:
        """virDomainPinIOThread: let IOThread *iothread_id* run on the CPUs of *cpumap*."""
        _no_support("domain_pin_iothread")

    def domain_add_iothread(self, dom: DomainRef, iothread_id: int, flags: int) -> None:
        """virDomainAddIOThread: add IOThread *iothread_id* (LIVE, CONFIG or CURRENT)."""
        _no_support("domain_add_iothread")

    def domain_del_iothread(self, dom: DomainRef, iothread_id: int, flags: int) -> None:
        """virDomainDelIOThread: remove IOThread *iothread_id* (LIVE, CONFIG or CURRENT)."""
        _no_support("domain_del_iothread")

    def domain_set_iothread_params(
        self, dom: DomainRef, iothread_id: int, params: list[TypedParameter], flags: int
    ) -> None:
        """virDomainSetIOThreadParams: the polling (poll_max_ns, poll_grow, poll_shrink) and
        pool tunables of IOThread *iothread_id*."""
        _no_support("domain_set_iothread_params")

    # -- CPU statistics ---------------------------------------------------------------------
    def domain_get_cpu_stats(
        self, dom: DomainRef, start_cpu: int, ncpus: int, flags: int
    ) -> tuple[int, list[list[TypedParameter]]]:
        """virDomainGetCPUStats: the number of host CPUs, and the statistics of *ncpus* CPUs
        from *start_cpu* (one list each), or with *start_cpu* -1 the domain's totals (one
        list)."""
        _no_support("domain_get_cpu_stats")

    # -- jobs -----------------------------------------------------------------------------------
    def domain_get_job_info(self, dom: DomainRef) -> list[int]:
        """virDomainGetJobInfo: libvirt's virDomainJobInfo as its twelve numbers (type, time
        elapsed and remaining in ms, then data, memory and file total/processed/remaining)."""
        _no_support("domain_get_job_info")

    def domain_get_job_stats(self, dom: DomainRef, flags: int) -> tuple[int, list[TypedParameter]]:
        """virDomainGetJobStats: the job's type (VIR_DOMAIN_JOB_*) and its statistics
        (*flags*: COMPLETED, KEEP_COMPLETED)."""
        _no_support("domain_get_job_stats")

    def domain_abort_job(self, dom: DomainRef) -> None:
        """virDomainAbortJob: abort the domain's running background job."""
        _no_support("domain_abort_job")

    def domain_abort_job_flags(self, dom: DomainRef, flags: int) -> None:
        """virDomainAbortJobFlags: abort the running job (*flags*: POSTCOPY)."""
        _no_support("domain_abort_job_flags")

    # -- migration tunables ---------------------------------------------------------------
    def domain_migrate_set_max_downtime(self, dom: DomainRef, downtime: int, flags: int) -> None:
        """virDomainMigrateSetMaxDowntime: the longest pause (ms) a live migration may cause."""
        _no_support("domain_migrate_set_max_downtime")

    def domain_migrate_get_max_downtime(self, dom: DomainRef, flags: int) -> int:
        """virDomainMigrateGetMaxDowntime: the longest pause (ms) a live migration may cause."""
        _no_support("domain_migrate_get_max_downtime")

    def domain_migrate_get_compression_cache(self, dom: DomainRef, flags: int) -> int:
        """virDomainMigrateGetCompressionCache: the XBZRLE cache size in bytes."""
        _no_support("domain_migrate_get_compression_cache")

    def domain_migrate_set_compression_cache(
        self, dom: DomainRef, cache_size: int, flags: int
    ) -> None:
        """virDomainMigrateSetCompressionCache: the XBZRLE cache size in bytes."""
        _no_support("domain_migrate_set_compression_cache")

    def domain_migrate_set_max_speed(self, dom: DomainRef, bandwidth: int, flags: int) -> None:
        """virDomainMigrateSetMaxSpeed: the bandwidth cap in MiB/s (*flags*: POSTCOPY)."""
        _no_support("domain_migrate_set_max_speed")

    def domain_migrate_get_max_speed(self, dom: DomainRef, flags: int) -> int:
        """virDomainMigrateGetMaxSpeed: the bandwidth cap in MiB/s (*flags*: POSTCOPY)."""
        _no_support("domain_migrate_get_max_speed")

    def domain_migrate_start_post_copy(self, dom: DomainRef, flags: int) -> None:
        """virDomainMigrateStartPostCopy: switch a running migration to post-copy."""
        _no_support("domain_migrate_start_post_copy")

    # -- launch security and dirty-page rate --------------------------------------------
    def domain_get_launch_security_info(self, dom: DomainRef, flags: int) -> list[TypedParameter]:
        """virDomainGetLaunchSecurityInfo: the measurement and policy of an SEV guest."""
        _no_support("domain_get_launch_security_info")

    def domain_set_launch_security_state(
        self, dom: DomainRef, params: list[TypedParameter], flags: int
    ) -> None:
        """virDomainSetLaunchSecurityState: inject a launch secret into an SEV guest."""
        _no_support("domain_set_launch_security_state")

    def domain_start_dirty_rate_calc(self, dom: DomainRef, seconds: int, flags: int) -> None:
        """virDomainStartDirtyRateCalc: measure the guest's memory dirty rate for *seconds*."""
        _no_support("domain_start_dirty_rate_calc")
