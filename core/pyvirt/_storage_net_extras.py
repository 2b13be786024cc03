"""Volume resizing and wiping, network updates and network ports: parts of
:class:`pyvirt.StorageVol` and :class:`pyvirt.Network`, kept apart so those families stay in
one small module.  Argument checks are those of libvirt's public API (virStorageVolResize,
virNetworkUpdate, virNetworkPortLookupByUUIDString ...)."""

from __future__ import annotations

from pyvirt._checks import check_string, invalid_arg
from pyvirt._codes import ErrorDomain
from pyvirt._objects_ports import NetworkPort

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyvirt._connection import Connection
    from pyvirt._records import NetworkRef, StorageVolRef

_RESIZE_DELTA = 2  # VIR_STORAGE_VOL_RESIZE_DELTA
_RESIZE_SHRINK = 4  # VIR_STORAGE_VOL_RESIZE_SHRINK


def _xml_arg(xml: object, api: str, argname: str, domain: int) -> str:
    """A required XML string argument, as virCheckNonNullArgGoto checks it."""
    if xml is None:
        raise invalid_arg(f"{argname} in {api} must not be NULL", api, argname, domain)
    return check_string(xml, argname, api)


class StorageVolExtraMethods:
    """Resizing and wiping methods of :class:`pyvirt.StorageVol`."""

    _conn: Connection
    _ref: StorageVolRef

    def resize(self, capacity: int, flags: int = 0) -> None:
        """Set the volume's capacity to *capacity* bytes (virStorageVolResize; *flags*:
        VIR_STORAGE_VOL_RESIZE_ALLOCATE, DELTA: add *capacity*, SHRINK: allow smaller).
        Zero is refused unless DELTA or SHRINK is given, as libvirt's public API does."""
        api = "virStorageVolResize"
        if capacity == 0 and not flags & (_RESIZE_DELTA | _RESIZE_SHRINK):
            raise invalid_arg(
                f"capacity in {api} cannot be zero without 'delta' or 'shrink' flags set",
                api, "capacity", ErrorDomain.STORAGE,
            )  # fmt: skip
        self._conn._calls.storage_vol_resize(self._ref, capacity, flags)

    def wipe(self, flags: int = 0) -> None:
        """Overwrite the volume's data with zeroes (virStorageVolWipe)."""
        self._conn._calls.storage_vol_wipe(self._ref, flags)

    def wipe_pattern(self, algorithm: int, flags: int = 0) -> None:
        """Overwrite the volume's data by *algorithm*, a :class:`StorageVolWipeAlgorithm`
        (virStorageVolWipePattern)."""
        self._conn._calls.storage_vol_wipe_pattern(self._ref, algorithm, flags)


class NetworkExtraMethods:
    """Update and port methods of :class:`pyvirt.Network`."""

    _conn: Connection
    _ref: NetworkRef

    def update(
        self, command: int, section: int, parent_index: int, xml: str, flags: int = 0
    ) -> None:
        """Add, modify or delete one element of a section of the network's definition
        (virNetworkUpdate): *command* a :class:`NetworkUpdateCommand`, *section* a
        :class:`NetworkUpdateSection`, *parent_index* which ``<ip>`` (-1: any), *xml* the
        element; *flags* (:class:`NetworkUpdateFlags`) say whether the live state, the
        persistent config or both change."""
        xml = _xml_arg(xml, "virNetworkUpdate", "xml", ErrorDomain.NETWORK)
        self._conn._calls.network_update(self._ref, command, section, parent_index, xml, flags)

    def list_ports(self, flags: int = 0) -> list[NetworkPort]:
        """Every port of the network (virNetworkListAllPorts)."""
        refs = self._conn._calls.network_list_all_ports(self._ref, flags)
        return [NetworkPort(self._conn, ref) for ref in refs]

    def lookup_port_by_uuid(self, uuid: str) -> NetworkPort:
        """The port with *uuid* (virNetworkPortLookupByUUIDString); a malformed UUID is
        VIR_ERR_INVALID_ARG."""
        from pyvirt._connection import canonical_uuid  # the connection module imports this one

        api = "virNetworkPortLookupByUUIDString"
        canonical = canonical_uuid(uuid, api, ErrorDomain.NETWORK)
        return NetworkPort(self._conn, self._conn._calls.network_port_lookup_by_uuid(self._ref, canonical))

    def create_port(self, xml: str, flags: int = 0) -> NetworkPort:
        """Plug a new port described by ``<networkport>`` *xml* (virNetworkPortCreateXML)."""
        xml = _xml_arg(xml, "virNetworkPortCreateXML", "xmldesc", ErrorDomain.NETWORK)
        return NetworkPort(self._conn, self._conn._calls.network_port_create_xml(self._ref, xml, flags))
