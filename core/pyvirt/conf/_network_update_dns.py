"""virNetworkUpdate's DNS and port group sections (libvirt 9.0's
virNetworkDefUpdateDNSHost, -DNSTxt, -DNSSrv and -PortGroup), with its checks and messages.

pyvirt keeps a network's ``<dns>`` and ``<portgroup>`` elements as written; these edits work
on those elements and leave ``<dns>``'s children in libvirt's order (forwarders, TXT, SRV,
then host records), as libvirt writes them.  DNS records can be added and deleted, never
modified; a port group is matched by name, and only one may be the default.
"""

from __future__ import annotations

from pyvirt._codes import ErrorCode, ErrorDomain
from pyvirt._errors import make_error

# Not typing.TYPE_CHECKING: importing typing costs a pyvirsh run several milliseconds.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

    from lxml import etree

    from pyvirt.conf._network import NetworkDef

_NET = ErrorDomain.NETWORK
MODIFY, DELETE, ADD_LAST, ADD_FIRST = 1, 2, 3, 4
#: <dns> children in libvirt's output order.
_DNS_ORDER = ("forwarder", "txt", "srv", "host")
#: SRV attributes in libvirt's output order, the numeric ones with their limits.
_SRV_TEXT = ("service", "protocol", "domain", "target")
_SRV_NUMBERS = (("port", 65535, "invalid"), ("priority", 65535, "Invalid"),
                ("weight", 65535, "invalid"))  # fmt: skip


def _detail(message: str) -> Exception:
    return make_error(ErrorCode.XML_DETAIL, _NET, message)


def _invalid(message: str) -> Exception:
    return make_error(ErrorCode.OPERATION_INVALID, _NET, message)


def _unsupported(message: str) -> Exception:
    return make_error(ErrorCode.OPERATION_UNSUPPORTED, _NET, message)


def _dns(defn: NetworkDef) -> etree._Element:
    """The network's ``<dns>``, made (empty) when it has none."""
    from lxml import etree

    for el in defn.extra:
        if el.tag == "dns":
            return el
    dns = etree.Element("dns")
    defn.extra.append(dns)
    return dns


def _reorder(dns: etree._Element, defn: NetworkDef) -> None:
    """Children in libvirt's order; an empty ``<dns>`` goes, as libvirt writes none."""
    kids = sorted(
        (c for c in dns if isinstance(c.tag, str)),
        key=lambda c: _DNS_ORDER.index(c.tag) if c.tag in _DNS_ORDER else len(_DNS_ORDER),
    )
    for child in list(dns):
        dns.remove(child)
    dns.extend(kids)
    if not len(dns) and not dns.attrib:
        defn.extra.remove(dns)


def _apply(
    defn: NetworkDef,
    command: int,
    new: etree._Element,
    found: list[int],
    kind: str,
    messages: tuple[str, str, str],
) -> None:
    """Add *new* among the ``<dns>`` children of its tag, or delete the one *found* (indexes
    among them); *messages*: already there, none found, several found."""
    dns = _dns(defn)
    same = [c for c in dns if c.tag == new.tag]
    if command == MODIFY:
        raise _unsupported(f"DNS {kind} records cannot be modified, only added or deleted")
    if command in (ADD_FIRST, ADD_LAST):
        if found:
            raise _invalid(messages[0])
        if command == ADD_FIRST and same:
            same[0].addprevious(new)
        else:
            dns.append(new)
    elif command == DELETE:
        if not found:
            raise _invalid(messages[1])
        if len(found) > 1:
            raise _invalid(messages[2])
        dns.remove(same[found[0]])
    else:
        raise make_error(
            ErrorCode.OPERATION_UNSUPPORTED,
            _NET,
            f"can't update 'dns' section of network '{defn.name}'",
        )
    _reorder(dns, defn)


# -- dns-host ----------------------------------------------------------------------------
def update_dns_host(
    defn: NetworkDef, command: int, node: etree._Element, canonical: Callable[[str], str | None]
) -> None:
    """virNetworkDefUpdateDNSHost.  *canonical*: an address as libvirt prints it, None when
    it is not one."""
    from lxml import etree

    partial = command == DELETE
    where = f"in network '{defn.name}' DNS HOST record"
    ip_text = node.get("ip")
    ip = None
    if ip_text is None:
        if not partial:
            raise _detail(f"Missing IP address {where}")
    else:
        ip = canonical(ip_text)
        if ip is None:
            raise _detail(f"Invalid IP address {where}")
    names = [h.text for h in node if h.tag == "hostname" and h.text]
    if not names and not partial:
        raise _detail(f"Missing hostname {where}")
    if ip is None and not names:
        raise _detail(f"Missing ip and hostname {where}")
    # A record matches by address; a deletion also by any host name they share.
    found = []
    for i, host in enumerate(h for h in _dns(defn) if h.tag == "host"):
        theirs = {h.text for h in host if h.tag == "hostname"}
        if (ip is not None and canonical(host.get("ip", "")) == ip) or (
            partial and theirs & set(names)
        ):
            found.append(i)
    new = etree.Element("host", ip=ip or "")
    for name in names:
        etree.SubElement(new, "hostname").text = name
    net = defn.name
    _apply(defn, command, new, found, "HOST", (
        f"there is already at least one DNS HOST record with a matching field in network {net}",
        f"couldn't locate a matching DNS HOST record in network {net}",
        f"multiple matching DNS HOST records were found in network {net}",
    ))  # fmt: skip


