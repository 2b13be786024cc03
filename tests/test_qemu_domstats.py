"""``domstats`` (virConnectGetAllDomainStats, virDomainListGetStats) of the QEMU driver.

Against libvirtd's own QEMU driver: the same three guests (one running with a qcow2 disk
over a backing image, a NIC on a bridge and a user-mode NIC; one paused; one shut off) go
through the same virsh script on both daemons, and the outputs must match line for line,
key names and order included, once the values that move by nature (CPU times, resident
sets, I/O counters and what the running images have grown to) are masked.

In process (a QEMU state driver in the test's process): the flags and bad input, and how a
guest whose job is held is answered, with and without NOWAIT.
"""

# ruff: noqa: F811 - fixtures imported from qemu_helpers are test parameters
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
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
    qemu_root,
    virsh_script,
)

pytestmark = [needs_qemu]
VIRSH = shutil.which("virsh") or "virsh"
PYVIRSH = shutil.which("pyvirsh", path=os.path.dirname(sys.executable)) or "pyvirsh"
IP = shutil.which("ip")
NOWAIT, BACKING, ENFORCE = 1 << 29, 1 << 30, 1 << 31
#: The groups that need the monitor: absent for a guest whose job could not be had.
MONITOR_ONLY = re.compile(
    r"^(balloon\.(rss|last-update)|cpu\.haltpoll\..*|block\.\d+\.(rd|wr|fl)\..*"
    r"|block\.\d+\.(allocation|capacity|physical)|dirtyrate\..*)$"
)


def _qemu_img(*args: str) -> None:
    assert QEMU_IMG is not None
    subprocess.run([QEMU_IMG, *args], check=True, capture_output=True)


@pytest.fixture
def images() -> Iterator[Path]:
    """Images libvirtd's QEMU (user libvirt-qemu) may read too: ``disk.qcow2`` over
    ``base.qcow2``, and ``off.qcow2`` for the guest that stays shut off."""
    with tempfile.TemporaryDirectory(prefix="pyvirt-dstats-", dir="/tmp") as d:
        os.chmod(d, 0o777)
        _qemu_img("create", "-q", "-f", "qcow2", f"{d}/base.qcow2", "32M")
        _qemu_img("create", "-q", "-f", "qcow2", "-b", f"{d}/base.qcow2", "-F", "qcow2",
                  f"{d}/disk.qcow2", "64M")  # fmt: skip
        _qemu_img("create", "-q", "-f", "qcow2", f"{d}/off.qcow2", "16M")
        for name in ("base", "disk", "off"):
            os.chmod(f"{d}/{name}.qcow2", 0o666)
        yield Path(d)


@pytest.fixture
def bridge() -> Iterator[str]:
    """A host bridge of the test's own, for a NIC whose tap both daemons make."""
    name = f"qsbr{uuid.uuid4().hex[:6]}"
    if IP is None or os.geteuid() != 0:
        pytest.skip("a bridge needs iproute2 and root")
    made = subprocess.run([IP, "link", "add", "name", name, "type", "bridge"],
                          capture_output=True, text=True, check=False)  # fmt: skip
    if made.returncode != 0:
        pytest.skip(f"cannot make a bridge here: {made.stderr.strip()}")
    try:
        yield name
    finally:
        subprocess.run([IP, "link", "del", name], capture_output=True, check=False)


def _guest_xml(name: str, disk: Path | None, *, nics: str = "") -> str:
    disk_xml = (
        "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
        f"<source file='{disk}'/><target dev='vda' bus='virtio'/></disk>"
        if disk is not None
        else ""
    )
    return (
        f"<domain type='qemu'><name>{name}</name><memory unit='MiB'>64</memory>"
        "<currentMemory unit='MiB'>48</currentMemory><vcpu current='1'>2</vcpu>"
        f"<os><type arch='x86_64'>hvm</type></os><devices>{disk_xml}{nics}</devices></domain>"
    )


