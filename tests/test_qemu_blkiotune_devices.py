"""Per-device blkiotune on running QEMU guests, compared with libvirtd's QEMU driver.

The same virsh commands go to libvirtd (``virsh``) and to a pyvirtd of the test's own
(``pyvirsh``), each against a running guest: throttling limits on the host's loop devices,
a value of 0 taking a limit away, a weight where the host's I/O scheduler has none, and
the bad lists (odd fields, a bad number, a path that is no block device or does not exist),
and a limit the definition holds, set when the guest starts.
Each command's output, error and exit status, the ``<blkiotune>`` of the live and persistent
XML and the guest's cgroup files must be the same for both daemons.
"""

# ruff: noqa: F811 - fixtures imported from qemu_helpers are test parameters
from __future__ import annotations

import os
import re
import shutil
import stat
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
    qemu_root,
)

VIRSH = shutil.which("virsh") or "virsh"
PYVIRSH = shutil.which("pyvirsh", path=os.path.dirname(sys.executable)) or "pyvirsh"
BLKIO = Path("/sys/fs/cgroup/blkio")
LOOPS = ("/dev/loop0", "/dev/loop1")


def _is_block(path: str) -> bool:
    try:
        return stat.S_ISBLK(os.stat(path).st_mode)
    except OSError:
        return False


pytestmark = [
    needs_qemu,
    needs_libvirtd_qemu,
    pytest.mark.skipif(not (BLKIO / "machine").is_dir(),
                       reason="no cgroup v1 blkio hierarchy with libvirt's machine partition"),  # fmt: skip
    pytest.mark.skipif(not all(_is_block(p) for p in LOOPS),
                       reason="the host has no /dev/loop0 and /dev/loop1 block devices"),  # fmt: skip
]


def _commands(name: str) -> list[str]:
    d0, d1 = LOOPS
    return [
        f"blkiotune {name} --device-read-bytes-sec {d0},1048576",
        f"blkiotune {name} --device-write-iops-sec {d0},100,{d1},200 --live",
        f"blkiotune {name} --device-read-iops-sec {d1},300 --device-write-bytes-sec {d1},4096",
        f"blkiotune {name} --device-weights {d0},500",
        f"blkiotune {name} --device-read-bytes-sec {d0}",
        f"blkiotune {name} --device-read-bytes-sec {d0},abc",
        f"blkiotune {name} --device-read-bytes-sec {d0},5x",
        f"blkiotune {name} --device-read-bytes-sec {d0},-5",
        f"blkiotune {name} --device-read-bytes-sec {d0},5,",
        f"blkiotune {name} --device-read-bytes-sec /tmp,5",
        f"blkiotune {name} --device-read-bytes-sec /nonexistent-pyvirt,5",
        f"blkiotune {name} --device-read-bytes-sec ,5",
        f"blkiotune {name} --device-write-iops-sec {d0},0",
        f"blkiotune {name} --device-read-bytes-sec /tmp,5 --config",
        f"blkiotune {name} --config",
        f"blkiotune {name} --device-read-iops-sec {d0},99999999999",
    ]


def _blkiotune(xml: str) -> str:
    m = re.search(r"^ *<blkiotune>.*?</blkiotune>\n", xml, re.S | re.M)
    return m.group(0) if m else ""


def _cgroup_files(name: str) -> dict[str, str]:
    found = [p for p in (BLKIO / "machine").glob(f"qemu-*-{name}.libvirt-qemu") if p.is_dir()]
    assert len(found) == 1, found
    return {f.name: f.read_text() for f in sorted(found[0].glob("blkio.throttle.*_device"))}


def _session(program: str, env: dict[str, str], xml: Path, name: str) -> list[object]:
    def virsh(command: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([program, "-c", "qemu:///system", *command.split(" ")],
                              capture_output=True, text=True, env=env, timeout=300, check=False)  # fmt: skip

    assert virsh(f"define {xml}").returncode == 0
    try:
        assert virsh(f"start {name}").returncode == 0
        out: list[object] = []
        for command in _commands(name):
            done = virsh(command)
            out.append((command, done.returncode, done.stdout, done.stderr))
        out.append(_blkiotune(virsh(f"dumpxml {name}").stdout))
        out.append(_blkiotune(virsh(f"dumpxml --inactive {name}").stdout))
        out.append(_cgroup_files(name))
        return out
    finally:
        virsh(f"destroy {name}")
        virsh(f"undefine {name}")


def test_per_device_blkiotune_matches_libvirtd(
    daemon_env: tuple[Path, dict[str, str]], qemu_root: Path, tmp_path: Path
) -> None:
    name = f"pyvirt-blkio-{uuid.uuid4().hex[:8]}"
    xml = tmp_path / "blkio.xml"
    # a limit in the definition goes into the new cgroup at start
    xml.write_text(f"<domain type='qemu'><name>{name}</name><memory unit='MiB'>64</memory>"
                   f"<blkiotune><device><path>{LOOPS[1]}</path><read_bytes_sec>2048"
                   "</read_bytes_sec></device></blkiotune>"
                   "<os><type arch='x86_64'>hvm</type></os></domain>")  # fmt: skip
    plain = {k: v for k, v in os.environ.items() if not k.endswith("DEFAULT_URI")}
    want = _session(VIRSH, plain, xml, name)
    rundir, env = daemon_env
    daemon = start_daemon(rundir, env=env)
    try:
        daemon.wait_worker("qemu")
        got = _session(PYVIRSH, {**plain, "PYVIRT_RUNTIME_DIR": str(rundir)}, xml, name)
    finally:
        daemon.stop()
    # what libvirtd did: limits in the cgroup, 0 taking one away, the XML as the cgroup has it
    assert want[-1]["blkio.throttle.write_iops_device"] == "7:1 200\n"  # type: ignore[index]
    assert want[-1]["blkio.throttle.read_bps_device"] == "7:0 1048576\n7:1 2048\n"  # type: ignore[index]
    assert "<read_bytes_sec>1048576</read_bytes_sec>" in str(want[-3])
    for g, w in zip(got, want, strict=True):
        assert g == w
