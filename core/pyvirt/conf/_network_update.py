"""virNetworkUpdate's edits of one section of a network definition (libvirt's
virNetworkDefUpdateSection in src/conf/network_conf.c), shared by the drivers.

:func:`update_network_section` applies one command (modify, delete, add first or last) with one
XML element to a :class:`~pyvirt.conf.NetworkDef`, with libvirt 9.0's checks and messages.  The
caller decides which definitions (live, persistent) it edits; it passes a copy and keeps it only
when the edit succeeded, as libvirt does, so a refused update changes nothing.

Sections done: the DHCP hosts and ranges of an ``<ip>``, the ``<interface>`` list of
``<forward>``, and (in :mod:`pyvirt.conf._network_update_dns`) DNS host, TXT and SRV records
and port groups; bridge, domain, ip, forward and forward-pf are refused as libvirt refuses
them.
"""

from __future__ import annotations

from pyvirt._codes import ErrorCode, ErrorDomain
from pyvirt._errors import make_error
from pyvirt.conf import _network_update_dns as dns_sections
from pyvirt.conf._common import parse_mac
from pyvirt.conf._network import DhcpHost, IPDef, NetworkDef, parse_dhcp_range
from pyvirt.conf._network import parse_address as _address

# Not typing.TYPE_CHECKING: importing typing costs a pyvirsh run several milliseconds.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from lxml import etree

__all__ = ["UPDATE_COMMANDS", "UPDATE_SECTIONS", "update_network_section", "update_targets"]

_NET = ErrorDomain.NETWORK
MODIFY, DELETE, ADD_LAST, ADD_FIRST = 1, 2, 3, 4
#: VIR_NETWORK_UPDATE_COMMAND_* by virsh's name (index = the value; 0 is "none").
UPDATE_COMMANDS = ("none", "modify", "delete", "add-last", "add-first")
#: VIR_NETWORK_SECTION_* by virsh's name (index = the value; 0 is "none").
UPDATE_SECTIONS = (
    "none", "bridge", "domain", "ip", "ip-dhcp-host", "ip-dhcp-range", "forward",
    "forward-interface", "forward-pf", "portgroup", "dns-host", "dns-txt", "dns-srv",
)  # fmt: skip
#: Sections libvirt refuses to update, and the name its message gives them.
_FIXED = {1: "bridge", 2: "domain", 3: "ip", 6: "forward", 8: "forward pf"}


def update_targets(flags: int, active: bool, persistent: bool) -> int:
    """Which definitions a virNetworkUpdate with *flags* edits, as every driver decides it
    (libvirt's AFFECT_CURRENT and virNetworkObjConfigChangeSetup): CURRENT is the live one
    of a running network, else the persistent one; the live one of a stopped network and the
    persistent one of a transient network are refused."""
    live, config = 1, 2  # VIR_NETWORK_UPDATE_AFFECT_LIVE, _CONFIG
    if not flags & (live | config):
        flags |= live if active else config
    if flags & live and not active:
        raise _invalid("network is not running")
    if flags & config and not persistent:
        raise _invalid("cannot change persistent config of a transient network")
    return flags


def _err(code: int, message: str) -> Exception:
    return make_error(code, _NET, message)


def _invalid(message: str) -> Exception:
    return _err(ErrorCode.OPERATION_INVALID, message)


def _expect(defn: NetworkDef, node: etree._Element, name: str) -> None:
    """virNetworkDefUpdateCheckElementName."""
    if node.tag != name:
        raise _err(
            ErrorCode.XML_ERROR,
            f"unexpected element <{node.tag}>, expecting <{name}>, while updating network "
            f"'{defn.name}'",
        )


def _unknown_command(command: int) -> Exception:
    return _err(
        ErrorCode.OPERATION_UNSUPPORTED, f"unrecognized network update command code {command}"
    )


def _ip_family(ip: IPDef) -> str:
    if ip.family == "ipv6" or (ip.address is not None and ":" in ip.address):
        return "ipv6"
    return "ipv4"


def _ip_by_index(defn: NetworkDef, index: int) -> IPDef:
    """virNetworkIPDefByIndex: the ``<ip>`` at *index*, or for -1 the first with DHCP
    ranges or hosts, else the first IPv4 one, else the first IPv6 one."""
    if index >= 0:
        if index < len(defn.ips):
            return defn.ips[index]
        raise _invalid(
            f"couldn't update dhcp host entry - no <ip> element found at index {index} in "
            f"network '{defn.name}'"
        )
    for ip in defn.ips:
        if ip.dhcp_ranges or ip.dhcp_hosts:
            return ip
    for family in ("ipv4", "ipv6"):
        for ip in defn.ips:
            if _ip_family(ip) == family:
                return ip
    raise _invalid(f"couldn't update dhcp host entry - no <ip> element found in network '{defn.name}'")


def _valid_canonical(text: str) -> str | None:
    """*text* as libvirt prints a parsed address; None when it is not an address."""
    address = _address(text)
    return None if address is None else str(address)


