"""libvirt-python's libvirt_qemu and libvirt_lxc modules on pyvirt against the real ones.

One program runs under Debian's python3-libvirt and under pyvirt.libvirt_qemu /
pyvirt.libvirt_lxc, in process and through the daemons (libvirtd vs pyvirtd): libvirt's test
driver serves none of these calls, so what is compared is the refusals: NO_SUPPORT naming the
API with no error domain, the read-only refusals (which libvirt's public API makes for the
monitor-event registration too), the argument checks of the public API (pid 0, a negative
callback id) and of the binding's glue (types, int overflow).  ``lxcEnterCGroup`` answers
-1 with the thread's last error on a read-only connection and for unknown flags.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from libvirt_compat import assert_same_answers, real_binding_available

_PROGRAM = """
import libvirt_lxc, libvirt_qemu

rd = r.lookupByName("test")
QUERY = '{"execute": "query-status"}'
cb = lambda *a: None
for expr in [
    "libvirt_qemu.qemuMonitorCommand(d, QUERY, 0)",
    "libvirt_qemu.qemuMonitorCommand(d, 'info status', 1)",
    "libvirt_qemu.qemuMonitorCommand(d, 'x', 2**32 + 1)",
    "libvirt_qemu.qemuMonitorCommand(d, 5, 0)",
    "libvirt_qemu.qemuMonitorCommand(rd, 'info', 1)",
    "libvirt_qemu.qemuMonitorCommandWithFiles(d, 'x')",
    "libvirt_qemu.qemuMonitorCommandWithFiles(d, 'x', [0], 0)",
    "libvirt_qemu.qemuMonitorCommandWithFiles(d, 'x', 'ab', 0)",
    "libvirt_qemu.qemuMonitorCommandWithFiles(rd, 'x')",
    "libvirt_qemu.qemuAgentCommand(d, '{}', -1, 0)",
    "libvirt_qemu.qemuAgentCommand(d, '{}', -7, 0)",
    "libvirt_qemu.qemuAgentCommand(d, '{}', 2**31, 0)",
    "libvirt_qemu.qemuAgentCommand(rd, '{}', 5, 0)",
    "libvirt_qemu.qemuAttach(c, 1234, 0)",
    "libvirt_qemu.qemuAttach(c, 0, 0)",
    "libvirt_qemu.qemuAttach(c, 2**32, 0)",
    "libvirt_qemu.qemuAttach(c, 'x', 0)",
    "libvirt_qemu.qemuAttach(r, 1234, 0)",
    "libvirt_qemu.qemuMonitorEventRegister(c, None, None, cb, None, 0)",
    "libvirt_qemu.qemuMonitorEventRegister(c, d, 'STOP', cb, None, 3)",
    "libvirt_qemu.qemuMonitorEventRegister(c, d, 5, cb, None, 0)",
    "libvirt_qemu.qemuMonitorEventRegister(r, None, None, cb, None, 0)",
    "libvirt_qemu.qemuMonitorEventDeregister(c, 1)",
    "libvirt_qemu.qemuMonitorEventDeregister(c, -1)",
    "libvirt_qemu.qemuMonitorEventDeregister(r, 1)",
    "libvirt_lxc.lxcOpenNamespace(d, 0)",
    "libvirt_lxc.lxcOpenNamespace(rd, 0)",
    "libvirt_lxc.lxcEnterCGroup(rd, 0)",
    "libvirt.virGetLastError()",
    "libvirt_lxc.lxcEnterCGroup(d, 1)",
    "libvirt.virGetLastError()",
]:
    ask(expr)
"""


@pytest.mark.skipif(not real_binding_available(), reason="the real binding is missing")
def test_qemu_and_lxc_calls_answer_as_the_real_binding(uri: str, tmp_path: Path) -> None:
    assert_same_answers(_PROGRAM, uri, tmp_path)


_ENTER_CGROUP = """
import libvirt_lxc

def placement(pid):
    return open(f"/proc/{pid}/cgroup").read()

before = placement("self")
ask("libvirt_lxc.lxcEnterCGroup(d, 0)")
ask("libvirt.virGetLastError()")
# libvirt takes the domain's id as the container's init pid: the test domain's is 1
print(placement("self") == placement(d.ID()), placement("self") != before)
"""


@pytest.mark.skipif(not real_binding_available(), reason="the real binding is missing")
@pytest.mark.skipif(os.geteuid() != 0, reason="joining pid 1's cgroups needs root")
def test_enter_cgroup_moves_the_caller_into_the_domain_init_cgroups(tmp_path: Path) -> None:
    """Each program runs in a process of its own, which the call moves."""
    assert_same_answers(_ENTER_CGROUP, "test:///default", tmp_path)
