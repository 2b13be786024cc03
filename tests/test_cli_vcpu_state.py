"""The number and state of vCPUs: virsh's ``maxvcpus``, ``setvcpu`` and ``guestvcpus``
compared with the real virsh (stdout, stderr, exit status) in process and through the daemons.
libvirt's test driver has no guest agent and no vCPU hot(un)plug, so past virsh's own option
checks both answer "not supported", as here; and libvirt-python's guestVcpus, setGuestVcpus
and setVcpu against the real binding (whose guestVcpus answers None on failure).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import compare, needs_virsh
from libvirt_compat import assert_same_answers, real_binding_available


@pytest.mark.parametrize(
    "command",
    [
        "maxvcpus",
        "maxvcpus --type kvm",
        "maxvcpus x",
        "maxvcpus --type ''",
        "help maxvcpus",
        "guestvcpus test",
        "guestvcpus test --enable --cpulist 1",
        "guestvcpus test --disable --cpulist 0-1",
        "guestvcpus test --enable",
        "guestvcpus test --disable",
        "guestvcpus test --cpulist 1",
        "guestvcpus test --enable --disable --cpulist 1",
        "guestvcpus test --cpulist ''",
        "guestvcpus nosuch",
        "guestvcpus nosuch --cpulist 1",
        "help guestvcpus",
        "setvcpu test 1",
        "setvcpu nosuch 1",
        "setvcpu test 1 --enable --disable",
        "setvcpu test x --enable",
        "setvcpu test 1 --disable --config --live",
        "setvcpu test 1 --enable --current --live",
        "setvcpu nosuch 1 --enable",
        "setvcpu test '' --enable",
        "setvcpu test --enable",
        "help setvcpu",
    ],
)
@needs_virsh
def test_commands_and_their_errors(uri, command):
    compare("-c", uri, command)


@needs_virsh
def test_read_only_connections(uri):
    compare("-r", "-c", uri, "maxvcpus")
    compare("-r", "-c", uri, "guestvcpus test")
    compare("-r", "-c", uri, "guestvcpus test --enable --cpulist 1")
    compare("-r", "-c", uri, "setvcpu test 1 --enable")


_PROGRAM = r"""
for expr in [
    "c.getMaxVcpus(None)", "c.getMaxVcpus('kvm')", "d.guestVcpus()", "d.guestVcpus(1)",
    "libvirt.virGetLastError()[:3]", "d.setGuestVcpus('1', 1)", "d.setGuestVcpus(None, 1)",
    "d.setVcpu('1', 1)", "d.setVcpu('1', 0, 2)", "d.setVcpu(None, 1)", "d.setVcpu('1', 'x')",
    "d.setVcpu('1', 2**40)", "r.lookupByName('test').setVcpu('1', 1)",
    "r.lookupByName('test').guestVcpus()",
]:
    ask(expr)
"""


@pytest.mark.skipif(not real_binding_available(), reason="the real binding is missing")
def test_libvirt_python_answers_match_the_real_binding(uri: str, tmp_path: Path) -> None:
    assert_same_answers(_PROGRAM, uri, tmp_path)