def _canonical(text: str | None) -> str | None:
    """*text* as libvirt prints a parsed address (virSocketAddrFormat)."""
    address = _address(text)
    return text if address is None else str(address)


def _parse_host(defn: NetworkDef, ip: IPDef, node: etree._Element, partial: bool) -> DhcpHost:
    """virNetworkDHCPHostDefParseXML's checks and messages."""
    name_of = defn.name
    mac_text = node.get("mac")
    mac = None
    if mac_text is not None:
        if _ip_family(ip) == "ipv6":
            raise _err(
                ErrorCode.XML_ERROR,
                f"Invalid to specify MAC address '{mac_text}' in network '{name_of}' IPv6 "
                "static host definition",
            )
        mac = parse_mac(mac_text)
        if mac is None:
            raise _err(
                ErrorCode.XML_ERROR, f"Cannot parse MAC address '{mac_text}' in network '{name_of}'"
            )
        if int(mac[:2], 16) & 1:
            raise _err(
                ErrorCode.XML_ERROR,
                f"expected unicast mac address, found multicast '{mac_text}' in network "
                f"'{name_of}'",
            )
    id_ = node.get("id")
    if id_ is not None:
        bad = next((c for c in id_ if c not in "0123456789abcdefABCDEF:"), None)
        if bad is not None:
            raise _err(
                ErrorCode.XML_ERROR,
                f"Invalid character '{bad}' in id '{id_}' of network '{name_of}'",
            )
    name = node.get("name")
    address = node.get("ip")
    if address is not None and _address(address) is None:
        raise _err(
            ErrorCode.XML_ERROR,
            f"Invalid IP address in static host definition for network '{name_of}'",
        )
    if partial:
        if not (mac_text or name or address):
            raise _err(
                ErrorCode.XML_ERROR,
                "At least one of name, mac, or ip attribute must be specified for static host "
                f"definition in network '{name_of}' ",
            )
    else:
        if _ip_family(ip) == "ipv6":
            if not (id_ or name):
                raise _err(
                    ErrorCode.XML_ERROR,
                    f"Static host definition in IPv6 network '{name_of}' must have id or name "
                    "attribute",
                )
        elif not (mac_text or name):
            raise _err(
                ErrorCode.XML_ERROR,
                f"Static host definition in IPv4 network '{name_of}' must have mac or name "
                "attribute",
            )
        if address is None:
            raise _err(
                ErrorCode.XML_ERROR,
                f"Missing IP address in static host definition for network '{name_of}'",
            )
    return DhcpHost(mac=mac, id=id_, name=name, ip=_canonical(address))


def _host_text(host: DhcpHost) -> tuple[str, str, str]:
    """mac, name, ip as libvirt's messages print them (C's "(null)" for a missing name)."""
    return host.mac or "unknown", host.name if host.name is not None else "(null)", host.ip or "unknown"


def _same_ip(a: str | None, b: str | None) -> bool:
    first = _address(a)
    return first is not None and first == _address(b)


def _update_dhcp_host(defn: NetworkDef, command: int, index: int, node: etree._Element) -> None:
    """virNetworkDefUpdateIPDHCPHost."""
    ip = _ip_by_index(defn, index)
    _expect(defn, node, "host")
    host = _parse_host(defn, ip, node, partial=command == DELETE)
    hosts = ip.dhcp_hosts
    if command == MODIFY:
        for i, old in enumerate(hosts):
            if (
                (host.mac and old.mac and host.mac == old.mac)
                or _same_ip(host.ip, old.ip)
                or (host.name is not None and host.name == old.name)
            ):
                hosts[i] = host
                return
        mac, name, address = _host_text(host)
        raise _invalid(
            f"couldn't locate an existing dhcp host entry with \"mac='{mac}'\" "
            f"\"name='{name}'\" \"ip='{address}'\" in network '{defn.name}'"
        )
    if command in (ADD_FIRST, ADD_LAST):
        for old in hosts:
            if (
                (host.mac and old.mac and host.mac == old.mac)
                or (host.name is not None and host.name == old.name)
                or _same_ip(host.ip, old.ip)
            ):
                mac, name, address = _host_text(host)
                raise _invalid(
                    f"there is an existing dhcp host entry in network '{defn.name}' that "
                    f"matches \"<host mac='{mac}' name='{name}' ip='{address}'/>\""
                )
        hosts.insert(0 if command == ADD_FIRST else len(hosts), host)
        ip.has_dhcp = True
        return
    if command == DELETE:
        for i, old in enumerate(hosts):
            if (
                (not host.mac or not old.mac or host.mac == old.mac)
                and (host.name is None or host.name == old.name)
                and (_address(host.ip) is None or _same_ip(host.ip, old.ip))
            ):
                del hosts[i]
                return
        raise _invalid(f"couldn't locate a matching dhcp host entry in network '{defn.name}'")
    raise _unknown_command(command)


