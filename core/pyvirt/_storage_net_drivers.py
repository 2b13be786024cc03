"""The rest of the driver contract's storage and network tables: source discovery, pool
capabilities, cloning, resizing and wiping volumes, network updates and network ports.

Part of :class:`pyvirt.driver.DriverConnection`; kept apart from :mod:`pyvirt.driver` so
that module stays small.  libvirt keeps them in its virStorageDriver and virNetworkDriver
tables; a driver that does not override one answers VIR_ERR_NO_SUPPORT in the error domain
of the family (STORAGE, NETWORK), naming the C API as libvirt does ("this function is not
supported by the connection driver: virStorageVolResize").  libvirt's own test driver
serves source discovery, cloning and network updates, and none of the rest.
"""

from __future__ import annotations

from pyvirt._codes import ErrorCode, ErrorDomain
from pyvirt._errors import make_error
from pyvirt._procedures import BY_METHOD
from pyvirt._records import NetworkPortRef, NetworkRef, StoragePoolRef, StorageVolRef

# Not typing.TYPE_CHECKING: importing typing costs more than pyvirsh's own start-up.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import NoReturn


def _no_support(method: str, domain: ErrorDomain) -> NoReturn:
    """libvirt's "not supported by the connection driver", naming the row's C API."""
    raise make_error(ErrorCode.NO_SUPPORT, domain, BY_METHOD[method].api)


class StorageExtraDriver:
    """Storage entry points beyond pools' and volumes' life cycle (libvirt's
    virStorageDriver)."""

    def connect_find_storage_pool_sources(
        self, type: str, src_spec: str | None, flags: int
    ) -> str:
        """virConnectFindStoragePoolSources: a ``<sources>`` document listing the sources of
        pool *type* found on the host (*src_spec*: a ``<source>`` narrowing the search, such
        as the NFS server to ask)."""
        _no_support("connect_find_storage_pool_sources", ErrorDomain.STORAGE)

    def connect_get_storage_pool_capabilities(self, flags: int) -> str:
        """virConnectGetStoragePoolCapabilities: the ``<storagepoolCapabilities>`` XML."""
        _no_support("connect_get_storage_pool_capabilities", ErrorDomain.STORAGE)

    def storage_vol_create_xml_from(
        self, pool: StoragePoolRef, xml: str, clonevol: StorageVolRef, flags: int
    ) -> StorageVolRef:
        """virStorageVolCreateXMLFrom: create a volume in *pool* from *xml*, its data copied
        from *clonevol*; return its reference."""
        _no_support("storage_vol_create_xml_from", ErrorDomain.STORAGE)

    def storage_vol_wipe(self, vol: StorageVolRef, flags: int) -> None:
        """virStorageVolWipe: overwrite *vol*'s data with zeroes."""
        _no_support("storage_vol_wipe", ErrorDomain.STORAGE)

    def storage_vol_wipe_pattern(self, vol: StorageVolRef, algorithm: int, flags: int) -> None:
        """virStorageVolWipePattern: overwrite *vol*'s data by *algorithm*
        (VIR_STORAGE_VOL_WIPE_ALG_*)."""
        _no_support("storage_vol_wipe_pattern", ErrorDomain.STORAGE)

    def storage_vol_resize(self, vol: StorageVolRef, capacity: int, flags: int) -> None:
        """virStorageVolResize: set *vol*'s capacity in bytes (*flags*: ALLOCATE, DELTA,
        SHRINK)."""
        _no_support("storage_vol_resize", ErrorDomain.STORAGE)


class NetworkExtraDriver:
    """Network updates and network ports (libvirt's virNetworkDriver)."""

    def network_update(
        self, net: NetworkRef, command: int, section: int, parent_index: int, xml: str, flags: int
    ) -> None:
        """virNetworkUpdate: apply *command* (VIR_NETWORK_UPDATE_COMMAND_*) with the element
        *xml* to *section* (VIR_NETWORK_SECTION_*) of *net*'s live state and/or persistent
        config (*flags*: VIR_NETWORK_UPDATE_AFFECT_*); *parent_index* picks the ``<ip>``
        for the DHCP sections (-1: the first that fits)."""
        _no_support("network_update", ErrorDomain.NETWORK)

    def network_list_all_ports(self, net: NetworkRef, flags: int) -> list[NetworkPortRef]:
        """virNetworkListAllPorts: a reference per port of *net*."""
        _no_support("network_list_all_ports", ErrorDomain.NETWORK)

    def network_port_lookup_by_uuid(self, net: NetworkRef, uuid: str) -> NetworkPortRef:
        """virNetworkPortLookupByUUID: the port of *net* with *uuid*; unknown:
        VIR_ERR_NO_NETWORK_PORT."""
        _no_support("network_port_lookup_by_uuid", ErrorDomain.NETWORK)

    def network_port_create_xml(self, net: NetworkRef, xml: str, flags: int) -> NetworkPortRef:
        """virNetworkPortCreateXML: plug a port described by ``<networkport>`` *xml* into
        *net*."""
        _no_support("network_port_create_xml", ErrorDomain.NETWORK)

    def network_port_get_xml_desc(self, port: NetworkPortRef, flags: int) -> str:
        """virNetworkPortGetXMLDesc: the port's ``<networkport>`` XML."""
        _no_support("network_port_get_xml_desc", ErrorDomain.NETWORK)

    def network_port_delete(self, port: NetworkPortRef, flags: int) -> None:
        """virNetworkPortDelete: unplug the port."""
        _no_support("network_port_delete", ErrorDomain.NETWORK)
