"""``virNetwork``: libvirt-python's network handle over a :class:`pyvirt.Network`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyvirt.libvirt import _args
from pyvirt.libvirt._errors import api
from pyvirt.libvirt._handle import IdentifiedHandle
from pyvirt.libvirt._network_port import virNetworkPort
from pyvirt.libvirt._unsupported import add_unsupported

if TYPE_CHECKING:
    from pyvirt._objects import Network


class virNetwork(IdentifiedHandle):  # noqa: N801 - libvirt-python's name
    """A virtual network on a :class:`virConnect`."""

    _o: Network

    if TYPE_CHECKING:
        # The NO_SUPPORT stubs are attached at import (see _unsupported); this tells type
        # checkers that those methods exist.
        def __getattr__(self, name: str) -> Any: ...

    def __eq__(self, other: object) -> bool:
        return isinstance(other, virNetwork) and other._o.uuid == self._o.uuid

    def __hash__(self) -> int:
        return hash(self._o.uuid)

    @api
    def XMLDesc(self, flags: int = 0) -> str:  # noqa: N802
        return self._o.xml_desc(_args.flags(flags))

    @api
    def bridgeName(self) -> str:  # noqa: N802
        return self._o.bridge_name()

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

    @api
    def DHCPLeases(self, mac: str | None = None, flags: int = 0) -> list[dict[str, Any]]:  # noqa: N802
        """One dict per lease, with libvirt-python's keys (None where libvirt has NULL)."""
        return [
            {"iface": le.iface, "expirytime": le.expirytime, "type": le.type, "mac": le.mac,
             "iaid": le.iaid, "ipaddr": le.ipaddr, "prefix": le.prefix,
             "hostname": le.hostname, "clientid": le.clientid}
            for le in self._o.dhcp_leases(
                _args.optional_string(mac, "virNetworkGetDHCPLeases", 2), _args.flags(flags)
            )
        ]  # fmt: skip

    @api
    def update(  # noqa: N803 - libvirt-python's parameter names
        self, command: int, section: int, parentIndex: int, xml: str, flags: int = 0
    ) -> int:
        self._o.update(
            _args.c_uint(command), _args.c_uint(section), _args.c_int(parentIndex),
            _args.string(xml, "virNetworkUpdate", 4, "xml", 19), _args.flags(flags),
        )  # fmt: skip
        return 0

    @api
    def listAllPorts(self, flags: int = 0) -> list[virNetworkPort]:  # noqa: N802
        return [virNetworkPort(self, p) for p in self._o.list_ports(_args.flags(flags))]

    @api
    def portLookupByUUIDString(self, uuidstr: str) -> virNetworkPort:  # noqa: N802
        return virNetworkPort(self, self._o.lookup_port_by_uuid(uuidstr))

    @api
    def portLookupByUUID(self, uuid: bytes) -> virNetworkPort:  # noqa: N802
        text = bytes(uuid).hex() if isinstance(uuid, bytes | bytearray) else uuid
        if isinstance(text, str) and len(text) == 32:
            text = f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"
        return virNetworkPort(self, self._o.lookup_port_by_uuid(text))

    @api
    def portCreateXML(self, xmldesc: str, flags: int = 0) -> virNetworkPort:  # noqa: N802
        xml = _args.string(xmldesc, "virNetworkPortCreateXML", 2, "xmldesc", 19)
        return virNetworkPort(self, self._o.create_port(xml, _args.flags(flags)))


add_unsupported(virNetwork)
