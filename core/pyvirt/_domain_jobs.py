"""A domain's IOThreads, CPU statistics, background jobs, migration tunables, launch
security and dirty-page rate: part of :class:`pyvirt.Domain`, kept apart so the family stays
in one small module.

The argument checks are those of libvirt's public API for these calls, with its words
(virDomainDelIOThread refuses id 0, virDomainSetIOThreadParams and
virDomainSetLaunchSecurityState need parameters, virDomainGetCPUStats takes ``start_cpu``
-1 only with one CPU); as libvirt does for drivers that take strings, the typed-parameter
getters add VIR_TYPED_PARAM_STRING_OKAY.
"""

from __future__ import annotations

from pyvirt._checks import check_flags, check_int, check_nonzero, check_uint, invalid_arg
from pyvirt._domain_extras import _one_of_live_or_config, _refuse_read_only
from pyvirt._domain_tune import _STRING_OKAY

#: An IOThread id is a C unsigned int.
_IOTHREAD_ID_MAX = 2**32 - 1

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyvirt._connection import Connection
    from pyvirt._records import DomainRef, TypedParameter
    from pyvirt._typed_params import TypedValue


def _params(params: list[TypedParameter], api: str) -> list[TypedParameter]:
    """libvirt's virCheckNonNullArgGoto(params): an empty list is a NULL array."""
    params = list(params)
    if not params:
        raise invalid_arg(f"params in {api} must not be NULL", api, "params")
    return params


