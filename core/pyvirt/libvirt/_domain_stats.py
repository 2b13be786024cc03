"""libvirt-python's domain statistics methods (``blockStats``, ``interfaceStats``,
``diskErrors``), a family of :class:`pyvirt.libvirt.virDomain` kept in its own module."""

from __future__ import annotations

from typing import Any

from pyvirt._objects import Domain
from pyvirt.libvirt import _args
from pyvirt.libvirt._errors import api


class DomainStatsMethods:
    """Mixin of :class:`pyvirt.libvirt.virDomain`."""

    _o: Domain

    @api
    def blockStats(self, path: str | None) -> tuple[int, int, int, int, int]:  # noqa: N802
        return self._o.block_stats(_args.optional_string(path, "virDomainBlockStats", 2))  # type: ignore[arg-type]

    @api
    def blockStatsFlags(self, path: str | None, flags: int = 0) -> dict[str, Any]:  # noqa: N802
        return self._o.block_stats_flags(
            _args.optional_string(path, "virDomainBlockStatsFlags", 2),  # type: ignore[arg-type]
            _args.flags(flags),
        )

    @api
    def interfaceStats(  # noqa: N802
        self, path: str | None
    ) -> tuple[int, int, int, int, int, int, int, int]:
        return self._o.interface_stats(
            _args.optional_string(path, "virDomainInterfaceStats", 2)  # type: ignore[arg-type]
        )

    @api
    def diskErrors(self, flags: int = 0) -> dict[str, int]:  # noqa: N802
        return self._o.disk_errors(_args.flags(flags))
