"""A guest's QEMU in its own cgroup, and schedinfo/memtune/blkiotune on it, as libvirtd does.

The same virsh script runs against libvirtd's qemu:///system and (pyvirsh) against a
pyvirtd of the test's own; the outputs must match byte for byte.  The in-process tests read
the cgroup files themselves: where QEMU's threads are, that a value set through the API is
in the file, that a value written into the file is what the API reads back, and that the
cgroup is gone once the guest stops.  Skips where no cgroup hierarchy is writable.
"""

# ruff: noqa: F811 - fixtures imported from qemu_helpers are test parameters
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from daemon_helpers import start_daemon
from pyvirt import ErrorCode, TypedParameter, TypedParameterType, VirtError, typed_param
from qemu_helpers import (  # noqa: F401 - fixtures
    InProcessDriver,
    daemon_env,
    needs_libvirtd_qemu,
    needs_qemu,
    qemu_pids,
    qemu_root,
    virsh_script,
)

VIRSH = shutil.which("virsh")
PYVIRSH = shutil.which("pyvirsh", path=os.path.dirname(sys.executable)) or "pyvirsh"
CPU_V1 = Path("/sys/fs/cgroup/cpu")
MEMORY_V1 = Path("/sys/fs/cgroup/memory")


def _writable_v1() -> bool:
    return os.geteuid() == 0 and all(os.access(p, os.W_OK) and (p / "tasks").exists()
                                     for p in (CPU_V1, MEMORY_V1))  # fmt: skip


pytestmark = [
    needs_qemu,
    pytest.mark.skipif(not _writable_v1(), reason="cgroup v1 cpu and memory hierarchies are not "
                       "mounted writable here (not root, or a v2-only host)"),  # fmt: skip
]


def _xml(name: str, tune: str = "") -> str:
    return (
        f"<domain type='qemu'><name>{name}</name><memory unit='MiB'>64</memory>"
        f"<vcpu>2</vcpu>{tune}<os><type arch='x86_64'>hvm</type></os></domain>"
    )


def _params(**values: int) -> list[TypedParameter]:
    """Typed parameters as libvirt declares them: quotas signed, the rest unsigned."""
    return [typed_param(k, TypedParameterType.LLONG if k.endswith("quota")
                        else TypedParameterType.ULLONG, v) for k, v in values.items()]  # fmt: skip


def _scope(run_id: int, name: str) -> str:
    return f"machine/qemu-{run_id}-{name}.libvirt-qemu"


def test_qemu_and_its_vcpus_are_placed_and_the_files_are_the_truth(qemu_root: Path) -> None:
    drv = InProcessDriver(qemu_root, privileged=True)
    try:
        tune = ("<memtune><hard_limit unit='KiB'>200000</hard_limit></memtune>"
                "<cputune><shares>300</shares><quota>20000</quota></cputune>")  # fmt: skip
        dom = drv.connect().define_domain(_xml("cg-place", tune))
        dom.start()
        [pid] = qemu_pids(qemu_root)
        scope = _scope(dom.id, "cg-place")
        lines = Path(f"/proc/{pid}/cgroup").read_text()
        assert f"cpu:/{scope}/emulator\n" in lines and f"memory:/{scope}\n" in lines
        cpu = CPU_V1 / scope
        vcpu_tids = {int(t) for i in (0, 1) for t in (cpu / f"vcpu{i}" / "tasks").read_text().split()}
        assert len(vcpu_tids) == 2 and pid not in vcpu_tids
        # The definition's tunables went into the files at start...
        assert (cpu / "cpu.shares").read_text().strip() == "300"
        assert (cpu / "vcpu1" / "cpu.cfs_quota_us").read_text().strip() == "20000"
        assert int((MEMORY_V1 / scope / "memory.limit_in_bytes").read_text()) == 200000 << 10
        # ...what the API sets lands in them...
        dom.set_scheduler_parameters(_params(emulator_quota=30000))
        assert (cpu / "emulator" / "cpu.cfs_quota_us").read_text().strip() == "30000"
        dom.set_memory_parameters(_params(soft_limit=100000))
        assert int((MEMORY_V1 / scope / "memory.soft_limit_in_bytes").read_text()) == 100000 << 10
        # ...and what someone else writes there is what the API reads back.
        (cpu / "cpu.shares").write_text("777")
        assert dom.scheduler_parameters()["cpu_shares"] == 777
        dom.destroy()
        assert not cpu.exists() and not (MEMORY_V1 / scope).exists()
    finally:
        drv.stop()


