"""virConnect's bulk statistics, ``getAllDomainStats`` and ``domainListGetStats``, with
libvirt-python's signatures and return shape: a list of ``(virDomain, dict)`` pairs (a mixin
of :class:`pyvirt.libvirt.virConnect`, kept apart so the family stays in its own module)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyvirt.libvirt import _args
from pyvirt.libvirt._domain import virDomain
from pyvirt.libvirt._errors import api, fail

if TYPE_CHECKING:
    from pyvirt._connection import Connection
    from pyvirt._objects import Domain
    from pyvirt._typed_params import TypedValue
    from pyvirt.libvirt._connect import virConnect


def _pairs(
    conn: virConnect, found: list[tuple[Domain, dict[str, TypedValue]]]
) -> list[tuple[virDomain, dict[str, TypedValue]]]:
    return [(virDomain(conn, dom), stats) for dom, stats in found]


class StatsConnectMethods:
    """libvirt-python's ``virConnect.getAllDomainStats`` and ``domainListGetStats``."""

    _o: Connection

    @api
    def getAllDomainStats(  # noqa: N802
        self, stats: int = 0, flags: int = 0
    ) -> list[tuple[virDomain, dict[str, Any]]]:
        found = self._o.get_all_domain_stats(_args.flags(stats), _args.flags(flags))
        return _pairs(self, found)  # type: ignore[arg-type]

    def domainListGetStats(  # noqa: N802
        self, doms: list[virDomain], stats: int = 0, flags: int = 0
    ) -> list[tuple[virDomain, dict[str, Any]]]:
        """As libvirt-python: the domains' own connection answers (libvirt asks the first
        domain's), the handles returned belong to this one.  The list is checked before
        libvirt is called, so that error carries the thread's previous last error, as the
        binding's does (hence no ``@api`` here, which would clear it)."""
        handles = []
        for dom in doms:
            if not isinstance(dom, virDomain):
                raise fail("domain list contains non-domain elements")
            handles.append(dom._o)
        return self._list_get_stats(handles, _args.flags(stats), _args.flags(flags))

    @api
    def _list_get_stats(
        self, handles: list[Domain], stats: int, flags: int
    ) -> list[tuple[virDomain, dict[str, Any]]]:
        owner = handles[0].connection if handles else self._o
        return _pairs(self, owner.domain_list_get_stats(handles, stats, flags))  # type: ignore[arg-type]
