"""Network ports (libvirt's virNetworkPort): a guest's NIC plugged into a virtual network.

Kept apart from :mod:`pyvirt._objects`, which holds the other handles, so each module stays
small.  A port is identified by its network and its UUID (:class:`pyvirt.NetworkPortRef`).
"""

from __future__ import annotations

from pyvirt._records import NetworkPortRef

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyvirt._connection import Connection
    from pyvirt._records import NetworkRef


class NetworkPort:
    """A port of a virtual network."""

    def __init__(self, conn: Connection, ref: NetworkPortRef):
        self._conn = conn
        self._ref = ref

    @property
    def ref(self) -> NetworkPortRef:
        """The reference record (:class:`NetworkPortRef`: network, uuid) the driver identifies
        the port by."""
        return self._ref

    @property
    def uuid(self) -> str:
        """The port's UUID (virNetworkPortGetUUIDString): held in the handle."""
        return self._ref.uuid

    @property
    def network_ref(self) -> NetworkRef:
        """The network the port is on (virNetworkPortGetNetwork), from the handle."""
        return self._ref.net

    def xml_desc(self, flags: int = 0) -> str:
        """The port's ``<networkport>`` XML (virNetworkPortGetXMLDesc)."""
        return str(self._conn._calls.network_port_get_xml_desc(self._ref, flags))

    def delete(self, flags: int = 0) -> None:
        """Unplug the port from its network (virNetworkPortDelete)."""
        self._conn._calls.network_port_delete(self._ref, flags)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NetworkPort) and other._ref == self._ref

    def __hash__(self) -> int:
        return hash((self._ref.net.uuid, self._ref.uuid))

    def __repr__(self) -> str:
        return f"<pyvirt.NetworkPort {self.uuid} of {self._ref.net.name!r}>"
