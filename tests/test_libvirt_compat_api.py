"""pyvirt.libvirt offers libvirt-python's classes with the same methods and signatures.

The real binding is asked (in the system interpreter) for every public method of virConnect,
virDomain, virNetwork, virStoragePool and virStorageVol with its parameter names and defaults;
ours must match, so positional and keyword calls bind identically and wrong arity fails with
the same TypeError.  Methods pyvirt cannot serve yet exist as NO_SUPPORT stubs.
"""

from __future__ import annotations

import inspect
import json
import subprocess
from typing import Any

import pytest
import pyvirt.libvirt as libvirt
from real_libvirt import SYSTEM_PYTHON, real_binding_available

CLASSES = [
    "virConnect", "virDomain", "virNetwork", "virStoragePool", "virStorageVol", "virInterface",
    "virNodeDevice",
]  # fmt: skip
FUNCTIONS = [
    "open", "openReadOnly", "openAuth", "getVersion", "registerErrorHandler", "virGetLastError",
    "virResetLastError", "virEventRegisterDefaultImpl", "virEventRunDefaultImpl",
    "virEventAddTimeout", "virEventUpdateTimeout", "virEventRemoveTimeout", "virEventAddHandle",
    "virEventUpdateHandle", "virEventRemoveHandle", "virGetLastErrorCode",
    "virGetLastErrorDomain", "virGetLastErrorMessage", "virInitialize",
]  # fmt: skip

_ASK = r"""
import inspect, json, libvirt
def shape(f):
    try:
        sig = inspect.signature(f)
    except (TypeError, ValueError):
        return None
    return [[p.name, p.kind.name, None if p.default is p.empty else repr(p.default)]
            for p in sig.parameters.values() if p.name != "self"]
out = {}
for cls in %r:
    c = getattr(libvirt, cls)
    out[cls] = {n: shape(f) for n, f in vars(c).items() if not n.startswith("_") and callable(f)}
out["module"] = {n: shape(getattr(libvirt, n)) for n in %r}
print(json.dumps(out))
"""


def _shape(function: Any) -> list[list[Any]]:
    sig = inspect.signature(function)
    return [
        [p.name, p.kind.name, None if p.default is p.empty else repr(p.default)]
        for p in sig.parameters.values()
        if p.name != "self"
    ]


@pytest.fixture(scope="module")
def real_api() -> dict[str, dict[str, Any]]:
    if not real_binding_available():
        pytest.skip("the real libvirt binding is missing (apt-get install python3-libvirt)")
    done = subprocess.run(
        [SYSTEM_PYTHON, "-c", _ASK % (CLASSES, FUNCTIONS)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    answer: dict[str, dict[str, Any]] = json.loads(done.stdout)
    return answer


@pytest.mark.parametrize("class_name", CLASSES)
def test_every_method_exists_with_libvirt_pythons_signature(
    real_api: dict[str, dict[str, Any]], class_name: str
) -> None:
    ours = getattr(libvirt, class_name)
    missing, different = [], {}
    for name, real_shape in real_api[class_name].items():
        method = getattr(ours, name, None)
        if method is None:
            missing.append(name)
        elif real_shape is not None and _shape(method) != real_shape:
            different[name] = (_shape(method), real_shape)
    assert missing == []
    assert different == {}


def test_module_functions_match(real_api: dict[str, dict[str, Any]]) -> None:
    different = {
        name: (_shape(getattr(libvirt, name)), shape)
        for name, shape in real_api["module"].items()
        if shape is not None and _shape(getattr(libvirt, name)) != shape
    }
    assert different == {}


def test_stub_arity_errors_read_like_libvirt_python() -> None:
    with pytest.raises(TypeError, match=r"virDomain\.blockPeek\(\) missing 1 required"):
        getattr(libvirt.virDomain, "blockPeek")(object(), "vda", 0)  # noqa: B009
