"""The firewall of a virtual network: one nftables table of its own per network.

Why a table per network, named after the bridge: destroying a network is then one
``nft delete table``, which can neither miss a rule nor touch anyone else's (libvirt 9.0
inserts iptables rules into shared chains and must find each one again; a libvirtd on the
same host keeps its rules, we keep ours).  The rules follow libvirt's for each forward mode:

- ``nat``: the subnet may go out and replies may come back; everything else to or from the
  bridge is rejected; traffic leaving the subnet is masqueraded (except multicast and
  broadcast, as libvirt excludes them);
- ``route``: the same forwarding rules without masquerade;
- isolated (no ``<forward>``): guests talk among themselves and to the host only.

DHCP and DNS from guests to the host are accepted in an input chain of the same table.
"""

from __future__ import annotations

import ipaddress
import subprocess

from pyvirt import ErrorCode, ErrorDomain, make_error

__all__ = [
    "NFT",
    "install_rules",
    "remove_rules",
    "ruleset",
    "table_exists",
    "table_name",
]

NFT = "nft"


def table_name(bridge: str) -> str:
    """``pyvirt-<bridge>``: bridge names are valid nft identifiers after a letter."""
    return f"pyvirt-{bridge}"


def ruleset(bridge: str, mode: str | None, subnets: list[ipaddress.IPv4Network]) -> str:
    """The nft script creating the network's table (``mode`` None is isolated)."""
    table = table_name(bridge)
    br = f'"{bridge}"'
    lines = [
        f"table ip {table} {{",
        "  chain input {",
        "    type filter hook input priority filter; policy accept;",
        f"    iifname {br} udp dport {{ 53, 67 }} accept",
        f"    iifname {br} tcp dport 53 accept",
        "  }",
        "  chain forward {",
        "    type filter hook forward priority filter; policy accept;",
        f"    iifname {br} oifname {br} accept",
    ]
    if mode in ("nat", "route"):
        for net in subnets:
            if mode == "nat":
                lines.append(f"    oifname {br} ip daddr {net} ct state related,established accept")
            else:
                lines.append(f"    oifname {br} ip daddr {net} accept")
            lines.append(f"    iifname {br} ip saddr {net} accept")
    lines += [
        f"    oifname {br} reject with icmp type port-unreachable",
        f"    iifname {br} reject with icmp type port-unreachable",
        "  }",
    ]
    if mode == "nat":
        lines += [
            "  chain postrouting {",
            "    type nat hook postrouting priority srcnat; policy accept;",
        ]
        for net in subnets:
            lines += [
                f"    ip saddr {net} ip daddr 224.0.0.0/24 return",
                f"    ip saddr {net} ip daddr 255.255.255.255 return",
                f"    ip saddr {net} ip daddr != {net} masquerade",
            ]
        lines.append("  }")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _nft(args: list[str], script: str | None = None) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run([NFT, *args], input=script, capture_output=True, text=True,
                              timeout=30)  # fmt: skip
    except OSError as exc:
        raise make_error(ErrorCode.SYSTEM_ERROR, ErrorDomain.NETWORK,
                         f"Cannot run {NFT}: {exc.strerror or exc}") from exc  # fmt: skip


def install_rules(bridge: str, mode: str | None, subnets: list[ipaddress.IPv4Network]) -> None:
    """Create the network's table (replacing a leftover of an earlier run)."""
    remove_rules(bridge)
    proc = _nft(["-f", "-"], ruleset(bridge, mode, subnets))
    if proc.returncode != 0:
        raise make_error(ErrorCode.INTERNAL_ERROR, ErrorDomain.NETWORK,
                         f"failed to add firewall rules: {proc.stderr.strip()}")  # fmt: skip


def table_exists(bridge: str) -> bool:
    return _nft(["list", "table", "ip", table_name(bridge)]).returncode == 0


def remove_rules(bridge: str) -> None:
    """Delete the network's table; a table that is not there is fine (checked only when the
    delete fails: every start removes a leftover first, usually of nothing)."""
    proc = _nft(["delete", "table", "ip", table_name(bridge)])
    if proc.returncode != 0 and table_exists(bridge):
        raise make_error(ErrorCode.INTERNAL_ERROR, ErrorDomain.NETWORK,
                         f"failed to remove firewall rules: {proc.stderr.strip()}")  # fmt: skip