def test_a_hotplugged_vcpu_gets_its_cgroup_tunables_and_pin_as_a_boot_vcpu(
    qemu_root: Path,
) -> None:
    drv = InProcessDriver(qemu_root, privileged=True)
    try:
        xml = _xml("cg-plug", "<cputune><vcpupin vcpu='1' cpuset='0'/><period>100000</period>"
                   "<quota>30000</quota></cputune>").replace(
            "<vcpu>2</vcpu>", "<vcpu current='1'>2</vcpu>")  # fmt: skip
        dom = drv.connect().define_domain(xml)
        dom.start()
        cpu = CPU_V1 / _scope(dom.id, "cg-plug")
        assert not (cpu / "vcpu1").exists()
        dom.set_vcpus(2, 1)  # VIR_DOMAIN_AFFECT_LIVE: QEMU's device_add of the second vCPU
        [tid] = [int(t) for t in (cpu / "vcpu1" / "tasks").read_text().split()]
        assert tid not in {int(t) for t in (cpu / "vcpu0" / "tasks").read_text().split()}
        assert (cpu / "vcpu1" / "cpu.cfs_quota_us").read_text().strip() == "30000"
        assert os.sched_getaffinity(tid) == {0}
        # schedinfo reaches the plugged vCPU too
        dom.set_scheduler_parameters(_params(vcpu_quota=40000))
        assert (cpu / "vcpu1" / "cpu.cfs_quota_us").read_text().strip() == "40000"
        dom.destroy()
        assert not cpu.exists()
    finally:
        drv.stop()


def test_a_partition_another_start_has_only_just_made_is_used(qemu_root: Path) -> None:
    """Two guests starting at once both find their partition missing and both create it;
    the second must use the first's, even before that one gave the cpuset its CPUs."""
    partition = f"pyvirt-half-{uuid.uuid4().hex[:8]}"
    cpuset = Path("/sys/fs/cgroup/cpuset") / partition
    if not (cpuset.parent / "cpuset.cpus").exists():
        pytest.skip("no cgroup v1 cpuset hierarchy here")
    cpuset.mkdir()  # as a racing start leaves it: made, CPUs not copied yet
    assert (cpuset / "cpuset.cpus").read_text().strip() == ""
    drv = InProcessDriver(qemu_root, privileged=True)
    try:
        resource = f"<resource><partition>/{partition}</partition></resource>"
        dom = drv.connect().define_domain(_xml("cg-half", resource))
        dom.start()
        [pid] = qemu_pids(qemu_root)
        scope = f"{partition}/qemu-{dom.id}-cg-half.libvirt-qemu"
        assert f"cpuset:/{scope}/emulator\n" in Path(f"/proc/{pid}/cgroup").read_text()
        dom.destroy()
    finally:
        drv.stop()
        for controller in Path("/sys/fs/cgroup").iterdir():
            if (controller / partition).is_dir():
                (controller / partition).rmdir()


def test_bad_values_and_the_session_driver_get_libvirts_errors(qemu_root: Path) -> None:
    drv = InProcessDriver(qemu_root, privileged=True)
    try:
        dom = drv.connect().define_domain(_xml("cg-bad"))
        dom.start()
        cases = [
            (_params(vcpu_period=10), "value of 'vcpu_period' is out of range [1000, 1000000]"),
            (_params(vcpu_quota=10), "value of 'vcpu_quota' is out of range [1000, 17592186044415]"),
            (_params(cpu_shares=1), "shares '1' must be in range [2, 262144]"),
        ]
        for params, message in cases:
            with pytest.raises(VirtError) as err:
                dom.set_scheduler_parameters(params)
            assert err.value.code == ErrorCode.INVALID_ARG and str(err.value).endswith(message)
        with pytest.raises(VirtError, match="must be lower than or equal to swap_hard_limit"):
            dom.set_memory_parameters(_params(hard_limit=300000, swap_hard_limit=200000))
        assert dom.scheduler_parameters()["cpu_shares"] == 1024  # nothing changed
        dom.destroy()
    finally:
        drv.stop()
    session = InProcessDriver(qemu_root)
    try:
        dom = session.connect().define_domain(_xml("cg-session"))
        for call, what in ((dom.scheduler_parameters, "CPU"),
                           (dom.memory_parameters, "Memory")):  # fmt: skip
            with pytest.raises(VirtError) as err:
                call()
            assert err.value.code == ErrorCode.OPERATION_INVALID
            assert str(err.value).endswith(f"{what} tuning is not available in session mode")
    finally:
        session.stop()


