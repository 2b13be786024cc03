"""virsh's host statistics commands: ``freecell``, ``nodecpustats``, ``nodememstats``,
``nodecpumap``, ``nodesuspend``, and ``echo`` (virsh's own, needing no connection).

Formats, option handling and messages are virsh 9.0's (virsh-host.c and vsh.c).
"""

from __future__ import annotations

import math
import time

from pyvirt.cli._control import Control, Failure
from pyvirt.cli._editor import shell_quote
from pyvirt.cli._format import to_int
from pyvirt.cli._parser import Cmd, Opt, Parsed, T
from pyvirt.cli.commands._common import exclusive, opt_int


# -- freecell ------------------------------------------------------------------------------
def _cell_ids(ctl: Control) -> list[int]:
    """The NUMA cells' ids, from the capabilities (as virsh finds them for ``--all``)."""
    from lxml import etree

    caps = etree.fromstring(ctl.conn.capabilities().encode())
    ids = []
    for cell in caps.iterfind("host/topology/cells/cell"):
        number = to_int(cell.get("id", ""))
        if number is None:
            raise Failure("unable to get cell id")
        ids.append(number)
    if not ids:
        raise Failure("could not get information about NUMA topology")
    return ids


def cmd_freecell(ctl: Control, p: Parsed) -> bool:
    exclusive(p, "all", "cellno")
    cell = opt_int(p, "cellno")
    conn = ctl.conn
    try:
        if p.bool("all"):
            ids = _cell_ids(ctl)
            free = [conn.cells_free_memory(cell_id, 1)[0] for cell_id in ids]
        elif cell is not None:
            memory = conn.cells_free_memory(cell, 1)[0]
        else:
            memory = conn.free_memory()
    except Failure:
        raise
    except Exception as e:
        raise Failure(cause=e) from None
    if p.bool("all"):
        for cell_id, cell_free in zip(ids, free, strict=True):
            ctl.print(f"{cell_id:5}: {cell_free // 1024:10} KiB\n")
        ctl.print_extra("--------------------\n")
        ctl.print_extra(f"{'Total':>5}: {sum(free) // 1024:10} KiB\n")
    elif cell is not None:
        ctl.print(f"{cell}: {memory // 1024} KiB\n")
    else:
        ctl.print(f"Total: {memory // 1024} KiB\n")
    return True


# -- nodecpustats --------------------------------------------------------------------------
#: virsh's labels for libvirt's CPU stat fields, in virsh's order.
_CPU_LABELS = (("user", "user:"), ("kernel", "system:"), ("idle", "idle:"), ("iowait", "iowait:"))
_CPU_INTR = ("intr", "intr:")


def _percent(part: float, whole: float) -> str:
    """printf("%5.1lf%%") of part/whole*100, with glibc's text for 0/0 on x86 ("-nan")."""
    if whole == 0:
        value = -math.nan if part == 0 else math.copysign(math.inf, part)
    else:
        value = part / whole * 100
    if math.isnan(value):
        text = "-nan" if math.copysign(1, value) < 0 else "nan"
    elif math.isinf(value):
        text = "-inf" if value < 0 else "inf"
    else:
        return f"{value:5.1f}%"
    return f"{text:>5}%"


def _first_stats_failure(cpu: int, error: Exception) -> str:
    """virsh's words for a failed first sample.  virsh asks libvirt twice, for the number
    of fields and then for the values; a host driver checks the CPU number only in the
    second step, so its "Invalid cpuNum" (an invalid argument for a CPU the public API let
    through) is virsh's "Unable to get node cpu stats"."""
    from pyvirt import InvalidArgError

    if cpu >= 0 and isinstance(error, InvalidArgError):
        return "Unable to get node cpu stats"
    return "Unable to get number of cpu stats"


def cmd_nodecpustats(ctl: Control, p: Parsed) -> bool:
    cpu = opt_int(p, "cpu")
    cpu = -1 if cpu is None else cpu
    try:
        first = ctl.conn.cpu_stats(cpu)
    except Exception as e:
        raise Failure(_first_stats_failure(cpu, e), cause=e) from None
    if not first:
        return True
    if not p.bool("percent"):
        for field, label in (*_CPU_LABELS, _CPU_INTR):
            if field in first:
                ctl.print(f"{label:<15} {first[field]:20}\n")
        return True
    if "utilization" in first:
        ctl.print(f"{'usage:':<15} {float(first['utilization']):5.1f}%\n")
        return True
    time.sleep(1)
    try:
        second = ctl.conn.cpu_stats(cpu)
    except Exception as e:
        raise Failure("Unable to get node cpu stats", cause=e) from None
    delta = {f: int(second.get(f, 0)) - int(first.get(f, 0)) for f, _ in _CPU_LABELS}
    total = sum(delta.values())
    ctl.print(f"{'usage:':<15} {_percent(delta['user'] + delta['kernel'], total)}\n")
    for field, label in _CPU_LABELS:
        ctl.print(f"{label:<15} {_percent(delta[field], total)}\n")
    return True


# -- nodememstats --------------------------------------------------------------------------
def cmd_nodememstats(ctl: Control, p: Parsed) -> bool:
    cell = opt_int(p, "cell")
    try:
        stats = ctl.conn.memory_stats(-1 if cell is None else cell)
    except Exception as e:
        raise Failure("Unable to get number of memory stats", cause=e) from None
    for field, value in stats.items():
        ctl.print(f"{field:<7}: {value:20} KiB\n")
    return True