# -- dns-txt -----------------------------------------------------------------------------
def update_dns_txt(defn: NetworkDef, command: int, node: etree._Element) -> None:
    """virNetworkDefUpdateDNSTxt: records match by name."""
    from lxml import etree

    net = defn.name
    name = node.get("name")
    if name is None:
        raise _detail(f"missing required name attribute in DNS TXT record of network {net}")
    if " " in name:
        raise _detail(f"prohibited character in DNS TXT record name '{name}' of network {net}")
    value = node.get("value")
    if value is None and command != DELETE:
        raise _detail(
            f"missing required value attribute in DNS TXT record named '{name}' of network {net}"
        )
    records = [t for t in _dns(defn) if t.tag == "txt"]
    found = [i for i, t in enumerate(records) if t.get("name") == name]
    new = etree.Element("txt", name=name, value=value or "")
    _apply(defn, command, new, found, "TXT", (
        f"there is already a DNS TXT record with name '{name}' in network {net}",
        f"couldn't locate a matching DNS TXT record in network {net}",
        f"multiple DNS TXT records matching all specified fields were found in network {net}",
    ))  # fmt: skip


# -- dns-srv -----------------------------------------------------------------------------
def _srv_fields(defn: NetworkDef, node: etree._Element, partial: bool) -> dict[str, str]:
    """virNetworkDNSSrvDefParseXML: the record's given fields, numbers normalised (a
    deletion, *partial*, may leave out the service and protocol too)."""
    net = defn.name
    service = node.get("service")
    if service is None and not partial:
        raise _detail(f"missing required service attribute in DNS SRV record of network '{net}'")
    protocol = node.get("protocol")
    if protocol is None and not partial:
        raise _detail(
            f"missing required protocol attribute in DNS SRV record '{service}' of network "
            f"'{net}'"
        )
    fields = {k: v for k in _SRV_TEXT if (v := node.get(k)) is not None}
    for attr, limit, word in _SRV_NUMBERS:
        text = node.get(attr)
        if text is None:
            continue
        if "target" not in fields:
            raise _detail(
                f"DNS SRV {attr} attribute not permitted without target for service "
                f"'{service}' in network '{net}'"
            )
        if not text.isdigit() or int(text) > limit:
            raise _detail(
                f"{word} DNS SRV {attr} attribute for service '{service}' in network '{net}'"
            )
        fields[attr] = str(int(text))
    return fields


def update_dns_srv(defn: NetworkDef, command: int, node: etree._Element) -> None:
    """virNetworkDefUpdateDNSSrv: a record matches when every field given matches."""
    from lxml import etree

    fields = _srv_fields(defn, node, command == DELETE)
    records = [s for s in _dns(defn) if s.tag == "srv"]
    found = [
        i for i, s in enumerate(records) if all(s.get(k) == v for k, v in fields.items())
    ]
    new = etree.Element("srv")
    for key in (*_SRV_TEXT, *(n for n, _, _ in _SRV_NUMBERS)):
        if key in fields:
            new.set(key, fields[key])
    net = defn.name
    _apply(defn, command, new, found, "SRV", (
        f"there is already at least one DNS SRV record matching all specified fields in "
        f"network {net}",
        f"couldn't locate a matching DNS SRV record in network {net}",
        f"multiple DNS SRV records matching all specified fields were found in network {net}",
    ))  # fmt: skip


# -- portgroup ---------------------------------------------------------------------------
def update_portgroup(defn: NetworkDef, command: int, node: etree._Element) -> None:
    """virNetworkDefUpdatePortGroup: matched by name; one default at most."""
    import copy

    name = node.get("name")
    if name is None:
        raise make_error(ErrorCode.XML_ERROR, _NET, "Missing required name attribute in portgroup")
    new = copy.deepcopy(node)
    new.attrib.clear()
    new.set("name", name)
    is_default = (node.get("default") or "").lower() == "yes"
    if is_default:
        new.set("default", "yes")
    if node.get("trustGuestRxFilters") is not None:
        new.set("trustGuestRxFilters", node.get("trustGuestRxFilters", ""))
    new.tail = None
    groups = [g for g in defn.extra if g.tag == "portgroup"]
    found = next((g for g in groups if g.get("name") == name), None)
    net = defn.name
    if command in (MODIFY, DELETE) and found is None:
        raise _invalid(
            f"couldn't find a portgroup entry in network '{net}' matching <portgroup "
            f"name='{name}'>"
        )
    if command in (ADD_FIRST, ADD_LAST) and found is not None:
        raise _invalid(
            f"there is an existing portgroup entry in network '{net}' that matches "
            f"\"<portgroup name='{name}'>\""
        )
    if is_default and command != DELETE:
        others = [g for g in groups if g is not found and g.get("default") == "yes"]
        if others:
            raise _invalid(
                f"a different portgroup entry in network '{net}' is already set as the "
                "default. Only one default is allowed."
            )
    extra = defn.extra
    if command == MODIFY:
        assert found is not None
        extra[extra.index(found)] = new
    elif command == DELETE:
        assert found is not None
        extra.remove(found)
    elif command == ADD_FIRST and groups:
        extra.insert(extra.index(groups[0]), new)
    elif command in (ADD_FIRST, ADD_LAST):
        extra.append(new)
    else:
        raise make_error(
            ErrorCode.OPERATION_UNSUPPORTED,
            _NET,
            f"can't update 'portgroup' section of network '{net}'",
        )
