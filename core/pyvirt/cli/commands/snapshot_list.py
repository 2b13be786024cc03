"""virsh's ``snapshot-list``: a domain's snapshots as a table, names or a tree.

The filters map one to one onto VIR_DOMAIN_SNAPSHOT_LIST_* flags and are applied by the
driver; ``--from``/``--current`` list a snapshot's children (``--descendants``: all of
them).  virsh sorts by name, case-insensitively, unless ``--topological``; creation times are
printed in local time.
"""

from __future__ import annotations

from pyvirt._enums import DomainSnapshotListFlags as List
from pyvirt.cli._control import Control, Failure
from pyvirt.cli._parser import Cmd, Opt, Parsed, T
from pyvirt.cli.commands._common import dom_opt, domain, exclusive_pairs, string_req

# Not typing.TYPE_CHECKING: importing typing costs more than pyvirsh's own start-up.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyvirt import DomainSnapshot

_B = T.BOOL

#: Filters --tree refuses ("--leaves and --tree are mutually exclusive"), in virsh's order.
_FILTERS = {
    "leaves": List.LEAVES,
    "no-leaves": List.NO_LEAVES,
    "inactive": List.INACTIVE,
    "active": List.ACTIVE,
    "disk-only": List.DISK_ONLY,
    "internal": List.INTERNAL,
    "external": List.EXTERNAL,
}
#: Pairs of options virsh refuses together, in the order it checks them.
_EXCLUSIVE = (
    ("tree", "name"),
    ("parent", "roots"),
    ("parent", "tree"),
    ("roots", "tree"),
    ("roots", "from"),
    ("roots", "current"),
)


def _flags(p: Parsed) -> int:
    exclusive_pairs(p, _EXCLUSIVE)
    flags = 0
    for option, bit in _FILTERS.items():
        if p.bool(option):
            if p.bool("tree"):
                raise Failure(f"--{option} and --tree are mutually exclusive")
            flags |= bit
    if p.bool("roots"):
        flags |= List.ROOTS
    if p.bool("metadata"):
        flags |= List.METADATA
    if p.bool("no-metadata"):
        flags |= List.NO_METADATA
    if p.bool("topological"):
        flags |= List.TOPOLOGICAL
    if p.bool("descendants"):
        if p.values.get("from") is None and not p.bool("current"):
            raise Failure("--descendants requires either --from or --current")
        flags |= List.DESCENDANTS
    return int(flags)


def _start(p: Parsed, dom: object) -> DomainSnapshot | None:
    """virshLookupSnapshot with "from": the snapshot whose children are listed."""
    from pyvirt import Domain

    assert isinstance(dom, Domain)
    name = string_req(p, "from")
    if name is not None and p.bool("current"):
        raise Failure("--from and --current are mutually exclusive")
    if name is not None:
        return dom.snapshot_lookup_by_name(name)
    if p.bool("current"):
        return dom.snapshot_current()
    return None


def created(seconds: int) -> str:
    """A creation time as virsh's moment listings print it (local time)."""
    import time

    return time.strftime("%Y-%m-%d %H:%M:%S %z", time.localtime(seconds))


def cmd_snapshot_list(ctl: Control, p: Parsed) -> bool:
    from pyvirt import ErrorCode, VirtError
    from pyvirt._xml import parse_document
    from pyvirt.cli._table import render
    from pyvirt.cli._tree import render_tree

    flags = _flags(p)
    tree, names_only = p.bool("tree"), p.bool("name")
    dom, _ = domain(ctl, p)
    start = _start(p, dom)
    snaps = start.list_children(flags) if start is not None else dom.list_snapshots(flags)
    if tree and start is not None:
        snaps.append(start)
    if not flags & List.TOPOLOGICAL:
        snaps.sort(key=lambda s: s.name.lower())
    if tree:
        parents: list[str | None] = []
        for snap in snaps:
            if start is not None and snap is start:
                parents.append(None)
                continue
            try:
                parents.append(snap.parent().name)
            except VirtError as e:
                if e.code != ErrorCode.NO_DOMAIN_SNAPSHOT:
                    raise Failure("unable to determine if snapshot has parent", cause=e) from None
                parents.append(None)
        names = [s.name for s in snaps]
        roots = [i for i, parent in enumerate(parents) if parent is None]
        ctl.print("".join(render_tree(names, parents, i) for i in roots))
        return True
    if names_only:
        ctl.print("".join(f"{s.name}\n" for s in snaps))
        return True
    with_parent = p.bool("parent")
    header = ["Name", "Creation Time", "State"] + (["Parent"] if with_parent else [])
    rows = []
    for snap in snaps:
        root = parse_document(snap.xml_desc(), "(domain_snapshot)", 35)
        created_at = created(int(root.findtext("creationTime") or 0))
        row = [snap.name, created_at, root.findtext("state") or ""]
        if with_parent:
            row.append(root.findtext("parent/name") or "")
        rows.append(row)
    ctl.print(render(header, rows, with_header=not ctl.quiet))
    return True


COMMANDS = [
    Cmd(
        "snapshot-list",
        "snapshot",
        "List snapshots for a domain",
        "Snapshot List",
        (
            dom_opt(),
            Opt("parent", _B, "add a column showing parent snapshot"),
            Opt("roots", _B, "list only snapshots without parents"),
            Opt("leaves", _B, "list only snapshots without children"),
            Opt("no-leaves", _B, "list only snapshots that are not leaves (with children)"),
            Opt(
                "metadata",
                _B,
                "list only snapshots that have metadata that would prevent undefine",
            ),
            Opt("no-metadata", _B, "list only snapshots that have no metadata managed by libvirt"),
            Opt("inactive", _B, "filter by snapshots taken while inactive"),
            Opt("active", _B, "filter by snapshots taken while active (full system snapshots)"),
            Opt("disk-only", _B, "filter by disk-only snapshots"),
            Opt("internal", _B, "filter by internal snapshots"),
            Opt("external", _B, "filter by external snapshots"),
            Opt("tree", _B, "list snapshots in a tree"),
            Opt("from", T.STRING, "limit list to children of given snapshot"),
            Opt("current", _B, "limit list to children of current snapshot"),
            Opt("descendants", _B, "with --from, list all descendants"),
            Opt("name", _B, "list snapshot names only"),
            Opt("topological", _B, "sort list topologically rather than by name"),
        ),
        cmd_snapshot_list,
    ),
]
