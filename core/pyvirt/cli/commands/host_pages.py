"""virsh's host page and host tunable commands: ``freepages``, ``allocpages``,
``node-memory-tune`` and ``nodesevinfo``, with virsh 9.0's options, output and messages
(virsh-host.c), its quirks included: ``freepages`` limits ``--pagesize`` to 4 GiB less one
byte while ``allocpages`` takes up to 4 TiB, and ``--all`` walks the cells the capabilities
list, one call per cell.
"""

from __future__ import annotations

from pyvirt.cli._control import Control, Failure
from pyvirt.cli._format import to_int, to_uint
from pyvirt.cli._parser import Cmd, Opt, Parsed, T
from pyvirt.cli.commands._common import exclusive, opt_int, opt_uint

# Not typing.TYPE_CHECKING: importing typing costs more than pyvirsh's own start-up.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from lxml import etree

_UINT_MAX = 2**32 - 1
_ULLONG_MAX = 2**64 - 1
_ALLOC_PAGES_ADD = 1  # VIR_NODE_ALLOC_PAGES_ADD


def opt_scaled(p: Parsed, name: str, scale: int, limit: int) -> int | None:
    """vshCommandOptScaledInt: a number with an optional unit suffix (*scale* without one),
    at most *limit*; virsh's line, and libvirt's reason when the suffix or size is refused."""
    from pyvirt.cli._format import ScaleError, scaled

    text = p.str(name)
    if text is None:
        return None
    message = f"Scaled numeric value '{text}' for <{name}> option is malformed or out of range"
    try:
        return scaled(text, scale, limit)
    except ValueError:
        raise Failure(message) from None
    except ScaleError as e:
        from pyvirt import make_error

        raise Failure(message, cause=make_error(e.code, 0, e.message.split(": ", 1)[1])) from None


