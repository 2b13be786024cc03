"""A guest's migration settings: the bandwidth cap (also after the switch to post-copy), the
longest pause and the XBZRLE compression cache (virsh migrate-setspeed, migrate-getspeed,
migrate-setmaxdowntime, migrate-getmaxdowntime, migrate-compcache).

Why here, with no migration in the driver yet: libvirt users set these ahead of a migration
(and read them in tooling), and libvirt answers them from QEMU's own migration parameters
(QMP ``query-migrate-parameters`` / ``migrate-set-parameters``).  The bandwidth cap of a
shut-off guest is kept by the driver for its next start, as libvirt keeps it
(``migMaxBandwidth``); the other settings need a running QEMU.
"""

from __future__ import annotations

from typing import Any

from pyvirt import DomainRef, ErrorCode, ErrorDomain, make_error
from pyvirt.driver import domain_not_running, unsupported_flags

from pyvirt_qemu._domain import MIGRATION_BANDWIDTH_MAX, QemuDomain
from pyvirt_qemu._qemudriver import QemuDriver

__all__ = ["MigrationParamOps"]

_Q = ErrorDomain.QEMU
_MIB = 1024 * 1024
#: VIR_DOMAIN_MIGRATE_MAX_SPEED_POSTCOPY
_POSTCOPY = 1


class MigrationParamOps:
    """Mixin for :class:`~pyvirt_qemu._driver.QemuConnection`; ``self.driver`` is the state."""

    driver: QemuDriver

    def _parameters(self, dom: QemuDomain, api: str, change: dict[str, Any] | None) -> Any:
        """QEMU's migration parameters of the running *dom* (job held), after *change*."""
        with dom.job.hold(api, self.driver.job_wait):
            run = dom.run
            if run is None:
                raise domain_not_running()
            if change is not None:
                run.monitor.execute("migrate-set-parameters", change)
                return None
            return run.monitor.execute("query-migrate-parameters")

    def domain_migrate_get_max_speed(self, dom_ref: DomainRef, flags: int) -> int:
        unsupported_flags(flags, _POSTCOPY, "qemuDomainMigrateGetMaxSpeed", _Q)
        dom = self.driver.domains.from_ref(dom_ref)
        if not flags & _POSTCOPY:
            return dom.migration_bandwidth
        found = self._parameters(dom, "virDomainMigrateGetMaxSpeed", None)
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
        found = self._parameters(dom, "virDomainMigrateGetMaxDowntime", None)
        return int(found.get("downtime-limit", 0))

    def domain_migrate_set_max_downtime(self, dom_ref: DomainRef, downtime: int, flags: int) -> None:
        unsupported_flags(flags, 0, "qemuDomainMigrateSetMaxDowntime", _Q)
        dom = self.driver.domains.from_ref(dom_ref)
        self._parameters(dom, "virDomainMigrateSetMaxDowntime", {"downtime-limit": downtime})

    def domain_migrate_get_compression_cache(self, dom_ref: DomainRef, flags: int) -> int:
        unsupported_flags(flags, 0, "qemuDomainMigrateGetCompressionCache", _Q)
        dom = self.driver.domains.from_ref(dom_ref)
        found = self._parameters(dom, "virDomainMigrateGetCompressionCache", None)
        return int(found.get("xbzrle-cache-size", 0))

    def domain_migrate_set_compression_cache(
        self, dom_ref: DomainRef, cache_size: int, flags: int
    ) -> None:
        unsupported_flags(flags, 0, "qemuDomainMigrateSetCompressionCache", _Q)
        dom = self.driver.domains.from_ref(dom_ref)
        self._parameters(dom, "virDomainMigrateSetCompressionCache",
                         {"xbzrle-cache-size": cache_size})  # fmt: skip