class DomainJobMethods:
    """IOThread, CPU statistics, job, migration-tunable and launch-security methods of
    :class:`pyvirt.Domain`."""

    _conn: Connection

    if TYPE_CHECKING:

        @property
        def _ref(self) -> DomainRef: ...

    # -- IOThreads ------------------------------------------------------------------------
    def iothread_info(self, flags: int = 0) -> list[tuple[int, set[int]]]:
        """Each IOThread's id and the host CPUs it may run on (virDomainGetIOThreadInfo;
        *flags*: LIVE or CONFIG, not both)."""
        from pyvirt._kit_cpus import cpus_of

        api = "virDomainGetIOThreadInfo"
        flags = check_flags(flags, api)
        _one_of_live_or_config(flags, api)
        infos = self._conn._calls.domain_get_iothread_info(self._ref, flags)
        return [(int(iothread_id), cpus_of(cpumap)) for iothread_id, cpumap in infos]

    def add_iothread(self, iothread_id: int, flags: int = 0) -> None:
        """Add IOThread *iothread_id* (virDomainAddIOThread; *flags*:
        :class:`DomainModificationImpact`)."""
        api = "virDomainAddIOThread"
        iothread_id = check_uint(iothread_id, "iothread_id", api, _IOTHREAD_ID_MAX)
        self._conn._calls.domain_add_iothread(self._ref, iothread_id, flags)

    def del_iothread(self, iothread_id: int, flags: int = 0) -> None:
        """Remove IOThread *iothread_id* (virDomainDelIOThread)."""
        api = "virDomainDelIOThread"
        iothread_id = check_uint(iothread_id, "iothread_id", api, _IOTHREAD_ID_MAX)
        flags = check_flags(flags, api)
        _refuse_read_only(self._conn._calls.read_only, 356, flags)
        check_nonzero(iothread_id, "iothread_id", api)
        self._conn._calls.domain_del_iothread(self._ref, iothread_id, flags)

    def pin_iothread(self, iothread_id: int, cpumap: bytes, flags: int = 0) -> None:
        """Let IOThread *iothread_id* run only on the host CPUs set in *cpumap*
        (virDomainPinIOThread)."""
        api = "virDomainPinIOThread"
        iothread_id = check_uint(iothread_id, "iothread_id", api, _IOTHREAD_ID_MAX)
        if not isinstance(cpumap, bytes | bytearray):
            raise invalid_arg(f"cpumap in {api} must be bytes", api, "cpumap")
        if not cpumap:
            raise invalid_arg(f"maplen in {api} must be greater than zero", api, "maplen")
        self._conn._calls.domain_pin_iothread(self._ref, iothread_id, bytes(cpumap), flags)

    def set_iothread_params(
        self, iothread_id: int, params: list[TypedParameter], flags: int = 0
    ) -> None:
        """Tune IOThread *iothread_id*: poll_max_ns, poll_grow, poll_shrink ...
        (virDomainSetIOThreadParams; make them with :func:`pyvirt.typed_param`)."""
        api = "virDomainSetIOThreadParams"
        iothread_id = check_uint(iothread_id, "iothread_id", api, _IOTHREAD_ID_MAX)
        flags = check_flags(flags, api)
        _refuse_read_only(self._conn._calls.read_only, 402, flags)
        params = _params(params, api)
        self._conn._calls.domain_set_iothread_params(self._ref, iothread_id, params, flags)

    # -- CPU statistics ---------------------------------------------------------------------
    def cpu_stats_list(
        self, start_cpu: int, ncpus: int, flags: int = 0
    ) -> tuple[int, list[list[TypedParameter]]]:
        """The number of host CPUs and the statistics of *ncpus* of them from *start_cpu*,
        or with *start_cpu* -1 (and *ncpus* 1) the domain's totals (virDomainGetCPUStats)."""
        api = "virDomainGetCPUStats"
        start_cpu = check_int(start_cpu, "start_cpu", api)
        ncpus = check_int(ncpus, "ncpus", api)
        flags = check_flags(flags, api)
        if start_cpu == -1:
            if ncpus != 1:
                raise invalid_arg(f"ncpus in {api} must be 1 when start_cpu is -1", api, "ncpus")
        elif start_cpu < 0:
            raise invalid_arg(f"start_cpu in {api} must be -1 or greater", api, "start_cpu")
        if ncpus < 0:
            raise invalid_arg(f"ncpus in {api} must be zero or greater", api, "ncpus")
        return self._conn._calls.domain_get_cpu_stats(self._ref, start_cpu, ncpus, flags)

    def cpu_stats(self, total: bool, flags: int = 0) -> list[dict[str, TypedValue]]:
        """libvirt-python's getCPUStats: the totals (*total* true, one dict) or one dict per
        host CPU."""
        from pyvirt._typed_params import typed_params_dict

        if total:
            _, stats = self.cpu_stats_list(-1, 1, flags)
        else:
            cpus, _ = self.cpu_stats_list(0, 0, flags)
            _, stats = self.cpu_stats_list(0, cpus, flags)
        return [typed_params_dict(params) for params in stats]

    # -- jobs -----------------------------------------------------------------------------------
    def job_info(self) -> list[int]:
        """The running job (virDomainGetJobInfo): type, time elapsed and remaining (ms), and
        data, memory and file total/processed/remaining (bytes)."""
        return [int(n) for n in self._conn._calls.domain_get_job_info(self._ref)]

    def job_stats_list(self, flags: int = 0) -> tuple[int, list[TypedParameter]]:
        """The job's type (VIR_DOMAIN_JOB_*) and statistics (virDomainGetJobStats; *flags*:
        COMPLETED, KEEP_COMPLETED)."""
        flags = check_flags(flags, "virDomainGetJobStats")
        return self._conn._calls.domain_get_job_stats(self._ref, flags)

    def abort_job(self, flags: int | None = None) -> None:
        """Abort the running job: virDomainAbortJob, or virDomainAbortJobFlags when *flags*
        is given."""
        if flags is None:
            self._conn._calls.domain_abort_job(self._ref)
        else:
            self._conn._calls.domain_abort_job_flags(self._ref, flags)

    # -- migration tunables ---------------------------------------------------------------
    def migrate_set_max_downtime(self, downtime: int, flags: int = 0) -> None:
        """The longest pause (ms) a live migration may cause (virDomainMigrateSetMaxDowntime)."""
        downtime = check_uint(downtime, "downtime", "virDomainMigrateSetMaxDowntime", 2**64 - 1)
        self._conn._calls.domain_migrate_set_max_downtime(self._ref, downtime, flags)

    def migrate_get_max_downtime(self, flags: int = 0) -> int:
        """The longest pause (ms) a live migration may cause (virDomainMigrateGetMaxDowntime)."""
        return int(self._conn._calls.domain_migrate_get_max_downtime(self._ref, flags))

    def migrate_get_compression_cache(self, flags: int = 0) -> int:
        """The XBZRLE page cache in bytes (virDomainMigrateGetCompressionCache)."""
        return int(self._conn._calls.domain_migrate_get_compression_cache(self._ref, flags))

    def migrate_set_compression_cache(self, cache_size: int, flags: int = 0) -> None:
        """The XBZRLE page cache in bytes (virDomainMigrateSetCompressionCache)."""
        api = "virDomainMigrateSetCompressionCache"
        cache_size = check_uint(cache_size, "cacheSize", api, 2**64 - 1)
        self._conn._calls.domain_migrate_set_compression_cache(self._ref, cache_size, flags)

    def migrate_set_max_speed(self, bandwidth: int, flags: int = 0) -> None:
        """The migration bandwidth cap in MiB/s (virDomainMigrateSetMaxSpeed)."""
        bandwidth = check_uint(bandwidth, "bandwidth", "virDomainMigrateSetMaxSpeed")
        self._conn._calls.domain_migrate_set_max_speed(self._ref, bandwidth, flags)

    def migrate_get_max_speed(self, flags: int = 0) -> int:
        """The migration bandwidth cap in MiB/s (virDomainMigrateGetMaxSpeed)."""
        return int(self._conn._calls.domain_migrate_get_max_speed(self._ref, flags))

    def migrate_start_post_copy(self, flags: int = 0) -> None:
        """Switch the running migration to post-copy (virDomainMigrateStartPostCopy)."""
        self._conn._calls.domain_migrate_start_post_copy(self._ref, flags)

    # -- launch security, dirty-page rate -----------------------------------------------
    def launch_security_info_list(self, flags: int = 0) -> list[TypedParameter]:
        """An SEV guest's launch measurement and policy (virDomainGetLaunchSecurityInfo)."""
        flags = check_flags(flags, "virDomainGetLaunchSecurityInfo")
        return self._conn._calls.domain_get_launch_security_info(self._ref, flags | _STRING_OKAY)

    def launch_security_info(self, flags: int = 0) -> dict[str, TypedValue]:
        """The same by name, as libvirt-python's launchSecurityInfo."""
        from pyvirt._typed_params import typed_params_dict

        return typed_params_dict(self.launch_security_info_list(flags))

    def set_launch_security_state(self, params: list[TypedParameter], flags: int = 0) -> None:
        """Inject a launch secret into an SEV guest (virDomainSetLaunchSecurityState)."""
        api = "virDomainSetLaunchSecurityState"
        flags = check_flags(flags, api)
        _refuse_read_only(self._conn._calls.read_only, 439, flags)
        params = _params(params, api)
        self._conn._calls.domain_set_launch_security_state(self._ref, params, flags)

    def start_dirty_rate_calc(self, seconds: int, flags: int = 0) -> None:
        """Measure the guest's memory dirty rate over *seconds* (virDomainStartDirtyRateCalc);
        ``domstats --dirtyrate`` reports it."""
        seconds = check_int(seconds, "seconds", "virDomainStartDirtyRateCalc")
        self._conn._calls.domain_start_dirty_rate_calc(self._ref, seconds, flags)