def _update_dhcp_range(defn: NetworkDef, command: int, index: int, node: etree._Element) -> None:
    """virNetworkDefUpdateIPDHCPRange."""
    ip = _ip_by_index(defn, index)
    _expect(defn, node, "range")
    if command == MODIFY:
        raise _err(
            ErrorCode.OPERATION_UNSUPPORTED, "dhcp ranges cannot be modified, only added or deleted"
        )
    new = parse_dhcp_range(defn.name, ip, node)
    ranges = ip.dhcp_ranges
    found = next(
        (i for i, r in enumerate(ranges) if _same_ip(r.start, new.start) and _same_ip(r.end, new.end)),
        None,
    )
    if command in (ADD_FIRST, ADD_LAST):
        if found is not None:
            raise _invalid(
                f"there is an existing dhcp range entry in network '{defn.name}' that matches "
                f"\"<range start='{new.start}' end='{new.end}'/>\""
            )
        ranges.insert(0 if command == ADD_FIRST else len(ranges), new)
        ip.has_dhcp = True
        return
    if command == DELETE:
        if found is None:
            raise _invalid(f"couldn't locate a matching dhcp range entry in network '{defn.name}'")
        del ranges[found]
        return
    raise _unknown_command(command)


def _update_forward_interface(defn: NetworkDef, command: int, node: etree._Element) -> None:
    """virNetworkDefUpdateForwardInterface: the ``<interface dev=...>`` list of
    ``<forward>`` (the first one's device is also the forward's ``dev``)."""
    from lxml import etree

    _expect(defn, node, "interface")
    if command == MODIFY:
        raise _err(
            ErrorCode.OPERATION_UNSUPPORTED,
            "forward interface entries cannot be modified, only added or deleted",
        )
    dev = node.get("dev")
    if dev is None:
        raise _err(ErrorCode.XML_ERROR, "missing dev attribute in <interface> element")
    children = defn.forward_children
    interfaces = [c for c in children if c.tag == "interface"]
    found = next((c for c in interfaces if c.get("dev") == dev), None)
    if command in (ADD_FIRST, ADD_LAST):
        if found is not None:
            raise _invalid(
                f"there is an existing interface entry in network '{defn.name}' that matches "
                f"\"<interface dev='{dev}'>\""
            )
        new = etree.Element("interface", dev=dev)
        if command == ADD_FIRST or not interfaces:
            at = children.index(interfaces[0]) if interfaces else 0
        else:
            at = children.index(interfaces[-1]) + 1
        children.insert(at, new)
    elif command == DELETE:
        if found is None:
            raise _invalid(
                f"couldn't find an interface entry in network '{defn.name}' matching "
                f"<interface dev='{dev}'>"
            )
        children.remove(found)
    else:
        raise _unknown_command(command)
    devs = [c.get("dev") for c in children if c.tag == "interface"]
    defn.forward_dev = devs[0] if devs else None
    if defn.forward_mode in ("nat", "route") and len(devs) > 1:
        # libvirt checks the edited definition as it checks a new one
        raise _err(
            ErrorCode.XML_ERROR,
            f"multiple forwarding interfaces specified for network '{defn.name}', only one is "
            "supported",
        )


def _parse(xml: str) -> etree._Element:
    """The element to apply; libvirt names this document without the parentheses its other
    documents get ("network_update_xml:1: ...")."""
    from pyvirt._errors import VirtError
    from pyvirt._xml import parse_document

    label = "network_update_xml"
    try:
        return parse_document(xml, label, _NET)
    except VirtError as e:
        detail = e.str2 or ""
        if detail.startswith(f"({label})"):
            raise make_error(e.code, e.domain, detail.replace(f"({label})", label, 1)) from None
        raise


def _update_dns_or_portgroup(
    defn: NetworkDef, command: int, section: int, node: etree._Element
) -> None:
    if section == 9:
        dns_sections.update_portgroup(defn, command, node)
    elif section == 10:
        dns_sections.update_dns_host(defn, command, node, _valid_canonical)
    elif section == 11:
        dns_sections.update_dns_txt(defn, command, node)
    else:
        dns_sections.update_dns_srv(defn, command, node)


def update_network_section(
    defn: NetworkDef, command: int, section: int, parent_index: int, xml: str
) -> None:
    """Apply one virNetworkUpdate edit to *defn* in place (pass a copy: a refused edit may
    have changed it partly)."""
    node = _parse(xml)
    if section in _FIXED:
        raise _err(
            ErrorCode.OPERATION_UNSUPPORTED,
            f"can't update '{_FIXED[section]}' section of network '{defn.name}'",
        )
    if section == 4:
        _update_dhcp_host(defn, command, parent_index, node)
    elif section == 5:
        _update_dhcp_range(defn, command, parent_index, node)
    elif section == 7:
        _update_forward_interface(defn, command, node)
    elif 9 <= section <= 12:
        _expect(defn, node, ("portgroup", "host", "txt", "srv")[section - 9])
        _update_dns_or_portgroup(defn, command, section, node)

    else:
        raise _err(
            ErrorCode.OPERATION_UNSUPPORTED,
            f"can't update 'unknown section' section of network '{defn.name}'",
        )
