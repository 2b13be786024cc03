"""Bulk domain statistics on :class:`pyvirt.Connection` (virConnectGetAllDomainStats and
virDomainListGetStats): one driver call answers every domain's statistics, so a monitoring
loop over thousands of domains makes one round trip instead of one per domain.  Kept apart
from :mod:`pyvirt._connection` so the family stays in one small module."""

from __future__ import annotations

from pyvirt._checks import check_uint
from pyvirt._codes import ErrorCode, ErrorDomain
from pyvirt._errors import make_error
from pyvirt._objects import Domain
from pyvirt._typed_params import typed_params_dict

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

    from pyvirt._calls import DriverCalls
    from pyvirt._records import DomainStatsRecord
    from pyvirt._typed_params import TypedValue

_UINT_MAX = 2**32 - 1


def _invalid(detail: str) -> Exception:
    """libvirt's virReportError(VIR_ERR_INVALID_ARG) in libvirt-domain.c."""
    return make_error(ErrorCode.INVALID_ARG, ErrorDomain.DOMAIN, detail)


class ConnectionStatsMethods:
    """Statistics methods of :class:`pyvirt.Connection`."""

    _calls: DriverCalls

    def _stats_pairs(
        self, records: list[DomainStatsRecord]
    ) -> list[tuple[Domain, dict[str, TypedValue]]]:
        return [(Domain(self, r.dom), typed_params_dict(r.params)) for r in records]  # type: ignore[arg-type]

    def get_all_domain_stats(
        self, stats: int = 0, flags: int = 0
    ) -> list[tuple[Domain, dict[str, TypedValue]]]:
        """The statistics groups *stats* (:class:`pyvirt.DomainStatsTypes`; 0: all the driver
        has) of every domain *flags* selects (:class:`pyvirt.ConnectGetAllDomainStatsFlags`),
        as (domain, {"state.state": 1, ...}) pairs, in one driver call."""
        api = "virConnectGetAllDomainStats"
        stats = check_uint(stats, "stats", api, _UINT_MAX)
        return self._stats_pairs(self._calls.connect_get_all_domain_stats([], stats, flags))

    def domain_list_get_stats(
        self, doms: Sequence[Domain], stats: int = 0, flags: int = 0
    ) -> list[tuple[Domain, dict[str, TypedValue]]]:
        """As :meth:`get_all_domain_stats`, for the domains *doms* (all of this connection;
        repeated ones are answered repeatedly, vanished ones left out), still filtered by
        *flags* (virDomainListGetStats)."""
        api = "virDomainListGetStats"
        if not doms:
            raise _invalid(f"doms array in {api} must contain at least one domain")
        foreign = [d for d in doms if not isinstance(d, Domain) or d.connection is not self]
        if foreign:
            raise _invalid("domains in 'doms' array must belong to a single connection")
        stats = check_uint(stats, "stats", api, _UINT_MAX)
        refs = [d.ref for d in doms]
        return self._stats_pairs(self._calls.connect_get_all_domain_stats(refs, stats, flags, api))
