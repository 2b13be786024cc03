"""``virNetwork``: libvirt-python's network handle over a :class:`pyvirt.Network`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyvirt._objects import Network
from pyvirt.libvirt import _args
from pyvirt.libvirt._domain import uuid_bytes
from pyvirt.libvirt._errors import api
from pyvirt.libvirt._unsupported import add_unsupported

if TYPE_CHECKING:
    from pyvirt.libvirt._connect import virConnect


class virNetwork:  # noqa: N801 - libvirt-python's name
    """A virtual network on a :class:`virConnect`."""

    if TYPE_CHECKING:
        # The NO_SUPPORT stubs are attached at import (see _unsupported); this tells type
        # checkers that those methods exist.
        def __getattr__(self, name: str) -> Any: ...

    def __init__(self, conn: virConnect, _obj: Network) -> None:
        self._conn = conn
        self._o = _obj
        conn._track(self)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, virNetwork) and other._o.uuid == self._o.uuid

    def __hash__(self) -> int:
        return hash(self._o.uuid)

    def c_pointer(self) -> int:
        return id(self._o)

    def connect(self) -> virConnect:
        return self._conn

    def name(self) -> str:
        return self._o.name

    def UUIDString(self) -> str:  # noqa: N802
        return self._o.uuid

    def UUID(self) -> bytes:  # noqa: N802
        return uuid_bytes(self._o.uuid)

    @api
    def XMLDesc(self, flags: int = 0) -> str:  # noqa: N802
        return self._o.xml_desc(_args.flags(flags))

    @api
    def bridgeName(self) -> str:  # noqa: N802
        return self._o.bridge_name()

    @api
    def isActive(self) -> int:  # noqa: N802
        return int(self._o.is_active())

    @api
    def isPersistent(self) -> int:  # noqa: N802
        return int(self._o.is_persistent())

    @api
    def autostart(self) -> int:
        return int(self._o.autostart)

    @api
    def setAutostart(self, autostart: int) -> int:  # noqa: N802
        self._o.set_autostart(bool(_args.c_int(autostart)))
        return 0

    @api
    def create(self) -> int:
        self._o.start()
        return 0

    @api
    def destroy(self) -> int:
        self._o.destroy()
        return 0

    @api
    def undefine(self) -> int:
        self._o.undefine()
        return 0


add_unsupported(virNetwork)
