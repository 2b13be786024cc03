"""Virtual network XML: :class:`NetworkDef`, its parser and libvirt 9.0's formatter.

Why modelled: the network drivers hand out DHCP leases and bridge names from these fields, so
bridge, forward mode and IP ranges are typed; the rest (DNS, NAT ranges, port groups) is kept
as elements and written back at libvirt's position.
"""

from __future__ import annotations

import copy

from pyvirt._codes import ErrorCode, ErrorDomain
from pyvirt._errors import make_error
from pyvirt._kit_model import field, model
from pyvirt.conf._common import child, children, generate_uuid, parse_mac, parse_uuid

# Not typing.TYPE_CHECKING: importing typing costs a pyvirsh run several milliseconds.
TYPE_CHECKING = False
if TYPE_CHECKING:
    # lxml and pyvirt._xml (which needs lxml) load in the parser and formatter only: see
    # _devices.
    from lxml import etree

    from pyvirt._xml import XMLWriter

__all__ = [
    "DhcpHost",
    "DhcpRange",
    "IPDef",
    "NetworkDef",
    "check_dhcp_range",
    "format_network_xml",
    "ip_prefix",
    "parse_network_xml",
]

_NET = ErrorDomain.NETWORK
_FORWARD_MODES = ("nat", "route", "open", "bridge", "private", "vepa", "passthrough", "hostdev")
_L3_MODES = (None, "nat", "route", "open")
#: <network> children kept verbatim, in libvirt's output order ("*" = modelled slots).
_KEPT = ("mtu", "dns", "vlan", "bandwidth", "route", "virtualport", "portgroup", "port")


@model
class DhcpRange:
    """A ``<dhcp><range>``: first and last address handed out."""

    start: str
    end: str
    children: list[etree._Element] = field(default_factory=list)


@model
class DhcpHost:
    """A static lease; any of mac/id/name/ip may be missing, as in libvirt."""

    mac: str | None = None
    id: str | None = None
    name: str | None = None
    ip: str | None = None


@model
class IPDef:
    """One ``<ip>`` of a network: address, netmask or prefix, and its DHCP settings."""

    address: str | None = None
    netmask: str | None = None
    prefix: int | None = None
    family: str | None = None
    local_ptr: str | None = None
    dhcp_ranges: list[DhcpRange] = field(default_factory=list)
    dhcp_hosts: list[DhcpHost] = field(default_factory=list)
    has_dhcp: bool = False
    #: <tftp>, <dhcp><bootp> and similar kept verbatim.
    tftp: list[etree._Element] = field(default_factory=list)
    bootp: list[etree._Element] = field(default_factory=list)


@model
class NetworkDef:
    """A parsed network definition."""

    name: str
    uuid: str
    attrs: dict[str, str] = field(default_factory=dict)
    metadata: list[etree._Element] = field(default_factory=list)
    forward_mode: str | None = None
    forward_dev: str | None = None
    forward_children: list[etree._Element] = field(default_factory=list)
    bridge_name: str | None = None
    bridge_stp: bool = True
    bridge_delay: int = 0
    bridge_attrs: dict[str, str] = field(default_factory=dict)
    has_bridge: bool = False
    mac: str | None = None
    domain: etree._Element | None = None
    ips: list[IPDef] = field(default_factory=list)
    extra: list[etree._Element] = field(default_factory=list)

    def copy(self) -> NetworkDef:
        return copy.deepcopy(self)


def _err(code: int, msg: str | None, domain: int = _NET) -> Exception:
    return make_error(code, domain, msg)


def ip_prefix(ip: IPDef) -> int:
    """The prefix length of an ``<ip>`` (libvirt's virNetworkIPDefPrefix): its ``prefix``, else
    its netmask's bits, else the natural one of its address (an IPv4 class A, B or C address:
    8, 16, 24; IPv6: 64), else 0."""
    import ipaddress  # parsing only: every pyvirsh run would pay for it at the top

    if ip.prefix:
        return ip.prefix
    if ip.netmask:
        try:
            return ipaddress.IPv4Network(f"0.0.0.0/{ip.netmask}").prefixlen
        except ValueError:
            pass
    try:
        address = ipaddress.ip_address(ip.address or "")
    except ValueError:
        return 0
    if address.version == 6:
        return 0 if address.is_unspecified else 64
    first = address.packed[0]
    return 8 if first < 128 else 16 if first < 192 else 24 if first < 224 else 0


def parse_address(text: str | None) -> object | None:
    """The address *text* names (an ``ipaddress`` address), None if invalid.  libvirt parses
    with getaddrinfo, which also takes IPv4's short forms ("1.2.3", a single number)."""
    import ipaddress
    import socket

    if text is None:
        return None
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        pass
    try:
        return ipaddress.IPv4Address(socket.inet_aton(text))
    except OSError:
        return None


