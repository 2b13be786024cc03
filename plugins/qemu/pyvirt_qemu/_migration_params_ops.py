"""A guest's migration settings: the bandwidth cap (also after the switch to post-copy), the
longest pause and the XBZRLE compression cache (virsh migrate-setspeed, migrate-getspeed,
migrate-setmaxdowntime, migrate-getmaxdowntime, migrate-compcache), and the measure of how
fast the guest dirties its memory, which tells whether it can migrate live
(domdirtyrate-calc; its result is domstats' dirtyrate group).

Why here, with no migration in the driver yet: libvirt users set these ahead of a migration
(and read them in tooling), and libvirt answers them from QEMU's own migration parameters
(QMP ``query-migrate-parameters`` / ``migrate-set-parameters``).  The bandwidth cap of a
shut-off guest is kept by the driver for its next start, as libvirt keeps it
(``migMaxBandwidth``); the other settings need a running QEMU.
"""

from __future__ import annotations

from typing import Any

from pyvirt import DomainRef, ErrorCode, ErrorDomain, make_error
from pyvirt.driver import domain_not_running, invalid_arg, unsupported_flags

from pyvirt_qemu._domain import MIGRATION_BANDWIDTH_MAX, QemuDomain
from pyvirt_qemu._qemudriver import QemuDriver

__all__ = ["MigrationParamOps"]

_Q = ErrorDomain.QEMU
_MIB = 1024 * 1024
#: VIR_DOMAIN_MIGRATE_MAX_SPEED_POSTCOPY
_POSTCOPY = 1
#: VIR_DOMAIN_DIRTYRATE_MODE_DIRTY_BITMAP / _DIRTY_RING (neither: page sampling)
_DIRTY_BITMAP, _DIRTY_RING = 1, 2
#: libvirt's bounds on a dirty-rate measurement's length, in seconds.
_DIRTYRATE_SECONDS = (1, 60)


