"""libvirt-python's guest memory methods of ``virDomain`` (``memoryPeek``,
``setMemoryStatsPeriod``, ``messages``), a family kept in its own module."""

from __future__ import annotations

import operator
from typing import TYPE_CHECKING, Any

from pyvirt._codes import ErrorCode, ErrorDomain
from pyvirt._errors import make_error
from pyvirt._objects import Domain
from pyvirt.libvirt import _args
from pyvirt.libvirt._errors import api

if TYPE_CHECKING:
    from pyvirt.libvirt._connect import virConnect

_ULLONG_MASK = 2**64 - 1
_REMOTE_PEEK_MAX = 4 * 1024 * 1024  # remote_protocol.x REMOTE_DOMAIN_MEMORY_PEEK_BUFFER_MAX


class DomainMemoryMethods:
    """Mixin of :class:`pyvirt.libvirt.virDomain`."""

    _o: Domain
    _conn: virConnect

    @api
    def memoryPeek(self, start: Any, size: Any, flags: int = 0) -> bytes:  # noqa: N802
        """*size* bytes of guest memory from *start*.  The glue reads both as unsigned C
        numbers (a negative wraps) and allocates the buffer first: a size no buffer can
        hold is Python's MemoryError, as there."""
        begin = operator.index(start) & _ULLONG_MASK
        length = _args.c_ulong(size)
        if length >= 2**63:
            raise MemoryError
        if self._conn._remote is not None and length > _REMOTE_PEEK_MAX:
            # libvirt's remote driver refuses this itself, before sending anything
            raise make_error(
                ErrorCode.RPC,
                ErrorDomain.REMOTE,
                f"memory peek request too large for remote protocol, {length} > {_REMOTE_PEEK_MAX}",
            )
        return self._o.memory_peek(begin, length, _args.flags(flags))

    @api
    def setMemoryStatsPeriod(self, period: Any, flags: int = 0) -> int:  # noqa: N802
        self._o.set_memory_stats_period(_args.c_int(period), _args.flags(flags))
        return 0

    @api
    def messages(self, flags: int = 0) -> list[str]:
        return self._o.messages(_args.flags(flags))
