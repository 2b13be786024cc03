"""Every lifecycle command of the QEMU driver against libvirtd's, on the defaults test's
domain definitions (minimal, disks, NICs, consoles, q35 and i440fx, crowded buses).

The same virsh script (start, start --paused, suspend, resume, reset, managedsave and the
start from it, destroy, with dominfo and domstate --reason after each) goes through
libvirtd's qemu:///system and through a pyvirtd of the test's own; the outputs must match
byte for byte once the domain id, UUID and CPU time are masked.  The disk lives in a
directory libvirt's QEMU user can reach (libvirtd chowns the image to it).
"""

# ruff: noqa: F811 - fixtures imported from qemu_helpers are test parameters
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from daemon_helpers import start_daemon
from qemu_helpers import (  # noqa: F401 - fixtures
    QEMU_IMG,
    InProcessDriver,
    daemon_env,
    needs_libvirtd_qemu,
    needs_qemu,
    qemu_driver,
    qemu_pids,
    qemu_root,
    virsh_script,
)
from test_qemu_define_defaults import CASES, _domain

VIRSH = shutil.which("virsh")
PYVIRSH = shutil.which("pyvirsh", path=os.path.dirname(sys.executable)) or "pyvirsh"
pytestmark = [needs_qemu]

@pytest.fixture
def shared_disk() -> Iterator[Path]:
    """A qcow2 image in a directory every user may traverse (libvirtd's QEMU runs as
    libvirt-qemu and must open it)."""
    with tempfile.TemporaryDirectory(prefix="pql-", dir="/tmp") as tmp:
        os.chmod(tmp, 0o711)
        path = Path(tmp) / "disk.qcow2"
        assert QEMU_IMG is not None
        subprocess.run([QEMU_IMG, "create", "-q", "-f", "qcow2", str(path), "16M"], check=True)
        yield path


@needs_libvirtd_qemu
@pytest.mark.parametrize("case", sorted(CASES))
def test_lifecycle_commands_match_libvirtd(
    case: str, daemon_env: tuple[Path, dict[str, str]], shared_disk: Path, tmp_path: Path
) -> None:
    machine, devices = CASES[case]
    # No VNC: a parallel test's guest may hold port 5900 when one daemon asks for it.
    devices = devices.replace("<graphics type='vnc' port='-1'/>", "")
    name = f"pyvirt-life-{uuid.uuid4().hex[:8]}"
    xml = tmp_path / "domain.xml"
    xml.write_text(_domain(name, machine, devices, shared_disk))
    state = f"domstate --reason {name}; dominfo {name}"
    steps = [
        f"define {xml}", f"dominfo {name}", f"start {name}", state, f"suspend {name}", state,
        f"resume {name}", state, f"reset {name}", state, f"managedsave {name}", state,
        f"start {name}", state, f"destroy {name}", state, f"start --paused {name}", state,
        f"resume {name}", state, f"destroy {name}", state, f"undefine {name}",
        f"create --paused {xml}", state, f"destroy {name}",
    ]  # fmt: skip
    script = "; ".join(steps)
    plain = {k: v for k, v in os.environ.items() if not k.endswith("DEFAULT_URI")}
    for _attempt in range(3):
        # libvirtd itself gives up on a QEMU slow to answer when the shared machine is
        # loaded ("terminating on signal 15 from libvirtd"): the reference is taken again.
        try:
            want = virsh_script([VIRSH or "virsh"], script, name, plain)
        finally:
            for cleanup in ("destroy", "undefine --managed-save"):
                subprocess.run([VIRSH or "virsh", "-c", "qemu:///system", *cleanup.split(),
                                name], capture_output=True, timeout=60, check=False)  # fmt: skip
        if not want[2]:
            break
    assert want[0] == 0 and not want[2], want[2]
    assert "paused (user)" in want[1] and "shut off (saved)" in want[1]
    rundir, env = daemon_env
    daemon = start_daemon(rundir, env=env)
    try:
        daemon.wait_worker("qemu")
        got = virsh_script([PYVIRSH], script, name, {**plain, "PYVIRT_RUNTIME_DIR": str(rundir)})
    finally:
        daemon.stop()
    assert got == want
    assert qemu_pids(qemu_root_of(env)) == []


def qemu_root_of(env: dict[str, str]) -> Path:
    return Path(env["PYVIRT_QEMU_ROOT"])


def test_a_guest_with_an_agent_channel_starts_again_from_its_managed_save(
    qemu_driver: InProcessDriver,
) -> None:
    """The saved definition names the channel socket of the run that was saved; the next
    run makes its own (QEMU could not bind in a directory removed with the old run)."""
    xml = _domain("life-agent", "pc", "<channel type='unix'><target type='virtio' "
                  "name='org.qemu.guest_agent.0'/></channel>", Path("/nonexistent"))  # fmt: skip
    dom = qemu_driver.connect().define_domain(xml)
    dom.start()
    first = re.search(r"<source mode='bind' path='([^']+)'", dom.xml_desc())
    dom.managed_save()
    dom.start()
    again = re.search(r"<source mode='bind' path='([^']+)'", dom.xml_desc())
    assert first and again and first[1] != again[1] and Path(again[1]).exists()
    dom.destroy()