# -- nodecpumap ----------------------------------------------------------------------------
def cpu_list(online: list[bool]) -> str:
    """virBitmapFormat: the set CPUs as "0-3,5"."""
    runs: list[str] = []
    cpu = 0
    while cpu < len(online):
        if not online[cpu]:
            cpu += 1
            continue
        start = cpu
        while cpu + 1 < len(online) and online[cpu + 1]:
            cpu += 1
        runs.append(str(start) if start == cpu else f"{start}-{cpu}")
        cpu += 1
    return ",".join(runs)


def cmd_nodecpumap(ctl: Control, p: Parsed) -> bool:
    try:
        cpus = ctl.conn.cpu_map()
    except Exception as e:
        raise Failure("Unable to get cpu map", cause=e) from None
    ctl.print(f"{'CPUs present:':<15} {len(cpus)}\n")
    ctl.print(f"{'CPUs online:':<15} {sum(cpus)}\n")
    shown = cpu_list(cpus) if p.bool("pretty") else "".join("y" if c else "-" for c in cpus)
    ctl.print(f"{'CPU map:':<15} {shown}\n")
    return True


# -- nodesuspend ---------------------------------------------------------------------------
#: VIR_NODE_SUSPEND_TARGET_* by virsh's names.
_SUSPEND_TARGETS = {"mem": 0, "disk": 1, "hybrid": 2}


def cmd_nodesuspend(ctl: Control, p: Parsed) -> bool:
    target = p.str("target") or ""
    duration_text = p.str("duration") or ""
    duration = to_int(duration_text, lo=-(2**63), hi=2**63 - 1)
    if duration is None:
        raise Failure(
            f"Numeric value '{duration_text}' for <duration> option is malformed or out of range"
        )
    if target not in _SUSPEND_TARGETS:
        raise Failure("Invalid target")
    if duration < 0:
        raise Failure("Invalid duration")
    try:
        ctl.conn.suspend_for_duration(_SUSPEND_TARGETS[target], duration)
    except Exception as e:
        raise Failure("The host was not suspended", cause=e) from None
    return True


# -- echo ----------------------------------------------------------------------------------
_XML_ESCAPES = {"<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;"}


def xml_escape(text: str) -> str:
    """virBufferEscapeString: XML's five entities; other control characters are dropped."""
    return "".join(
        _XML_ESCAPES.get(c, c) for c in text if c in "\t\n\r" or not (0 < ord(c) < 0x20)
    )


def _split(arg: str) -> list[str]:
    """``--split``: pieces separated by ',', where ',,' stands for a comma."""
    return [piece.replace("\0", ",") for piece in arg.replace(",,", "\0").split(",")]


def cmd_echo(ctl: Control, p: Parsed) -> bool:
    exclusive(p, "shell", "xml")
    exclusive(p, "shell", "split")
    exclusive(p, "xml", "split")
    args = p.values.get("string", [])
    assert isinstance(args, list)
    out = []
    for arg in args:
        if p.bool("split"):
            out.append("".join(piece + "\n" for piece in _split(arg)))
        elif p.bool("xml"):
            out.append(xml_escape(arg))
        elif p.bool("shell"):
            out.append(shell_quote(arg))
        else:
            out.append(arg)
    line = " ".join(out)
    if p.bool("err"):
        ctl.error(line)
    else:
        ctl.print(line)
    return True


COMMANDS = [
    Cmd(
        "freecell",
        "host",
        "NUMA free memory",
        "display available free memory for the NUMA cell.",
        (
            Opt("cellno", T.INT, "NUMA cell number"),
            Opt("all", T.BOOL, "show free memory for all NUMA cells"),
        ),
        cmd_freecell,
    ),
    Cmd(
        "nodecpustats",
        "host",
        "Prints cpu stats of the node.",
        "Returns cpu stats of the node, in nanoseconds.",
        (
            Opt("cpu", T.INT, "prints specified cpu statistics only."),
            Opt("percent", T.BOOL, "prints by percentage during 1 second."),
        ),
        cmd_nodecpustats,
    ),
    Cmd(
        "nodememstats",
        "host",
        "Prints memory stats of the node.",
        "Returns memory stats of the node, in kilobytes.",
        (Opt("cell", T.INT, "prints specified cell statistics only."),),
        cmd_nodememstats,
    ),
    Cmd(
        "nodecpumap",
        "host",
        "node cpu map",
        "Displays the node's total number of CPUs, the number of online CPUs and the list of "
        "online CPUs.",
        (Opt("pretty", T.BOOL, "return human readable output"),),
        cmd_nodecpumap,
    ),
    Cmd(
        "nodesuspend",
        "host",
        "suspend the host node for a given time duration",
        "Suspend the host node for a given time duration and attempt to resume thereafter.",
        (
            Opt(
                "target",
                T.DATA,
                "mem(Suspend-to-RAM), disk(Suspend-to-Disk), hybrid(Hybrid-Suspend)",
                req=True,
            ),
            Opt("duration", T.INT, "Suspend duration in seconds, at least 60", req=True),
        ),
        cmd_nodesuspend,
    ),
    Cmd(
        "echo",
        "virsh",
        "echo arguments. Used for internal testing.",
        "Echo back arguments, possibly with quoting. Used for internal testing.",
        (
            Opt("shell", T.BOOL, "escape for shell use"),
            Opt("xml", T.BOOL, "escape for XML use"),
            Opt("split", T.BOOL, "split each argument on ','; ',,' is an escape sequence"),
            Opt("err", T.BOOL, "output to stderr"),
            Opt("str", T.ALIAS, "string", hidden=True),
            Opt("hi", T.ALIAS, "string=hello", hidden=True),
            Opt("string", T.ARGV, "arguments to echo"),
        ),
        cmd_echo,
        noconnect=True,
    ),
]