def _kib(p: Parsed, limit: int) -> int:
    """The page size option in KiB (bytes rounded up), 0 when absent."""
    size = opt_scaled(p, "pagesize", 1024, limit)
    return 0 if size is None else -(-size // 1024)


def _capabilities(ctl: Control) -> etree._Element:
    from lxml import etree

    try:
        text = ctl.conn.capabilities()
    except Exception as e:
        raise Failure("unable to get node capabilities", cause=e) from None
    try:
        return etree.fromstring(text.encode())
    except etree.XMLSyntaxError:
        raise Failure("unable to parse node capabilities") from None


def _cells(caps: etree._Element) -> list[int]:
    """The NUMA cells' ids, as virsh reads them for ``--all``."""
    ids = []
    for cell in caps.iterfind("host/topology/cells/cell"):
        text = cell.get("id")
        number = to_int(text or "")
        if number is None:
            raise Failure(f"unable to parse numa node id: {text}")
        ids.append(number)
    return ids


def _page_sizes(caps: etree._Element) -> list[int]:
    """The host's page sizes: from ``host/cpu/pages``, else from the cells' pages (then
    sorted and without repeats)."""
    nodes = caps.findall("host/cpu/pages")
    from_cells = not nodes
    if from_cells:
        nodes = caps.findall("host/topology/cells/cell/pages")
        if not nodes:
            raise Failure("could not get information about supported page sizes")
    sizes = []
    for node in nodes:
        text = node.get("size")
        number = to_int(text or "", lo=0, hi=_UINT_MAX)
        if number is None:
            raise Failure(f"unable to parse page size: {text}")
        sizes.append(number)
    return sorted(set(sizes)) if from_cells else sizes


# -- freepages -----------------------------------------------------------------------------
def cmd_freepages(ctl: Control, p: Parsed) -> bool:
    exclusive(p, "all", "cellno")
    kib = _kib(p, _UINT_MAX)
    conn = ctl.conn
    if p.bool("all"):
        caps = _capabilities(ctl)
        sizes = [kib] if p.str("pagesize") is not None else _page_sizes(caps)
        for cell in _cells(caps):
            try:
                counts = conn.free_pages(sizes, cell, 1)[cell]
            except Exception as e:
                raise Failure(cause=e) from None
            ctl.print(f"Node {cell}:\n")
            for size in sizes:
                ctl.print(f"{size}KiB: {counts[size]}\n")
            ctl.print("\n")
        return True
    if p.str("cellno") is None:
        raise Failure("missing cellno argument")
    cellno = opt_int(p, "cellno")
    assert cellno is not None
    if cellno < -1:
        raise Failure("cell number must be non-negative integer or -1")
    if p.str("pagesize") is None:
        raise Failure("missing pagesize argument")
    try:
        count = conn.free_pages([kib], cellno, 1)[cellno][kib]
    except Exception as e:
        raise Failure(cause=e) from None
    ctl.print(f"{kib}KiB: {count}\n")
    return True


# -- allocpages ----------------------------------------------------------------------------
def cmd_allocpages(ctl: Control, p: Parsed) -> bool:
    exclusive(p, "all", "cellno")
    cell = opt_int(p, "cellno")
    kib = _kib(p, _UINT_MAX * 1024)
    text = p.str("pagecount") or ""
    count = to_uint(text, _ULLONG_MAX)
    if count is None:
        raise Failure(f"Numeric value '{text}' for <pagecount> option is malformed or out of range")
    flags = _ALLOC_PAGES_ADD if p.bool("add") else 0
    conn = ctl.conn
    cells = _cells(_capabilities(ctl)) if p.bool("all") else [-1 if cell is None else cell]
    for start in cells:
        try:
            conn.alloc_pages({kib: count}, start, 1, flags)
        except Exception as e:
            raise Failure(cause=e) from None
    return True


# -- node-memory-tune ----------------------------------------------------------------------
#: The options, in the order virsh adds their parameters.
_SHM_OPTIONS = ("shm-pages-to-scan", "shm-sleep-millisecs", "shm-merge-across-nodes")


def cmd_node_memory_tune(ctl: Control, p: Parsed) -> bool:
    from pyvirt import TypedParameterType, typed_param
    from pyvirt.cli.commands.domain_info import typed_value_text

    params = []
    for option in _SHM_OPTIONS:
        value = opt_uint(p, option)
        if value is not None:
            field = option.replace("-", "_")
            params.append(typed_param(field, TypedParameterType.UINT, value))
    conn = ctl.conn
    if params:
        try:
            conn.set_memory_parameters(params)
        except Exception as e:
            raise Failure("Unable to change memory parameters", cause=e) from None
        return True
    try:
        current = conn.memory_parameters()
    except Exception as e:
        raise Failure("Unable to get number of memory parameters", cause=e) from None
    if not current:
        return True
    ctl.print("Shared memory:\n")
    for field, shown in current.items():
        ctl.print(f"\t{field:<15} {typed_value_text(shown)}\n")
    return True


# -- nodesevinfo ---------------------------------------------------------------------------
def cmd_nodesevinfo(ctl: Control, p: Parsed) -> bool:
    from pyvirt.cli.commands.domain_info import typed_value_text

    try:
        info = ctl.conn.sev_info()
    except Exception as e:
        raise Failure("Unable to get host SEV information", cause=e) from None
    for field, value in info.items():
        ctl.print(f"{field:<18}: {typed_value_text(value)}\n")
    return True


COMMANDS = [
    Cmd(
        "allocpages",
        "host",
        "Manipulate pages pool size",
        "Allocate or free some pages in the pool for NUMA cell.",
        (
            Opt("pagesize", T.INT, "page size (in kibibytes)", req=True),
            Opt("pagecount", T.INT, "page count", req=True),
            Opt("cellno", T.INT, "NUMA cell number"),
            Opt("add", T.BOOL, "instead of setting new pool size add pages to it"),
            Opt("all", T.BOOL, "set on all NUMA cells"),
        ),
        cmd_allocpages,
    ),
    Cmd(
        "freepages",
        "host",
        "NUMA free pages",
        "display available free pages for the NUMA cell.",
        (
            Opt("cellno", T.INT, "NUMA cell number"),
            Opt("pagesize", T.INT, "page size (in kibibytes)"),
            Opt("all", T.BOOL, "show free pages for all NUMA cells"),
        ),
        cmd_freepages,
    ),
    Cmd(
        "node-memory-tune",
        "host",
        "Get or set node memory parameters",
        "Get or set node memory parameters\n"
        "    To get the memory parameters, use following command: \n\n"
        "    virsh # node-memory-tune",
        (
            Opt(
                "shm-pages-to-scan",
                T.INT,
                "number of pages to scan before the shared memory service goes to sleep",
            ),
            Opt(
                "shm-sleep-millisecs",
                T.INT,
                "number of millisecs the shared memory service should sleep before next scan",
            ),
            Opt(
                "shm-merge-across-nodes",
                T.INT,
                "Specifies if pages from different numa nodes can be merged",
            ),
        ),
        cmd_node_memory_tune,
    ),
    Cmd(
        "nodesevinfo",
        "host",
        "node SEV information",
        "Returns basic SEV information about the node.",
        (),
        cmd_nodesevinfo,
    ),
]
