"""A domain's snapshot (and checkpoint) tree as libvirt's drivers keep it (virDomainMomentObjList).

Why in the kit: every driver that has snapshots answers the same listing calls with the same
filter groups, the same sibling order and the same rules for moving children on delete; the
test driver and the QEMU driver differ only in what taking and reverting a snapshot does.

The tree is a dict of :class:`pyvirt.conf.SnapshotDef` by name, in *link order*: libvirt
links a new snapshot in front of its siblings, so the one linked last is listed first; the
dict keeps insertion order, and (re)linking re-inserts at the end.  Parent links are the
snapshots' ``parent`` names; ``current`` names the current snapshot.
"""

from __future__ import annotations

from pyvirt._core_enums import DomainSnapshotListFlags

# Not typing.TYPE_CHECKING: importing typing costs a pyvirsh run several milliseconds.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from pyvirt.conf import SnapshotDef

__all__ = [
    "SNAPSHOT_CHILDREN_FLAGS",
    "SNAPSHOT_LIST_FLAGS",
    "MomentTree",
    "SnapshotTree",
    "snapshot_is_external",
]

_L = DomainSnapshotListFlags
#: The filter groups of VIR_DOMAIN_SNAPSHOT_FILTERS_ALL.
_FILTERS = (
    _L.LEAVES | _L.NO_LEAVES,
    _L.METADATA | _L.NO_METADATA,
    _L.INACTIVE | _L.ACTIVE | _L.DISK_ONLY,
    _L.INTERNAL | _L.EXTERNAL,
)
SNAPSHOT_LIST_FLAGS = (
    _L.ROOTS | _L.TOPOLOGICAL | _FILTERS[0] | _FILTERS[1] | _FILTERS[2] | _FILTERS[3]
)
"""The VIR_DOMAIN_SNAPSHOT_LIST_* flags virDomainListAllSnapshots, virDomainSnapshotNum and
virDomainSnapshotListNames accept (pass it to :func:`unsupported_flags`)."""
SNAPSHOT_CHILDREN_FLAGS = _L.DESCENDANTS | _L.TOPOLOGICAL | (SNAPSHOT_LIST_FLAGS & ~_L.ROOTS)
"""The flags virDomainSnapshotListAllChildren and its relatives accept: DESCENDANTS in place
of ROOTS (the same bit), with the same filters."""


def snapshot_is_external(snap: SnapshotDef) -> bool:
    """Memory or any disk went to a file of its own (libvirt's virDomainSnapshotIsExternal)."""
    return snap.memory == "external" or any(d.snapshot == "external" for d in snap.disks)


def _passes(snap: SnapshotDef, has_children: bool, flags: int) -> bool:
    """libvirt's snapshot filter groups: an empty group passes; within one, any flag."""
    leaves, metadata, states, location = (flags & group for group in _FILTERS)
    if leaves and not leaves & (_L.NO_LEAVES if has_children else _L.LEAVES):
        return False
    if metadata and not metadata & _L.METADATA:  # every snapshot in a tree has metadata
        return False
    if states:
        kind = {"shutoff": _L.INACTIVE, "disk-snapshot": _L.DISK_ONLY}.get(
            snap.state or "", _L.ACTIVE
        )
        if not states & kind:
            return False
    external = snapshot_is_external(snap)
    return not location or bool(location & (_L.EXTERNAL if external else _L.INTERNAL))


class MomentTree:
    """One domain's snapshots or checkpoints by name, in link order, and its current one
    (libvirt's virDomainMomentObjList, which both kinds share).  Each moment is a record
    with ``name`` and ``parent`` attributes."""

    def __init__(self) -> None:
        self.moments: dict[str, Any] = {}
        self.current: str | None = None

    def __contains__(self, name: object) -> bool:
        return name in self.moments

    def __len__(self) -> int:
        return len(self.moments)

    def get(self, name: str) -> Any:
        """The moment called *name*, or None (the caller words the missing error, as
        virDomainSnapshotFindByName's callers do)."""
        return self.moments.get(name)

    def link(self, moment: Any) -> None:
        """Add (or re-add) *moment* in front of its siblings."""
        name = moment.name or ""
        self.moments.pop(name, None)
        self.moments[name] = moment

    def children(self, name: str | None) -> list[str]:
        """The children of *name* (the roots for None), the last linked first."""
        return [n for n, s in reversed(self.moments.items()) if s.parent == name]

    def descendants(self, name: str | None) -> list[str]:
        """Every descendant of *name*, depth first, parents before children (libvirt's
        virDomainMomentForEachDescendant order); of None, every moment topologically."""
        found: list[str] = []
        for child in self.children(name):
            found.append(child)
            found.extend(self.descendants(child))
        return found

    def doomed(self, name: str, *, children: bool, children_only: bool) -> list[str]:
        """What a delete of *name* removes, deepest last (DELETE_CHILDREN /
        DELETE_CHILDREN_ONLY as libvirt reads them)."""
        found = self.descendants(name) if children or children_only else []
        return found if children_only else [name, *found]

    def remove(self, name: str, *, children: bool, children_only: bool) -> None:
        """Forget *name* (and its descendants, as asked); children left behind move to its
        parent in front of its own children, keeping their order (virDomainMomentMoveChildren);
        the current moment moves up to the nearest survivor."""
        moment = self.moments[name]
        if children or children_only:
            doomed = self.descendants(name)
            if self.current in doomed:
                self.current = name
            for n in doomed:
                del self.moments[n]
        else:
            for n in reversed(self.children(name)):
                self.moments[n].parent = moment.parent
                self.link(self.moments[n])
        if not children_only:
            if self.current == name:
                self.current = moment.parent
            del self.moments[name]


class SnapshotTree(MomentTree):
    """One domain's snapshots: the moment tree with virDomainListAllSnapshots' filters."""

    moments: dict[str, SnapshotDef]

    def get(self, name: str) -> SnapshotDef | None:
        """The snapshot called *name*, or None."""
        return self.moments.get(name)

    def filtered(self, names: list[str], flags: int) -> list[str]:
        """The snapshots of *names* that pass the VIR_DOMAIN_SNAPSHOT_LIST_* filter groups
        of *flags* (libvirt's virDomainSnapshotFilter), in the given order."""
        if flags & _L.METADATA == 0 and flags & _L.NO_METADATA:
            return []  # a snapshot the tree holds always has metadata
        if flags & _L.LEAVES and flags & _L.NO_LEAVES:
            return []  # libvirt applies the two one after the other
        return [n for n in names if _passes(self.moments[n], bool(self.children(n)), flags)]

    def listed(self, flags: int) -> list[str]:
        """virDomainListAllSnapshots' names (flags already checked)."""
        names = self.children(None) if flags & _L.ROOTS else self.descendants(None)
        return self.filtered(names, flags)

    def listed_children(self, name: str, flags: int) -> list[str]:
        """virDomainSnapshotListAllChildren's names (flags already checked)."""
        names = self.descendants(name) if flags & _L.DESCENDANTS else self.children(name)
        return self.filtered(names, flags)
