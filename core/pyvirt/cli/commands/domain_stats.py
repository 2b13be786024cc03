"""virsh's statistics commands: ``domblkstat`` (with ``--human``), ``domifstat``,
``domblkerror`` and ``domif-getlink``, with virsh 9.0's output, messages and fallbacks.

virsh asks virDomainBlockStatsFlags first (every counter the hypervisor keeps: the QEMU
driver's) and falls back to virDomainBlockStats when the driver does not support it, as
libvirt's test driver does not; pyvirsh does the same.
"""

from __future__ import annotations

from pyvirt._codes import ErrorCode
from pyvirt._errors import VirtError
from pyvirt.cli._control import Control, Failure
from pyvirt.cli._parser import Cmd, Opt, Parsed, T
from pyvirt.cli.commands._common import dom_opt, domain, string_req

# Not typing.TYPE_CHECKING: importing typing costs a pyvirsh run several milliseconds.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from lxml import etree

#: (typed parameter, the name virsh prints, --human label) in virsh's order; the first five
#: are also virDomainBlockStats' fields, in its order.
_BLOCK_FIELDS = (
    ("rd_operations", "rd_req", "number of read operations:"),
    ("rd_bytes", "rd_bytes", "number of bytes read:"),
    ("wr_operations", "wr_req", "number of write operations:"),
    ("wr_bytes", "wr_bytes", "number of bytes written:"),
    ("errs", "errs", "error count:"),
    ("flush_operations", "flush_operations", "number of flush operations:"),
    ("rd_total_times", "rd_total_times", "total duration of reads (ns):"),
    ("wr_total_times", "wr_total_times", "total duration of writes (ns):"),
    ("flush_total_times", "flush_total_times", "total duration of flushes (ns):"),
)
_IF_FIELDS = (
    "rx_bytes", "rx_packets", "rx_errs", "rx_drop",
    "tx_bytes", "tx_packets", "tx_errs", "tx_drop",
)  # fmt: skip
#: VIR_DOMAIN_DISK_ERROR_* as virsh words them.
_DISK_ERRORS = {0: "no error", 1: "unspecified error", 2: "no space"}


def cmd_domblkstat(ctl: Control, p: Parsed) -> bool:
    dom, name = domain(ctl, p)
    device = string_req(p, "device") or ""
    try:
        found = dom.block_stats_flags(device)
    except VirtError as e:
        if e.code != ErrorCode.NO_SUPPORT:
            raise  # virsh names the failure only on the older call's path
        try:
            legacy = dom.block_stats(device)
        except Exception as e:
            raise Failure(f"Failed to get block stats {name} {device}", cause=e) from None
        found = {field: value for (field, _, _), value in zip(_BLOCK_FIELDS[:5], legacy, strict=True)
                 if value >= 0}  # fmt: skip
    human = p.bool("human")
    if human:
        ctl.print(f"Device: {device}\n")
        device = ""
    known = {field for field, _, _ in _BLOCK_FIELDS}
    rows = [(label if human else shown, found[field]) for field, shown, label in _BLOCK_FIELDS
            if field in found]  # fmt: skip
    rows += [(field, value) for field, value in found.items() if field not in known]
    for label, value in rows:
        ctl.print(f"{device} {label:<{31 if human else 0}} {value}\n")
    return True


def cmd_domifstat(ctl: Control, p: Parsed) -> bool:
    dom, name = domain(ctl, p)
    device = string_req(p, "interface")
    assert device is not None
    try:
        stats = dom.interface_stats(device)
    except Exception as e:
        raise Failure(f"Failed to get interface stats {name} {device}", cause=e) from None
    for field, value in zip(_IF_FIELDS, stats, strict=True):
        if value >= 0:
            ctl.print(f"{device} {field} {value}\n")
    return True


def cmd_domblkerror(ctl: Control, p: Parsed) -> bool:
    dom, _ = domain(ctl, p)
    errors = dom.disk_errors()
    if not errors:
        ctl.print_extra("No errors found\n")
    for disk, error in errors.items():
        ctl.print(f"{disk}: {_DISK_ERRORS.get(error, 'unknown error')}\n")
    return True


def _mac(text: str) -> str | None:
    """virMacAddrParse then virMacAddrFormat: the address in lower case, None if not one."""
    parts = text.split(":")
    if len(parts) != 6 or not all(1 <= len(x) <= 2 for x in parts):
        return None
    try:
        return ":".join(f"{int(x, 16):02x}" for x in parts)
    except ValueError:
        return None


def _attr(elem: etree._Element, child: str, name: str) -> str | None:
    found = elem.find(child)
    return None if found is None else found.get(name)


def cmd_domif_getlink(ctl: Control, p: Parsed) -> bool:
    """The link state is read from the domain's XML, as virsh reads it (``up`` when the
    ``<link>`` element is absent)."""
    from lxml import etree

    dom, _ = domain(ctl, p)
    iface = string_req(p, "interface")
    assert iface is not None
    inactive = 2 if p.bool("config") else 0  # VIR_DOMAIN_XML_INACTIVE
    root = etree.fromstring(dom.xml_desc(inactive).encode())
    mac = _mac(iface)
    found = [
        nic
        for nic in root.iterfind("devices/interface")
        if (mac is not None and _attr(nic, "mac", "address") == mac)
        or _attr(nic, "target", "dev") == iface
    ]
    if not found:
        raise Failure(
            f"Interface (mac: {mac}) not found." if mac else f"Interface (dev: {iface}) not found."
        )
    if len(found) > 1:
        raise Failure("multiple matching interfaces found")
    link = found[0].find("link")
    state = link.get("state") if link is not None else None
    ctl.print(f"{iface} {state if state is not None else 'up'}")
    return True


COMMANDS = [
    Cmd(
        "domblkstat",
        "monitor",
        "get device block stats for a domain",
        "Get device block stats for a running domain. See man page or use --human for "
        "explanation of fields",
        (
            dom_opt(),
            Opt("device", T.STRING, "block device", empty_ok=True),
            Opt("human", T.BOOL, "print a more human readable output"),
        ),
        cmd_domblkstat,
    ),
    Cmd(
        "domifstat",
        "monitor",
        "get network interface stats for a domain",
        "Get network interface stats for a running domain.",
        (
            dom_opt(),
            Opt(
                "interface",
                T.DATA,
                "interface device specified by name or MAC Address",
                req=True,
            ),
        ),
        cmd_domifstat,
    ),
    Cmd(
        "domblkerror",
        "monitor",
        "Show errors on block devices",
        "Show block device errors",
        (dom_opt(),),
        cmd_domblkerror,
    ),
    Cmd(
        "domif-getlink",
        "monitor",
        "get link state of a virtual interface",
        "Get link state of a domain's virtual interface.",
        (
            dom_opt(),
            Opt("interface", T.DATA, "interface device (MAC Address)", req=True),
            Opt("config", T.BOOL, "Get persistent interface state"),
        ),
        cmd_domif_getlink,
    ),
]