def parse_dhcp_range(network: str, ip: IPDef, node: etree._Element) -> DhcpRange:
    """A ``<range>`` of *ip*'s ``<dhcp>`` as libvirt's virNetworkDHCPRangeDefParseXML reads
    it, at define time and in virNetworkUpdate alike: both ends present and addresses
    (short IPv4 forms too, kept as libvirt prints them), then :func:`check_dhcp_range`."""
    ends = []
    for what in ("start", "end"):
        value = node.get(what)
        if value is None:
            raise _err(ErrorCode.XML_ERROR,
                       f"Missing '{what}' attribute in dhcp range for network '{network}'")  # fmt: skip
        address = parse_address(value)
        if address is None:
            raise _err(ErrorCode.SYSTEM_ERROR,
                       f"Cannot parse socket address '{value}': Name or service not known")  # fmt: skip
        ends.append(str(address))
    check_dhcp_range(ip, ends[0], ends[1])
    return DhcpRange(ends[0], ends[1], [copy.deepcopy(c) for c in node if isinstance(c.tag, str)])


def check_dhcp_range(ip: IPDef, start: str, end: str) -> None:
    """Refuse a DHCP range of *ip* as libvirt's virSocketAddrGetRange does when it parses one
    (at define time and in virNetworkUpdate): both ends of one family and inside the network,
    not its network address nor its broadcast address (IPv4), at most 65536 addresses (the
    ends differ in their last two bytes only), and not reversed.  Its errors come from no
    domain (libvirt's util code)."""
    import ipaddress

    def fail(message: str) -> Exception:
        return _err(ErrorCode.INTERNAL_ERROR, message, ErrorDomain.NONE)

    first, last = ipaddress.ip_address(start), ipaddress.ip_address(end)
    span = f"{first} - {last}"
    if first.version != last.version:
        raise fail(f"mismatch of address family in range {span}")
    try:
        address = ipaddress.ip_address(ip.address or "")
    except ValueError:
        address = None
    if address is not None:
        if address.version != first.version:
            raise fail(f"mismatch of address family in range {span} for network {address}")
        prefix = ip_prefix(ip)
        net = ipaddress.ip_network(f"{address}/{prefix}", strict=False)
        where = f"network {address}/{prefix}"
        if first not in net or last not in net:
            raise fail(f"range {span} is not entirely within {where}")
        if first.version == 4 and first == net.network_address:
            raise fail(f"start of range {span} in {where} is the network address")
        if first.version == 4 and last == net.broadcast_address:
            raise fail(f"end of range {span} in {where} is the broadcast address")
    same = 2 if first.version == 4 else 14  # bytes a range's ends share
    if first.packed[:same] != last.packed[:same]:
        raise fail(f"range {span} is too large (> 65535)")
    if last.packed[same:] < first.packed[same:]:
        raise fail(f"range {span} is reversed " if first.version == 4
                   else f"range {span} start larger than end")  # fmt: skip


def _parse_ip(elem: etree._Element, network: str) -> IPDef:
    prefix_s = elem.get("prefix")
    ip = IPDef(
        address=elem.get("address"),
        netmask=elem.get("netmask"),
        prefix=int(prefix_s) if prefix_s and prefix_s.isdigit() else None,
        family=elem.get("family"),
        local_ptr=elem.get("localPtr"),
        tftp=[copy.deepcopy(t) for t in children(elem, "tftp")],
    )
    dhcp = child(elem, "dhcp")
    if dhcp is not None:
        ip.has_dhcp = True
        ip.dhcp_ranges = [parse_dhcp_range(network, ip, r) for r in children(dhcp, "range")]
        for h in children(dhcp, "host"):
            mac = h.get("mac")
            ip.dhcp_hosts.append(
                DhcpHost(
                    mac=parse_mac(mac) or mac if mac else None,
                    id=h.get("id"),
                    name=h.get("name"),
                    ip=h.get("ip"),
                )
            )
        ip.bootp = [copy.deepcopy(b) for b in children(dhcp, "bootp")]
    return ip


