"""A running guest's statistics through pyvirtd against libvirtd's QEMU driver.

The same definition (a qcow2 disk on virtio, two user-mode NICs) runs on both daemons; the
same virsh commands (dommemstat, domblkstat with and without --human, domblkinfo, domifstat,
vcpuinfo, domcontrol, domblkerror) must print the same lines once the counters that differ
by nature (times, byte counts of a guest's own reads, the host CPU a thread last ran on) are
masked.  The interface counters of a tap device are checked by the network test, where a
guest really sends packets (tests/test_qemu_networks.py).
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
    daemon_env,
    needs_libvirtd_qemu,
    needs_qemu,
    qemu_root,
)

pytestmark = [needs_qemu, needs_libvirtd_qemu]
VIRSH = shutil.which("virsh") or "virsh"
PYVIRSH = shutil.which("pyvirsh", path=os.path.dirname(sys.executable)) or "pyvirsh"
COMMANDS = (
    "dommemstat {n}", "domblkstat {n} vda", "domblkstat {n} vda --human", "domblkinfo {n} vda",
    "domblkinfo {n} --all", "domifstat {n} net0", "domifstat {n} 52:54:00:11:22:33",
    "vcpuinfo {n}", "domcontrol {n}", "domblkerror {n}", "domblkstat {n} vdz",
    # vCPU counts and pinning (the last CPU of the host: what both daemons see)
    "vcpucount {n}", "vcpucount {n} --guest", "vcpucount {n} --maximum --live",
    "setvcpus {n} 2", "setvcpus {n} 1 --config", "vcpupin {n} 0 {last}", "vcpupin {n}",
    "vcpupin {n} 5 0", "vcpupin {n} 0 0 --config", "emulatorpin {n} {last}", "emulatorpin {n}",
    "vcpuinfo {n}",
)  # fmt: skip
LAST_CPU = str((os.cpu_count() or 1) - 1)


@pytest.fixture
def image_dir() -> Iterator[Path]:
    """A directory libvirtd's QEMU (user libvirt-qemu) may read, with one small image (in
    /tmp, open to all: /var/lib/libvirt/images exists only where libvirt-daemon-system is)."""
    with tempfile.TemporaryDirectory(prefix="pyvirt-stats-", dir="/tmp") as d:
        os.chmod(d, 0o777)
        assert QEMU_IMG is not None
        subprocess.run([QEMU_IMG, "create", "-q", "-f", "qcow2", f"{d}/disk.qcow2", "64M"],
                       check=True)  # fmt: skip
        os.chmod(f"{d}/disk.qcow2", 0o666)
        yield Path(d)


def _xml(name: str, disk: Path) -> str:
    return (
        f"<domain type='qemu'><name>{name}</name><memory unit='MiB'>64</memory>"
        "<os><type arch='x86_64'>hvm</type></os><devices>"
        "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
        f"<source file='{disk}'/><target dev='vda' bus='virtio'/></disk>"
        "<interface type='user'><mac address='52:54:00:11:22:33'/><model type='virtio'/>"
        "</interface></devices></domain>"
    )


def _masked(out: str) -> str:
    out = re.sub(r"^((?:vda )?(?:rd|wr|flush)_\w+ |rss |actual |last_update )\d+$", r"\1N",
                 out, flags=re.M)  # fmt: skip
    out = re.sub(r"^( (?:number|total) of [^:]+:\s+|(?: total duration)[^:]+:\s+)\d+$", r"\1N",
                 out, flags=re.M)  # fmt: skip
    out = re.sub(r"^(Allocation|Physical|CPU|CPU time):(\s+)\S+$", r"\1:\2N", out, flags=re.M)
    return re.sub(r"^( vda\s+\d+\s+)\d+(\s+)\d+$", r"\1N\2N", out, flags=re.M)


def _run_all(program: str, name: str, xml: Path, env: dict[str, str]) -> list[str]:
    def run(line: str) -> str:
        done = subprocess.run([program, "-c", "qemu:///system", *line.split()],
                              capture_output=True, text=True, timeout=120, env=env)  # fmt: skip
        return f"rc={done.returncode}\n{done.stdout}{done.stderr}"

    started = run(f"create {xml}")
    assert started.startswith("rc=0"), started
    try:
        return [_masked(run(c.format(n=name, last=LAST_CPU))) for c in COMMANDS]
    finally:
        run(f"destroy {name}")


def test_statistics_commands_match_libvirtd(
    daemon_env: tuple[Path, dict[str, str]], image_dir: Path, tmp_path: Path
) -> None:
    name = f"pyvirt-stats-{uuid.uuid4().hex[:8]}"
    xml = tmp_path / "stats.xml"
    xml.write_text(_xml(name, image_dir / "disk.qcow2"))
    plain = {k: v for k, v in os.environ.items() if not k.endswith("DEFAULT_URI")}
    want = _run_all(VIRSH, name, xml, plain)
    rundir, env = daemon_env
    daemon = start_daemon(rundir, env=env)
    try:
        daemon.wait_worker("qemu")
        got = _run_all(PYVIRSH, name, xml, {**plain, "PYVIRT_RUNTIME_DIR": str(rundir)})
    finally:
        daemon.stop()
    for command, ours, theirs in zip(COMMANDS, got, want, strict=True):
        assert ours == theirs, command
    assert "rc=0\nvda rd_req N\n" in got[1]  # the counters themselves, not an error


def test_pins_in_the_definition_reach_the_threads_of_a_started_guest(
    daemon_env: tuple[Path, dict[str, str]], image_dir: Path, qemu_root: Path
) -> None:
    """vcpupin/emulatorpin --config are kept in <cputune> and applied to QEMU's own threads
    when the guest starts; a live pin moves a running thread at once."""
    import pyvirt
    from qemu_helpers import qemu_pids

    last = int(LAST_CPU)
    rundir, env = daemon_env
    daemon = start_daemon(rundir, env=env)
    try:
        daemon.wait_worker("qemu")
        with pyvirt.open("qemu:///system") as conn:
            dom = conn.define_domain(_xml("pins", image_dir / "disk.qcow2"))
            only_last = bytes([1 << last]) if last < 8 else bytes(last // 8) + bytes([1 << (last % 8)])
            dom.pin_vcpu(0, only_last, 2)  # VIR_DOMAIN_AFFECT_CONFIG
            dom.pin_emulator(only_last, 2)
            assert f"<vcpupin vcpu='0' cpuset='{last}'/>" in dom.xml_desc()
            dom.start()
            (pid,) = qemu_pids(qemu_root)
            threads = {}
            for task in Path(f"/proc/{pid}/task").iterdir():
                status = (task / "status").read_text()
                allowed = re.search(r"Cpus_allowed_list:\s*(\S+)", status).group(1)  # type: ignore[union-attr]
                threads[(task / "comm").read_text().strip()] = allowed
            assert threads and set(threads.values()) == {str(last)}, threads
            if last:
                dom.pin_vcpu(0, b"\x01", 1)  # live: CPU 0
                vcpu_thread = next(t for t in Path(f"/proc/{pid}/task").iterdir()
                                   if "CPU 0" in (t / "comm").read_text())  # fmt: skip
                assert "Cpus_allowed_list:\t0\n" in (vcpu_thread / "status").read_text()
                assert "<vcpupin vcpu='0' cpuset='0'/>" in dom.xml_desc()
                assert f"<vcpupin vcpu='0' cpuset='{last}'/>" in dom.xml_desc(2)  # INACTIVE
            dom.destroy()
            dom.undefine()
    finally:
        daemon.stop()
