"""Guest memory calls of the test driver: memory peek, the balloon's statistics period and
the domain's messages, with libvirt's test driver's answers, checks and messages in its order.

Its guest has no memory to read: libvirt's test driver answers a peek with the low byte of
each address (``(start + i) & 0xff``), which this one does too so programs compare byte for
byte.  The statistics period is kept in the definition, as ``<memballoon><stats
period='N'/>``; a test domain is never tainted, so it has no messages.
"""

from __future__ import annotations

from pyvirt import ErrorCode, ErrorDomain, make_error
from pyvirt._checks import invalid_arg
from pyvirt.driver import domain_not_running, unsupported_flags

from pyvirt_test._state import TestState

# Not typing.TYPE_CHECKING: importing typing costs a pyvirsh run several milliseconds.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyvirt import DomainRef
    from pyvirt.conf import DomainDef

    from pyvirt_test._objects import TestDomain

_T = ErrorDomain.TEST
_VIRTUAL, _PHYSICAL = 1, 2  # VIR_MEMORY_*
_LIVE, _CONFIG = 1, 2  # VIR_DOMAIN_AFFECT_*
_DEPRECATION, _TAINTING = 1, 2  # VIR_DOMAIN_MESSAGE_*


class GuestMemoryOps:
    """Mixin for the test connection (uses :class:`~pyvirt_test._domain_ops.DomainOps`)."""

    state: TestState

    if TYPE_CHECKING:

        def _defs_for(
            self, dom: TestDomain, flags: int
        ) -> tuple[DomainDef | None, DomainDef | None]: ...

    def domain_memory_peek(self, dom_ref: DomainRef, start: int, size: int, flags: int) -> bytes:
        unsupported_flags(flags, _VIRTUAL | _PHYSICAL, "testDomainMemoryPeek", _T)
        if not flags & (_VIRTUAL | _PHYSICAL):
            raise make_error(
                ErrorCode.INVALID_ARG,
                _T,
                "flags parameter must be VIR_MEMORY_VIRTUAL or VIR_MEMORY_PHYSICAL",
            )
        with self.state.lock:
            if not self.state.domains.from_ref(dom_ref).active:
                raise domain_not_running()
        first = start & 0xFF
        cycle = bytes(range(first, 256)) + bytes(range(first))
        return (cycle * (size // 256 + 1))[:size]

    def domain_set_memory_stats_period(self, dom_ref: DomainRef, period: int, flags: int) -> None:
        from lxml import etree  # (lazily: pyvirsh's start-up does not need it)
        from pyvirt.conf import MemballoonDef

        unsupported_flags(flags, _LIVE | _CONFIG, "testDomainSetMemoryStatsPeriod", _T)
        if flags & (_LIVE | _CONFIG) == _LIVE | _CONFIG:
            # (the test driver changes one definition: virDomainObjGetOneDefState)
            raise invalid_arg(
                "Flags 'VIR_DOMAIN_AFFECT_LIVE' and 'VIR_DOMAIN_AFFECT_CONFIG' are mutually exclusive",
                "virDomainObjGetOneDefState",
                "flags",
            )
        with self.state.lock:
            live, persistent = self._defs_for(self.state.domains.from_ref(dom_ref), flags)
            defn = live if live is not None else persistent
            assert defn is not None
            balloons = [d for d in defn.devices if isinstance(d, MemballoonDef)]
            if not balloons or balloons[0].model == "none":
                raise make_error(
                    ErrorCode.INTERNAL_ERROR,
                    _T,
                    "No memory balloon device configured, can not set the collection period",
                )
            balloon = balloons[0]
            balloon.extra = [e for e in balloon.extra if e.tag != "stats"]
            if period:
                balloon.extra.append(etree.Element("stats", period=str(period)))

    def domain_get_messages(self, dom_ref: DomainRef, flags: int) -> list[str]:
        unsupported_flags(flags, _DEPRECATION | _TAINTING, "testDomainGetMessages", _T)
        with self.state.lock:
            self.state.domains.from_ref(dom_ref)
        return []
