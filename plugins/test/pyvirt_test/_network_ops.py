"""Network entry points of the test driver (libvirt's testNetwork* behaviour)."""

from __future__ import annotations

from pyvirt import (
    ErrorCode,
    ErrorDomain,
    NetworkEventType,
    NetworkRecord,
    NetworkRef,
    conf,
    make_error,
)
from pyvirt.driver import unsupported_flags

from pyvirt_test._objects import TestNetwork
from pyvirt_test._state import TestState

_T = ErrorDomain.TEST


class NetworkOps:
    state: TestState

    def _net(self, ref: NetworkRef) -> TestNetwork:
        return self.state.networks.from_ref(ref)

    def _net_event(self, net: TestNetwork, event: int) -> None:
        self.state.emit("network", net.name, net.uuid, -1, event, 0)

    def connect_list_all_networks(self, flags: int) -> list[NetworkRecord]:
        with self.state.lock:
            return self.state.networks.list_all(flags, "testConnectListAllNetworks")

    def network_lookup_by_name(self, name: str) -> NetworkRecord:
        with self.state.lock:
            return self.state.networks.lookup_by_name(name).record()

    def network_lookup_by_uuid(self, uuid: str) -> NetworkRecord:
        with self.state.lock:
            return self.state.networks.lookup_by_uuid(uuid).record()

    def network_define_xml(self, xml: str, flags: int) -> NetworkRecord:
        unsupported_flags(flags, 1, "testNetworkDefineXMLFlags", _T)
        defn = conf.parse_network_xml(xml)
        with self.state.lock:
            new = TestNetwork(defn, active=False, persistent=True)
            net = self.state.networks.add(new)
            if net is not new:
                # libvirt keeps a running network's live definition: the new one waits in
                # newDef, which its test driver never swaps in (nor shows: it refuses
                # VIR_NETWORK_XML_INACTIVE), so the network looks unchanged, as there.
                if net.active:
                    net.new_defn = defn
                else:
                    net.defn = defn
                net.persistent = True
            self._net_event(net, NetworkEventType.DEFINED)
            return net.record()

    def network_create_xml(self, xml: str, flags: int) -> NetworkRecord:
        unsupported_flags(flags, 1, "testNetworkCreateXMLFlags", _T)
        defn = conf.parse_network_xml(xml)
        with self.state.lock:
            new = TestNetwork(defn, active=True, persistent=False)
            net = self.state.networks.add(new, check_active=True)
            if net is not new:  # a defined, inactive network: started with this definition
                net.defn, net.active = defn, True
            self._net_event(net, NetworkEventType.STARTED)
            return net.record()

    def network_create(self, ref: NetworkRef) -> None:
        with self.state.lock:
            net = self._net(ref)
            if net.active:
                raise make_error(
                    ErrorCode.OPERATION_INVALID, _T, f"Network '{net.name}' is already running"
                )
            net.active = True
            self._net_event(net, NetworkEventType.STARTED)

    def network_destroy(self, ref: NetworkRef) -> None:
        # libvirt's test driver lets an inactive network be destroyed again without error.
        with self.state.lock:
            net = self._net(ref)
            net.active = False
            self._net_event(net, NetworkEventType.STOPPED)
            if not net.persistent:
                self.state.networks.remove(net)

    def network_undefine(self, ref: NetworkRef) -> None:
        with self.state.lock:
            net = self._net(ref)
            if net.active:
                raise make_error(
                    ErrorCode.OPERATION_INVALID, _T, f"Network '{net.name}' is still running"
                )
            self.state.networks.remove(net)
            self._net_event(net, NetworkEventType.UNDEFINED)

    def network_get_xml_desc(self, ref: NetworkRef, flags: int) -> str:
        unsupported_flags(flags, 0, "testNetworkGetXMLDesc", _T)
        with self.state.lock:
            return conf.format_network_xml(self._net(ref).defn)

    def network_get_autostart(self, ref: NetworkRef) -> bool:
        with self.state.lock:
            return self._net(ref).autostart

    def network_set_autostart(self, ref: NetworkRef, autostart: bool) -> None:
        with self.state.lock:
            self._net(ref).autostart = bool(autostart)

    def network_get_bridge_name(self, ref: NetworkRef) -> str:
        with self.state.lock:
            net = self._net(ref)
            bridge = net.defn.bridge_name
            if not bridge:
                raise make_error(
                    ErrorCode.INTERNAL_ERROR,
                    _T,
                    f"network '{net.name}' does not have a bridge name.",
                )
            return bridge

    def network_is_active(self, ref: NetworkRef) -> bool:
        with self.state.lock:
            return self._net(ref).active

    def network_is_persistent(self, ref: NetworkRef) -> bool:
        with self.state.lock:
            return self._net(ref).persistent
