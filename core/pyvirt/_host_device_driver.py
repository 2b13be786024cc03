"""The driver contract's host-device tables: libvirt's virInterfaceDriver and
virNodeDeviceDriver.

Kept apart from :mod:`pyvirt.driver` (which mixes them into
:class:`~pyvirt.driver.DriverConnection`) so that module stays one screenful per table.  As
there, every method answers libvirt's VIR_ERR_NO_SUPPORT until a driver overrides it, and its
annotations are the procedure's wire signature.  Interfaces are passed as
:class:`~pyvirt.InterfaceRef` (libvirt's ``{name, mac}``), node devices by name (libvirt's
``{name}``).
"""

from __future__ import annotations

from pyvirt._codes import ErrorCode, ErrorDomain
from pyvirt._errors import make_error
from pyvirt._procedures import BY_METHOD
from pyvirt._records import InterfaceRecord, InterfaceRef, NodeDeviceRecord

# Not typing.TYPE_CHECKING: importing typing costs a pyvirsh run several milliseconds.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import NoReturn


def _no_support(method: str, domain: ErrorDomain) -> NoReturn:
    # pyvirt.driver.unsupported's rule; that module imports this one, so it is not imported.
    raise make_error(ErrorCode.NO_SUPPORT, domain, BY_METHOD[method].api)


_I = ErrorDomain.INTERFACE
_N = ErrorDomain.NODEDEV


class InterfaceDriver:
    """Host interface entry points (libvirt's virInterfaceDriver)."""

    def connect_list_all_interfaces(self, flags: int) -> list[InterfaceRecord]:
        """virConnectListAllInterfaces: one record per interface matching *flags*
        (:class:`~pyvirt.ListInterfacesFlags`: ACTIVE/INACTIVE)."""
        _no_support("connect_list_all_interfaces", _I)

    def interface_lookup_by_name(self, name: str) -> InterfaceRecord:
        """virInterfaceLookupByName; unknown: VIR_ERR_NO_INTERFACE."""
        _no_support("interface_lookup_by_name", _I)

    def interface_lookup_by_mac_string(self, mac: str) -> InterfaceRecord:
        """virInterfaceLookupByMACString; unknown: VIR_ERR_NO_INTERFACE."""
        _no_support("interface_lookup_by_mac_string", _I)

    def interface_get_xml_desc(self, iface: InterfaceRef, flags: int) -> str:
        """virInterfaceGetXMLDesc: the ``<interface>`` XML."""
        _no_support("interface_get_xml_desc", _I)

    def interface_define_xml(self, xml: str, flags: int) -> InterfaceRecord:
        """virInterfaceDefineXML: add or replace an interface's definition."""
        _no_support("interface_define_xml", _I)

    def interface_undefine(self, iface: InterfaceRef) -> None:
        """virInterfaceUndefine: forget the interface's definition."""
        _no_support("interface_undefine", _I)

    def interface_create(self, iface: InterfaceRef, flags: int) -> None:
        """virInterfaceCreate: bring the interface up."""
        _no_support("interface_create", _I)

    def interface_destroy(self, iface: InterfaceRef, flags: int) -> None:
        """virInterfaceDestroy: bring the interface down."""
        _no_support("interface_destroy", _I)

    def interface_is_active(self, iface: InterfaceRef) -> bool:
        """virInterfaceIsActive: whether the interface is up."""
        _no_support("interface_is_active", _I)

    def interface_change_begin(self, flags: int) -> None:
        """virInterfaceChangeBegin: snapshot the host's network config for a rollback."""
        _no_support("interface_change_begin", _I)

    def interface_change_commit(self, flags: int) -> None:
        """virInterfaceChangeCommit: keep the changes made since the begin."""
        _no_support("interface_change_commit", _I)

    def interface_change_rollback(self, flags: int) -> None:
        """virInterfaceChangeRollback: go back to the config saved at the begin."""
        _no_support("interface_change_rollback", _I)


