"""The tree of a domain's snapshots or checkpoints (libvirt's virDomainMomentObjList).

Both keep their moments in a dict by name, each knowing its parent's name; the dict's
order is link order, which gives libvirt's sibling order: a moment is linked in front of its
siblings, so the last linked comes first.  Shared by the snapshot and checkpoint entry points.
"""

from __future__ import annotations

# Not typing.TYPE_CHECKING: importing typing costs a pyvirsh run several milliseconds.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def children(moments: dict[str, Any], name: str | None) -> list[str]:
    """The children of *name* (the roots for None), in libvirt's order."""
    return [n for n, m in reversed(moments.items()) if m.parent == name]


def descendants(moments: dict[str, Any], name: str | None) -> list[str]:
    """Every descendant of *name*, depth first, parents before children (libvirt's
    virDomainMomentForEachDescendant order); of None, every moment topologically."""
    found: list[str] = []
    for child in children(moments, name):
        found.append(child)
        found.extend(descendants(moments, child))
    return found


def relink(moments: dict[str, Any], name: str) -> None:
    """Link *name* in front of its siblings again."""
    moments[name] = moments.pop(name)
