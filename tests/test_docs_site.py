"""The documentation site builds with ``mkdocs build --strict``, its generated pages hold what
the code says, and every public name has a docstring."""

from __future__ import annotations

import ast
import importlib.util
import inspect
import subprocess
import sys
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
MKDOCS = Path(sys.executable).with_name("mkdocs")


def public_members() -> dict[str, object]:
    """The ``__all__`` of ``pyvirt``, ``pyvirt.driver``, ``pyvirt.aio`` and ``pyvirt.testing``
    (the modules of the API reference), with their classes' own public methods and properties
    (exceptions' and enums' inherited machinery left out)."""
    import enum

    import pyvirt
    import pyvirt.aio
    import pyvirt.driver
    import pyvirt.testing

    found: dict[str, object] = {}
    for module in (pyvirt, pyvirt.driver, pyvirt.aio, pyvirt.testing):
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


def attribute_docstring(value: object, name: str) -> str:
    """The string literal right after the top-level assignment of *name* in the pyvirt module
    that defines *value*: how a constant or a type alias is documented (the API reference
    reads the same string; ``__doc__`` of an int or an alias is its type's)."""
    for module in list(sys.modules.values()):
        if not (module.__name__ or "").startswith("pyvirt") or vars(module).get(name) is not value:
            continue
        try:
            tree = ast.parse(inspect.getsource(module))
        except (OSError, TypeError):
            continue
        for node, after in zip(tree.body, tree.body[1:], strict=False):
            targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
            if any(isinstance(t, ast.Name) and t.id == name for t in targets) and (
                isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant)
                and isinstance(after.value.value, str)
            ):  # fmt: skip
                return after.value.value
    return ""


def docstring(qualname: str, obj: object) -> str:
    if inspect.isclass(obj) or inspect.isroutine(obj) or inspect.ismodule(obj):
        return (obj.__doc__ or "").strip()
    return attribute_docstring(obj, qualname.rsplit(".", 1)[1]).strip()


def load_hooks() -> Any:
    """docs/_hooks.py, as mkdocs loads it (a file, not a package module)."""
    spec = importlib.util.spec_from_file_location("docs_hooks", ROOT / "docs" / "_hooks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_command_map_covers_every_command_with_what_it_calls() -> None:
    hooks = load_hooks()
    from pyvirt.cli._registry import commands

    rows = hooks.command_map_rows()
    assert set(rows) == set(commands())
    assert rows["dominfo"][:2] == ["domain_lookup_by_name", "domain_get_os_type"]
    assert "domain_get_info" in rows["dominfo"]
    assert rows["start"] == ["domain_lookup_by_name", "domain_create"]
    # calls a static scan of the handlers could not see: the event hub's, the completer's
    assert rows["event"] == ["connect_event_subscribe", "connect_event_unsubscribe"]
    assert rows["complete"] == ["connect_list_all_domains"]
    assert rows["help"] == [] and rows["completion"] == []
    # every method named is one of the contract's
    assert {m for methods in rows.values() for m in methods} <= hooks.contract_methods()


def test_the_recorder_sees_calls_that_bypass_the_generated_entries(tmp_path: Path) -> None:
    """Closing and liveness go to the driver directly, not through DriverCalls: still seen."""
    import pyvirt
    from pyvirt._registry import open_driver
    from pyvirt.testing import isolated_test_uri

    hooks = load_hooks()
    driver_class, driver = open_driver(isolated_test_uri(tmp_path), read_only=False, auth=None)
    recorder = hooks.RecordingDriver(driver, hooks.contract_methods())
    recorder.active = True
    conn = pyvirt.Connection(driver_class, recorder, read_only=False)
    conn.lookup_domain_by_name("test").info()
    conn.is_alive()
    conn.close()
    assert recorder.called == [
        "domain_lookup_by_name", "domain_get_info", "connect_is_alive", "connect_close"
    ]  # fmt: skip


def test_command_map_refuses_a_command_without_scenario_or_a_failing_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hooks = load_hooks()
    monkeypatch.delitem(hooks.SCENARIOS, "uri")
    with pytest.raises(RuntimeError, match=r"no scenario for \['uri'\]"):
        hooks.command_map_rows()
    monkeypatch.setitem(hooks.SCENARIOS, "uri", ((), "dominfo nosuch"))
    with pytest.raises(RuntimeError, match="failed: .*nosuch"):
        hooks.command_map_rows()


def test_every_public_name_has_a_docstring() -> None:
    missing = sorted(name for name, obj in public_members().items() if not docstring(name, obj))
    assert not missing, f"public names without a docstring (say why/what, name the libvirt API): {missing}"


def test_the_docstring_check_sees_a_missing_one() -> None:
    """The check is not blind: a class, a method and a constant without docs are caught."""

    class Bare:
        def method(self) -> None:
            pass

    assert docstring("x.Bare", Bare) == "" and docstring("x.Bare.method", Bare.method) == ""
    assert docstring("pyvirt.driver.NOT_A_NAME", 12345) == ""
    assert docstring("pyvirt.driver.LIST_DOMAINS_ALL_FLAGS", __import__("pyvirt.driver").driver.LIST_DOMAINS_ALL_FLAGS)


@pytest.mark.skipif(not MKDOCS.exists(), reason="mkdocs is not installed (uv sync --group dev)")
def test_site_builds_strict(tmp_path: Path) -> None:
    out = subprocess.run(
        [str(MKDOCS), "build", "--strict", "-d", str(tmp_path / "site")],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={"NO_MKDOCS_2_WARNING": "1", "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "not included in the \"nav\"" not in out.stderr, out.stderr  # every page reachable
    config = (tmp_path / "site" / "operator" / "config" / "index.html").read_text()
    from pyvirtd._config import Config

    for f in fields(Config):
        assert f"<code>{f.name}</code>" in config, f.name
    commands = (tmp_path / "site" / "drivers" / "command-map" / "index.html").read_text()
    assert "virDomainGetInfo" in commands and "<code>dominfo</code>" in commands
    assert "<code>event</code>" in commands and "connect_event_subscribe" in commands
    reference = (tmp_path / "site" / "reference" / "pyvirt" / "index.html").read_text()
    assert 'id="pyvirt.Connection.lookup_domain_by_name"' in reference
    assert "virDomainLookupByName" in reference  # the docstrings are on the page
    aio = (tmp_path / "site" / "reference" / "aio" / "index.html").read_text()
    assert 'id="pyvirt.aio.AsyncDomain"' in aio
    testing = (tmp_path / "site" / "reference" / "testing" / "index.html").read_text()
    assert 'id="pyvirt.testing.isolated_test_uri"' in testing
    # the worked driver's listings are the files themselves
    worked = (tmp_path / "site" / "drivers" / "out-of-tree" / "index.html").read_text()
    assert "Mock3pConnection" in worked and "mock3p_driver:Mock3pDriver" in worked
    for page in ("drivers/kit", "testing", "daemon-systemd"):
        assert (tmp_path / "site" / page / "index.html").exists(), page
