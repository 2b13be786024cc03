"""The driver contract's bulk statistics entry (libvirt's connectGetAllDomainStats), part of
:class:`pyvirt.driver.DriverConnection`.

One entry serves both public calls, as in libvirt: virConnectGetAllDomainStats (no domains
named: every domain the filter flags select) and virDomainListGetStats (the domains named,
still filtered by the flags).  Kept apart from :mod:`pyvirt.driver`, which holds the
per-domain calls, so the bulk path stays one small module.
"""

from __future__ import annotations

from pyvirt._codes import ErrorCode, ErrorDomain
from pyvirt._errors import make_error
from pyvirt._procedures import BY_METHOD
from pyvirt._records import DomainRef, DomainStatsRecord


class DomainStatsDriver:
    """Bulk statistics (libvirt's virHypervisorDriver.connectGetAllDomainStats)."""

    def connect_get_all_domain_stats(
        self, doms: list[DomainRef], stats: int, flags: int
    ) -> list[DomainStatsRecord]:
        """The statistics groups *stats* (VIR_DOMAIN_STATS_*; 0: every group the driver has)
        of *doms*, or of every domain when *doms* is empty, filtered by *flags*
        (VIR_CONNECT_GET_ALL_DOMAINS_STATS_*: the listAll state filters, plus ENFORCE_STATS,
        which turns an unsupported group into an error, BACKING and NOWAIT)."""
        api = BY_METHOD["connect_get_all_domain_stats"].api
        raise make_error(ErrorCode.NO_SUPPORT, ErrorDomain.DOMAIN, api)