def _nics(bridge: str, tap: str) -> str:
    return (
        f"<interface type='bridge'><source bridge='{bridge}'/><target dev='{tap}'/>"
        "<mac address='52:54:00:5a:00:01'/><model type='virtio'/></interface>"
        "<interface type='user'><mac address='52:54:00:5a:00:02'/><model type='virtio'/>"
        "</interface>"
    )


_MOVING = re.compile(
    r"^(  (?:cpu\.(?:time|user|system)|balloon\.rss|vcpu\.\d+\.(?:time|wait|delay)"
    r"|net\.\d+\.(?:rx|tx)\.\w+|block\.\d+\.(?:rd|wr|fl)\.\w+)=)\d+$",
    re.M,
)
#: What a running image has grown to (QEMU writes its header): differs between two runs.
_GROWN = re.compile(r"^(  block\.\d+\.(?:allocation|physical)=)\d+$", re.M)


def _masked(out: str) -> str:
    records = []
    for record in out.split("\n\n"):
        record = _MOVING.sub(r"\1N", record)
        if "state.state=5" not in record:
            record = _GROWN.sub(r"\1N", record)
        records.append(record)
    return "\n\n".join(records)


def _script(prefix: str, xmls: dict[str, Path]) -> str:
    run, paused, off = (f"{prefix}-{k}" for k in ("run", "paused", "off"))
    all3 = f"{run} {paused} {off}"
    return "; ".join([
        *(f"define {path}" for path in xmls.values()),
        f"start {run}", f"start --paused {paused}",
        f"domstats {all3}", f"domstats --backing {all3}", f"domstats --raw --backing {run}",
        f"domstats --state --balloon --vcpu --block --interface --nowait {all3}",
        f"domstats --list-running --state {all3}", f"domstats --list-paused --cpu-total {all3}",
        f"domstats --list-shutoff --block --balloon {all3}",
        f"domstats --list-inactive --list-persistent --vcpu {all3}",
        f"domstats --perf --memory --iothread --vm --dirtyrate {all3}",
        f"domstats --enforce --state {run}",
        f"destroy {run}", f"destroy {paused}",
    ])  # fmt: skip


def _cleanup(program: str, prefix: str, env: dict[str, str]) -> None:
    for kind in ("run", "paused", "off"):
        for command in ("destroy", "undefine"):
            subprocess.run([program, "-c", "qemu:///system", command, f"{prefix}-{kind}"],
                           capture_output=True, timeout=60, env=env, check=False)  # fmt: skip


@needs_libvirtd_qemu
def test_domstats_matches_libvirtd_for_running_paused_and_shut_off_guests(
    daemon_env: tuple[Path, dict[str, str]], images: Path, bridge: str, tmp_path: Path
) -> None:
    prefix = f"pyvirt-dstats-{uuid.uuid4().hex[:8]}"
    tap = f"qst{uuid.uuid4().hex[:8]}"
    xmls = {
        "run": _guest_xml(f"{prefix}-run", images / "disk.qcow2", nics=_nics(bridge, tap)),
        "paused": _guest_xml(f"{prefix}-paused", None),
        "off": _guest_xml(f"{prefix}-off", images / "off.qcow2"),
    }
    paths = {}
    for kind, xml in xmls.items():
        paths[kind] = tmp_path / f"{kind}.xml"
        paths[kind].write_text(xml)
    script = _script(prefix, paths)
    plain = {k: v for k, v in os.environ.items() if not k.endswith("DEFAULT_URI")}
    try:
        status, want, err = virsh_script([VIRSH], script, prefix, plain)
    finally:
        _cleanup(VIRSH, prefix, plain)
    if status != 0 or err:
        pytest.skip(f"libvirtd failed the script (no reference): {err}")
    rundir, env = daemon_env
    ours = {**plain, "PYVIRT_RUNTIME_DIR": str(rundir)}
    daemon = start_daemon(rundir, env=env)
    try:
        daemon.wait_worker("qemu")
        try:
            status, got, err = virsh_script([PYVIRSH], script, prefix, ours)
        finally:
            _cleanup(PYVIRSH, prefix, ours)
    finally:
        daemon.stop()
    assert (status, err) == (0, "")
    if os.environ.get("QS_DEBUG"):
        Path(os.environ["QS_DEBUG"], "got").write_text(_masked(got))
        Path(os.environ["QS_DEBUG"], "want").write_text(_masked(want))
    assert _masked(got) == _masked(want)
    # The values compared unmasked, as they are, for the record.
    for line in ("state.state=3", "balloon.current=49152", "balloon.maximum=65536",
                 "vcpu.current=1", "vcpu.maximum=2", "block.count=2", "block.1.backingIndex=2",
                 "block.0.capacity=67108864", "block.1.capacity=33554432", "net.count=2",
                 f"net.0.name={tap}", "block.0.capacity=16777216"):  # fmt: skip
        assert f"  {line}\n" in got, line


