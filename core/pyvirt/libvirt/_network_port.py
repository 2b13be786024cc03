"""``virNetworkPort``: libvirt-python's network port handle over a :class:`pyvirt.NetworkPort`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyvirt.libvirt import _args
from pyvirt.libvirt._errors import api
from pyvirt.libvirt._handle import Handle, uuid_bytes
from pyvirt.libvirt._unsupported import add_unsupported

if TYPE_CHECKING:
    from pyvirt._objects_ports import NetworkPort
    from pyvirt.libvirt._network import virNetwork


class virNetworkPort(Handle):  # noqa: N801 - libvirt-python's name
    """A port of a :class:`virNetwork`."""

    _o: NetworkPort

    def __init__(self, net: virNetwork, _obj: NetworkPort) -> None:
        super().__init__(net.connect(), _obj)
        self._net = net

    def __eq__(self, other: object) -> bool:
        return isinstance(other, virNetworkPort) and other._o == self._o

    def __hash__(self) -> int:
        return hash(self._o)

    def network(self) -> virNetwork:
        return self._net

    def UUIDString(self) -> str:  # noqa: N802
        return self._o.uuid

    def UUID(self) -> bytes:  # noqa: N802
        return uuid_bytes(self._o.uuid)

    @api
    def XMLDesc(self, flags: int = 0) -> str:  # noqa: N802
        return self._o.xml_desc(_args.flags(flags))

    @api
    def delete(self, flags: int = 0) -> int:
        self._o.delete(_args.flags(flags))
        return 0


add_unsupported(virNetworkPort)
