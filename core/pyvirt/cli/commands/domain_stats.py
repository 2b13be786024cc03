"""virsh's statistics commands: ``domblkstat`` (with ``--human``), ``domifstat`` and
``domblkerror``, with virsh 9.0's output, messages and fallbacks.

virsh asks virDomainBlockStatsFlags first and falls back to virDomainBlockStats when the
driver does not support it, as libvirt's test driver does not; pyvirt has only the latter,
so pyvirsh asks it directly and prints the legacy form virsh prints then.
"""

from __future__ import annotations

from pyvirt.cli._control import Control, Failure
from pyvirt.cli._parser import Cmd, Opt, Parsed, T
from pyvirt.cli.commands._common import dom_opt, domain, string_req

#: (legacy field name, --human label) in virsh's order.
_BLOCK_FIELDS = (
    ("rd_req", "number of read operations:"),
    ("rd_bytes", "number of bytes read:"),
    ("wr_req", "number of write operations:"),
    ("wr_bytes", "number of bytes written:"),
    ("errs", "error count:"),
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
        stats = dom.block_stats(device)
    except Exception as e:
        raise Failure(f"Failed to get block stats {name} {device}", cause=e) from None
    human = p.bool("human")
    if human:
        ctl.print(f"Device: {device}\n")
        device = ""
    for (legacy, label), value in zip(_BLOCK_FIELDS, stats, strict=True):
        if value >= 0:
            ctl.print(f"{device} {label if human else legacy:<{31 if human else 0}} {value}\n")
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
]