# -- in process --------------------------------------------------------------------------------


@pytest.fixture
def guests(qemu_driver: InProcessDriver, qemu_root: Path) -> Iterator[tuple[object, ...]]:
    """A connection with a running guest (qcow2 over a backing image) and a shut-off one."""
    _qemu_img("create", "-q", "-f", "qcow2", str(qemu_root / "base.qcow2"), "32M")
    _qemu_img("create", "-q", "-f", "qcow2", "-b", str(qemu_root / "base.qcow2"), "-F", "qcow2",
              str(qemu_root / "disk.qcow2"), "64M")  # fmt: skip
    conn = qemu_driver.connect()
    run = conn.define_domain(_guest_xml("ds-run", qemu_root / "disk.qcow2"))
    off = conn.define_domain(_guest_xml("ds-off", None))
    run.start()
    try:
        yield conn, run, off
    finally:
        run.destroy()


def _qemu_domain(conn: object, name: str) -> object:
    raw = conn._driver  # type: ignore[attr-defined]
    return raw.driver.domains.lookup_by_name(name)


def test_in_process_records_follow_the_filters_and_the_backing_flag(guests: tuple) -> None:
    conn, run, off = guests
    everything = dict((d.name, p) for d, p in conn.get_all_domain_stats())
    assert set(everything) == {"ds-run", "ds-off"}
    live, stopped = everything["ds-run"], everything["ds-off"]
    assert list(live)[:2] == ["state.state", "state.reason"]
    assert (live["state.state"], live["block.count"], live["block.0.backingIndex"]) == (1, 1, 1)
    assert live["block.0.capacity"] == 64 << 20
    assert live["balloon.current"] == 64 << 10  # no guest driver obeys the 48 MiB target
    assert live["dirtyrate.calc_mode"] == "page-sampling" and "vcpu.0.time" in live
    assert "net.count" not in stopped and stopped["block.count"] == 0  # not running, no disk
    assert (stopped["state.state"], stopped["vcpu.maximum"]) == (5, 2)
    (chain,) = conn.domain_list_get_stats([run], 32, BACKING)  # VIR_DOMAIN_STATS_BLOCK
    assert chain[1]["block.count"] == 2
    assert chain[1]["block.1.path"].endswith("base.qcow2")
    assert chain[1]["block.1.capacity"] == 32 << 20
    assert [d.name for d, _ in conn.get_all_domain_stats(1, 64)] == ["ds-off"]  # SHUTOFF
    assert [d.name for d, _ in conn.get_all_domain_stats(1, 16)] == ["ds-run"]  # RUNNING
    repeated = conn.domain_list_get_stats([run, off, run], 1)
    assert [d.name for d, _ in repeated] == ["ds-run", "ds-off", "ds-run"]


