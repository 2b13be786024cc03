"""The driver contract's guest-memory entries: reading guest memory (virDomainMemoryPeek),
the balloon's statistics period (virDomainSetMemoryStatsPeriod) and the domain's messages
(virDomainGetMessages), part of :class:`pyvirt.driver.DriverConnection`.

Kept apart from :mod:`pyvirt.driver` so the family stays one small module.  A driver that
does not override one answers VIR_ERR_NO_SUPPORT in error domain DOMAIN, as libvirt does.
"""

from __future__ import annotations

from pyvirt._codes import ErrorCode, ErrorDomain
from pyvirt._errors import make_error
from pyvirt._procedures import BY_METHOD
from pyvirt._records import DomainRef


def _no_support(method: str) -> None:
    raise make_error(ErrorCode.NO_SUPPORT, ErrorDomain.DOMAIN, BY_METHOD[method].api)


class GuestMemoryDriver:
    """Guest memory calls of libvirt's virHypervisorDriver."""

    def domain_memory_peek(self, dom: DomainRef, start: int, size: int, flags: int) -> bytes:
        """*size* bytes of the running guest's memory from address *start*
        (VIR_MEMORY_VIRTUAL or VIR_MEMORY_PHYSICAL in *flags* says which address space)."""
        _no_support("domain_memory_peek")
        raise AssertionError  # (unreachable: for the type checker)

    def domain_set_memory_stats_period(self, dom: DomainRef, period: int, flags: int) -> None:
        """Make the balloon collect memory statistics every *period* seconds (0: stop), in
        the live and/or persistent definition (VIR_DOMAIN_AFFECT_*)."""
        _no_support("domain_set_memory_stats_period")

    def domain_get_messages(self, dom: DomainRef, flags: int) -> list[str]:
        """The domain's tainting and deprecation messages (VIR_DOMAIN_MESSAGE_*: which kinds;
        0: all)."""
        _no_support("domain_get_messages")
        raise AssertionError
