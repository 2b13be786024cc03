"""The docs name real code: every backticked pyvirt name in docs/ must import and resolve.

docs/internals/overview.md ("How a call travels") and docs/drivers.md cite functions by dotted
path.  A rename that leaves them stale fails here, so the pages stay true.
"""

from __future__ import annotations

import importlib
import re
import tomllib
from pathlib import Path

import pytest
import pyvirt.hookspecs
from pyvirt._hooks import HOOK_GROUP
from pyvirt._registry import DRIVER_GROUP

REPO = Path(__file__).resolve().parent.parent
DOCS = sorted((REPO / "docs").rglob("*.md"))
PACKAGES = ("pyvirt", "pyvirt_test", "pyvirt_remote", "pyvirt_qemu", "pyvirtd")

_CODE_SPAN = re.compile(r"(?<!`)`([^`\n]+)`(?!`)")
_CODE_PATH = re.compile(rf"^(?:{'|'.join(PACKAGES)})(?:[.:][A-Za-z_]\w*)*(?:\(\))?$")


def entry_point_groups() -> set[str]:
    """Every entry-point group the workspace's distributions use or read."""
    groups = {DRIVER_GROUP, HOOK_GROUP}
    for pyproject in REPO.glob("*/**/pyproject.toml"):
        if ".venv" in pyproject.parts or "third_party" in pyproject.parts:
            continue
        project = tomllib.loads(pyproject.read_text()).get("project", {})
        groups |= set(project.get("entry-points", {}))
    return groups


def code_spans(path: Path) -> list[str]:
    text = re.sub(r"^```.*?^```", "", path.read_text(), flags=re.S | re.M)  # skip code blocks
    return _CODE_SPAN.findall(text)


def cited_names() -> list[tuple[str, str]]:
    """(doc file, dotted name) for each backticked name rooted in one of pyvirt's packages."""
    groups = entry_point_groups()
    return [
        (str(doc.relative_to(REPO)), span)
        for doc in DOCS
        for span in dict.fromkeys(code_spans(doc))
        if _CODE_PATH.match(span) and span not in groups
    ]


def resolve(name: str) -> object:
    """Import the longest importable module prefix of *name*, then follow attributes."""
    parts = name.removesuffix("()").replace(":", ".").split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj: object = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for attribute in parts[cut:]:
            obj = getattr(obj, attribute)
        return obj
    raise ModuleNotFoundError(name)


def test_docs_exist_and_cite_code() -> None:
    names = {doc for doc, _ in cited_names()}
    assert {"docs/internals/overview.md", "docs/drivers.md"} <= names


@pytest.mark.parametrize(("doc", "name"), cited_names())
def test_cited_name_resolves(doc: str, name: str) -> None:
    try:
        resolve(name)
    except (ImportError, AttributeError) as exc:
        pytest.fail(f"{doc} cites `{name}`, which does not resolve: {exc}")


def test_cited_entry_point_groups_are_real() -> None:
    groups = entry_point_groups()
    cited = {
        span
        for doc in DOCS
        for span in code_spans(doc)
        if re.fullmatch(r"pyvirt\.[a-z_]+s", span) and not _resolves(span)
    }
    assert cited, "the docs should name the entry-point groups"
    assert cited <= groups


def _resolves(name: str) -> bool:
    try:
        resolve(name)
    except (ImportError, AttributeError):
        return False
    return True


def test_cited_hook_names_are_hookspecs() -> None:
    hooks = {
        span
        for doc in DOCS
        for span in code_spans(doc)
        if re.fullmatch(r"pyvirt_(?:domain|connection)_\w+", span)
    }
    assert hooks
    for hook in hooks:
        assert hasattr(pyvirt.hookspecs, hook), hook


def test_the_overview_walks_the_whole_call() -> None:
    """The page keeps naming each stage of the journey it promises to describe."""
    cited = {name for doc, name in cited_names() if doc.endswith("overview.md")}
    for stage in (
        "pyvirt._connection.open",
        "pyvirt._registry.open_driver",
        "pyvirt._registry.load_driver",
        "pyvirt_test.TestDriver.open",
        "pyvirt._connection.Connection.list_domains",
        "pyvirt._calls.DriverCalls.connect_list_all_domains",
        "pyvirt._access.check_access",
        "pyvirt._procedures.PROCEDURES",
        "pyvirt_test._lookup_ops.DomainLookupOps.connect_list_all_domains",
        "pyvirt_test._lazy_ops.LazyAttribute",
    ):
        assert stage in cited, stage
