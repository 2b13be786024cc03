"""The QEMU driver's capabilities document, compared with libvirtd's on the same host.

The host part (decoded CPU, cells, caches, security models) and the guests of the
installed QEMU binaries must read as ``virsh capabilities`` against libvirtd's
``qemu:///system`` prints them; only the host UUID differs by nature (libvirt makes one up
per daemon on a host without SMBIOS).  The per-binary probe cache and a binary that cannot
be probed are tested in process.
"""

# ruff: noqa: F811 - fixtures imported from qemu_helpers are test parameters
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from daemon_helpers import start_daemon
from qemu_helpers import (  # noqa: F401 - fixtures
    InProcessDriver,
    daemon_env,
    needs_libvirtd_qemu,
    needs_qemu,
    qemu_root,
)

VIRSH = shutil.which("virsh") or "virsh"
PYVIRSH = shutil.which("pyvirsh", path=os.path.dirname(sys.executable)) or "pyvirsh"
_UUID = re.compile(r"<uuid>[0-9a-f-]{36}</uuid>")

pytestmark = needs_qemu


def _caps(program: str, env: dict[str, str]) -> str:
    done = subprocess.run([program, "-c", "qemu:///system", "capabilities"], capture_output=True,
                          text=True, timeout=600, env=env, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return _UUID.sub("<uuid>UUID</uuid>", done.stdout)


@needs_libvirtd_qemu
def test_capabilities_match_libvirtd_but_for_the_host_uuid(
    daemon_env: tuple[Path, dict[str, str]], qemu_root: Path
) -> None:
    (qemu_root / "qemu.conf").unlink()  # qemu.conf's defaults, as libvirtd runs here
    plain = {k: v for k, v in os.environ.items() if not k.endswith("DEFAULT_URI")}
    want = _caps(VIRSH, plain)
    rundir, env = daemon_env
    daemon = start_daemon(rundir, env=env)
    try:
        daemon.wait_worker("qemu")
        got = _caps(PYVIRSH, {**plain, "PYVIRT_RUNTIME_DIR": str(rundir)})
    finally:
        daemon.stop()
    assert "<model>dac</model>" in want and "<guest>" in want
    assert got == want


def test_the_probe_is_kept_per_binary_until_the_binary_changes(qemu_root: Path) -> None:
    from pyvirt_qemu._qemu_probe import QemuProbe

    drv = InProcessDriver(qemu_root)
    try:
        first = drv.connect().capabilities()
    finally:
        drv.stop()
    cache = sorted((qemu_root / "lib" / "capabilities").glob("*.json"))
    assert cache, "no probe was kept on disk"
    binary = shutil.which("qemu-system-x86_64")
    record = next(json.loads(p.read_text()) for p in cache
                  if json.loads(p.read_text())["binary"] == binary)  # fmt: skip
    machines = record["info"]["machines"]
    names = [m["name"] for m in machines]
    assert f"<machine maxCpus='{machines[0]['max_cpus']}'>{names[0]}</machine>" in first
    # A later daemon reads the kept answer instead of starting QEMU again: what the file
    # says is what it reports.
    for path in cache:
        saved = json.loads(path.read_text())
        saved["info"]["machines"] = [{"name": "pyvirt-kept", "max_cpus": 7, "alias": None,
                                      "deprecated": False, "default": True}]  # fmt: skip
        path.write_text(json.dumps(saved))
    assert QemuProbe(qemu_root / "lib" / "capabilities").machines(str(binary))[0].name == "pyvirt-kept"
    # ... until the binary is not the one probed (another inode, size or time).
    for path in cache:
        saved = json.loads(path.read_text())
        saved["stamp"][1] -= 1
        path.write_text(json.dumps(saved))
    again = QemuProbe(qemu_root / "lib" / "capabilities").machines(str(binary))
    assert [m.name for m in again] == names


def test_a_binary_that_cannot_be_probed_is_left_out_as_libvirt_does(
    qemu_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bindir = tmp_path / "bin"
    bindir.mkdir()
    broken = bindir / "qemu-system-aarch64"
    broken.write_text("#!/bin/sh\necho 'qemu: this build is broken' >&2\nexit 1\n")
    broken.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    drv = InProcessDriver(qemu_root)
    try:
        caps = drv.connect().capabilities()
    finally:
        drv.stop()
    assert "<arch name='aarch64'>" not in caps
    assert "<arch name='x86_64'>" in caps


def test_the_session_driver_has_no_dac_model(qemu_root: Path) -> None:
    drv = InProcessDriver(qemu_root)
    try:
        caps = drv.connect().capabilities()
    finally:
        drv.stop()
    assert "<model>none</model>" in caps and "<model>dac</model>" not in caps


def test_cpuid_in_process_reads_what_the_kernel_s_cpuid_device_reads() -> None:
    """The host CPU is decoded from either source (the device needs the cpuid module):
    their feature words must agree (leaf 1's EBX holds the current CPU's APIC id)."""
    from pyvirt_qemu._cpuid import device_reader, native_reader

    device, native = device_reader(), native_reader()
    if device is None or native is None:
        pytest.skip("needs /dev/cpu/0/cpuid (modprobe cpuid) and an x86-64 host")
    for leaf, sub in ((0, 0), (1, 0), (7, 0), (0xD, 1), (0x80000000, 0), (0x80000001, 0)):
        d, n = device(leaf, sub), native(leaf, sub)
        if leaf == 1:
            d, n = (d[0], d[2], d[3]), (n[0], n[2], n[3])
        assert d == n, hex(leaf)


def test_the_host_cpu_is_the_same_without_the_cpuid_device(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pyvirt_qemu import _cpuid, _host_cpu

    with_device = _host_cpu.probe_host_cpu()
    if with_device.model is None:
        pytest.skip("the host CPU is not decoded here (no CPU map or not x86)")
    monkeypatch.setattr(_cpuid, "_DEVICE", "/nonexistent/cpuid")
    without = _host_cpu.probe_host_cpu()
    assert (without.model, without.vendor, without.features) == (
        with_device.model, with_device.vendor, with_device.features)
