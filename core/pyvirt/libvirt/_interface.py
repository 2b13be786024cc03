"""``virInterface``: libvirt-python's host interface handle over a :class:`pyvirt.Interface`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyvirt.libvirt import _args
from pyvirt.libvirt._errors import api
from pyvirt.libvirt._handle import Handle

if TYPE_CHECKING:
    from pyvirt._objects_host import Interface


class virInterface(Handle):  # noqa: N801 - libvirt-python's name
    """A host network interface on a :class:`virConnect`."""

    _o: Interface


    def MACString(self) -> str:  # noqa: N802
        """The MAC address the handle holds, as the lookup that made it spelled it."""
        return self._o.mac

    @api
    def XMLDesc(self, flags: int = 0) -> str:  # noqa: N802
        return self._o.xml_desc(_args.flags(flags))

    @api
    def create(self, flags: int = 0) -> int:
        self._o.start(_args.flags(flags))
        return 0

    @api
    def destroy(self, flags: int = 0) -> int:
        self._o.destroy(_args.flags(flags))
        return 0

    @api
    def undefine(self) -> int:
        self._o.undefine()
        return 0

    @api
    def isActive(self) -> int:  # noqa: N802
        return int(self._o.is_active())
