"""The QEMU driver's domain capabilities, compared with libvirtd's for the installed QEMU.

``virsh domcapabilities`` against libvirtd's ``qemu:///system`` and ``pyvirsh`` against a
pyvirtd of the test's own, with the defaults (KVM where the host has it), TCG, q35, an older
machine type and the emulator named; and the bad requests (unknown machine, architecture,
virt type, emulator, an architecture without emulator) with libvirt's errors.  Byte for
byte, the host-model CPU (QEMU's host or max CPU decoded against the CPU map) included.
"""

# ruff: noqa: F811 - fixtures imported from qemu_helpers are test parameters
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from daemon_helpers import start_daemon
from qemu_helpers import (  # noqa: F401 - fixtures
    daemon_env,
    needs_libvirtd_qemu,
    needs_qemu,
    qemu_root,
)

VIRSH = shutil.which("virsh") or "virsh"
PYVIRSH = shutil.which("pyvirsh", path=os.path.dirname(sys.executable)) or "pyvirsh"
QEMU = shutil.which("qemu-system-x86_64") or "qemu-system-x86_64"

pytestmark = [needs_qemu, needs_libvirtd_qemu]

REQUESTS = [
    "",
    "--virttype qemu",
    "--machine q35",
    f"--machine pc-i440fx-2.0 --virttype qemu --emulatorbin {QEMU}",
    "--arch x86_64 --machine pc",
    "--machine nosuch",
    "--arch nosuch",
    "--virttype xen",
    "--virttype nosuch",
    "--emulatorbin /usr/bin/nosuch-pyvirt",
    "--arch aarch64" if shutil.which("qemu-system-aarch64") is None else "--arch sparc64",
    "--arch mips64el" if shutil.which("qemu-system-mips64el") is None else "--arch xtensaeb",
]


def _answers(program: str, env: dict[str, str]) -> list[tuple[str, int, str, str]]:
    out = []
    for request in REQUESTS:
        done = subprocess.run([program, "-c", "qemu:///system", "domcapabilities", *request.split()],
                              capture_output=True, text=True, env=env, timeout=600, check=False)  # fmt: skip
        out.append((request, done.returncode, done.stdout, done.stderr))
    return out


def test_domcapabilities_match_libvirtd(
    daemon_env: tuple[Path, dict[str, str]],
) -> None:
    plain = {k: v for k, v in os.environ.items() if not k.endswith("DEFAULT_URI")}
    want = _answers(VIRSH, plain)
    rundir, env = daemon_env
    daemon = start_daemon(rundir, env=env)
    try:
        daemon.wait_worker("qemu")
        got = _answers(PYVIRSH, {**plain, "PYVIRT_RUNTIME_DIR": str(rundir)})
    finally:
        daemon.stop()
    assert "<mode name='custom' supported='yes'>" in want[0][2]
    for g, w in zip(got, want, strict=True):
        assert g == w