class NodeDeviceDriver:
    """Node device entry points (libvirt's virNodeDeviceDriver)."""

    def node_num_of_devices(self, cap: str | None, flags: int) -> int:
        """virNodeNumOfDevices: how many devices have capability *cap* (None: all)."""
        _no_support("node_num_of_devices", _N)

    def node_list_devices(self, cap: str | None, maxnames: int, flags: int) -> list[str]:
        """virNodeListDevices: the names of up to *maxnames* devices with *cap*."""
        _no_support("node_list_devices", _N)

    def connect_list_all_node_devices(self, flags: int) -> list[NodeDeviceRecord]:
        """virConnectListAllNodeDevices: devices matching *flags*
        (:class:`~pyvirt.ListNodeDevicesFlags`: capabilities, ACTIVE/INACTIVE)."""
        _no_support("connect_list_all_node_devices", _N)

    def node_device_lookup_by_name(self, name: str) -> NodeDeviceRecord:
        """virNodeDeviceLookupByName; unknown: VIR_ERR_NO_NODE_DEVICE."""
        _no_support("node_device_lookup_by_name", _N)

    def node_device_lookup_scsi_host_by_wwn(
        self, wwnn: str, wwpn: str, flags: int
    ) -> NodeDeviceRecord:
        """virNodeDeviceLookupSCSIHostByWWN: the fc_host SCSI host with these WWNs."""
        _no_support("node_device_lookup_scsi_host_by_wwn", _N)

    def node_device_get_xml_desc(self, name: str, flags: int) -> str:
        """virNodeDeviceGetXMLDesc: the ``<device>`` XML."""
        _no_support("node_device_get_xml_desc", _N)

    def node_device_get_parent(self, name: str) -> str:
        """virNodeDeviceGetParent: the parent device's name."""
        _no_support("node_device_get_parent", _N)

    def node_device_num_of_caps(self, name: str) -> int:
        """virNodeDeviceNumOfCaps: how many capabilities the device has."""
        _no_support("node_device_num_of_caps", _N)

    def node_device_list_caps(self, name: str, maxnames: int) -> list[str]:
        """virNodeDeviceListCaps: the names of its capabilities (up to *maxnames*)."""
        _no_support("node_device_list_caps", _N)

    def node_device_dettach(self, name: str) -> None:
        """virNodeDeviceDettach: detach the device from its host driver."""
        _no_support("node_device_dettach", _N)

    def node_device_detach_flags(self, name: str, driver_name: str | None, flags: int) -> None:
        """virNodeDeviceDetachFlags: detach it, naming the stub driver."""
        _no_support("node_device_detach_flags", _N)

    def node_device_re_attach(self, name: str) -> None:
        """virNodeDeviceReAttach: give the device back to its host driver."""
        _no_support("node_device_re_attach", _N)

    def node_device_reset(self, name: str) -> None:
        """virNodeDeviceReset: reset the device."""
        _no_support("node_device_reset", _N)

    def node_device_create_xml(self, xml: str, flags: int) -> NodeDeviceRecord:
        """virNodeDeviceCreateXML: create a (transient) device, such as an NPIV vHBA."""
        _no_support("node_device_create_xml", _N)

    def node_device_destroy(self, name: str) -> None:
        """virNodeDeviceDestroy: remove a created device."""
        _no_support("node_device_destroy", _N)

    def node_device_define_xml(self, xml: str, flags: int) -> NodeDeviceRecord:
        """virNodeDeviceDefineXML: define a persistent device (mediated devices)."""
        _no_support("node_device_define_xml", _N)

    def node_device_undefine(self, name: str, flags: int) -> None:
        """virNodeDeviceUndefine: forget a defined device."""
        _no_support("node_device_undefine", _N)

    def node_device_create(self, name: str, flags: int) -> None:
        """virNodeDeviceCreate: start a defined device."""
        _no_support("node_device_create", _N)

    def node_device_get_autostart(self, name: str) -> bool:
        """virNodeDeviceGetAutostart."""
        _no_support("node_device_get_autostart", _N)

    def node_device_set_autostart(self, name: str, autostart: bool) -> None:
        """virNodeDeviceSetAutostart."""
        _no_support("node_device_set_autostart", _N)

    def node_device_is_persistent(self, name: str) -> bool:
        """virNodeDeviceIsPersistent."""
        _no_support("node_device_is_persistent", _N)

    def node_device_is_active(self, name: str) -> bool:
        """virNodeDeviceIsActive."""
        _no_support("node_device_is_active", _N)
