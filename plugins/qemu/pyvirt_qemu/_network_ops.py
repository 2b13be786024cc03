"""Network entry points of a ``qemu:///system`` connection (libvirt's bridge_driver API).

Why only the privileged driver serves them: a network is a bridge, dnsmasq and firewall
rules on the host, which only root can make; ``qemu:///session`` answers as libvirt's
session daemon does without a network driver (VIR_ERR_NO_SUPPORT).
"""

from __future__ import annotations

from pyvirt import (
    ErrorCode,
    ErrorDomain,
    NetworkEventType,
    NetworkRecord,
    NetworkRef,
    make_error,
)
from pyvirt.conf import (
    format_network_xml,
    parse_network_xml,
    update_network_section,
    update_targets,
)
from pyvirt.driver import unsupported, unsupported_flags

from pyvirt_qemu._network import NetworkState, QemuNetwork

__all__ = ["NetworkOps"]

_NET = ErrorDomain.NETWORK
#: VIR_NETWORK_DEFINE_VALIDATE / VIR_NETWORK_CREATE_VALIDATE (schema validation: accepted).
_VALIDATE = 1
#: VIR_NETWORK_XML_INACTIVE.
_XML_INACTIVE = 1
#: VIR_NETWORK_UPDATE_AFFECT_LIVE, _CONFIG.
_LIVE, _CONFIG = 1, 2



class NetworkOps:
    networks: NetworkState | None

    def _state(self, api: str) -> NetworkState:
        if self.networks is None:
            raise unsupported(api)
        return self.networks

    def _net(self, ref: NetworkRef, api: str) -> tuple[NetworkState, QemuNetwork]:
        st = self._state(api)
        return st, st.nets.from_ref(ref)

    def connect_list_all_networks(self, flags: int) -> list[NetworkRecord]:
        st = self._state("virConnectListAllNetworks")
        with st.lock:
            return st.nets.list_all(flags, "networkConnectListAllNetworks")

    def network_lookup_by_name(self, name: str) -> NetworkRecord:
        st = self._state("virNetworkLookupByName")
        with st.lock:
            return st.nets.lookup_by_name(name).record()

    def network_lookup_by_uuid(self, uuid: str) -> NetworkRecord:
        st = self._state("virNetworkLookupByUUID")
        with st.lock:
            return st.nets.lookup_by_uuid(uuid).record()

    def network_define_xml(self, xml: str, flags: int) -> NetworkRecord:
        st = self._state("virNetworkDefineXML")
        unsupported_flags(flags, _VALIDATE, "networkDefineXMLFlags", _NET)
        defn = parse_network_xml(xml)
        with st.lock:
            existing = st.nets.check_add(defn.name, defn.uuid)
            if existing is not None and defn.bridge_name is None:
                defn.bridge_name = existing.defn.bridge_name  # a redefine keeps its bridge
            if existing is not None and defn.mac is None:
                defn.mac = existing.defn.mac
            st.fill_defaults(defn)
            st.save_config(defn)
            new = QemuNetwork(defn, persistent=True)
            net = st.nets.add(new)
            if net is not new:
                net.defn, net.persistent = defn, True
            st.emit(net, NetworkEventType.DEFINED)
            return net.record()

    def network_create_xml(self, xml: str, flags: int) -> NetworkRecord:
        st = self._state("virNetworkCreateXML")
        unsupported_flags(flags, _VALIDATE, "networkCreateXMLFlags", _NET)
        defn = parse_network_xml(xml)
        with st.lock:
            st.nets.check_add(defn.name, defn.uuid, check_active=True)
            st.fill_defaults(defn)
            new = QemuNetwork(defn, persistent=False)
            net = st.nets.add(new, check_active=True)
            if net is not new:
                net.defn = defn
            try:
                st.start(net)
            except BaseException:
                if net is new:
                    st.nets.remove(net)
                raise
            return net.record()

    def network_create(self, ref: NetworkRef) -> None:
        st, net = self._net(ref, "virNetworkCreate")
        with st.lock:
            st.start(net)

    def network_destroy(self, ref: NetworkRef) -> None:
        st, net = self._net(ref, "virNetworkDestroy")
        with st.lock:
            st.stop(net)

    def network_undefine(self, ref: NetworkRef) -> None:
        st, net = self._net(ref, "virNetworkUndefine")
        with st.lock:
            if not net.persistent:
                raise make_error(ErrorCode.OPERATION_INVALID, _NET, "can't undefine transient network")
            st.remove_config(net.name)
            net.autostart = False
            st.emit(net, NetworkEventType.UNDEFINED)
            if net.active:
                net.persistent = False  # libvirt: an active network becomes transient
            else:
                st.nets.remove(net)

    def network_get_xml_desc(self, ref: NetworkRef, flags: int) -> str:
        st, net = self._net(ref, "virNetworkGetXMLDesc")
        unsupported_flags(flags, _XML_INACTIVE, "networkGetXMLDesc", _NET)
        with st.lock:
            defn = net.defn if (flags & _XML_INACTIVE or net.live is None) else net.live
            return format_network_xml(defn)

    def network_get_autostart(self, ref: NetworkRef) -> bool:
        st, net = self._net(ref, "virNetworkGetAutostart")
        with st.lock:
            return net.autostart

    def network_set_autostart(self, ref: NetworkRef, autostart: bool) -> None:
        st, net = self._net(ref, "virNetworkSetAutostart")
        with st.lock:
            if not net.persistent:
                raise make_error(ErrorCode.INTERNAL_ERROR, _NET,
                                 "cannot set autostart for transient network")  # fmt: skip
            link = st.autostart_link(net.name)
            if autostart and not link.is_symlink():
                link.symlink_to(f"../{net.name}.xml")
            elif not autostart:
                link.unlink(missing_ok=True)
            net.autostart = bool(autostart)

    def network_get_bridge_name(self, ref: NetworkRef) -> str:
        st, net = self._net(ref, "virNetworkGetBridgeName")
        with st.lock:
            if not net.defn.bridge_name:
                raise make_error(ErrorCode.INTERNAL_ERROR, _NET,
                                 f"network '{net.name}' does not have a bridge name.")  # fmt: skip
            return net.defn.bridge_name

    def network_is_active(self, ref: NetworkRef) -> bool:
        st, net = self._net(ref, "virNetworkIsActive")
        with st.lock:
            return net.active

    def network_is_persistent(self, ref: NetworkRef) -> bool:
        st, net = self._net(ref, "virNetworkIsPersistent")
        with st.lock:
            return net.persistent

    def network_update(
        self, ref: NetworkRef, command: int, section: int, parent_index: int, xml: str, flags: int
    ) -> None:
        """virNetworkUpdate (libvirt's networkUpdate and virNetworkObjUpdate): the live and
        the persistent definition are each edited on a copy, kept only when every edit
        succeeded; the persistent one is saved, and the host follows the live one
        (:meth:`NetworkState.apply_live_update`)."""
        st, net = self._net(ref, "virNetworkUpdate")
        unsupported_flags(flags, _LIVE | _CONFIG, "networkUpdate", _NET)
        with st.lock:
            flags = update_targets(flags, net.active, net.persistent)
            live = config = None
            if flags & _LIVE and net.live is not None:
                live = net.live.copy()
                update_network_section(live, command, section, parent_index, xml)
            if flags & _CONFIG:
                config = net.defn.copy()
                update_network_section(config, command, section, parent_index, xml)
            if config is not None:
                st.save_config(config)
                net.defn = config
            if live is not None:
                st.apply_live_update(net, live, section)
