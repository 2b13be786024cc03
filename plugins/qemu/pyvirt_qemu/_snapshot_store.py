"""Snapshot metadata on disk: one ``<domainsnapshot>`` file per snapshot, as libvirt keeps
them (``/var/lib/libvirt/qemu/snapshot/<domain>/<snapshot>.xml``), and the markers that make
taking a snapshot all-or-nothing across a daemon crash.

Why markers: a snapshot is two steps, the images' own (QEMU's ``snapshot-save`` job or
``qemu-img snapshot``) and the metadata file.  The daemon may be SIGKILLed between them.
Before the first step a *pending* marker names the snapshot and the images it touches; the
metadata file is written atomically after the images are done, and then the marker goes.  A
marker found at start-up therefore means "the images may hold a half-made snapshot nobody
knows of": the driver deletes it from the images and drops the marker, so after a restart a
snapshot is either complete (file present) or absent (from the metadata and the images).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

from lxml import etree
from pyvirt import VirtError
from pyvirt.conf import SnapshotDef, format_snapshot_xml, parse_snapshot_xml
from pyvirt.driver import SnapshotTree

from pyvirt_qemu._config import atomic_write, remove_file

__all__ = ["PendingSnapshot", "SnapshotStore"]

log = logging.getLogger("pyvirt.qemu")


@dataclass(frozen=True)
class PendingSnapshot:
    """A snapshot whose images were (maybe) being written when the daemon stopped."""

    domain: str
    name: str
    #: Image files that may hold an internal snapshot called *name*.
    images: tuple[str, ...]
    marker: Path


class SnapshotStore:
    """Every domain's snapshot tree, loaded from *root* on first use and written back at
    each change."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._trees: dict[str, SnapshotTree] = {}

    def _dir(self, domain: str) -> Path:
        return self.root / domain

    # -- the trees ----------------------------------------------------------------------
    def tree(self, domain: str) -> SnapshotTree:
        """The tree of the domain called *domain* (loaded from its files the first time)."""
        tree = self._trees.get(domain)
        if tree is None:
            tree = self._trees[domain] = self._load(domain)
        return tree

    def _load(self, domain: str) -> SnapshotTree:
        tree = SnapshotTree()
        loaded: list[tuple[SnapshotDef, bool]] = []
        for path in sorted(self._dir(domain).glob("*.xml")):
            try:
                root = etree.parse(str(path)).getroot()
                active = root.find("active")
                current = active is not None and (active.text or "").strip() == "1"
                if active is not None:
                    root.remove(active)
                snap = parse_snapshot_xml(etree.tostring(root, encoding="unicode"), redefine=True)
            except (OSError, etree.Error, VirtError) as exc:
                log.warning("skipping unreadable snapshot metadata %s: %s", path, exc)
                continue
            loaded.append((snap, current))
        # Parents before children, older siblings linked first (so listed last, as libvirt).
        loaded.sort(key=lambda item: (item[0].creation_time, item[0].name or ""))
        for snap, current in loaded:
            tree.link(snap)
            if current:
                tree.current = snap.name
        return tree

    def write(self, domain: str, snap: SnapshotDef, *, current: bool) -> None:
        """The snapshot's file, with libvirt's internal ``<active>`` (is it current)."""
        text = format_snapshot_xml(snap, secure=True)
        text = text.replace(
            "</domainsnapshot>", f"  <active>{1 if current else 0}</active>\n</domainsnapshot>"
        )
        directory = self._dir(domain)
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        atomic_write(directory / f"{snap.name}.xml", text)

    def set_current(self, domain: str, name: str | None) -> None:
        """Make *name* current, rewriting the files whose ``<active>`` changes."""
        tree = self.tree(domain)
        old, tree.current = tree.current, name
        for changed in {old, name} - {None}:
            snap = tree.get(changed or "")
            if snap is not None:
                self.write(domain, snap, current=changed == name)

    def add(self, domain: str, snap: SnapshotDef, *, current: bool) -> None:
        """Link *snap* into the tree and write its file, current or not as asked, and the
        previous current one's if it stops being current: each file once (a write is
        synced, as libvirt's)."""
        tree = self.tree(domain)
        tree.link(snap)
        if not current:  # (a redefined current snapshot stays current)
            self.write(domain, snap, current=tree.current == snap.name)
            return
        old, tree.current = tree.current, snap.name
        self.write(domain, snap, current=True)
        previous = tree.get(old or "") if old != snap.name else None
        if previous is not None:
            self.write(domain, previous, current=False)

    def remove(
        self, domain: str, name: str, doomed: list[str], *, children: bool, children_only: bool
    ) -> None:
        """Take *name* out of the tree as :meth:`SnapshotTree.remove` does, delete the files
        of *doomed* (what that removes) and rewrite only the survivors whose parent or
        current mark changed, as libvirt does (not every file of the domain)."""
        tree = self.tree(domain)
        parents = {n: snap.parent for n, snap in tree.moments.items()}
        current = tree.current
        tree.remove(name, children=children, children_only=children_only)
        for gone in doomed:
            remove_file(self._dir(domain) / f"{gone}.xml")
        for survivor, snap in tree.moments.items():
            is_current = survivor == tree.current
            if snap.parent != parents.get(survivor) or is_current != (survivor == current):
                self.write(domain, snap, current=is_current)

    def drop_domain(self, domain: str) -> None:
        """Forget the tree of a domain that is gone (undefined with its metadata)."""
        self._trees.pop(domain, None)
        directory = self._dir(domain)
        for path in directory.glob("*.xml"):
            remove_file(path)
        if directory.is_dir() and not any(directory.iterdir()):
            directory.rmdir()

    # -- pending markers ----------------------------------------------------------------
    def _marker(self, domain: str, name: str) -> Path:
        return self._dir(domain) / f".{name}.pending"

    def begin(self, domain: str, name: str, images: list[str]) -> PendingSnapshot:
        """Record that *name* is about to be written into *images*."""
        marker = self._marker(domain, name)
        marker.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        atomic_write(marker, json.dumps({"name": name, "images": images}))
        return PendingSnapshot(domain, name, tuple(images), marker)

    @staticmethod
    def end(pending: PendingSnapshot) -> None:
        remove_file(pending.marker)

    def pending(self) -> list[PendingSnapshot]:
        """Markers left by a daemon that stopped in the middle of a snapshot."""
        found = []
        for marker in sorted(self.root.glob("*/.*.pending")):
            try:
                data = json.loads(marker.read_text())
                found.append(PendingSnapshot(marker.parent.name, str(data["name"]),
                                             tuple(str(i) for i in data["images"]), marker))  # fmt: skip
            except (OSError, ValueError, KeyError, TypeError) as exc:
                log.warning("dropping unreadable snapshot marker %s: %s", marker, exc)
                remove_file(marker)
        return found
