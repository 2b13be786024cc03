"""Helpers for tests that boot real QEMU processes (TCG, 64 MiB, paused firmware only).

Every guest lives under a short temporary root (unix socket paths are limited to 107
bytes); the finalizer kills any QEMU whose command line mentions that root, so a failing
test never leaves a process behind.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyvirt._connection import Connection
from pyvirt._uri import parse_uri

QEMU = shutil.which("qemu-system-x86_64")
QEMU_IMG = shutil.which("qemu-img")
needs_qemu = pytest.mark.skipif(
    QEMU is None or QEMU_IMG is None,
    reason="qemu-system-x86_64 and qemu-img are not installed (apt install qemu-system-x86 "
    "qemu-utils)",
)



def _libvirtd_qemu() -> bool:
    virsh = shutil.which("virsh")
    if virsh is None or os.geteuid() != 0:
        return False
    probe = subprocess.run([virsh, "-c", "qemu:///system", "uri"], capture_output=True,
                           timeout=30, check=False)  # fmt: skip
    return probe.returncode == 0


#: For comparisons with libvirtd's own QEMU driver (``.ci/run`` starts libvirtd as root).
needs_libvirtd_qemu = pytest.mark.skipif(
    not _libvirtd_qemu(),
    reason="libvirtd's qemu:///system is not running (or not as root): nothing to compare with",
)


def guest_xml(name: str, disk: Path | None, *, uuid: str | None = None, extra: str = "") -> str:
    disk_xml = (
        f"<disk type='file' device='disk'><driver name='qemu' type='raw'/>"
        f"<source file='{disk}'/><target dev='vda' bus='virtio'/></disk>"
        if disk is not None
        else ""
    )
    uuid_xml = f"<uuid>{uuid}</uuid>" if uuid else ""
    return (
        f"<domain type='qemu'><name>{name}</name>{uuid_xml}<memory unit='MiB'>64</memory>"
        "<os><type arch='x86_64'>hvm</type></os><devices>"
        f"{disk_xml}<serial type='pty'/><graphics type='vnc' autoport='yes'/>{extra}"
        "</devices></domain>"
    )


def qemu_pids(root: Path) -> list[int]:
    """Live (not zombie) processes whose command line mentions *root*."""
    needle = str(root).encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if needle in cmdline and b"qemu-system" in cmdline and state != "Z":
            found.append(int(entry.name))
    return found


def kill_leftovers(root: Path) -> None:
    for pid in qemu_pids(root):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + 5
    while qemu_pids(root) and time.monotonic() < deadline:
        time.sleep(0.02)


def wait_for(predicate, timeout: float = 60.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return bool(predicate())


class InProcessDriver:
    """A QEMU state driver in this process over *root*, as pyvirtd's worker would host it:
    the session driver's, or with *privileged* root's (qemu:///system: DAC, networks)."""

    def __init__(self, root: Path, *, privileged: bool = False) -> None:
        from pyvirt_qemu import QemuStateDriver

        self.root = root
        self.uri = "qemu:///system" if privileged else "qemu:///session"
        self.state = QemuStateDriver()
        assert int(self.state.initialize(privileged=privileged, root=str(root))) == 1
        self.conns: list[Connection] = []

    def connect(self) -> Connection:
        from pyvirt_qemu import QemuConnectDriver

        raw = self.state.open_connection(parse_uri(self.uri), read_only=False)
        assert raw is not None
        conn = Connection(QemuConnectDriver, raw, read_only=False)
        self.conns.append(conn)
        return conn

    def stop(self) -> None:
        """What pyvirtd's exit does: let go of the monitors, leave the guests running."""
        for conn in self.conns:
            conn.close()
        self.conns.clear()
        self.state.cleanup()


@pytest.fixture
def qemu_root(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("PYVIRT_QEMU_ACCEL", "tcg")
    root = Path(tempfile.mkdtemp(prefix="pq-", dir="/tmp"))
    # The guests of these tests boot files in pytest's private (0700) temp dirs, which
    # libvirt's DAC user could not reach: QEMU runs as root here, as qemu.conf allows.
    # tests/test_qemu_security_dac.py runs QEMU as the real unprivileged user.
    (root / "qemu.conf").write_text('user = "root"\ngroup = "root"\n')
    try:
        yield root
    finally:
        kill_leftovers(root)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def disk(qemu_root: Path) -> Path:
    path = qemu_root / "disk.img"
    assert QEMU_IMG is not None
    subprocess.run([QEMU_IMG, "create", "-q", "-f", "raw", str(path), "1M"], check=True)
    return path


@pytest.fixture
def qemu_driver(qemu_root: Path) -> Iterator[InProcessDriver]:
    drivers: list[InProcessDriver] = []
    drv = InProcessDriver(qemu_root)
    drivers.append(drv)
    try:
        yield drv
    finally:
        drv.stop()


@pytest.fixture
def daemon_env(qemu_root: Path) -> Iterator[tuple[Path, dict[str, str]]]:
    """A runtime dir for a pyvirtd of the test's own, and the environment that roots its
    QEMU worker in *qemu_root* under TCG."""
    with tempfile.TemporaryDirectory(prefix="pvq-", dir="/tmp") as tmp:
        rundir = Path(tmp) / "run"
        old = os.environ.get("PYVIRT_RUNTIME_DIR")
        os.environ["PYVIRT_RUNTIME_DIR"] = str(rundir)
        try:
            yield rundir, {"PYVIRT_QEMU_ROOT": str(qemu_root), "PYVIRT_QEMU_ACCEL": "tcg"}
        finally:
            if old is None:
                os.environ.pop("PYVIRT_RUNTIME_DIR", None)
            else:
                os.environ["PYVIRT_RUNTIME_DIR"] = old


#: What differs by nature between two daemons' answers for one guest: its id, UUID, CPU
#: time and cgroup scope's id.
DAEMON_MASKS = [
    (re.compile(r"^(Id: +)\d+$", re.M), r"\1ID"),
    (re.compile(r"^(UUID: +)[0-9a-f-]{36}$", re.M), r"\1UUID"),
    (re.compile(r"^(CPU time: +)[0-9.]+s$", re.M), r"\1TIME"),
    (re.compile(r"qemu-\d+-"), "qemu-ID-"),
]


def virsh_script(program: list[str], script: str, name: str,
                 env: dict[str, str]) -> tuple[int, str, str]:  # fmt: skip
    """Run a virsh *script* on qemu:///system with *program* (virsh or pyvirsh): exit
    status, stdout masked (:data:`DAEMON_MASKS`) and stderr, *name* shown as NAME."""
    done = subprocess.run([*program, "-c", "qemu:///system", script], capture_output=True,
                          text=True, timeout=600, env=env, check=False)  # fmt: skip
    out = done.stdout.replace(name, "NAME")
    for pattern, repl in DAEMON_MASKS:
        out = pattern.sub(repl, out)
    return done.returncode, out, done.stderr.replace(name, "NAME")


def scripts_on_both_daemons(
    scripts: tuple[str, str], name: str, daemon_env: tuple[Path, dict[str, str]],
    cleanups: tuple[str, ...] = ("destroy", "undefine"),
) -> tuple[tuple[int, str, str], tuple[int, str, str]]:  # fmt: skip
    """(libvirtd's, pyvirtd's) :func:`virsh_script` results: *scripts*' first through
    virsh against libvirtd's QEMU driver (then *cleanups* on *name* there, whatever
    happened), its second through pyvirsh against a pyvirtd of the test's own
    (:func:`daemon_env`).  The two scripts differ only where each side needs its own
    files."""
    from daemon_helpers import start_daemon

    virsh = shutil.which("virsh") or "virsh"
    pyvirsh = shutil.which("pyvirsh", path=os.path.dirname(sys.executable)) or "pyvirsh"
    plain = {k: v for k, v in os.environ.items() if not k.endswith("DEFAULT_URI")}
    try:
        want = virsh_script([virsh], scripts[0], name, plain)
    finally:
        for cleanup in cleanups:
            subprocess.run([virsh, "-c", "qemu:///system", f"{cleanup} {name}"],
                           capture_output=True, timeout=60, check=False)  # fmt: skip
    rundir, env = daemon_env
    daemon = start_daemon(rundir, env=env)
    try:
        daemon.wait_worker("qemu")
        got = virsh_script([pyvirsh], scripts[1], name, {**os.environ, **env})
    finally:
        daemon.stop()
    return want, got
