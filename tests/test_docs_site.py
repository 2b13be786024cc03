"""The documentation site builds with ``mkdocs build --strict``, its generated pages hold what
the code says, and every public name has a docstring (or is on the shrinking debt list)."""

from __future__ import annotations

import inspect
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MKDOCS = Path(sys.executable).with_name("mkdocs")
#: Public methods and properties that still lack a docstring: the list may only shrink.
DEBT = ROOT / "tests" / "data" / "undocumented_public_names.txt"


def public_members() -> dict[str, object]:
    """``pyvirt.__all__`` and ``pyvirt.driver.__all__``, with their classes' own public
    methods and properties (exceptions' and enums' inherited machinery left out)."""
    import enum

    import pyvirt
    import pyvirt.driver

    found: dict[str, object] = {}
    for module in (pyvirt, pyvirt.driver):
        for name in module.__all__:
            obj = getattr(module, name)
            found[f"{module.__name__}.{name}"] = obj
            if not inspect.isclass(obj) or issubclass(obj, (BaseException, enum.Enum)):
                continue
            for attr, member in vars(obj).items():
                if attr.startswith("_"):
                    continue
                func = member.fget if isinstance(member, property) else member
                func = getattr(func, "__func__", func)
                if callable(func):
                    found[f"{module.__name__}.{name}.{attr}"] = func
    return found


def undocumented() -> set[str]:
    return {name for name, obj in public_members().items()
            if not (getattr(obj, "__doc__", None) or "").strip()}  # fmt: skip


def test_no_new_public_name_without_a_docstring() -> None:
    debt = set(DEBT.read_text().split())
    new = sorted(undocumented() - debt)
    assert not new, f"public names without a docstring (say why/what, name the libvirt API): {new}"


def test_the_debt_list_only_shrinks() -> None:
    debt = set(DEBT.read_text().split())
    paid = sorted(debt - undocumented())
    assert not paid, f"documented now: remove from {DEBT.name}: {paid}"


@pytest.mark.skipif(not MKDOCS.exists(), reason="mkdocs is not installed (uv sync --group dev)")
def test_site_builds_strict(tmp_path: Path) -> None:
    out = subprocess.run(
        [str(MKDOCS), "build", "--strict", "-d", str(tmp_path / "site")],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={"NO_MKDOCS_2_WARNING": "1", "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    config = (tmp_path / "site" / "operator" / "config" / "index.html").read_text()
    from pyvirtd._config import Config

    for f in fields(Config):
        assert f"<code>{f.name}</code>" in config, f.name
    commands = (tmp_path / "site" / "drivers" / "command-map" / "index.html").read_text()
    assert "virDomainGetInfo" in commands and "<code>dominfo</code>" in commands
    reference = (tmp_path / "site" / "reference" / "pyvirt" / "index.html").read_text()
    assert 'id="pyvirt.Connection.lookup_domain_by_name"' in reference
