"""Which addresses the guests got: a network's DHCP leases, and a guest's addresses.

Why from dnsmasq's lease file and the host's ARP table, never from the guest: these are the
two sources libvirt answers without a guest agent (VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE
and _ARP), and they are what the host itself knows, so a guest cannot claim an address it was
not given.  The agent source is refused as libvirt refuses it for a guest without one.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pyvirt import (
    DomainInterface,
    DomainIPAddress,
    DomainRef,
    ErrorCode,
    ErrorDomain,
    NetworkDHCPLease,
    NetworkRef,
    make_error,
)
from pyvirt.conf import InterfaceDef, parse_mac
from pyvirt.driver import domain_not_running, unsupported, unsupported_flags

if TYPE_CHECKING:
    from pyvirt_qemu._dnsmasq import Lease
    from pyvirt_qemu._network import NetworkState
    from pyvirt_qemu._qemudriver import QemuDriver

__all__ = ["AddressOps"]

#: VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE, _AGENT, _ARP; VIR_IP_ADDR_TYPE_IPV4.
SRC_LEASE, SRC_AGENT, SRC_ARP = 0, 1, 2
IPV4 = 0
_ARP_TABLE = Path("/proc/net/arp")


def arp_table() -> dict[str, list[str]]:
    """MAC → IPv4 addresses of the host's complete ARP entries (``/proc/net/arp``)."""
    out: dict[str, list[str]] = {}
    try:
        lines = _ARP_TABLE.read_text().splitlines()[1:]
    except OSError:
        return out
    for line in lines:
        f = line.split()
        if len(f) >= 4 and int(f[2], 16) & 0x2:  # ATF_COM: the entry is resolved
            out.setdefault(f[3].lower(), []).append(f[0])
    return out


class AddressOps:
    driver: QemuDriver
    networks: NetworkState | None

    def network_get_dhcp_leases(
        self, net: NetworkRef, mac: str | None, flags: int
    ) -> list[NetworkDHCPLease]:
        st = self.networks
        if st is None:
            unsupported("virNetworkGetDHCPLeases", ErrorDomain.NETWORK)
        unsupported_flags(flags, 0, "networkGetDHCPLeases", ErrorDomain.NETWORK)
        wanted = None
        if mac is not None:
            wanted = parse_mac(mac)
            if wanted is None:
                raise make_error(ErrorCode.INVALID_MAC, ErrorDomain.NETWORK, mac)
        with st.lock:
            obj = st.nets.from_ref(net)
            found = st.leases(obj)
        return [
            NetworkDHCPLease(bridge, lease.expiry, IPV4, lease.mac, None, lease.ip, prefix,
                             lease.hostname, lease.client_id)  # fmt: skip
            for lease, prefix, bridge in found
            if wanted is None or lease.mac == wanted.lower()
        ]

    def domain_interface_addresses(
        self, dom: DomainRef, source: int, flags: int
    ) -> list[DomainInterface]:
        unsupported_flags(flags, 0, "qemuDomainInterfaceAddresses", ErrorDomain.QEMU)
        obj = self.driver.domains.from_ref(dom)
        with self.driver.lock:
            live = obj.live
        if live is None:
            raise domain_not_running()
        if source == SRC_LEASE:
            return self._lease_addresses(live.interfaces)
        if source == SRC_ARP:
            table = arp_table()
            return [
                DomainInterface(nic.target_dev or "", nic.mac,
                                [DomainIPAddress(IPV4, ip, 0) for ip in table[nic.mac.lower()]])
                for nic in live.interfaces
                if nic.mac and nic.mac.lower() in table
            ]  # fmt: skip
        if source == SRC_AGENT:
            from pyvirt_qemu._agent_ops import agent_interfaces
            from pyvirt_qemu._agent_state import agent_of

            return agent_interfaces(agent_of(self.driver, obj))
        raise make_error(ErrorCode.ARGUMENT_UNSUPPORTED, ErrorDomain.QEMU,
                         f"Unknown IP address data source {source}")  # fmt: skip

    def _lease_addresses(self, nics: list[InterfaceDef]) -> list[DomainInterface]:
        """libvirt's lease source: interfaces on a virtual network that hold a lease."""
        st = self.networks
        out = []
        by_network: dict[str, list[tuple[Lease, int, str]]] = {}  # each lease file read once per call
        for nic in nics:
            name = nic.source.get("network")
            if nic.type != "network" or st is None or not name or not nic.mac:
                continue
            if name not in by_network:
                with st.lock:
                    net = st.nets.find_by_name(name)
                    by_network[name] = st.leases(net) if net is not None else []
            found = by_network[name]
            addrs = [DomainIPAddress(IPV4, lease.ip, prefix) for lease, prefix, _ in found
                     if lease.mac == nic.mac.lower()]  # fmt: skip
            if addrs:
                out.append(DomainInterface(nic.target_dev or "", nic.mac, addrs))
        return out
