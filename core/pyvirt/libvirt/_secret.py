"""``virSecret``: libvirt-python's secret handle over a :class:`pyvirt.Secret`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyvirt.libvirt import _args
from pyvirt.libvirt._errors import api
from pyvirt.libvirt._handle import Handle, uuid_bytes

if TYPE_CHECKING:
    from pyvirt._objects_secrets import Secret


class virSecret(Handle):  # noqa: N801 - libvirt-python's name
    """A secret on a :class:`virConnect`; its value is fetched on each ``value()`` call."""

    _o: Secret

    def __eq__(self, other: object) -> bool:
        return isinstance(other, virSecret) and other._o.uuid == self._o.uuid

    def __hash__(self) -> int:
        return hash(self._o.uuid)

    def UUIDString(self) -> str:  # noqa: N802
        return self._o.uuid

    def UUID(self) -> bytes:  # noqa: N802
        return uuid_bytes(self._o.uuid)

    def usageType(self) -> int:  # noqa: N802
        return self._o.usage_type

    def usageID(self) -> str:  # noqa: N802
        return self._o.usage_id

    @api
    def XMLDesc(self, flags: int = 0) -> str:  # noqa: N802
        return self._o.xml_desc(_args.flags(flags))

    @api
    def setValue(self, value: bytes | str, flags: int = 0) -> int:  # noqa: N802
        # libvirt-python takes bytes, and a str as its UTF-8 encoding.
        data = value.encode() if isinstance(value, str) else value
        self._o.set_value(data, _args.flags(flags))
        return 0

    @api
    def value(self, flags: int = 0) -> bytes:
        return self._o.value(_args.flags(flags))

    @api
    def undefine(self) -> int:
        self._o.undefine()
        return 0
