"""The device XML virsh writes and finds for ``attach-disk``, ``attach-interface``,
``detach-disk``, ``detach-interface`` and ``change-media``: built and searched as virsh 9.0
does (its quoting, its order of elements, its errors), so ``--print-xml`` is byte for byte
virsh's.  Pure functions of their inputs; the commands are in :mod:`pyvirt.cli.commands.attach`.
"""

from __future__ import annotations

import os
import stat

from pyvirt.cli._control import Failure

# Not typing.TYPE_CHECKING: importing typing costs more than pyvirsh's own start-up.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from lxml import etree


def _q(value: str) -> str:
    """virBufferEscapeString's escaping for an attribute in single quotes."""
    return (
        value.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("'", "&apos;")
        .replace('"', "&quot;")
    )


def _numbers(text: str, count: int, base: int) -> list[int] | None:
    """*count* unsigned numbers in *base*, each after one separator character (virsh reads
    an address with virStrToLong_uip(++a, &a, ...), so any one character separates)."""
    allowed = "0123456789abcdefABCDEF" if base == 16 else "0123456789"
    out: list[int] = []
    rest = text
    for _ in range(count):
        digits = ""
        while rest and rest[0] in allowed:
            digits, rest = digits + rest[0], rest[1:]
        if not digits:
            return None
        out.append(int(digits, base))
        if len(out) < count:
            if not rest:
                return None
            rest = rest[1:]
    return out


#: virsh's check of an address's kind against the target's name (vd*, sd*, hd*).
_KINDS_FOR_TARGET = (
    ("vd", ("pci", "ccw"), "expecting a pci:0000.00.00.00 or ccw:00.0.0000 address."),
    (
        "sd",
        ("scsi", "usb", "sata"),
        "expecting a scsi:00.00.00 or usb:00.00 or sata:00.00.00 address.",
    ),
    ("hd", ("ide",), "expecting an ide:00.00.00 address."),
)


def disk_address(text: str, multifunction: bool, target: str = "") -> str:
    """virshAddressParse + virshAddressFormat: ``pci:D:B:S.F``, ``scsi|ide|sata:C.B.U``,
    ``ccw:C.S.D``, ``usb:B.P`` as an ``<address>`` element."""
    kind, sep, rest = text.partition(":")
    if sep:
        for prefix, kinds, message in _KINDS_FOR_TARGET:
            if target.startswith(prefix) and kind in ("pci", "ccw", "scsi", "usb", "sata", "ide"):
                if kind not in kinds and _valid(kind, rest):
                    raise Failure(message)
        if kind == "pci":
            n = _numbers(rest, 4, 16)
            if n is not None:
                mf = " multifunction='on'" if multifunction else ""
                return (
                    f"<address type='pci' domain='0x{n[0]:04x}' bus='0x{n[1]:02x}' "
                    f"slot='0x{n[2]:02x}' function='0x{n[3]:x}'{mf}/>\n"
                )
        elif kind in ("scsi", "ide", "sata"):
            n = _numbers(rest, 3, 10)
            if n is not None:
                return f"<address type='drive' controller='{n[0]}' bus='{n[1]}' unit='{n[2]}'/>\n"
        elif kind == "ccw":
            n = _numbers(rest, 3, 16)
            if n is not None:
                return (
                    f"<address type='ccw' cssid='0x{n[0]:02x}' ssid='0x{n[1]:x}' "
                    f"devno='0x{n[2]:04x}'/>\n"
                )
        elif kind == "usb":
            n = _numbers(rest, 2, 10)
            if n is not None:
                return f"<address type='usb' bus='{n[0]}' port='{n[1]}'/>\n"
    raise Failure("Invalid address.")


def _valid(kind: str, rest: str) -> bool:
    counts = {"pci": (4, 16), "ccw": (3, 16), "usb": (2, 10)}
    count, base = counts.get(kind, (3, 10))
    return _numbers(rest, count, base) is not None


