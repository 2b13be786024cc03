"""virsh against libvirtd's QEMU driver and pyvirsh against pyvirtd's, same guest, same script.

Both daemons run real QEMU here: libvirtd 9.0 on ``qemu:///system`` (the reference) and a
pyvirtd of the test's own rooted in a temporary directory.  The same minimal definition
goes through the same virsh script on each; the outputs must match byte for byte once the
values that differ by nature (domain id, UUID, CPU time, the name) are masked.  Skips where
libvirtd's QEMU driver does not answer.
"""

# ruff: noqa: F811 - fixtures imported from qemu_helpers are test parameters
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from daemon_helpers import start_daemon
from qemu_helpers import (  # noqa: F401 - fixtures
    daemon_env,
    needs_libvirtd_qemu,
    needs_qemu,
    qemu_pids,
    qemu_root,
    virsh_script,
)

VIRSH = shutil.which("virsh")
PYVIRSH = shutil.which("pyvirsh", path=os.path.dirname(sys.executable)) or "pyvirsh"


pytestmark = [needs_qemu, needs_libvirtd_qemu]

def _reference(script: str, name: str, env: dict[str, str]) -> str:
    """virsh's output against libvirtd, from a run in which no command failed.

    A loaded machine sometimes makes libvirtd fail a start (QEMU slow to answer its
    monitor): that run is no reference, so it is made again."""
    errors = []
    for _ in range(3):
        try:
            status, out, err = virsh_script([VIRSH or "virsh"], script, name, env)
        finally:
            for cleanup in ("destroy", "undefine"):
                subprocess.run([VIRSH or "virsh", "-c", "qemu:///system", cleanup, name],
                               capture_output=True, timeout=60, check=False)  # fmt: skip
        if status == 0 and not err:
            return out
        errors.append(err)
    pytest.skip(f"libvirtd failed the script three times: {errors}")


def test_dominfo_and_domstate_match_libvirtd_through_a_whole_lifecycle_and_paused_starts(
    daemon_env: tuple[Path, dict[str, str]], qemu_root: Path, tmp_path: Path
) -> None:
    name = f"pyvirt-parity-{uuid.uuid4().hex[:8]}"
    xml = tmp_path / "parity.xml"
    xml.write_text(
        f"<domain type='qemu'><name>{name}</name><memory unit='MiB'>64</memory>"
        "<os><type arch='x86_64'>hvm</type></os><features><acpi/></features></domain>"
    )
    script = (
        f"define {xml}; dominfo {name}; start {name}; domstate --reason {name}; "
        f"dominfo {name}; suspend {name}; domstate --reason {name}; dominfo {name}; "
        f"resume {name}; domstate --reason {name}; reset {name}; domstate --reason {name}; "
        f"destroy {name}; domstate --reason {name}; dominfo {name}; "
        f"start --paused {name}; domstate --reason {name}; resume {name}; "
        f"domstate --reason {name}; destroy {name}; undefine {name}; "
        f"create --paused {xml}; domstate --reason {name}; destroy {name}"
    )
    plain = {k: v for k, v in os.environ.items() if not k.endswith("DEFAULT_URI")}
    want = _reference(script, name, plain)
    rundir, env = daemon_env
    daemon = start_daemon(rundir, env=env)
    try:
        daemon.wait_worker("qemu")
        status, got, err = virsh_script([PYVIRSH], script, name,
                                        {**plain, "PYVIRT_RUNTIME_DIR": str(rundir)})  # fmt: skip
    finally:
        daemon.stop()
    assert (status, err) == (0, "")
    assert "Security model: none" in want  # what libvirtd says without a security driver
    assert got == want
    assert qemu_pids(qemu_root) == []
