"""A libvirt-python program drives real QEMU guests through pyvirtd with pyvirt.libvirt.

The same text as a libvirt-python program (qemu:///system, define/create/suspend/resume/
destroy/undefine, with libvirt's state numbers); run in a subprocess with pyvirt.libvirt
standing in for libvirt, against a pyvirtd whose QEMU worker is rooted in a temporary dir.
"""

# ruff: noqa: F811 - fixtures imported from qemu_helpers are test parameters
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from daemon_helpers import start_daemon
from qemu_helpers import guest_xml, needs_qemu, qemu_pids, qemu_root  # noqa: F401

pytestmark = [
    needs_qemu,
    pytest.mark.skipif(os.geteuid() != 0, reason="qemu:///system through pyvirtd needs root"),
]

PROGRAM = r'''
import libvirt, sys
xml = sys.stdin.read()
conn = libvirt.open("qemu:///system")
print("type", conn.getType())
dom = conn.defineXML(xml)
print("defined", dom.name(), dom.isActive(), dom.isPersistent(), dom.state())
dom.create()
print("started", dom.state()[0] == libvirt.VIR_DOMAIN_RUNNING, dom.ID() > 0)
dom.suspend()
print("suspended", dom.state() == [libvirt.VIR_DOMAIN_PAUSED, libvirt.VIR_DOMAIN_PAUSED_USER])
dom.resume()
print("resumed", dom.state()[0])
names = sorted(d.name() for d in conn.listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE))
print("active", names)
dom.destroy()
print("destroyed", dom.state() == [libvirt.VIR_DOMAIN_SHUTOFF, libvirt.VIR_DOMAIN_SHUTOFF_DESTROYED])
try:
    dom.resume()
except libvirt.libvirtError as e:
    print("resume when off", e.get_error_code())
dom.undefine()
try:
    conn.lookupByName(dom.name())
except libvirt.libvirtError as e:
    print("gone", e.get_error_code())
conn.close()
'''

BOOT = "import sys, pyvirt.libvirt as m; sys.modules['libvirt'] = m; exec(sys.argv[1])"


def test_libvirt_python_program_manages_a_qemu_guest_through_pyvirtd(qemu_root: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="pvq-", dir="/tmp") as tmp:
        rundir = Path(tmp) / "run"
        env = {"PYVIRT_QEMU_ROOT": str(qemu_root), "PYVIRT_QEMU_ACCEL": "tcg"}
        daemon = start_daemon(rundir, env=env)
        try:
            daemon.wait_worker("qemu")
            done = subprocess.run(
                [sys.executable, "-c", BOOT, PROGRAM],
                input=guest_xml("compat1", None),
                capture_output=True,
                text=True,
                timeout=120,
                env={**os.environ, "PYVIRT_RUNTIME_DIR": str(rundir)},
                check=False,
            )
        finally:
            daemon.stop()
        assert done.returncode == 0, done.stderr
        assert done.stdout.splitlines() == [
            "type QEMU",
            "defined compat1 0 1 [5, 0]",
            "started True True",
            "suspended True",
            "resumed 1",
            "active ['compat1']",
            "destroyed True",
            "resume when off 55",
            "gone 42",
        ]
        assert qemu_pids(qemu_root) == []
