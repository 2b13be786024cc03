"""Host interface entry points of the test driver (libvirt's testInterface* behaviour).

What libvirt 9.0's test driver does, kept as it does it: a definition replaces the one of the
same name and keeps its state; undefining an active interface is allowed; starting an active
or stopping an inactive one fails with a bare "Requested operation is not valid"; the
change transaction saves the definitions (not the states) and a rollback brings them back,
all down.  No interface events exist in libvirt.
"""

from __future__ import annotations

from pyvirt import (
    ErrorCode,
    ErrorDomain,
    InterfaceRecord,
    InterfaceRef,
    make_error,
)
from pyvirt.driver import unsupported_flags

from pyvirt_test._state import TestState

# Not typing.TYPE_CHECKING: importing typing costs a pyvirsh run several milliseconds.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyvirt_test._host_devices import HostDevices, TestInterface

_T = ErrorDomain.TEST


def _record(iface: TestInterface) -> InterfaceRecord:
    return InterfaceRecord(iface.defn.name, iface.defn.mac or "", iface.active)


def _invalid(detail: str | None = None) -> Exception:
    return make_error(ErrorCode.OPERATION_INVALID, _T, detail)


class InterfaceOps:
    state: TestState

    def _hosts(self) -> HostDevices:
        return self.state.host_devices

    def _iface(self, name: str) -> TestInterface:
        found = self._hosts().interfaces.get(name)
        if found is None:
            raise make_error(
                ErrorCode.NO_INTERFACE, _T, f"no interface with matching name '{name}'"
            )
        return found

    def connect_list_all_interfaces(self, flags: int) -> list[InterfaceRecord]:
        # (pyvirt's enums load here, not at import: every pyvirsh run imports this module)
        from pyvirt import ListInterfacesFlags

        activity = ListInterfacesFlags.ACTIVE | ListInterfacesFlags.INACTIVE
        unsupported_flags(flags, activity, "testConnectListAllInterfaces", _T)
        want_active = bool(flags & ListInterfacesFlags.ACTIVE)
        want_inactive = bool(flags & ListInterfacesFlags.INACTIVE)
        with self.state.lock:
            return [
                _record(iface)
                for iface in self._hosts().interfaces.values()
                if want_active == want_inactive or iface.active == want_active
            ]

    def interface_lookup_by_name(self, name: str) -> InterfaceRecord:
        with self.state.lock:
            return _record(self._iface(name))

    def interface_lookup_by_mac_string(self, mac: str) -> InterfaceRecord:
        # libvirt compares with g_ascii_strcasecmp, which answers "equal" (after a GLib
        # warning) for an interface without a MAC: such interfaces match every lookup.
        with self.state.lock:
            found = [
                iface
                for iface in self._hosts().interfaces.values()
                if iface.defn.mac is None or iface.defn.mac.lower() == mac.lower()
            ]
        if not found:
            raise make_error(ErrorCode.NO_INTERFACE, _T, f"no interface with matching mac '{mac}'")
        if len(found) > 1:
            raise make_error(ErrorCode.MULTIPLE_INTERFACES, _T, None)
        # libvirt's handle keeps the MAC as the caller spelled it.
        return InterfaceRecord(found[0].defn.name, mac, found[0].active)

    def interface_get_xml_desc(self, iface: InterfaceRef, flags: int) -> str:
        from pyvirt.conf import format_host_interface_xml

        unsupported_flags(flags, 0, "testInterfaceGetXMLDesc", _T)
        with self.state.lock:
            return format_host_interface_xml(self._iface(iface.name).defn)

    def interface_define_xml(self, xml: str, flags: int) -> InterfaceRecord:
        from pyvirt.conf import parse_host_interface_xml

        from pyvirt_test._host_devices import TestInterface

        # VIR_INTERFACE_DEFINE_VALIDATE is accepted; pyvirt has no RELAX NG schemas (yet), so
        # the document is checked by the parser only, as for networks.
        unsupported_flags(flags, 1, "testInterfaceDefineXML", _T)
        defn = parse_host_interface_xml(xml)
        with self.state.lock:
            interfaces = self._hosts().interfaces
            existing = interfaces.get(defn.name)
            if existing is not None:
                existing.defn = defn
            else:
                existing = interfaces[defn.name] = TestInterface(defn)
            return _record(existing)

    def interface_undefine(self, iface: InterfaceRef) -> None:
        with self.state.lock:
            del self._hosts().interfaces[self._iface(iface.name).defn.name]

    def interface_create(self, iface: InterfaceRef, flags: int) -> None:
        unsupported_flags(flags, 0, "testInterfaceCreate", _T)
        with self.state.lock:
            found = self._iface(iface.name)
            if found.active:
                raise _invalid()
            found.active = True

    def interface_destroy(self, iface: InterfaceRef, flags: int) -> None:
        unsupported_flags(flags, 0, "testInterfaceDestroy", _T)
        with self.state.lock:
            found = self._iface(iface.name)
            if not found.active:
                raise _invalid()
            found.active = False

    def interface_is_active(self, iface: InterfaceRef) -> bool:
        with self.state.lock:
            return self._iface(iface.name).active

    def interface_change_begin(self, flags: int) -> None:
        unsupported_flags(flags, 0, "testInterfaceChangeBegin", _T)
        with self.state.lock:
            hosts = self._hosts()
            if hosts.backup is not None:
                raise _invalid("there is another transaction running.")
            hosts.begin()

    def interface_change_commit(self, flags: int) -> None:
        unsupported_flags(flags, 0, "testInterfaceChangeCommit", _T)
        with self.state.lock:
            hosts = self._hosts()
            if hosts.backup is None:
                raise _invalid("no transaction running, nothing to be committed.")
            hosts.backup = None

    def interface_change_rollback(self, flags: int) -> None:
        unsupported_flags(flags, 0, "testInterfaceChangeRollback", _T)
        with self.state.lock:
            hosts = self._hosts()
            if hosts.backup is None:
                raise _invalid("no transaction running, nothing to rollback.")
            hosts.interfaces, hosts.backup = hosts.backup, None
