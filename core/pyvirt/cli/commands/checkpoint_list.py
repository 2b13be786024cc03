"""virsh's ``checkpoint-list``: a domain's checkpoints as a table, names or a tree.

The filters map onto VIR_DOMAIN_CHECKPOINT_LIST_* flags and are applied by the driver;
``--from`` lists a checkpoint's children (``--descendants``: all of them).  virsh sorts by
name, case-insensitively, unless ``--topological``; creation times are printed in local
time.  The tree is drawn as ``snapshot-list --tree`` draws it (:mod:`pyvirt.cli._tree`).
"""

from __future__ import annotations

from pyvirt._abi_enums import DomainCheckpointListFlags as List
from pyvirt.cli._control import Control, Failure
from pyvirt.cli._parser import Cmd, Opt, Parsed, T
from pyvirt.cli.commands._common import dom_opt, domain, exclusive_pairs, string_req

_B = T.BOOL

#: Filters --tree refuses ("--leaves and --tree are mutually exclusive").
_FILTERS = {"leaves": List.LEAVES, "no-leaves": List.NO_LEAVES}
#: Pairs of options virsh refuses together, in the order it checks them.
_EXCLUSIVE = (
    ("tree", "name"),
    ("parent", "roots"),
    ("parent", "tree"),
    ("roots", "tree"),
    ("roots", "from"),
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
    if p.bool("topological"):
        flags |= List.TOPOLOGICAL
    if p.bool("descendants"):
        if p.values.get("from") is None:
            raise Failure("--descendants requires --from")
        flags |= List.DESCENDANTS
    return int(flags)


def cmd_checkpoint_list(ctl: Control, p: Parsed) -> bool:
    from pyvirt._xml import parse_document
    from pyvirt.cli._table import render
    from pyvirt.cli._tree import render_tree
    from pyvirt.cli.commands.checkpoint import parent_name
    from pyvirt.cli.commands.snapshot_list import created as _created

    flags = _flags(p)
    tree, names_only = p.bool("tree"), p.bool("name")
    dom, _ = domain(ctl, p)
    start_name = string_req(p, "from")
    start = dom.checkpoint_lookup_by_name(start_name) if start_name is not None else None
    found = start.list_children(flags) if start is not None else dom.list_checkpoints(flags)
    if tree and start is not None:
        found.append(start)
    if not flags & List.TOPOLOGICAL:
        found.sort(key=lambda c: c.name.lower())
    if tree:
        parents = [None if c is start else parent_name(c) for c in found]
        names = [c.name for c in found]
        roots = [i for i, parent in enumerate(parents) if parent is None]
        ctl.print("".join(render_tree(names, parents, i) for i in roots))
        return True
    if names_only:
        ctl.print("".join(f"{c.name}\n" for c in found))
        return True
    with_parent = p.bool("parent")
    header = ["Name", "Creation Time"] + (["Parent"] if with_parent else [])
    rows = []
    for cp in found:
        root = parse_document(cp.xml_desc(), "(domain_checkpoint)", 69)
        row = [cp.name, _created(int(root.findtext("creationTime") or 0))]
        if with_parent:
            row.append(root.findtext("parent/name") or "")
        rows.append(row)
    ctl.print(render(header, rows, with_header=not ctl.quiet))
    return True


COMMANDS = [
    Cmd(
        "checkpoint-list",
        "checkpoint",
        "List checkpoints for a domain",
        "Checkpoint List",
        (
            dom_opt(),
            Opt("parent", _B, "add a column showing parent checkpoint"),
            Opt("roots", _B, "list only checkpoints without parents"),
            Opt("leaves", _B, "list only checkpoints without children"),
            Opt("no-leaves", _B, "list only checkpoints that are not leaves (with children)"),
            Opt("tree", _B, "list checkpoints in a tree"),
            Opt("from", T.STRING, "limit list to children of given checkpoint"),
            Opt("descendants", _B, "with --from, list all descendants"),
            Opt("name", _B, "list checkpoint names only"),
            Opt("topological", _B, "sort list topologically rather than by name"),
        ),
        cmd_checkpoint_list,
    ),
]
