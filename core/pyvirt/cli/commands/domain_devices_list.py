"""virsh's ``domblklist`` and ``domiflist``: a domain's disks and interfaces as tables,
read from its XML with virsh 9.0's XPath choices (virsh-domain-monitor.c): the first of
a disk's source file/dev/dir/name/volume, an interface's source bridge/dev/network/name/path,
and "-" for what is missing.
"""

from __future__ import annotations

from pyvirt.cli._control import Control, Failure
from pyvirt.cli._parser import Cmd, Opt, Parsed, T
from pyvirt.cli.commands._common import dom_opt, domain

TYPE_CHECKING = False
if TYPE_CHECKING:
    from lxml import etree

_XML_INACTIVE = 2  # VIR_DOMAIN_XML_INACTIVE
_DISK_SOURCE = ("file", "dev", "dir", "name", "volume")
_NIC_SOURCE = ("bridge", "dev", "network", "name", "path")


def _first_attr(elem: etree._Element | None, names: tuple[str, ...]) -> str | None:
    """XPath's ``string(./a/@x|./a/@y)``: the first of those attributes in document order
    (the element's own attribute order); None when that is empty, as virXPathString."""
    if elem is None:
        return None
    for name, value in elem.attrib.items():
        if name in names:
            return str(value) or None
    return None


def _devices(ctl: Control, p: Parsed, tag: str) -> list[etree._Element]:
    from lxml import etree

    dom, _ = domain(ctl, p)
    xml = dom.xml_desc(_XML_INACTIVE if p.bool("inactive") else 0)
    return list(etree.fromstring(xml.encode()).iterfind(f"devices/{tag}"))


def _emit(ctl: Control, header: list[str], rows: list[list[str]]) -> None:
    from pyvirt.cli._table import render

    ctl.print(render(header, rows, with_header=not ctl.quiet))


def cmd_domblklist(ctl: Control, p: Parsed) -> bool:
    details = p.bool("details")
    rows = []
    for disk in _devices(ctl, p, "disk"):
        kind, device = disk.get("type") or None, disk.get("device") or None
        if details and not (kind and device):
            ctl.print("unable to query block list details")
            return False
        target = disk.find("target")
        dev = None if target is None else target.get("dev") or None
        if dev is None:
            raise Failure("unable to query block list")
        source = _first_attr(disk.find("source"), _DISK_SOURCE) or "-"
        rows.append([kind or "", device or "", dev, source] if details else [dev, source])
    header = ["Type", "Device", "Target", "Source"] if details else ["Target", "Source"]
    _emit(ctl, header, rows)
    return True


def cmd_domiflist(ctl: Control, p: Parsed) -> bool:
    rows = []
    for nic in _devices(ctl, p, "interface"):

        def attr(child: str, name: str, nic: etree._Element = nic) -> str:
            found = nic.find(child)
            return (found.get(name) if found is not None else None) or "-"

        source = _first_attr(nic.find("source"), _NIC_SOURCE) or "-"
        kind = nic.get("type") or "-"
        rows.append(
            [attr("target", "dev"), kind, source, attr("model", "type"), attr("mac", "address")]
        )
    _emit(ctl, ["Interface", "Type", "Source", "Model", "MAC"], rows)
    return True


_INACTIVE = Opt("inactive", T.BOOL, "get inactive rather than running configuration")

COMMANDS = [
    Cmd(
        "domblklist",
        "monitor",
        "list all domain blocks",
        "Get the summary of block devices for a domain.",
        (
            dom_opt(),
            _INACTIVE,
            Opt("details", T.BOOL, "additionally display the type and device value"),
        ),
        cmd_domblklist,
    ),
    Cmd(
        "domiflist",
        "monitor",
        "list all domain virtual interfaces",
        "Get the summary of virtual interfaces for a domain.",
        (dom_opt(), _INACTIVE),
        cmd_domiflist,
    ),
]
