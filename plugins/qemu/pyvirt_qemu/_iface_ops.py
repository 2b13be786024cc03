"""Host interface calls of qemu:///system and qemu:///session, answered as libvirt's udev
interface backend answers them (:mod:`pyvirt_qemu._host_interfaces`): listing, lookups, the
XML and whether an interface is up; defining, starting, stopping and the change transaction
stay "not supported", as there."""

from __future__ import annotations

from pyvirt import ErrorDomain, InterfaceRecord, InterfaceRef, VirtError
from pyvirt.driver import unsupported_flags

from pyvirt_qemu import _host_interfaces as host

__all__ = ["InterfaceOps"]

_I = ErrorDomain.INTERFACE
#: VIR_CONNECT_LIST_INTERFACES_INACTIVE / _ACTIVE
_INACTIVE, _ACTIVE = 1, 2
#: VIR_INTERFACE_XML_INACTIVE
_XML_INACTIVE = 1


def _record(name: str) -> InterfaceRecord:
    active = host.is_active(name)  # (first: it refuses a name that is no interface)
    return InterfaceRecord(name, host.mac_of(name), active)


class InterfaceOps:
    """Mixin for :class:`~pyvirt_qemu._driver.QemuConnection`."""

    def connect_list_all_interfaces(self, flags: int) -> list[InterfaceRecord]:
        unsupported_flags(flags, _ACTIVE | _INACTIVE, "udevConnectListAllInterfaces", _I)
        records = []
        for name in host.listed():
            try:
                record = _record(name)
            except VirtError:  # gone while listed: as udev, not shown
                continue
            if not flags & (_ACTIVE | _INACTIVE) or (
                flags & _ACTIVE and record.active or flags & _INACTIVE and not record.active
            ):
                records.append(record)
        return records

    def interface_lookup_by_name(self, name: str) -> InterfaceRecord:
        return _record(name)

    def interface_lookup_by_mac_string(self, mac: str) -> InterfaceRecord:
        return _record(host.lookup_mac(mac))

    def interface_get_xml_desc(self, iface: InterfaceRef, flags: int) -> str:
        from pyvirt.conf import format_host_interface_xml

        unsupported_flags(flags, _XML_INACTIVE, "udevInterfaceGetXMLDesc", _I)
        return format_host_interface_xml(host.interface_def(iface.name))

    def interface_is_active(self, iface: InterfaceRef) -> bool:
        return host.is_active(iface.name)