def test_a_busy_guest_is_answered_without_its_monitor_groups_under_nowait(guests: tuple) -> None:
    conn, run, _ = guests
    dom = _qemu_domain(conn, "ds-run")
    dom.job.acquire("virDomainSuspend", 1)  # type: ignore[attr-defined]
    try:
        ((_, params),) = conn.domain_list_get_stats([run], 0, NOWAIT)
    finally:
        dom.job.release()  # type: ignore[attr-defined]
    assert not [k for k in params if MONITOR_ONLY.match(k)]
    assert {"state.state", "cpu.time", "vcpu.0.time", "net.count", "block.0.path"} <= set(params)
    ((_, free),) = conn.domain_list_get_stats([run], 0, NOWAIT)  # the job is free again
    assert {"balloon.rss", "block.0.rd.reqs", "dirtyrate.calc_status"} <= set(free)


def test_without_nowait_the_call_waits_for_the_job_and_then_asks_the_monitor(
    guests: tuple,
) -> None:
    conn, run, _ = guests
    dom = _qemu_domain(conn, "ds-run")
    dom.job.acquire("virDomainSuspend", 1)  # type: ignore[attr-defined]
    answer: list[dict[str, object]] = []
    reader = threading.Thread(target=lambda: answer.extend(
        p for _, p in conn.domain_list_get_stats([run], 0, 0)))  # fmt: skip
    reader.start()
    reader.join(0.3)
    assert reader.is_alive() and not answer  # waiting for the job, as libvirt's query job
    dom.job.release()  # type: ignore[attr-defined]
    reader.join(60)
    assert "block.0.rd.reqs" in answer[0] and "balloon.rss" in answer[0]


def test_a_job_never_freed_leaves_the_monitor_groups_out_after_the_job_wait(
    guests: tuple, qemu_driver: InProcessDriver
) -> None:
    conn, run, _ = guests
    raw = conn._driver  # type: ignore[attr-defined]
    raw.driver.job_wait = 0.05
    dom = _qemu_domain(conn, "ds-run")
    dom.job.acquire("virDomainSuspend", 1)  # type: ignore[attr-defined]
    try:
        ((_, params),) = conn.domain_list_get_stats([run], 0, 0)
    finally:
        dom.job.release()  # type: ignore[attr-defined]
    assert "state.state" in params and not [k for k in params if MONITOR_ONLY.match(k)]


def test_bad_flags_and_groups_get_libvirts_errors(
    guests: tuple, qemu_driver: InProcessDriver
) -> None:
    import pyvirt

    conn, run, off = guests
    with pytest.raises(pyvirt.VirtError) as bad_flag:
        conn.get_all_domain_stats(1, 1 << 20)
    assert (bad_flag.value.code, bad_flag.value.domain) == (8, 10)  # INVALID_ARG, QEMU
    assert str(bad_flag.value) == (
        "unsupported flags (0x100000) in function qemuConnectGetAllDomainStats"
    )
    with pytest.raises(pyvirt.VirtError) as enforced:
        conn.get_all_domain_stats(1 << 11 | 1, ENFORCE)
    assert (enforced.value.code, enforced.value.domain) == (74, 10)  # ARGUMENT_UNSUPPORTED
    assert str(enforced.value) == (
        "argument unsupported: Stats types bits 0x800 are not supported by this daemon or QEMU"
    )
    # Without ENFORCE_STATS an unknown group is dropped: every record, no field.
    assert sorted((d.name, p) for d, p in conn.get_all_domain_stats(1 << 11)) == [
        ("ds-off", {}), ("ds-run", {})]  # fmt: skip
    other = qemu_driver.connect()
    with pytest.raises(pyvirt.VirtError) as foreign:
        conn.domain_list_get_stats([run, other.lookup_domain_by_name("ds-off")], 1)
    assert foreign.value.code == 8
    assert "must belong to a single connection" in str(foreign.value)
    off.undefine()  # a vanished domain is left out, as libvirt's list conversion does
    assert [d.name for d, _ in conn.domain_list_get_stats([run, off], 1)] == ["ds-run"]


