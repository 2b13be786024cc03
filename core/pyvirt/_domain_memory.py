"""A domain's guest memory calls: part of :class:`pyvirt.Domain`, kept apart so the family
stays one small module.  Argument checks are those of libvirt's public API, in its order
(virDomainMemoryPeek, virDomainSetMemoryStatsPeriod, virDomainGetMessages)."""

from __future__ import annotations

from pyvirt._checks import check_flags, check_int, check_uint, invalid_arg
from pyvirt._domain_extras import _refuse_read_only  # libvirt's virCheckReadOnlyGoto

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyvirt._connection import Connection
    from pyvirt._records import DomainRef

_VIRTUAL, _PHYSICAL = 1, 2  # VIR_MEMORY_*
_ULLONG_MAX = 2**64 - 1
#: Procedure numbers (pyvirt._procedures) of the calls refused on a read-only connection
#: before any argument check.
_MEMORY_PEEK, _SET_MEMORY_STATS_PERIOD = 104, 308


class DomainMemoryMethods:
    """Guest memory methods of :class:`pyvirt.Domain`."""

    _conn: Connection

    if TYPE_CHECKING:

        @property
        def _ref(self) -> DomainRef: ...

    def memory_peek(self, start: int, size: int, flags: int) -> bytes:
        """*size* bytes of the running guest's memory from *start*: flags must say which
        addresses, VIR_MEMORY_VIRTUAL or VIR_MEMORY_PHYSICAL (virDomainMemoryPeek)."""
        api = "virDomainMemoryPeek"
        flags = check_flags(flags, api)
        _refuse_read_only(self._conn.read_only, _MEMORY_PEEK, flags)
        if flags & _VIRTUAL and flags & _PHYSICAL:
            raise invalid_arg(
                "Flags 'VIR_MEMORY_VIRTUAL' and 'VIR_MEMORY_PHYSICAL' are mutually exclusive",
                api,
                "ctl",
            )
        start = check_uint(start, "start", api, _ULLONG_MAX)
        size = check_uint(size, "size", api, _ULLONG_MAX)
        return self._conn._calls.domain_memory_peek(self._ref, start, size, flags)

    def set_memory_stats_period(self, period: int, flags: int = 0) -> None:
        """Collect the balloon's memory statistics every *period* seconds, 0 to stop
        (VIR_DOMAIN_AFFECT_* in *flags*; virDomainSetMemoryStatsPeriod)."""
        api = "virDomainSetMemoryStatsPeriod"
        flags = check_flags(flags, api)
        _refuse_read_only(self._conn.read_only, _SET_MEMORY_STATS_PERIOD, flags)
        if check_int(period, "period", api) < 0:
            raise invalid_arg(f"period in {api} must be zero or greater", api, "period")
        self._conn._calls.domain_set_memory_stats_period(self._ref, period, flags)

    def messages(self, flags: int = 0) -> list[str]:
        """The domain's tainting and deprecation messages (VIR_DOMAIN_MESSAGE_* in *flags*;
        virDomainGetMessages)."""
        flags = check_flags(flags, "virDomainGetMessages")
        return list(self._conn._calls.domain_get_messages(self._ref, flags))