def _source_type(source: str, sourcetype: str | None, protocol: str | None) -> str:
    if sourcetype is not None:
        if sourcetype not in ("file", "block", "network"):
            raise Failure(f"Unknown source type: '{sourcetype}'")
        return sourcetype
    if protocol is not None:
        return "network"
    try:
        if stat.S_ISBLK(os.stat(source).st_mode):
            return "block"
    except OSError:
        pass
    return "file"


def disk_xml(o: dict[str, str | bool | None]) -> str:
    """The ``<disk>`` of ``attach-disk``'s options *o* (option name -> value), as
    cmdAttachDisk writes it."""
    source = str(o["source"])
    kind = _source_type(source, o.get("sourcetype"), o.get("source-protocol"))  # type: ignore[arg-type]
    mode = o.get("mode")
    if mode is not None and mode not in ("readonly", "shareable"):
        raise Failure(f"No support for {mode} in command 'attach-disk'")
    head = f"<disk type='{kind}'"
    if o.get("type"):
        head += f" device='{_q(str(o['type']))}'"
    if o.get("rawio"):
        head += " rawio='yes'"
    lines = [head + ">\n"]
    driver = "".join(
        f" {attr}='{_q(str(o[opt]))}'"
        for opt, attr in (
            ("driver", "name"),
            ("subdriver", "type"),
            ("iothread", "iothread"),
            ("cache", "cache"),
            ("io", "io"),
        )
        if o.get(opt)
    )
    if driver:
        lines.append(f"  <driver{driver}/>\n")
    if kind == "network":
        lines.extend(_network_source(source, o))
    else:
        attr = "dev" if kind == "block" else "file"
        lines.append(f"  <source {attr}='{_q(source)}'/>\n")
    target = f"  <target dev='{_q(str(o['target']))}'"
    if o.get("targetbus"):
        target += f" bus='{_q(str(o['targetbus']))}'"
    lines.append(target + "/>\n")
    if mode is not None:
        lines.append(f"  <{mode}/>\n")
    if o.get("serial"):
        lines.append(f"  <serial>{_q(str(o['serial']))}</serial>\n")
    if o.get("alias"):
        lines.append(f"  <alias name='{_q(str(o['alias']))}'/>\n")
    if o.get("wwn"):
        lines.append(f"  <wwn>{_q(str(o['wwn']))}</wwn>\n")
    if o.get("address"):
        address = disk_address(str(o["address"]), bool(o.get("multifunction")), str(o["target"]))
        lines.append("  " + address)
    lines.append("</disk>\n")
    return "".join(lines)


def _network_source(source: str, o: dict[str, str | bool | None]) -> list[str]:
    protocol = o.get("source-protocol")
    head = f"  <source protocol='{_q(str(protocol))}' name='{_q(source)}'"
    host = o.get("source-host-name")
    transport, socket = o.get("source-host-transport"), o.get("source-host-socket")
    if not (host or transport or socket):
        return [head + "/>\n"]
    attrs = ""
    if host:
        name, sep, port = str(host).partition(":")
        attrs += f" name='{_q(name)}'" + (f" port='{_q(port)}'" if sep else "")
    if transport:
        attrs += f" transport='{_q(str(transport))}'"
    if socket:
        attrs += f" socket='{_q(str(socket))}'"
    return [head + ">\n", f"    <host{attrs}/>\n", "  </source>\n"]


_RATE_FIELDS = ("average", "peak", "burst", "floor")


def parse_rate(text: str) -> dict[str, int]:
    """virshParseRateStr: ``average,peak,burst,floor``, empty fields left out."""
    values: dict[str, int] = {}
    for field, part in zip(_RATE_FIELDS, text.split(","), strict=False):
        if part == "":
            continue
        if not part.isdigit():
            raise Failure(f"field '{field}' is malformed")
        values[field] = int(part)
    return values