def test_read_only_connections_through_pyvirtd_get_the_statistics(
    daemon_env: tuple[Path, dict[str, str]], qemu_root: Path
) -> None:
    import pyvirt

    rundir, env = daemon_env
    _qemu_img("create", "-q", "-f", "qcow2", str(qemu_root / "ro.qcow2"), "8M")
    daemon = start_daemon(rundir, env=env)
    try:
        daemon.wait_worker("qemu")
        with pyvirt.open("qemu:///system") as conn:
            dom = conn.define_domain(_guest_xml("ds-ro", qemu_root / "ro.qcow2"))
            dom.start()
            try:
                with pyvirt.open("qemu:///system", read_only=True) as ro:
                    ((handle, params),) = ro.get_all_domain_stats(0, 16)  # RUNNING
                    assert handle.name == "ds-ro" and params["block.0.capacity"] == 8 << 20
                    assert "block.0.rd.reqs" in params and params["vcpu.current"] == 1
            finally:
                dom.destroy()
                dom.undefine()
    finally:
        daemon.stop()


def _keys_by_record(out: str) -> list[list[str]]:
    """Each record's field names: KVM's come in libvirt's hash table's order, so sorted."""
    return [sorted(line.split("=", 1)[0].strip() for line in record.splitlines()[1:])
            for record in out.strip().split("\n\n") if record.startswith("Domain:")]  # fmt: skip


@needs_libvirtd_qemu
def test_kvm_guests_get_the_vcpu_and_vm_statistics_kvm_keeps_as_libvirtd_names_them(
    qemu_root: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        pytest.skip("no usable /dev/kvm: KVM's statistics exist only under KVM")
    name = f"pyvirt-dskvm-{uuid.uuid4().hex[:8]}"
    xml = tmp_path / "kvm.xml"
    xml.write_text(_guest_xml(name, None).replace("type='qemu'", "type='kvm'")
                   .replace("<vcpu current='1'>", "<vcpu current='2'>"))  # fmt: skip
    plain = {k: v for k, v in os.environ.items() if not k.endswith("DEFAULT_URI")}
    status, want, err = virsh_script([VIRSH], f"create {xml}; domstats --vcpu --vm {name}; "
                                     f"destroy {name}", name, plain)  # fmt: skip
    if status != 0:
        pytest.skip(f"libvirtd cannot run a KVM guest here: {err}")
    monkeypatch.setenv("PYVIRT_QEMU_ACCEL", "kvm")
    drv = InProcessDriver(qemu_root)
    try:
        conn = drv.connect()
        dom = conn.create_domain(xml.read_text().replace(name, "NAME"))
        try:
            ((_, params),) = conn.domain_list_get_stats([dom], 8 | 1024)  # VCPU | VM
        finally:
            dom.destroy()
    finally:
        drv.stop()
    (theirs,) = _keys_by_record(want)
    assert sorted(params) == theirs
    assert "vcpu.1.exits.sum" in params and "vm.pages_4k.cur" in params
    assert params["vcpu.0.exits.sum"] > 0 and params["vcpu.0.guest_mode.cur"] in (True, False)


def test_dirtyrate_reports_a_measurement_qemu_made(guests: tuple) -> None:
    """After a dirty-rate calculation (here started through the monitor passthrough, as
    virDomainStartDirtyRateCalc starts it), the group reports it measured."""
    import time

    conn, run, _ = guests
    ((_, before),) = conn.domain_list_get_stats([run], 512)  # VIR_DOMAIN_STATS_DIRTYRATE
    assert list(before) == ["dirtyrate.calc_status", "dirtyrate.calc_start_time",
                            "dirtyrate.calc_period", "dirtyrate.calc_mode"]  # fmt: skip
    assert before["dirtyrate.calc_status"] == 0  # unstarted
    run.qemu_monitor_command('{"execute": "calc-dirty-rate", "arguments": {"calc-time": 1}}')
    deadline = time.monotonic() + 60
    while True:
        ((_, after),) = conn.domain_list_get_stats([run], 512)
        if after["dirtyrate.calc_status"] == 2 or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert after["dirtyrate.calc_status"] == 2 and after["dirtyrate.calc_period"] == 1
    assert list(after)[-1] == "dirtyrate.megabytes_per_second"
    assert after["dirtyrate.calc_mode"] == "page-sampling"
