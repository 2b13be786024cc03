"""Network entry points of the test driver (libvirt's testNetwork* behaviour)."""

from __future__ import annotations

from pyvirt import (
    ErrorCode,
    ErrorDomain,
    ListNetworksFlags,
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
_F = ListNetworksFlags


def _matches(net: TestNetwork, flags: int) -> bool:
    pairs = (
        (_F.ACTIVE, _F.INACTIVE, net.active),
        (_F.PERSISTENT, _F.TRANSIENT, net.persistent),
        (_F.AUTOSTART, _F.NO_AUTOSTART, net.autostart),
    )
    for yes, no, value in pairs:
        if flags & (yes | no) and not ((flags & yes and value) or (flags & no and not value)):
            return False
    return True


class NetworkOps:
    state: TestState

    def _net(self, ref: NetworkRef) -> TestNetwork:
        return self.state.network_by_uuid(ref.uuid)

    def _net_event(self, net: TestNetwork, event: int) -> None:
        self.state.emit("network", net.name, net.uuid, -1, event, 0)

    def connect_list_all_networks(self, flags: int) -> list[NetworkRecord]:
        unsupported_flags(flags, sum(_F), "testConnectListAllNetworks", _T)
        with self.state.lock:
            return [n.record() for n in self.state.networks.values() if _matches(n, flags)]

    def network_lookup_by_name(self, name: str) -> NetworkRecord:
        with self.state.lock:
            return self.state.network_by_name(name).record()

    def network_lookup_by_uuid(self, uuid: str) -> NetworkRecord:
        with self.state.lock:
            return self.state.network_by_uuid(uuid).record()

    def _check_duplicate_network(self, defn: conf.NetworkDef) -> TestNetwork | None:
        for net in self.state.networks.values():
            if net.uuid == defn.uuid and net.name != defn.name:
                raise make_error(
                    ErrorCode.OPERATION_FAILED,
                    ErrorDomain.NETWORK,
                    f"network '{net.name}' is already defined with uuid {defn.uuid}",
                )
        existing = self.state.networks.get(defn.name)
        if existing is not None and existing.uuid != defn.uuid:
            raise make_error(
                ErrorCode.OPERATION_FAILED,
                ErrorDomain.NETWORK,
                f"network '{defn.name}' already exists with uuid {existing.uuid}",
            )
        return existing

    def network_define_xml(self, xml: str, flags: int) -> NetworkRecord:
        unsupported_flags(flags, 1, "testNetworkDefineXMLFlags", _T)
        defn = conf.parse_network_xml(xml)
        with self.state.lock:
            existing = self._check_duplicate_network(defn)
            if existing is None:
                net = TestNetwork(defn, active=False, persistent=True)
                self.state.networks[defn.name] = net
            else:
                net = existing
                net.defn = defn
                net.persistent = True
            self._net_event(net, NetworkEventType.DEFINED)
            return net.record()

    def network_create_xml(self, xml: str, flags: int) -> NetworkRecord:
        unsupported_flags(flags, 1, "testNetworkCreateXMLFlags", _T)
        defn = conf.parse_network_xml(xml)
        with self.state.lock:
            existing = self._check_duplicate_network(defn)
            if existing is not None:
                raise make_error(
                    ErrorCode.OPERATION_FAILED,
                    ErrorDomain.NETWORK,
                    f"network '{defn.name}' already exists with uuid {existing.uuid}",
                )
            net = TestNetwork(defn, active=True, persistent=False)
            self.state.networks[defn.name] = net
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
                del self.state.networks[net.name]

    def network_undefine(self, ref: NetworkRef) -> None:
        with self.state.lock:
            net = self._net(ref)
            if net.active:
                raise make_error(
                    ErrorCode.OPERATION_INVALID, _T, f"Network '{net.name}' is still running"
                )
            del self.state.networks[net.name]
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
