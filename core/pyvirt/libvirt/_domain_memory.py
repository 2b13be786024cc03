"""libvirt-python's guest memory methods of ``virDomain`` (``memoryPeek``,
``setMemoryStatsPeriod``, ``messages``), a family kept in its own module."""

from __future__ import annotations

import operator
from typing import Any

from pyvirt._objects import Domain
from pyvirt.libvirt import _args
from pyvirt.libvirt._errors import api

_ULLONG_MASK = 2**64 - 1


class DomainMemoryMethods:
    """Mixin of :class:`pyvirt.libvirt.virDomain`."""

    _o: Domain

    @api
    def memoryPeek(self, start: Any, size: Any, flags: int = 0) -> bytes:  # noqa: N802
        """*size* bytes of guest memory from *start*.  The glue reads both as unsigned C
        numbers (a negative wraps) and allocates the buffer first: a size no buffer can
        hold is Python's MemoryError, as there."""
        begin = operator.index(start) & _ULLONG_MASK
        length = _args.c_ulong(size)
        if length >= 2**63:
            raise MemoryError
        return self._o.memory_peek(begin, length, _args.flags(flags))

    @api
    def setMemoryStatsPeriod(self, period: Any, flags: int = 0) -> int:  # noqa: N802
        self._o.set_memory_stats_period(_args.c_int(period), _args.flags(flags))
        return 0

    @api
    def messages(self, flags: int = 0) -> list[str]:
        return self._o.messages(_args.flags(flags))