class MigrationParamOps:
    """Mixin for :class:`~pyvirt_qemu._driver.QemuConnection`; ``self.driver`` is the state."""

    driver: QemuDriver

    def _parameters(self, dom: QemuDomain, api: str, change: dict[str, Any] | None = None) -> Any:
        """One QMP command on the running *dom*'s migration parameters, under its job:
        *change* set (migrate-set-parameters), else all of them read."""
        command, args = (("migrate-set-parameters", change) if change is not None
                         else ("query-migrate-parameters", None))  # fmt: skip
        with dom.job.hold(api, self.driver.job_wait):
            run = dom.run
            if run is None:
                raise domain_not_running()
            return run.monitor.execute(command, args)

    def domain_migrate_get_max_speed(self, dom_ref: DomainRef, flags: int) -> int:
        unsupported_flags(flags, _POSTCOPY, "qemuDomainMigrateGetMaxSpeed", _Q)
        dom = self.driver.domains.from_ref(dom_ref)
        if not flags & _POSTCOPY:
            return dom.migration_bandwidth
        found = self._parameters(dom, "virDomainMigrateGetMaxSpeed")
        return int(found.get("max-postcopy-bandwidth", 0)) // _MIB

    def domain_migrate_set_max_speed(self, dom_ref: DomainRef, bandwidth: int, flags: int) -> None:
        unsupported_flags(flags, _POSTCOPY, "qemuDomainMigrateSetMaxSpeed", _Q)
        if not 0 <= bandwidth <= MIGRATION_BANDWIDTH_MAX:
            raise make_error(ErrorCode.OVERFLOW, _Q,
                             f"bandwidth must be less than {MIGRATION_BANDWIDTH_MAX + 1}")  # fmt: skip
        dom = self.driver.domains.from_ref(dom_ref)
        api = "virDomainMigrateSetMaxSpeed"
        if flags & _POSTCOPY:
            self._parameters(dom, api, {"max-postcopy-bandwidth": bandwidth * _MIB})
        elif dom.run is None:
            dom.migration_bandwidth = bandwidth  # for the next start's migrations
        else:
            self._parameters(dom, api, {"max-bandwidth": bandwidth * _MIB})
            dom.migration_bandwidth = bandwidth

    def domain_migrate_get_max_downtime(self, dom_ref: DomainRef, flags: int) -> int:
        unsupported_flags(flags, 0, "qemuDomainMigrateGetMaxDowntime", _Q)
        dom = self.driver.domains.from_ref(dom_ref)
        found = self._parameters(dom, "virDomainMigrateGetMaxDowntime")
        return int(found.get("downtime-limit", 0))

    def domain_migrate_set_max_downtime(self, dom_ref: DomainRef, downtime: int, flags: int) -> None:
        unsupported_flags(flags, 0, "qemuDomainMigrateSetMaxDowntime", _Q)
        dom = self.driver.domains.from_ref(dom_ref)
        self._parameters(dom, "virDomainMigrateSetMaxDowntime", {"downtime-limit": downtime})

    def domain_migrate_get_compression_cache(self, dom_ref: DomainRef, flags: int) -> int:
        unsupported_flags(flags, 0, "qemuDomainMigrateGetCompressionCache", _Q)
        dom = self.driver.domains.from_ref(dom_ref)
        found = self._parameters(dom, "virDomainMigrateGetCompressionCache")
        return int(found.get("xbzrle-cache-size", 0))

    def domain_migrate_set_compression_cache(
        self, dom_ref: DomainRef, cache_size: int, flags: int
    ) -> None:
        unsupported_flags(flags, 0, "qemuDomainMigrateSetCompressionCache", _Q)
        dom = self.driver.domains.from_ref(dom_ref)
        self._parameters(dom, "virDomainMigrateSetCompressionCache",
                         {"xbzrle-cache-size": cache_size})  # fmt: skip

    def domain_start_dirty_rate_calc(self, dom_ref: DomainRef, seconds: int, flags: int) -> None:
        """QMP calc-dirty-rate, with libvirt 9.0's checks: the length, one mode, the
        dirty ring only where the guest has KVM's dirty-ring feature."""
        unsupported_flags(flags, _DIRTY_BITMAP | _DIRTY_RING, "qemuDomainStartDirtyRateCalc", _Q)
        low, high = _DIRTYRATE_SECONDS
        if not low <= seconds <= high:
            raise make_error(ErrorCode.CONFIG_UNSUPPORTED, _Q,
                             f"seconds={seconds} is invalid, please choose value within "
                             f"[{low}, {high}].")  # fmt: skip
        if flags & _DIRTY_BITMAP and flags & _DIRTY_RING:
            raise invalid_arg("Flags 'VIR_DOMAIN_DIRTYRATE_MODE_DIRTY_BITMAP' and "
                              "'VIR_DOMAIN_DIRTYRATE_MODE_DIRTY_RING' are mutually exclusive",
                              "virDomainStartDirtyRateCalc", "flags")  # fmt: skip
        dom = self.driver.domains.from_ref(dom_ref)
        if flags & _DIRTY_RING and not _dirty_ring(dom):
            raise make_error(ErrorCode.OPERATION_UNSUPPORTED, _Q,
                             "dirty-ring calculation mode requires dirty-ring feature enabled.")  # fmt: skip
        mode = ("dirty-bitmap" if flags & _DIRTY_BITMAP
                else "dirty-ring" if flags & _DIRTY_RING else "page-sampling")  # fmt: skip
        with dom.job.hold("virDomainStartDirtyRateCalc", self.driver.job_wait):
            run = dom.run
            if run is None:
                raise domain_not_running()
            run.monitor.execute("calc-dirty-rate", {"calc-time": seconds, "mode": mode})


def _dirty_ring(dom: QemuDomain) -> bool:
    """<features><kvm><dirty-ring state='on'/>: KVM's per-vCPU dirty ring."""
    defn = dom.live if dom.live is not None else dom.defn
    for feature in defn.features or []:
        for ring in feature.iter("dirty-ring"):
            if ring.get("state") == "on":
                return True
    return False
