"""Images, definitions and a virsh runner shared by the QEMU driver's block-call tests
(resize, I/O throttling, thresholds, block jobs).

Images live in a world-readable directory so that libvirtd's QEMU (another user) can open
the same files when a test compares with it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from qemu_helpers import QEMU_IMG
from test_qemu_disks import shared_images  # noqa: F401 - the fixture, re-exported

VIRSH = shutil.which("virsh")
PYVIRSH = shutil.which("pyvirsh", path=os.path.dirname(sys.executable)) or "pyvirsh"
MiB = 1024 * 1024


def img(path: Path, fmt: str, size: str = "8M", backing: Path | None = None,
        backing_fmt: str = "qcow2") -> Path:  # fmt: skip
    cmd = [QEMU_IMG or "qemu-img", "create", "-q", "-f", fmt]
    if backing is not None:
        cmd += ["-b", str(backing), "-F", backing_fmt]
    subprocess.run([*cmd, str(path), *([size] if backing is None else [])], check=True)
    return path


def chain(d: Path, depth: int = 3, prefix: str = "") -> list[Path]:
    """A qcow2 backing chain, base first: ``base``, ``mid`` …, ``top`` (8 MiB)."""
    names = ["base", *[f"mid{n}" for n in range(1, depth - 1)], "top"][:depth]
    paths: list[Path] = []
    for name in names:
        below = paths[-1] if paths else None
        paths.append(img(d / f"{prefix}{name}.qcow2", "qcow2", backing=below))
    return paths


def virtual_size(path: Path) -> int:
    """The image's size as qemu-img reads it (``-U``: QEMU may hold the lock)."""
    out = subprocess.run([QEMU_IMG or "qemu-img", "info", "-U", "--output=json", str(path)],
                         capture_output=True, text=True, check=True).stdout  # fmt: skip
    return int(json.loads(out)["virtual-size"])


def backing_of(path: Path) -> str | None:
    out = subprocess.run([QEMU_IMG or "qemu-img", "info", "-U", "--output=json", str(path)],
                         capture_output=True, text=True, check=True).stdout  # fmt: skip
    return json.loads(out).get("backing-filename")


def disk_xml(path: Path, dev: str, fmt: str = "qcow2", more: str = "") -> str:
    return (
        f"<disk type='file' device='disk'><driver name='qemu' type='{fmt}'/>"
        f"<source file='{path}'/><target dev='{dev}' bus='virtio'/>{more}</disk>"
    )


def domain_xml(name: str, disks: str) -> str:
    return (
        f"<domain type='qemu'><name>{name}</name><memory unit='MiB'>64</memory>"
        f"<os><type arch='x86_64'>hvm</type></os><devices>{disks}</devices></domain>"
    )


def run_both(commands: list[str], name: str, make: Callable[[], None],
             daemon_env: tuple[Path, dict[str, str]]) -> tuple[list[tuple[int, str, str]], ...]:  # fmt: skip
    """(virsh against libvirtd, pyvirsh against a pyvirtd of the test's own): exit status,
    stdout and stderr of each of *commands* on ``qemu:///system`` (one virsh run each:
    virsh stops a script at its first error), each side on images fresh from *make* (the
    same paths, so the outputs can be compared as they are)."""
    from daemon_helpers import start_daemon
    from qemu_helpers import virsh_script

    plain = {k: v for k, v in os.environ.items() if not k.endswith("DEFAULT_URI")}
    make()
    try:
        want = [virsh_script([VIRSH or "virsh"], c, name, plain) for c in commands]
    finally:
        for cleanup in ("destroy", "undefine"):
            subprocess.run([VIRSH or "virsh", "-c", "qemu:///system", cleanup, name],
                           capture_output=True, timeout=60, check=False)  # fmt: skip
    make()
    rundir, env = daemon_env
    daemon = start_daemon(rundir, env=env)
    try:
        daemon.wait_worker("qemu")
        env = {**plain, "PYVIRT_RUNTIME_DIR": str(rundir)}
        got = [virsh_script([PYVIRSH], c, name, env) for c in commands]
    finally:
        daemon.stop()
    return want, got
