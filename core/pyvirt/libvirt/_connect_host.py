"""``virConnect``'s host interface and node device methods (libvirt-python's names and
return shapes), kept apart from :mod:`pyvirt.libvirt._connect` as their own family.

The name-listing calls (``listInterfaces``, ``numOfDefinedInterfaces`` ...) are answered
from one bulk listing, as libvirt's own drivers answer them from their object lists; they name
their own C function in errors (a closed connection says ``virConnectNumOfInterfaces``).
``listDevices`` and ``numOfDevices`` are real calls: the capability filter is a string there,
and libvirt-python asks the count first, so its errors name ``virNodeNumOfDevices``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pyvirt._abi_enums import ListInterfacesFlags
from pyvirt._codes import ErrorDomain
from pyvirt._objects_host import Interface, NodeDevice
from pyvirt.libvirt import _args
from pyvirt.libvirt._errors import api
from pyvirt.libvirt._events import check_event_id
from pyvirt.libvirt._interface import virInterface
from pyvirt.libvirt._nodedev import virNodeDevice

if TYPE_CHECKING:
    from pyvirt._connection import Connection
    from pyvirt.libvirt._events import ConnectionEvents

_I, _N = int(ErrorDomain.INTERFACE), int(ErrorDomain.NODEDEV)


class HostDeviceMethods:
    """Mixed into :class:`~pyvirt.libvirt.virConnect`."""

    _o: Connection
    _events: ConnectionEvents

    if TYPE_CHECKING:

        def _register_any(
            self,
            kind: str,
            uuid: str | None,
            event_id: int,
            cb: Callable[..., object],
            opaque: Any,
        ) -> int: ...

    # -- host interfaces ----------------------------------------------------------------------
    def _interface_names(self, flags: int, c_api: str) -> list[str]:
        records = self._o._calls.connect_list_all_interfaces(flags, api=c_api)
        return [r.name for r in records]

    def _interface(self, record: Any) -> virInterface:
        return virInterface(self, Interface(self._o, record.ref, record))  # type: ignore[arg-type]

    @api
    def listAllInterfaces(self, flags: int = 0) -> list[virInterface]:  # noqa: N802
        return [virInterface(self, i) for i in self._o.list_interfaces(_args.flags(flags))]  # type: ignore[arg-type]

    @api
    def listInterfaces(self) -> list[str]:  # noqa: N802
        return self._interface_names(ListInterfacesFlags.ACTIVE, "virConnectListInterfaces")

    @api
    def listDefinedInterfaces(self) -> list[str]:  # noqa: N802
        flags = ListInterfacesFlags.INACTIVE
        return self._interface_names(flags, "virConnectListDefinedInterfaces")

    @api
    def numOfInterfaces(self) -> int:  # noqa: N802
        return len(self._interface_names(ListInterfacesFlags.ACTIVE, "virConnectNumOfInterfaces"))

    @api
    def numOfDefinedInterfaces(self) -> int:  # noqa: N802
        flags = ListInterfacesFlags.INACTIVE
        return len(self._interface_names(flags, "virConnectNumOfDefinedInterfaces"))

    @api
    def interfaceLookupByName(self, name: str) -> virInterface:  # noqa: N802
        name = _args.string(name, "virInterfaceLookupByName", 2, "name", _I)
        return self._interface(self._o._calls.interface_lookup_by_name(name))

    @api
    def interfaceLookupByMACString(self, macstr: str) -> virInterface:  # noqa: N802
        mac = _args.string(macstr, "virInterfaceLookupByMACString", 2, "macstr", _I)
        return self._interface(self._o._calls.interface_lookup_by_mac_string(mac))

    @api
    def interfaceDefineXML(self, xml: str, flags: int = 0) -> virInterface:  # noqa: N802
        xml = _args.string(xml, "virInterfaceDefineXML", 2, "xml", _I)
        return self._interface(self._o._calls.interface_define_xml(xml, _args.flags(flags)))

    @api
    def changeBegin(self, flags: int = 0) -> int:  # noqa: N802
        self._o.interface_change_begin(_args.flags(flags))
        return 0

    @api
    def changeCommit(self, flags: int = 0) -> int:  # noqa: N802
        self._o.interface_change_commit(_args.flags(flags))
        return 0

    @api
    def changeRollback(self, flags: int = 0) -> int:  # noqa: N802
        self._o.interface_change_rollback(_args.flags(flags))
        return 0

    # -- node devices -------------------------------------------------------------------------
    def _nodedev(self, device: NodeDevice) -> virNodeDevice:
        return virNodeDevice(self, device)  # type: ignore[arg-type]

    @api
    def listAllDevices(self, flags: int = 0) -> list[virNodeDevice]:  # noqa: N802
        return [self._nodedev(d) for d in self._o.list_node_devices(_args.flags(flags))]

    @api
    def listDevices(self, cap: str | None, flags: int = 0) -> list[str]:  # noqa: N802
        cap = _args.optional_string(cap, "virNodeListDevices", 2)
        return self._o.list_node_device_names(cap, _args.flags(flags))

    @api
    def numOfDevices(self, cap: str | None, flags: int = 0) -> int:  # noqa: N802
        cap = _args.optional_string(cap, "virNodeNumOfDevices", 2)
        return self._o.num_of_node_devices(cap, _args.flags(flags))

    @api
    def nodeDeviceLookupByName(self, name: str) -> virNodeDevice:  # noqa: N802
        name = _args.string(name, "virNodeDeviceLookupByName", 2, "name", _N)
        return self._nodedev(self._o.lookup_node_device_by_name(name))

    @api
    def nodeDeviceLookupSCSIHostByWWN(  # noqa: N802
        self, wwnn: str, wwpn: str, flags: int = 0
    ) -> virNodeDevice:
        c_api = "virNodeDeviceLookupSCSIHostByWWN"
        wwnn = _args.string(wwnn, c_api, 2, "wwnn", _N)
        wwpn = _args.string(wwpn, c_api, 3, "wwpn", _N)
        return self._nodedev(self._o.lookup_scsi_host_by_wwn(wwnn, wwpn, _args.flags(flags)))

    @api
    def nodeDeviceCreateXML(self, xmlDesc: str, flags: int = 0) -> virNodeDevice:  # noqa: N802, N803
        xml = _args.string(xmlDesc, "virNodeDeviceCreateXML", 2, "xmlDesc", _N)
        return self._nodedev(self._o.create_node_device(xml, _args.flags(flags)))

    @api
    def nodeDeviceDefineXML(self, xmlDesc: str, flags: int = 0) -> virNodeDevice:  # noqa: N802, N803
        xml = _args.string(xmlDesc, "virNodeDeviceDefineXML", 2, "xmlDesc", _N)
        return self._nodedev(self._o.define_node_device(xml, _args.flags(flags)))

    def nodeDeviceEventRegisterAny(  # noqa: N802
        self,
        dev: virNodeDevice | None,
        eventID: int,  # noqa: N803
        cb: Callable[..., object],
        opaque: Any,
    ) -> int:
        """Call ``cb(conn, dev, event, detail, opaque)`` from the event loop for each
        lifecycle event (of *dev* only, unless None); returns the callback id."""
        name = None if dev is None else dev._o.name
        event_id = check_event_id("nodedev", eventID)
        return self._register_any("nodedev", name, event_id, cb, opaque)

    @api
    def nodeDeviceEventDeregisterAny(self, callbackID: int) -> None:  # noqa: N802, N803
        self._events.deregister("nodedev", _args.c_int(callbackID))
