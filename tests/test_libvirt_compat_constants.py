"""pyvirt.libvirt's VIR_* constants: produced from pyvirt's enums, equal to libvirt's.

The comparison asks the real binding (Debian's python3-libvirt 9.0) for its constants.  Every
name pyvirt.libvirt exports must exist there with the same value, apart from the few that
libvirt added after 9.0; the coverage of the real names is reported and must stay complete.
"""

from __future__ import annotations

import enum
import json
import subprocess

import pytest
import pyvirt.libvirt as libvirt
from pyvirt.libvirt._constants import CONSTANTS, FAMILIES
from real_libvirt import SYSTEM_PYTHON, real_binding_available

#: Constants of libvirt releases newer than the 9.0 binding the comparison runs against.
NEWER_THAN_9_0 = {"VIR_DOMAIN_PAUSED_API_ERROR"}


@pytest.fixture(scope="module")
def real_constants() -> dict[str, int]:
    if not real_binding_available():
        pytest.skip("the real libvirt binding is missing (apt-get install python3-libvirt)")
    done = subprocess.run(
        [
            SYSTEM_PYTHON,
            "-c",
            "import libvirt, json; print(json.dumps({k: v for k, v in vars(libvirt).items() "
            "if k.startswith('VIR_') and isinstance(v, int)}))",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    answer: dict[str, int] = json.loads(done.stdout)
    return answer


def test_every_exported_constant_has_libvirts_value(real_constants: dict[str, int]) -> None:
    wrong = {
        name: (value, real_constants.get(name))
        for name, value in CONSTANTS.items()
        if name not in NEWER_THAN_9_0 and real_constants.get(name) != value
    }
    assert wrong == {}


def test_every_real_constant_is_covered(real_constants: dict[str, int]) -> None:
    missing = sorted(set(real_constants) - set(CONSTANTS))
    covered = len(real_constants) - len(missing)
    print(f"pyvirt.libvirt covers {covered} of {len(real_constants)} VIR_* constants")
    assert missing == []


def test_newer_names_are_really_absent_from_the_reference(real_constants: dict[str, int]) -> None:
    assert NEWER_THAN_9_0 <= set(CONSTANTS)
    assert not NEWER_THAN_9_0 & set(real_constants)


def test_constants_are_module_attributes_and_plain_ints() -> None:
    assert libvirt.VIR_DOMAIN_RUNNING == 1
    assert libvirt.VIR_ERR_NO_DOMAIN == 42
    assert libvirt.VIR_FROM_TEST == 12
    assert libvirt.VIR_WAR_NO_NETWORK == 41
    for name, value in CONSTANTS.items():
        attribute = getattr(libvirt, name)
        assert type(attribute) is int and attribute == value, name


def test_constants_come_from_the_enums_table() -> None:
    produced = 0
    for family, prefix in FAMILIES:
        assert issubclass(family, enum.Enum)
        for member, value in family.__members__.items():
            produced += 1
            name = f"VIR_{prefix}{member}".replace("VIR_ERR_WAR_", "VIR_WAR_")
            assert CONSTANTS[name] == int(value.value)
    assert len(CONSTANTS) <= produced
