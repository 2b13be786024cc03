"""Bulk domain statistics of the test driver (libvirt's testConnectGetAllDomainStats).

libvirt 9.0's test driver knows two groups: ``state`` (state and reason, every domain) and
``iothread`` (the IOThreads virDomainAddIOThread added, with their polling values, only while
the domain runs).  Any other group asked for is left out silently, or, with ENFORCE_STATS,
refused as "Stats types bits 0x.. are not supported by this daemon".  Records come in the
driver's listing order (libvirt's is its hash table's, which changes from run to run).
"""

from __future__ import annotations

import functools

from pyvirt import (
    DomainStatsRecord,
    ErrorCode,
    ErrorDomain,
    TypedParameter,
    TypedParameterType,
    make_error,
)
from pyvirt.driver import domain_matches_filter, unsupported_flags

from pyvirt_test._domain_ops import DomainOps

# Not typing.TYPE_CHECKING: importing typing costs a pyvirsh run several milliseconds.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyvirt import DomainRef

    from pyvirt_test._objects import TestDomain

_T = ErrorDomain.TEST


@functools.cache
def _bits() -> tuple[int, int, int, int, int]:
    """(listAll filters, allowed flags, ENFORCE_STATS, STATE, IOTHREAD), read from pyvirt's
    enums on the first stats call: they live with the ABI enums, which would cost every
    pyvirsh run milliseconds at import.  (ACTIVE ... OTHER share virConnectListAllDomains'
    bits.)"""
    from pyvirt import ConnectGetAllDomainStatsFlags as F
    from pyvirt import DomainStatsTypes as S

    filters = int(F.ACTIVE | F.INACTIVE | F.PERSISTENT | F.TRANSIENT | F.RUNNING | F.PAUSED
                  | F.SHUTOFF | F.OTHER)  # fmt: skip
    allowed = filters | int(F.NOWAIT | F.BACKING | F.ENFORCE_STATS)
    return filters, allowed, int(F.ENFORCE_STATS), int(S.STATE), int(S.IOTHREAD)

_INT, _UINT, _ULLONG = TypedParameterType.INT, TypedParameterType.UINT, TypedParameterType.ULLONG


#: (state, reason) -> the state group's parameters.  Records are immutable, and a host's
#: domains share a handful of pairs, so ten thousand domains share a few records.
_STATE_PARAMS: dict[tuple[int, int], tuple[TypedParameter, TypedParameter]] = {}


def _state_params(dom: TestDomain) -> list[TypedParameter]:
    key = (int(dom.state), int(dom.reason))
    params = _STATE_PARAMS.get(key)
    if params is None:
        params = _STATE_PARAMS[key] = (
            TypedParameter("state.state", _INT, key[0]),
            TypedParameter("state.reason", _INT, key[1]),
        )
    return list(params)


def _iothread_params(dom: TestDomain) -> list[TypedParameter]:
    polls = dom.iothread_polls
    if not dom.active or not polls:
        return []
    out = [TypedParameter("iothread.count", _UINT, len(polls))]
    for iothread_id, (max_ns, grow, shrink) in polls.items():
        prefix = f"iothread.{iothread_id}."
        out += [
            TypedParameter(prefix + "poll-max-ns", _ULLONG, max_ns),
            TypedParameter(prefix + "poll-grow", _UINT, grow),
            TypedParameter(prefix + "poll-shrink", _UINT, shrink),
        ]
    return out


class DomainStatsOps(DomainOps):
    """Mixin for the test connection: virConnectGetAllDomainStats, virDomainListGetStats."""

    def connect_get_all_domain_stats(
        self, doms: list[DomainRef], stats: int, flags: int
    ) -> list[DomainStatsRecord]:
        filter_bits, allowed, enforce, state_bit, iothread_bit = _bits()
        supported = state_bit | iothread_bit
        unsupported_flags(flags, allowed, "testConnectGetAllDomainStats", _T)
        if not stats:
            stats = supported
        elif flags & enforce and stats & ~supported:
            raise make_error(
                ErrorCode.ARGUMENT_UNSUPPORTED,
                _T,
                f"Stats types bits 0x{stats & ~supported:x} are not supported by this daemon",
            )
        want_state, want_iothread = stats & state_bit, stats & iothread_bit
        filters = flags & filter_bits
        with self.state.lock:
            chosen = self._chosen(doms)
            out = []
            for dom in chosen:
                if filters and not domain_matches_filter(dom.record(), filters):
                    continue
                params = _state_params(dom) if want_state else []
                if want_iothread:
                    params += _iothread_params(dom)
                out.append(DomainStatsRecord(dom.ref(), params))
        return out

    def _chosen(self, doms: list[DomainRef]) -> list[TestDomain]:
        """Every domain, or those of *doms* that still exist (libvirt's
        virDomainObjListConvert skips vanished ones), repeats kept."""
        domains = self.state.domains
        if not doms:
            return list(domains)
        found = (domains.find_by_uuid(ref.uuid) for ref in doms)
        return [dom for dom in found if dom is not None]
