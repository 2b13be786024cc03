"""virsh's tree layout (vshTreePrint): used by ``snapshot-list --tree`` (and, in virsh, by
``nodedev-list --tree`` and ``checkpoint-list --tree``).

Each child is drawn under its parent as ``+- name``, a ``|`` line announcing the children,
and a line of indentation closing the last child of a branch that has none of its own.
"""

from __future__ import annotations


def render_tree(names: list[str], parents: list[str | None], root: int) -> str:
    """The tree under ``names[root]``; ``parents[i]`` is the parent name of ``names[i]``.
    Children come in the order of *names*."""
    out: list[str] = []

    def walk(index: int, last: int, is_root: bool, indent: str) -> None:
        name = names[index]
        out.append(f"{indent}{'' if is_root else '+- '}{name}\n")
        if not is_root:
            indent += (" " if index == last else "|") + " "
        children = [i for i, parent in enumerate(parents) if parent == name]
        if children:
            out.append(f"{indent}  |\n")
        for child in children:
            walk(child, children[-1], False, indent + "  ")
        if not children and index == last:
            out.append(f"{indent}\n")

    walk(root, root, True, "")
    return "".join(out)
