"""The QEMU driver's snapshot metadata files: each change writes the files whose content
changed and no other (every write is synced, so a needless one costs a snapshot's create or
delete its time), and a store loaded afresh from the files gives back the same tree, parents
and current snapshot."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyvirt.conf import SnapshotDef, parse_snapshot_xml
from pyvirt_qemu import _snapshot_store
from pyvirt_qemu._snapshot_store import SnapshotStore


def _snap(name: str, parent: str | None, created: int) -> SnapshotDef:
    parent_xml = f"<parent><name>{parent}</name></parent>" if parent else ""
    return parse_snapshot_xml(
        f"<domainsnapshot><name>{name}</name>{parent_xml}<state>shutoff</state>"
        f"<creationTime>{created}</creationTime></domainsnapshot>",
        redefine=True,
    )


@pytest.fixture
def written(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the snapshot files written, in order."""
    names: list[str] = []
    real = _snapshot_store.atomic_write

    def recording(path: Path, text: str, *args: object, **kwargs: object) -> None:
        names.append(path.stem)
        real(path, text, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(_snapshot_store, "atomic_write", recording)
    return names


def _reloaded(root: Path) -> tuple[str | None, dict[str, str | None]]:
    tree = SnapshotStore(root).tree("dom")
    return tree.current, {name: snap.parent for name, snap in tree.moments.items()}


def _chain(store: SnapshotStore) -> None:
    """a <- b <- c (current), a <- x; x taken without becoming current."""
    store.add("dom", _snap("a", None, 1), current=True)
    store.add("dom", _snap("b", "a", 2), current=True)
    store.add("dom", _snap("c", "b", 3), current=True)
    store.add("dom", _snap("x", "a", 4), current=False)


def test_a_new_current_snapshot_writes_its_file_and_the_previous_current_once(
    tmp_path: Path, written: list[str]
) -> None:
    store = SnapshotStore(tmp_path)
    _chain(store)
    assert written == ["a", "b", "a", "c", "b", "x"]
    assert _reloaded(tmp_path) == ("c", {"a": None, "b": "a", "c": "b", "x": "a"})


def test_deleting_a_leaf_that_is_not_current_rewrites_nothing(
    tmp_path: Path, written: list[str]
) -> None:
    store = SnapshotStore(tmp_path)
    _chain(store)
    written.clear()
    store.remove("dom", "x", ["x"], children=False, children_only=False)
    assert written == []
    assert not (tmp_path / "dom" / "x.xml").exists()
    assert _reloaded(tmp_path) == ("c", {"a": None, "b": "a", "c": "b"})


def test_deleting_the_current_leaf_rewrites_only_its_parent_now_current(
    tmp_path: Path, written: list[str]
) -> None:
    store = SnapshotStore(tmp_path)
    _chain(store)
    written.clear()
    store.remove("dom", "c", ["c"], children=False, children_only=False)
    assert written == ["b"]
    assert _reloaded(tmp_path) == ("b", {"a": None, "b": "a", "x": "a"})


def test_deleting_an_inner_snapshot_rewrites_the_children_it_leaves_to_its_parent(
    tmp_path: Path, written: list[str]
) -> None:
    store = SnapshotStore(tmp_path)
    _chain(store)
    written.clear()
    store.remove("dom", "b", ["b"], children=False, children_only=False)
    assert written == ["c"]  # c's parent is now a; a and x did not change
    assert _reloaded(tmp_path) == ("c", {"a": None, "c": "a", "x": "a"})


def test_deleting_children_only_makes_their_parent_current_if_one_of_them_was(
    tmp_path: Path, written: list[str]
) -> None:
    store = SnapshotStore(tmp_path)
    _chain(store)
    written.clear()
    store.remove("dom", "a", ["b", "c", "x"], children=True, children_only=True)
    assert written == ["a"]
    assert _reloaded(tmp_path) == ("a", {"a": None})
    assert sorted(p.name for p in (tmp_path / "dom").glob("*.xml")) == ["a.xml"]


def test_redefining_the_current_snapshot_without_current_keeps_it_current(
    tmp_path: Path, written: list[str]
) -> None:
    store = SnapshotStore(tmp_path)
    _chain(store)
    written.clear()
    store.add("dom", _snap("c", "b", 3), current=False)
    assert written == ["c"]
    assert _reloaded(tmp_path)[0] == "c"