# ---------------------------------------------------------------- against libvirtd


def _run(program: list[str], script: str, name: str, env: dict[str, str]) -> tuple[str, str]:
    return virsh_script(program, script, name, env)[1:]


def _tunables(xml: str) -> str:
    """The live XML's <memtune>, <cputune>, <blkiotune> and <resource> elements."""
    return "".join(re.findall(r"^  <(?:memtune|cputune|blkiotune|resource)>.*?^  </\w+>\n",
                              xml, re.M | re.S))  # fmt: skip


@needs_libvirtd_qemu
def test_schedinfo_memtune_and_blkiotune_match_libvirtd(
    daemon_env: tuple[Path, dict[str, str]], qemu_root: Path, tmp_path: Path
) -> None:
    name = f"pyvirt-cg-{uuid.uuid4().hex[:8]}"
    xml = tmp_path / "cg.xml"
    xml.write_text(_xml(name))
    # A blkio weight this host's block scheduler cannot take: the start fails, on both.
    weighted = tmp_path / "weighted.xml"
    weighted.write_text(_xml(f"{name}b", "<blkiotune><weight>300</weight></blkiotune>"))
    steps = [
        f"define {xml}", f"start {name}", f"schedinfo {name}",
        f"schedinfo {name} cpu_shares=512",
        f"schedinfo {name} --set vcpu_period=50000 --set vcpu_quota=25000",
        f"schedinfo {name} emulator_quota=30000 global_period=200000 global_quota=100000",
        f"schedinfo {name} iothread_quota=20000",
        f"schedinfo {name} --config cpu_shares=300 vcpu_quota=20000",
        f"schedinfo {name} --config", f"memtune {name}",
        f"memtune {name} --hard-limit 200000 --soft-limit 100000", f"memtune {name}",
        f"memtune {name} --swap-hard-limit 300000", f"memtune {name}",
        f"memtune {name} --config", f"blkiotune {name} --config",
        f"blkiotune {name} --config --weight 500", f"blkiotune {name} --config",
        f"dumpxml {name}",
    ]  # fmt: skip
    failing = [f"schedinfo {name} vcpu_period=10", f"schedinfo {name} cpu_shares=1",
               f"memtune {name} --swap-hard-limit 150000", f"memtune {name} --config "
               "--hard-limit 400000", f"create {weighted}", f"blkiotune {name} --weight 500"]  # fmt: skip
    plain = {k: v for k, v in os.environ.items() if not k.endswith("DEFAULT_URI")}

    def both(program: list[str], env: dict[str, str]) -> list[tuple[str, str]]:
        results = [_run(program, "; ".join(steps), name, env)]
        results += [_run(program, step, name, env) for step in failing]
        _run(program, f"destroy {name}; undefine {name}", name, env)
        return results

    try:
        want = both([VIRSH or "virsh"], plain)
    finally:
        for cleanup in ("destroy", "undefine"):
            subprocess.run([VIRSH or "virsh", "-c", "qemu:///system", cleanup, name],
                           capture_output=True, timeout=60, check=False)  # fmt: skip
    rundir, env = daemon_env
    daemon = start_daemon(rundir, env=env)
    try:
        daemon.wait_worker("qemu")
        got = both([PYVIRSH], {**plain, "PYVIRT_RUNTIME_DIR": str(rundir)})
    finally:
        daemon.stop()
    want_out, got_out = want[0][0], got[0][0]
    assert "cpu_shares     : 512" in want_out and "<partition>/machine</partition>" in want_out
    # Everything but the XML (whose ids, uuid and pty differ) byte for byte; then the
    # tunables of the live XML.
    cut = want_out.index("<domain"), got_out.index("<domain")
    assert got_out[: cut[1]] == want_out[: cut[0]]
    assert _tunables(got_out[cut[1]:]) == _tunables(want_out[cut[0]:])
    assert got[1:] == want[1:]
    assert qemu_pids(qemu_root) == []
    assert not list(CPU_V1.glob(f"machine/qemu-*-{name}.libvirt-qemu"))
