"""mkdocs hook: fill the generated sections of the docs from the code they describe.

A page holds ``<!-- generated: NAME -->``; :data:`GENERATORS` turns NAME into Markdown at
build time: the daemon's configuration reference from :class:`pyvirtd._config.Config` (its
fields, defaults and the comments above them), and the map from pyvirsh commands to the
driver methods they reach, read from the CLI's command tables and the procedure table.
``tests/test_docs_site.py`` builds the site with ``--strict``.
"""

from __future__ import annotations

import ast
import inspect
import re
from collections.abc import Callable
from typing import Any

_MARK = re.compile(r"<!-- generated: ([a-z-]+) -->")


def config_reference() -> str:
    """One row per key of pyvirtd.toml: name, type, default, and the comment that explains it."""
    from dataclasses import fields

    from pyvirtd._config import Config

    comments = _field_comments(Config)
    rows = ["| key | type | default | meaning |", "| --- | --- | --- | --- |"]
    for f in fields(Config):
        default = getattr(Config(), f.name)
        shown = f'`"{default}"`' if isinstance(default, str) else f"`{default}`"
        kind = f.type if isinstance(f.type, str) else f.type.__name__
        rows.append(f"| `{f.name}` | {kind} | {shown} | {comments.get(f.name, '')} |")
    return "\n".join(rows)


def _field_comments(cls: type) -> dict[str, str]:
    """The ``#:`` (or ``#``) comment lines right above each field of a dataclass."""
    lines = inspect.getsource(cls).splitlines()
    found: dict[str, str] = {}
    pending: list[str] = []
    for line in lines:
        text = line.strip()
        if text.startswith("#"):
            pending.append(text.lstrip("#:").strip())
            continue
        match = re.match(r"(\w+): ", text)
        if match and pending:
            found[match.group(1)] = " ".join(pending).replace("|", "\\|")
        pending = []
    return found


def command_map() -> str:
    """pyvirsh command -> the driver methods its handler calls (and their libvirt APIs)."""
    import pyvirt
    from pyvirt._procedures import PROCEDURES
    from pyvirt.cli._registry import GROUPS, group_commands

    objects = {
        "domain": pyvirt.Domain, "monitor": pyvirt.Domain, "events": pyvirt.Domain,
        "host": None, "network": pyvirt.Network, "pool": pyvirt.StoragePool,
        "volume": pyvirt.StorageVol, "virsh": None, "snapshot": pyvirt.DomainSnapshot,
    }  # fmt: skip
    api = {p.method: p.api for p in PROCEDURES}
    rows = ["| command | driver methods (libvirt API) |", "| --- | --- |"]
    for keyword, _title in GROUPS:
        classes = [pyvirt.Connection] + ([objects[keyword]] if objects[keyword] else [])
        if keyword == "volume":
            classes.append(pyvirt.StoragePool)
        if keyword == "snapshot":
            classes.append(pyvirt.Domain)
        by_public = _public_to_driver(PROCEDURES, classes)
        for cmd in group_commands(keyword):
            called = _called_names(cmd.handler) if cmd.handler else set()
            methods = sorted({m for name in called for m in by_public.get(name, ())
                              if "_lookup_by_" not in m})  # fmt: skip
            text = ", ".join(f"`{m}` ({api[m]})" for m in methods) or "not found by the static scan (called indirectly, or no driver call)"
            rows.append(f"| `{cmd.name}` | {text} |")
    return "\n".join(rows)


def _public_to_driver(procedures: Any, classes: list[type]) -> dict[str, set[str]]:
    """Public method name (``info``) -> the driver methods its body names (``domain_get_info``),
    for the public classes a command group works on."""
    driver_methods = {p.method for p in procedures}
    result: dict[str, set[str]] = {}
    for cls in classes:
        for name, member in vars(cls).items():
            func = member.fget if isinstance(member, property) else member
            if not callable(func) or name.startswith("__"):
                continue
            used = _names_used(func)
            result.setdefault(name, set()).update(used & driver_methods)
    return result


def _names_used(func: Callable[..., Any]) -> set[str]:
    """Attribute names and strings in *func*: a public method reaches its driver through the
    generated entries (``self._calls.domain_get_info(...)``)."""
    try:
        tree = ast.parse(inspect.getsource(func).strip())
    except (OSError, TypeError, SyntaxError):
        return set()
    names = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    return names | {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)
                    and isinstance(n.value, str)}  # fmt: skip


def _called_names(func: Callable[..., Any]) -> set[str]:
    """Attribute names a command handler calls, following the helpers of its module."""
    import sys

    module = sys.modules[func.__module__]
    seen: set[str] = set()
    todo = [func]
    done: set[Callable[..., Any]] = set()
    while todo:
        current = todo.pop()
        if current in done:
            continue
        done.add(current)
        try:
            tree = ast.parse(inspect.getsource(current).strip())
        except (OSError, TypeError, SyntaxError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute):
                seen.add(node.attr)
            elif isinstance(node, ast.Name):
                helper = getattr(module, node.id, None) or getattr(
                    sys.modules["pyvirt.cli.commands._common"], node.id, None
                )
                if inspect.isfunction(helper):
                    todo.append(helper)
    return seen


GENERATORS: dict[str, Callable[[], str]] = {
    "config-reference": config_reference,
    "command-map": command_map,
}


def on_page_markdown(markdown: str, **_kwargs: Any) -> str:
    """mkdocs event: replace each generated mark with what its generator writes."""
    return _MARK.sub(lambda m: GENERATORS[m.group(1)](), markdown)