def _bandwidth(inbound: str | None, outbound: str | None) -> list[str]:
    rates: list[tuple[str, dict[str, int]]] = []
    if inbound is not None:
        rate = parse_rate(inbound)
        if not rate.get("average") and not rate.get("floor"):
            raise Failure("either inbound average or floor is mandatory")
        rates.append(("inbound", rate))
    if outbound is not None:
        rate = parse_rate(outbound)
        if not rate.get("average"):
            raise Failure("outbound average is mandatory")
        if rate.get("floor"):
            raise Failure("outbound floor is unsupported yet")
        rates.append(("outbound", rate))
    if not rates:
        return []
    lines = ["  <bandwidth>\n"]
    for name, rate in rates:
        attrs = "".join(f" {f}='{rate[f]}'" for f in _RATE_FIELDS if rate.get(f))
        lines.append(f"    <{name}{attrs}/>\n")
    lines.append("  </bandwidth>\n")
    return lines


def _hostdev_source(source: str) -> list[str]:
    parts = source.replace(".", ":").split(":")
    try:
        if len(parts) == 3:
            parts.insert(0, "0")
        d, b, s, f = (int(x, 16) for x in parts)
    except ValueError:
        raise Failure(f"cannot parse pci address '{source}' for network interface") from None
    return [
        "  <source>\n",
        f"    <address type='pci' domain='0x{d:04x}' bus='0x{b:02x}' slot='0x{s:02x}' "
        f"function='0x{f:x}'/>\n",
        "  </source>\n",
    ]


def interface_xml(o: dict[str, str | bool | None]) -> str:
    """The ``<interface>`` of ``attach-interface``'s options *o*, as cmdAttachInterface
    writes it."""
    kind, source = str(o["type"]), str(o["source"])
    mode = o.get("source-mode")
    if mode is not None and mode not in ("server", "client"):
        raise Failure(f"Invalid source mode: {mode}")
    if kind == "network":
        src = [f"  <source network='{_q(source)}'/>\n"]
    elif kind == "bridge":
        src = [f"  <source bridge='{_q(source)}'/>\n"]
    elif kind == "direct":
        src = [f"  <source dev='{_q(source)}'/>\n"]
    elif kind == "hostdev":
        src = _hostdev_source(source)
    elif kind == "vhostuser":
        if mode is None:
            raise Failure("source-mode is mandatory")
        src = [f"  <source type='unix' path='{_q(source)}' mode='{mode}'/>\n"]
    else:
        raise Failure(f"No support for {kind} in command 'attach-interface'")
    managed = " managed='yes'" if o.get("managed") and kind == "hostdev" else ""
    lines = [f"<interface type='{kind}'{managed}>\n", *src]
    for opt, element in (
        ("target", "target dev"),
        ("mac", "mac address"),
        ("script", "script path"),
        ("model", "model type"),
        ("alias", "alias name"),
    ):
        if o.get(opt):
            lines.append(f"  <{element}='{_q(str(o[opt]))}'/>\n")
    lines.extend(_bandwidth(o.get("inbound"), o.get("outbound")))  # type: ignore[arg-type]
    lines.append("</interface>\n")
    return "".join(lines)


# -- finding devices in a domain's XML ------------------------------------------------------
def _root(xml: str) -> etree._Element:
    from lxml import etree

    return etree.fromstring(xml.encode())


def node_text(node: etree._Element) -> str:
    """virXMLNodeToString: the element as libxml2 dumps it (double quotes, inner whitespace
    kept, no tail)."""
    from lxml import etree

    return etree.tostring(node, with_tail=False, encoding="unicode")