def parse_network_xml(xml: str | bytes) -> NetworkDef:
    """Parse a network document, applying libvirt's defaults (uuid, stp, delay, nat)."""
    from lxml import etree

    from pyvirt._xml import parse_document

    root = parse_document(xml, "network_definition", _NET)
    if root.tag != "network":
        raise _err(
            ErrorCode.XML_ERROR, f"unexpected root element <{root.tag}>, expecting <network>"
        )  # noqa: E501
    name_el = child(root, "name")
    name = "".join(name_el.itertext()) if name_el is not None else ""
    if not name:
        raise _err(ErrorCode.NO_NAME, None)
    if "/" in name:
        raise _err(ErrorCode.XML_DETAIL, "invalid char in name: /", ErrorDomain.XML)
    uuid_el = child(root, "uuid")
    if uuid_el is None:
        uuid = generate_uuid()
    else:
        parsed = parse_uuid("".join(uuid_el.itertext()))
        if parsed is None:
            raise _err(ErrorCode.INTERNAL_ERROR, "malformed uuid element")
        uuid = parsed
    n = NetworkDef(name=name, uuid=uuid)
    n.attrs = {
        k: v for k, v in root.attrib.items() if k in ("connections", "ipv6", "trustGuestRxFilters")
    }  # noqa: E501
    md = child(root, "metadata")
    if md is not None:
        seen: set[str] = set()
        for c in md:
            ns = etree.QName(c).namespace if isinstance(c.tag, str) else None
            if ns and ns not in seen:
                seen.add(ns)
                n.metadata.append(copy.deepcopy(c))
    fwd = child(root, "forward")
    if fwd is not None:
        mode = fwd.get("mode", "nat")
        if mode not in _FORWARD_MODES:
            raise _err(ErrorCode.CONFIG_UNSUPPORTED, f"unknown forwarding type '{mode}'")
        n.forward_mode = mode
        n.forward_dev = fwd.get("dev")
        n.forward_children = [copy.deepcopy(c) for c in fwd if isinstance(c.tag, str)]
        if n.forward_dev and not any(c.tag == "interface" for c in n.forward_children):
            # libvirt records dev= as the first forward interface and prints it back.
            iface = etree.Element("interface", dev=n.forward_dev)
            n.forward_children.insert(0, iface)
    br = child(root, "bridge")
    if br is not None:
        n.has_bridge = True
        n.bridge_name = br.get("name")
        n.bridge_stp = br.get("stp", "on") != "off"
        delay = br.get("delay", "0")
        if not delay.isdigit():
            raise _err(ErrorCode.XML_ERROR, f"Invalid delay value in network '{name}'")
        n.bridge_delay = int(delay)
        n.bridge_attrs = {k: v for k, v in br.attrib.items() if k not in ("name", "stp", "delay")}
    mac_el = child(root, "mac")
    if mac_el is not None:
        text = mac_el.get("address", "")
        mac = parse_mac(text)
        if mac is None:
            raise _err(
                ErrorCode.XML_ERROR, f"Invalid bridge mac address '{text}' in network '{name}'"
            )  # noqa: E501
        n.mac = mac
    dom = child(root, "domain")
    if dom is not None:
        n.domain = copy.deepcopy(dom)
    n.ips = [_parse_ip(ip, name) for ip in children(root, "ip")]
    n.extra = [copy.deepcopy(c) for c in root if isinstance(c.tag, str) and c.tag in _KEPT]
    return n


def _write_kept(w: XMLWriter, n: NetworkDef, tags: tuple[str, ...]) -> None:
    for el in n.extra:
        if el.tag not in tags:
            continue
        if el.tag == "portgroup" and not len(el):
            # libvirt writes a port group's closing tag even when it holds nothing
            w.open("portgroup", list(el.attrib.items()))
            w.close("portgroup")
        else:
            w.element(el)


def format_network_xml(n: NetworkDef, *, inactive: bool = False) -> str:
    """Format *n* as ``virsh net-dumpxml`` prints it (one trailing newline)."""
    from pyvirt._xml import XMLWriter, format_metadata_child

    w = XMLWriter()
    w.open("network", list(n.attrs.items()))
    w.text("name", n.name)
    w.text("uuid", n.uuid)
    if n.metadata:
        w.open("metadata")
        for el in n.metadata:
            w.raw(format_metadata_child(el, 2).lstrip(" "))
        w.close("metadata")
    if n.forward_mode is not None:
        attrs = [("dev", n.forward_dev), ("mode", n.forward_mode)]
        if n.forward_children:
            w.open("forward", attrs)
            for c in n.forward_children:
                w.element(c)
            w.close("forward")
        else:
            w.empty("forward", attrs)
    if n.forward_mode in _L3_MODES:
        w.empty(
            "bridge",
            [
                ("name", n.bridge_name),
                ("stp", "on" if n.bridge_stp else "off"),
                ("delay", n.bridge_delay),
                *n.bridge_attrs.items(),
            ],
        )
    elif n.has_bridge:
        w.empty("bridge", [("name", n.bridge_name), *n.bridge_attrs.items()])
    _write_kept(w, n, ("mtu",))
    if n.mac:
        w.empty("mac", [("address", n.mac)])
    if n.domain is not None:
        w.element(n.domain)
    _write_kept(w, n, ("dns", "vlan", "bandwidth", "port"))
    for ip in n.ips:
        _format_ip(w, ip)
    _write_kept(w, n, ("route", "virtualport", "portgroup"))
    w.close("network")
    return w.getvalue()


def _format_ip(w: XMLWriter, ip: IPDef) -> None:
    w.open(
        "ip",
        [
            ("family", ip.family),
            ("address", ip.address),
            ("netmask", ip.netmask),
            ("prefix", ip.prefix),
            ("localPtr", ip.local_ptr),
        ],
    )
    for t in ip.tftp:
        w.element(t)
    if ip.has_dhcp and (ip.dhcp_ranges or ip.dhcp_hosts or ip.bootp):
        w.open("dhcp")
        for r in ip.dhcp_ranges:
            if r.children:
                w.open("range", [("start", r.start), ("end", r.end)])
                for c in r.children:
                    w.element(c)
                w.close("range")
            else:
                w.empty("range", [("start", r.start), ("end", r.end)])
        for h in ip.dhcp_hosts:
            w.empty("host", [("mac", h.mac), ("id", h.id), ("name", h.name), ("ip", h.ip)])
        for b in ip.bootp:
            w.element(b)
        w.close("dhcp")
    w.close("ip")
