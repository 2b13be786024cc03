"""virsh's address commands: ``net-dhcp-leases`` (Networking) and ``domifaddr`` (Domain
Monitoring), printed as virsh 9.0 prints them."""

from __future__ import annotations

import time

from pyvirt.cli._control import Control, Failure
from pyvirt.cli._parser import Cmd, Opt, Parsed, T
from pyvirt.cli._table import render
from pyvirt.cli.commands._common import dom_opt, domain, network

#: virsh's names of VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_*.
_SOURCES = {"lease": 0, "agent": 1, "arp": 2}
_IP_TYPES = {0: "ipv4", 1: "ipv6"}


def cmd_net_dhcp_leases(ctl: Control, p: Parsed) -> bool:
    net, name = network(ctl, p)
    try:
        leases = net.dhcp_leases(p.str("mac"), 0)
    except Exception as e:
        raise Failure(f"Failed to get leases info for {name}", cause=e) from None
    rows = []
    for lease in sorted(leases, key=lambda le: (le.mac, le.iaid or "")):
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(lease.expirytime))
        rows.append([when, lease.mac or "-", _IP_TYPES.get(lease.type, "-"),
                     f"{lease.ipaddr}/{lease.prefix}", lease.hostname or "-",
                     lease.clientid or "-"])  # fmt: skip
    header = ["Expiry Time", "MAC address", "Protocol", "IP address", "Hostname",
              "Client ID or DUID"]  # fmt: skip
    ctl.print(render(header, rows, with_header=not ctl.quiet))
    return True


def cmd_domifaddr(ctl: Control, p: Parsed) -> bool:
    dom, _name = domain(ctl, p)
    wanted = p.str("interface")
    full = p.bool("full")
    source_name = p.str("source")
    source = 0
    if source_name is not None:
        if source_name not in _SOURCES:
            raise Failure(f"Unknown data source '{source_name}'")
        source = _SOURCES[source_name]
    try:
        ifaces = dom.interface_addresses(source, 0)
    except Exception as e:
        raise Failure("Failed to query for interfaces addresses", cause=e) from None
    ctl.print_extra(f" {'Name':<10} {'MAC address':<20} {'Protocol':<8}     Address\n"
                    + "-" * 79 + "\n")  # fmt: skip
    out = []
    for iface in ifaces:
        if wanted is not None and wanted != iface.name:
            continue
        if not iface.addrs:
            out.append(f" {iface.name:<10} {iface.hwaddr or 'N/A':<17}    {'N/A':<12} N/A\n")
            continue
        for j, a in enumerate(iface.addrs):
            addr = f"{_IP_TYPES.get(a.type, ''):<12} {a.addr}/{a.prefix}"
            if full or not j:
                out.append(f" {iface.name:<10} {iface.hwaddr or '':<17}    {addr}\n")
            else:
                out.append(f" {'-':<10} {'-':<17}    {addr}\n")
    ctl.print("".join(out))
    return True


COMMANDS = [
    Cmd(
        "net-dhcp-leases",
        "network",
        "print lease info for a given network",
        "Print lease info for a given network",
        (
            Opt("network", T.DATA, "network name or uuid", req=True),
            Opt("mac", T.STRING, "MAC address"),
        ),
        cmd_net_dhcp_leases,
    ),
    Cmd(
        "domifaddr",
        "monitor",
        "Get network interfaces' addresses for a running domain",
        "Get network interfaces' addresses for a running domain",
        (
            dom_opt(),
            Opt("interface", T.STRING, "network interface name"),
            Opt("full", T.BOOL, "always display names and MACs of interfaces"),
            Opt("source", T.STRING, "address source: 'lease', 'agent', or 'arp'"),
        ),
        cmd_domifaddr,
    ),
]