def find_disk(xml: str, path: str, *, removable_only: bool = False) -> etree._Element:
    """virshFindDisk: the first disk whose source (file, dev, dir or name) or target is
    *path*; with *removable_only*, CD-ROMs and floppies only."""
    for disk in _root(xml).iterfind("devices/disk"):
        if removable_only and disk.get("device") not in ("cdrom", "floppy"):
            continue
        for child in disk:
            value = None
            if child.tag == "source":
                value = next(
                    (child.get(a) for a in ("file", "dev", "dir", "name") if child.get(a)), None
                )
            elif child.tag == "target":
                value = child.get("dev")
            if value == path:
                for store in disk.findall("backingStore"):
                    disk.remove(store)
                return disk
    raise Failure(f"No disk found whose source path or target is {path}")


def _mac_bytes(mac: str) -> tuple[int, ...] | None:
    parts = mac.split(":")
    try:
        values = tuple(int(p, 16) for p in parts)
    except ValueError:
        return None
    if len(values) != 6 or any(not 0 <= v <= 255 or not p for v, p in zip(values, parts, strict=True)):
        return None
    return values


def find_interface(xml: str, kind: str, mac: str | None) -> etree._Element:
    """virshDomainDetachInterface's search: the interfaces of *kind*, narrowed by *mac*."""
    nodes = [n for n in _root(xml).iterfind("devices/interface") if n.get("type") == kind]
    if not nodes:
        raise Failure(f"No interface found whose type is {kind}")
    if mac is None:
        if len(nodes) > 1:
            raise Failure(
                f"Domain has {len(nodes)} interfaces. Please specify which one to detach "
                "using --mac"
            )
        return nodes[0]
    wanted = _mac_bytes(mac)
    found = None
    for node in nodes:
        for child in node.iterfind("mac"):
            address = child.get("address") or ""
            if wanted is not None and _mac_bytes(address) == wanted or address == mac:
                if found is not None:
                    raise Failure(
                        f"Domain has multiple interfaces matching MAC address {mac}. You must "
                        "use detach-device and specify the device pci address to remove it."
                    )
                found = node
    if found is None:
        raise Failure(f"No interface with MAC address {mac} was found")
    return found


def _unlink(node: etree._Element) -> None:
    """Remove *node* keeping the whitespace after it, as libxml2's xmlUnlinkNode does (lxml's
    remove drops the tail)."""
    parent = node.getparent()
    assert parent is not None
    tail = node.tail or ""
    previous = node.getprevious()
    if previous is not None:
        previous.tail = (previous.tail or "") + tail
    else:
        parent.text = (parent.text or "") + tail
    parent.remove(node)


def update_disk_xml(disk: etree._Element, action: str, source: str | None, block: bool) -> str:
    """virshUpdateDiskXML: eject (drop the source), insert or update (a new source before
    the target) the media of the removable *disk*; the disk's XML as virsh sends it."""
    from lxml import etree

    old = disk.find("source")
    has_media = old is not None and any(
        old.get(a) for a in ("file", "dev", "dir", "name", "protocol")
    )
    target_dev = next((t.get("dev") for t in disk.iterfind("target")), "")
    # virsh ejects whatever <source> there is (a running drive left empty keeps one, with
    # only its node index) but inserts only where no source names an image.
    if action == "eject" and old is None:
        raise Failure(f"The disk device '{target_dev}' doesn't have media")
    if action == "insert" and has_media:
        raise Failure(f"The disk device '{target_dev}' already has media")
    if action in ("insert", "update") and source is None:
        raise Failure("New disk media source was not specified")
    if old is not None:
        _unlink(old)
    if action != "eject":
        assert source is not None
        if block:
            disk.set("type", "block")
        new = etree.Element("source")
        new.set("dev" if disk.get("type") == "block" else "file", source)
        anchor = disk.find("target")
        before = anchor.getprevious() if anchor is not None else None
        space = (before.tail if before is not None else disk.text) or ""
        new.tail = "\n" + space.rsplit("\n", 1)[-1] if "\n" in space else space
        if anchor is not None:
            anchor.addprevious(new)
        else:
            disk.append(new)
    return node_text(disk)
