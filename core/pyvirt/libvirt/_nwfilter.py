"""``virNWFilter`` and ``virNWFilterBinding``: libvirt-python's network filter handles over
:class:`pyvirt.NWFilter` and :class:`pyvirt.NWFilterBinding`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyvirt.libvirt import _args
from pyvirt.libvirt._errors import api
from pyvirt.libvirt._handle import Handle, uuid_bytes

if TYPE_CHECKING:
    from pyvirt._objects_secrets import NWFilter, NWFilterBinding


class virNWFilter(Handle):  # noqa: N801 - libvirt-python's name
    """A network filter on a :class:`virConnect`."""

    _o: NWFilter

    def __eq__(self, other: object) -> bool:
        return isinstance(other, virNWFilter) and other._o.uuid == self._o.uuid

    def __hash__(self) -> int:
        return hash(self._o.uuid)

    def UUIDString(self) -> str:  # noqa: N802
        return self._o.uuid

    def UUID(self) -> bytes:  # noqa: N802
        return uuid_bytes(self._o.uuid)

    @api
    def XMLDesc(self, flags: int = 0) -> str:  # noqa: N802
        return self._o.xml_desc(_args.flags(flags))

    @api
    def undefine(self) -> int:
        self._o.undefine()
        return 0


class virNWFilterBinding(Handle):  # noqa: N801 - libvirt-python's name
    """A network filter bound to a port device, on a :class:`virConnect`."""

    _o: NWFilterBinding

    def __eq__(self, other: object) -> bool:
        return isinstance(other, virNWFilterBinding) and other._o.portdev == self._o.portdev

    def __hash__(self) -> int:
        return hash(self._o.portdev)

    def portDev(self) -> str:  # noqa: N802
        return self._o.portdev

    def filterName(self) -> str:  # noqa: N802
        return self._o.filtername

    @api
    def XMLDesc(self, flags: int = 0) -> str:  # noqa: N802
        return self._o.xml_desc(_args.flags(flags))

    @api
    def delete(self) -> int:
        self._o.delete()
        return 0
