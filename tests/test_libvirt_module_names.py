"""Every public name of the real ``libvirt`` module exists in ``pyvirt.libvirt``, as the same
kind of thing, with the same value (constants, numbers and strings alike), taking the same
arguments (functions, and every method of every class); a program written for libvirt-python
finds nothing missing.  The few names left out on purpose are listed with their reasons.

The real module is asked in the system interpreter (Debian's python3-libvirt 9.0), so a name
libvirt-python gains or changes shows up here as a failure, not as a silent gap.  The same
walk covers ``libvirt_qemu`` and ``libvirt_lxc`` once pyvirt offers them.
"""

from __future__ import annotations

import importlib
import inspect
import json
import subprocess
from types import ModuleType
from typing import Any

import pytest
from real_libvirt import SYSTEM_PYTHON, real_binding_available

pytestmark = pytest.mark.skipif(
    not real_binding_available(), reason="the real libvirt binding (python3-libvirt) is missing"
)

_TYPING = "imported by libvirt.py for its own annotations, not part of its API"
#: Names of the real module that pyvirt.libvirt leaves out on purpose, with the reason.
DELIBERATE: dict[str, str] = {
    "libvirtmod": "the C extension libvirt.py wraps; pyvirt.libvirt is pure Python",
    "libvirtmod_qemu": "the C extension libvirt_qemu.py wraps",
    "libvirtmod_lxc": "the C extension libvirt_lxc.py wraps",
    **{name: _TYPING for name in (
        "Any", "Callable", "Dict", "List", "Optional", "Tuple", "Type", "TypeVar", "Union",
        "overload", "TracebackType", "IO",
    )},
}  # fmt: skip

#: The real module -> pyvirt's counterpart.
MODULES = {
    "libvirt": "pyvirt.libvirt",
    "libvirt_qemu": "pyvirt.libvirt_qemu",
    "libvirt_lxc": "pyvirt.libvirt_lxc",
}

# Runs in the system interpreter: each public name with its kind, its value (constants) or its
# parameters (functions, and the methods of classes).
_ASK = r"""
import importlib, inspect, json, sys
def params(f):
    try:
        sig = inspect.signature(f)
    except (TypeError, ValueError):
        return None
    return [[p.name, p.kind.name, None if p.default is p.empty else repr(p.default)]
            for p in sig.parameters.values() if p.name != "self"]
def kind(v):
    if inspect.ismodule(v):
        return "module"
    if inspect.isclass(v):
        return "class"
    return "function" if callable(v) else "value"
out = {}
for name in sys.argv[1:]:
    mod = importlib.import_module(name)
    names = {}
    for n, v in vars(mod).items():
        if n.startswith("_"):
            continue
        entry = {"kind": kind(v)}
        if entry["kind"] == "value":
            entry["value"] = [type(v).__name__, repr(v)]
        elif entry["kind"] == "function":
            entry["params"] = params(v)
        elif entry["kind"] == "class" and v.__module__ == name:
            entry["methods"] = {m: params(f) for m, f in vars(v).items()
                                if not m.startswith("_") and callable(f)}
        names[n] = entry
    out[name] = names
print(json.dumps(out))
"""


def _params(function: Any) -> list[list[Any]] | None:
    try:
        sig = inspect.signature(function)
    except (TypeError, ValueError):
        return None
    return [
        [p.name, p.kind.name, None if p.default is p.empty else repr(p.default)]
        for p in sig.parameters.values()
        if p.name != "self"
    ]


def _kind(value: Any) -> str:
    if inspect.ismodule(value):
        return "module"
    if inspect.isclass(value):
        return "class"
    return "function" if callable(value) else "value"


@pytest.fixture(scope="module")
def real_names() -> dict[str, dict[str, Any]]:
    done = subprocess.run(
        [SYSTEM_PYTHON, "-c", _ASK, *MODULES],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    answer: dict[str, dict[str, Any]] = json.loads(done.stdout)
    return answer


def _ours(real_module: str) -> ModuleType:
    try:
        return importlib.import_module(MODULES[real_module])
    except ModuleNotFoundError:
        pytest.skip(f"pyvirt has no counterpart of {real_module} ({MODULES[real_module]}) yet")


def _compared(real_names: dict[str, dict[str, Any]], module: str) -> dict[str, Any]:
    return {n: e for n, e in real_names[module].items() if n not in DELIBERATE}


@pytest.mark.parametrize("module", MODULES)
def test_every_public_name_exists_as_the_same_kind(
    real_names: dict[str, dict[str, Any]], module: str
) -> None:
    ours = _ours(module)
    missing = sorted(n for n in _compared(real_names, module) if not hasattr(ours, n))
    assert missing == []
    other_kind = {
        n: (e["kind"], _kind(getattr(ours, n)))
        for n, e in _compared(real_names, module).items()
        if _kind(getattr(ours, n)) != e["kind"]
    }
    assert other_kind == {}


@pytest.mark.parametrize("module", MODULES)
def test_every_constant_has_libvirts_type_and_value(
    real_names: dict[str, dict[str, Any]], module: str
) -> None:
    ours = _ours(module)
    different = {
        n: (e["value"], [type(getattr(ours, n)).__name__, repr(getattr(ours, n))])
        for n, e in _compared(real_names, module).items()
        if e["kind"] == "value"
        and [type(getattr(ours, n)).__name__, repr(getattr(ours, n))] != e["value"]
    }
    assert different == {}


@pytest.mark.parametrize("module", MODULES)
def test_every_function_takes_libvirts_arguments(
    real_names: dict[str, dict[str, Any]], module: str
) -> None:
    ours = _ours(module)
    different = {
        n: (e["params"], _params(getattr(ours, n)))
        for n, e in _compared(real_names, module).items()
        if e["kind"] == "function"
        and e["params"] is not None
        and _params(getattr(ours, n)) != e["params"]
    }
    assert different == {}


@pytest.mark.parametrize("module", MODULES)
def test_every_method_of_every_class_exists_with_libvirts_arguments(
    real_names: dict[str, dict[str, Any]], module: str
) -> None:
    ours = _ours(module)
    missing, different = [], {}
    for name, entry in _compared(real_names, module).items():
        for method, params in entry.get("methods", {}).items():
            found = getattr(getattr(ours, name), method, None)
            if found is None:
                missing.append(f"{name}.{method}")
            elif params is not None and _params(found) != params:
                different[f"{name}.{method}"] = (params, _params(found))
    assert missing == []
    assert different == {}


def test_the_deliberate_exceptions_are_still_real_names(
    real_names: dict[str, dict[str, Any]],
) -> None:
    """An exception for a name libvirt-python no longer has hides nothing: drop it."""
    every = {name for names in real_names.values() for name in names}
    assert sorted(set(DELIBERATE) - every) == []


def test_the_walk_covers_libvirts_whole_module(real_names: dict[str, dict[str, Any]]) -> None:
    """The comparison above is not vacuous: the real module was read in full."""
    kinds = [e["kind"] for e in real_names["libvirt"].values()]
    assert kinds.count("value") > 1000 and kinds.count("class") >= 15
    assert "virEventRegisterImpl" in real_names["libvirt"]
