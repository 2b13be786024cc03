"""Every libvirt-python method the real binding answers on test:///default, called with the
arguments of tests/data/libvirt_python_calls.toml by the real binding (/usr/bin/python3) and
by pyvirt.libvirt, in process and through the daemons (libvirtd, pyvirtd): results and errors
(code, domain, message) must be the same.

The data is generated (tests/libvirt_python_surface.py --write) from the real binding's own
classes.  Calls pyvirt does not answer as libvirt yet carry ``pending`` (in process) or
``pending_daemon``: they must still differ, so the mark goes once pyvirt catches up.
"""

from __future__ import annotations

from typing import Any

import pytest
from libvirt_python_surface import compare, load, run, through_daemons
from real_libvirt import real_binding_available

pytestmark = pytest.mark.skipif(
    not real_binding_available(), reason="the real libvirt binding (python3-libvirt) is missing"
)

ENTRIES = [e for e in load() if "needs_args" not in e]


def _check(real: dict[str, Any], ours: dict[str, Any], mark: str) -> list[str]:
    wrong = []
    for e in ENTRIES:
        key = e["expr"]
        same = compare(real[key], ours[key], bool(e.get("volatile")))
        if mark in e and same:
            wrong.append(f"{key}: answers as libvirt now, drop its {mark!r} mark")
        elif mark not in e and not same:
            wrong.append(f"{key}: libvirt {real[key]} != pyvirt {ours[key]}")
    return wrong


def test_the_table_covers_most_of_the_binding() -> None:
    assert len(ENTRIES) > 200, "fewer methods compared than the data was written with"


def test_in_process_answers_are_libvirts() -> None:
    calls = {e["expr"]: e["expr"] for e in ENTRIES}
    real = run("libvirt", "test:///default", calls)
    ours = run("pyvirt", "test:///default", calls)
    assert not _check(real, ours, "pending")


def test_answers_through_the_daemons_are_libvirtds(daemon_uri: str, pyvirtd) -> None:
    calls = {e["expr"]: e["expr"] for e in ENTRIES}
    real, ours = through_daemons(calls, str(pyvirtd.rundir))
    assert not _check(real, ours, "pending_daemon")
