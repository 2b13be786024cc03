"""Outside the core, only pyvirt's public modules are used.

The bundled drivers (plugins/), the daemon and the third-party example driver must be able
to do what they do from the public surface alone (``pyvirt``, ``pyvirt.driver``,
``pyvirt.conf``, ``pyvirt.rpc``, ``pyvirt.rpc.zmtp`` ...): a module of the core whose name
starts with an underscore may change without notice, so a plugin that imports one would
break, and a third-party driver could not do what the bundled ones do.  This reads every
Python file there and fails naming each import of, or attribute reach into, a private
module of ``pyvirt``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
OUTSIDE_CORE = ("plugins", "daemon", "tests/third_party")


def _private(dotted: str) -> bool:
    """``pyvirt._hooks``, ``pyvirt.rpc._zmtp``, ``pyvirt.conf._domain_parse`` ...: a dotted
    name under ``pyvirt`` with a component that starts with one underscore."""
    parts = dotted.split(".")
    return parts[0] == "pyvirt" and any(
        p.startswith("_") and not p.startswith("__") for p in parts[1:]
    )


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base is not None else None
    return None


def private_uses(source: str) -> list[tuple[int, str]]:
    """(line, name) of every use of a private pyvirt module in *source*."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if _private(a.name)]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if _private(node.module):
                found.append((node.lineno, node.module))
            else:
                found += [
                    (node.lineno, f"{node.module}.{a.name}")
                    for a in node.names
                    if _private(f"{node.module}.{a.name}")
                ]
        elif isinstance(node, ast.Attribute):
            name = _dotted(node)
            if name is not None and _private(name):
                found.append((node.lineno, name))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            # importlib.import_module("pyvirt._x") and entry-point strings
            text = node.value.split(":")[0]
            if text.isascii() and " " not in text and _private(text):
                found.append((node.lineno, text))
    return sorted(set(found))


def _files() -> list[Path]:
    return sorted(
        path
        for folder in OUTSIDE_CORE
        for path in (REPO / folder).rglob("*.py")
        if ".venv" not in path.parts
    )


def test_there_are_files_to_check() -> None:
    names = {p.relative_to(REPO).parts[0] for p in _files()}
    assert {"plugins", "daemon", "tests"} <= names


@pytest.mark.parametrize("path", _files(), ids=lambda p: str(p.relative_to(REPO)))
def test_nothing_outside_core_uses_a_private_pyvirt_module(path: Path) -> None:
    uses = private_uses(path.read_text())
    where = [f"{path.relative_to(REPO)}:{line}: {name}" for line, name in uses]
    assert not where, "private pyvirt modules used outside core:\n" + "\n".join(where)


@pytest.mark.parametrize(
    "source",
    [
        "import pyvirt._hooks",
        "from pyvirt._uri import parse_uri",
        "from pyvirt.rpc._zmtp import Decoder",
        "from pyvirt.conf._domain_parse import disk_name_to_index",
        "from pyvirt.cli._main import main",
        "from pyvirt import _checks",
        "def f():\n    from pyvirt._xml import parse_document",
        "import pyvirt\npyvirt._hooks.plugin_manager()",
        "import importlib\nimportlib.import_module('pyvirt.rpc._target')",
    ],
)
def test_the_check_catches_each_way_of_reaching_a_private_module(source: str) -> None:
    assert private_uses(source), source


@pytest.mark.parametrize(
    "source",
    [
        "from pyvirt import parse_uri",
        "from pyvirt.rpc import RemoteConnection, default_rundir, resolve, signatures",
        "from pyvirt.rpc.zmtp import Decoder, encode_two",
        "from pyvirt.conf import disk_name_to_index, parse_document",
        "from pyvirt.driver import DomainObjList, run_domain_hooks",
        "from pyvirt_test._state import TestState",  # a plugin's own private modules are its own
        "import pyvirt\npyvirt.__version__",
    ],
)
def test_public_imports_pass(source: str) -> None:
    assert private_uses(source) == []
