"""Snapshots of real QEMU guests: internal ones of a running guest (RAM and disk, through
QMP jobs) and of a shut-off one (``qemu-img snapshot``), external disk-only overlays,
revert, delete, the tree and its metadata surviving a driver restart, and bad input.

The proof that a revert really restores RAM: a file written into the guest's tmpfs after
the snapshot is gone once the snapshot is reverted (typed and read on the serial console).
"""

# ruff: noqa: F811 - fixtures imported from qemu_helpers are test parameters
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from pyvirt import (
    Domain,
    DomainRunningReason,
    DomainShutoffReason,
    DomainSnapshotCreateFlags,
    DomainSnapshotDeleteFlags,
    DomainSnapshotListFlags,
    DomainSnapshotRevertFlags,
    DomainState,
    ErrorCode,
    VirtError,
)
from qemu_guest import Guest, guest_domain_xml
from qemu_helpers import (  # noqa: F401
    QEMU_IMG,
    InProcessDriver,
    guest_xml,
    needs_qemu,
    qemu_driver,
    qemu_root,
)
from test_qemu_guest_console import _ask

pytestmark = needs_qemu

_C = DomainSnapshotCreateFlags


def _qcow2(root: Path, name: str = "disk.qcow2") -> Path:
    path = root / name
    assert QEMU_IMG is not None
    subprocess.run([QEMU_IMG, "create", "-q", "-f", "qcow2", str(path), "16M"], check=True)
    return path


def _disk_xml(path: Path, fmt: str = "qcow2") -> str:
    return (
        f"<disk type='file' device='disk'><driver name='qemu' type='{fmt}'/>"
        f"<source file='{path}'/><target dev='vda' bus='virtio'/></disk>"
    )


def _define(drv: InProcessDriver, guest: Guest, root: Path, name: str) -> tuple[Domain, Path]:
    """Define guest *name* with a fresh qcow2 disk (vda) under *root*."""
    disk = _qcow2(root)
    xml = guest_domain_xml(guest, name, root / "c.log", devices=_disk_xml(disk))
    return drv.connect().define_domain(xml), disk


def _image_snapshots(path: Path) -> list[str]:
    """Names of the internal snapshots qemu-img sees in *path*."""
    assert QEMU_IMG is not None
    out = subprocess.run([QEMU_IMG, "snapshot", "-l", "-U", str(path)], capture_output=True,
                         text=True, check=True).stdout  # fmt: skip
    return [line.split()[1] for line in out.splitlines()[2:] if line.split()]


def _marker(fd: int) -> bytes:
    """What the guest's /tmp/marker holds, read on its console ('' when absent)."""
    out = _ask(fd, 'echo "M=$(cat /tmp/marker 2>/dev/null)=$((4+5))"', b"=9")
    return out.rsplit(b"M=", 1)[1].split(b"=9")[0]


def test_reverting_a_live_snapshot_restores_the_guests_ram(
    qemu_driver: InProcessDriver, linux_guest: Guest, qemu_root: Path
) -> None:
    dom, disk = _define(qemu_driver, linux_guest, qemu_root, "snap")
    dom.start()
    fd = dom.open_console()
    try:
        assert _marker(fd) == b""
        s1 = dom.snapshot_create_xml("<domainsnapshot><name>s1</name></domainsnapshot>")
        assert dom.state() == (DomainState.RUNNING, DomainRunningReason.BOOTED)
        desc = s1.xml_desc()
        assert "<state>running</state>" in desc and "<memory snapshot='internal'/>" in desc
        assert "<disk name='vda' snapshot='internal'/>" in desc
        assert _image_snapshots(disk) == ["s1"]

        _ask(fd, "echo written > /tmp/marker && echo W-$((2+3))", b"W-5")
        assert _marker(fd) == b"written"
        s2 = dom.snapshot_create_xml("<domainsnapshot><name>s2</name></domainsnapshot>")
        assert s2.parent().name == "s1" and s2.is_current() and not s1.is_current()

        s1.revert()
        assert dom.state() == (DomainState.RUNNING, DomainRunningReason.FROM_SNAPSHOT)
        assert _marker(fd) == b"", "the file written after the snapshot survived the revert"
        assert s1.is_current()
        s2.revert()  # and forward again: the file is back
        assert _marker(fd) == b"written"

        s2.delete()
        assert _image_snapshots(disk) == ["s1"]
        assert dom.snapshot_names() == ["s1"]
        assert dom.snapshot_current().name == "s1"  # the deleted one's parent
    finally:
        os.close(fd)
    dom.destroy()


def test_the_tree_and_current_snapshot_survive_a_driver_restart(
    qemu_driver: InProcessDriver, linux_guest: Guest, qemu_root: Path
) -> None:
    dom, disk = _define(qemu_driver, linux_guest, qemu_root, "tree")
    for name in ("a", "b"):
        dom.snapshot_create_xml(f"<domainsnapshot><name>{name}</name></domainsnapshot>")
    dom.snapshot_lookup_by_name("a").revert()
    dom.snapshot_create_xml("<domainsnapshot><name>c</name></domainsnapshot>")
    before = {s.name: s.xml_desc() for s in dom.list_snapshots()}
    assert dom.snapshot_names() == ["a", "c", "b"]  # a's children, last linked first
    assert dom.snapshot_names(DomainSnapshotListFlags.LEAVES) == ["c", "b"]

    qemu_driver.stop()
    again = InProcessDriver(qemu_root)
    try:
        dom2 = again.connect().lookup_domain_by_name("tree")
        assert {s.name: s.xml_desc() for s in dom2.list_snapshots()} == before
        assert dom2.snapshot_current().name == "c"
        assert sorted(dom2.snapshot_lookup_by_name("a").children_names()) == ["b", "c"]
        dom2.snapshot_lookup_by_name("a").delete(DomainSnapshotDeleteFlags.CHILDREN)
        assert dom2.snapshot_num() == 0 and not dom2.has_current_snapshot()
        assert _image_snapshots(disk) == []
    finally:
        again.stop()


def test_a_shut_off_guests_snapshot_rolls_its_disk_back(
    qemu_driver: InProcessDriver, linux_guest: Guest, qemu_root: Path
) -> None:
    dom, disk = _define(qemu_driver, linux_guest, qemu_root, "off")
    snap = dom.snapshot_create_xml("<domainsnapshot><name>clean</name></domainsnapshot>")
    desc = snap.xml_desc()
    assert "<state>shutoff</state>" in desc and "<memory snapshot='no'/>" in desc
    assert _image_snapshots(disk) == ["clean"]
    subprocess.run(["qemu-io", "-f", "qcow2", "-c", "write -P 0xab 0 64k", str(disk)],
                   check=True, capture_output=True)  # fmt: skip
    snap.revert()
    assert dom.state()[0] == DomainState.SHUTOFF
    read = subprocess.run(["qemu-io", "-f", "qcow2", "-c", "read -P 0 0 64k", str(disk)],
                          capture_output=True, text=True)  # fmt: skip
    assert "Pattern verification failed" not in read.stdout + read.stderr, read.stdout

    snap.revert(DomainSnapshotRevertFlags.RUNNING)  # and start it from there
    assert dom.state() == (DomainState.RUNNING, DomainRunningReason.FROM_SNAPSHOT)
    snap.revert()  # a running guest back to a shut-off snapshot: stopped
    assert dom.state() == (DomainState.SHUTOFF, DomainShutoffReason.FROM_SNAPSHOT)
    snap.delete()
    assert _image_snapshots(disk) == []


def test_disk_only_snapshot_puts_an_overlay_on_the_running_guests_disk(
    qemu_driver: InProcessDriver, linux_guest: Guest, qemu_root: Path
) -> None:
    dom, disk = _define(qemu_driver, linux_guest, qemu_root, "ext")
    dom.start()
    snap = dom.snapshot_create_xml(
        "<domainsnapshot><name>ext1</name></domainsnapshot>", _C.DISK_ONLY | _C.ATOMIC
    )
    overlay = qemu_root / "disk.ext1"
    desc = snap.xml_desc()
    assert "<state>disk-snapshot</state>" in desc
    assert f"<source file='{overlay}'/>" in desc
    info = json.loads(subprocess.run(["qemu-img", "info", "-U", "--output=json", str(overlay)],
                                     capture_output=True, text=True, check=True).stdout)  # fmt: skip
    assert info["backing-filename"] == str(disk) and info["format"] == "qcow2"
    live = dom.xml_desc()  # the overlay on top (a new node index), the old image below it
    assert f"<source file='{overlay}' index='2'/>" in live
    assert (f"<backingStore type='file' index='1'>\n        <format type='qcow2'/>\n        "
            f"<source file='{disk}'/>\n        <backingStore/>\n      </backingStore>") in live  # fmt: skip
    assert f"<source file='{overlay}'/>" in dom.xml_desc(2)  # and the next boot's
    assert dom.state()[0] == DomainState.RUNNING
    assert dom.snapshot_names(DomainSnapshotListFlags.EXTERNAL) == ["ext1"]
    assert dom.snapshot_names(DomainSnapshotListFlags.INTERNAL) == []

    with pytest.raises(VirtError, match="revert to external snapshot not supported yet") as e:
        snap.revert()
    assert e.value.code == ErrorCode.CONFIG_UNSUPPORTED
    with pytest.raises(VirtError, match="external disk snapshots not supported") as e:
        snap.delete()
    assert e.value.code == ErrorCode.CONFIG_UNSUPPORTED
    with pytest.raises(VirtError, match="already exists") as e:  # the overlay's file is taken
        dom.snapshot_create_xml("<domainsnapshot><name>ext2</name><disks><disk name='vda' "
                                f"snapshot='external'><source file='{overlay}'/></disk></disks>"
                                "</domainsnapshot>", _C.DISK_ONLY)  # fmt: skip
    assert e.value.code == ErrorCode.OPERATION_INVALID
    snap.delete(DomainSnapshotDeleteFlags.METADATA_ONLY)
    assert dom.snapshot_num() == 0 and overlay.exists()
    dom.destroy()
    dom.start()  # boots from the overlay, whose backing file QEMU opens from its header
    live = dom.xml_desc()
    assert f"<source file='{overlay}' index='1'/>" in live and f"<source file='{disk}'/>" in live
    dom.destroy()


def test_bad_snapshot_requests_get_libvirts_errors_and_change_nothing(
    qemu_driver: InProcessDriver, linux_guest: Guest, qemu_root: Path
) -> None:
    conn = qemu_driver.connect()
    raw = qemu_root / "raw.img"
    raw.write_bytes(b"\0" * (1 << 20))
    dom = conn.define_domain(guest_domain_xml(linux_guest, "bad", qemu_root / "c.log",
                                              devices=_disk_xml(raw, "raw")))  # fmt: skip
    cases = [
        ("<domainsnapshot><name>r</name></domainsnapshot>", 0, ErrorCode.OPERATION_UNSUPPORTED,
         "internal snapshot for disk vda unsupported for storage type raw"),
        ("<domainsnapshot><name>r</name><memory snapshot='external' file='/tmp/x'/>"
         "</domainsnapshot>", 0, ErrorCode.CONFIG_UNSUPPORTED, "memory snapshots"),
        ("<domainsnapshot><name>r</name><disks><disk name='vdz'/></disks></domainsnapshot>", 0,
         ErrorCode.CONFIG_UNSUPPORTED, "no disk named 'vdz'"),
        ("<domainsnapshot><name>r", 0, ErrorCode.XML_DETAIL, "Premature end of data"),
        ("<domainsnapshot/>", 1 << 20, ErrorCode.INVALID_ARG, "unsupported flags"),
    ]  # fmt: skip
    for xml, flags, code, words in cases:
        with pytest.raises(VirtError, match=words) as e:
            dom.snapshot_create_xml(xml, flags)
        assert e.value.code == code, (xml, e.value)
    assert dom.snapshot_num() == 0
    assert not (qemu_root / "lib" / "snapshot" / "bad").exists() or not list(
        (qemu_root / "lib" / "snapshot" / "bad").iterdir()
    )
    with pytest.raises(VirtError, match="no domain snapshot with matching name 'nope'") as e:
        dom.snapshot_lookup_by_name("nope")
    assert e.value.code == ErrorCode.NO_DOMAIN_SNAPSHOT
    with pytest.raises(VirtError, match="does not have a current snapshot") as e:
        dom.snapshot_current()
    assert e.value.code == ErrorCode.NO_DOMAIN_SNAPSHOT
    # A disk-only snapshot of a raw disk is fine (the overlay is qcow2); a second of that
    # name is refused.
    dom.snapshot_create_xml("<domainsnapshot><name>d</name></domainsnapshot>", _C.DISK_ONLY)
    with pytest.raises(VirtError, match="domain moment d already exists") as e:
        dom.snapshot_create_xml("<domainsnapshot><name>d</name></domainsnapshot>", _C.DISK_ONLY)
    assert e.value.code == ErrorCode.OPERATION_FAILED


def test_a_snapshot_left_half_made_by_a_dead_daemon_is_removed_from_its_images(
    qemu_driver: InProcessDriver, linux_guest: Guest, qemu_root: Path
) -> None:
    """What recovery does with a pending marker whose metadata never got written: the
    internal snapshot the images may hold is deleted, the marker goes, nothing is listed."""
    dom, disk = _define(qemu_driver, linux_guest, qemu_root, "half")
    kept = dom.snapshot_create_xml("<domainsnapshot><name>kept</name></domainsnapshot>")
    qemu_driver.stop()
    assert QEMU_IMG is not None
    subprocess.run([QEMU_IMG, "snapshot", "-c", "half", str(disk)], check=True)
    marker = qemu_root / "lib" / "snapshot" / "half" / ".half.pending"
    marker.write_text(json.dumps({"name": "half", "images": [str(disk)]}))
    (marker.parent / ".kept.pending").write_text(
        json.dumps({"name": "kept", "images": [str(disk)]})
    )
    again = InProcessDriver(qemu_root)
    try:
        dom2 = again.connect().lookup_domain_by_name("half")
        assert dom2.snapshot_names() == [kept.name]  # complete: kept, its marker dropped
        assert _image_snapshots(disk) == ["kept"]
        assert list(marker.parent.glob(".*.pending")) == []
    finally:
        again.stop()


def test_a_jobs_waiter_wakes_on_qemus_report_that_the_job_ended(
    qemu_driver: InProcessDriver, qemu_root: Path
) -> None:
    """run_job's wait ends on JOB_STATUS_CHANGE, as libvirt's does, not at its next look:
    the event given by Monitor.watch_job is set by QEMU's report alone (polling never sets
    it), for a job that succeeds and for one that fails."""
    from pyvirt_qemu._snapshot_images import block_nodes

    disk = _qcow2(qemu_root)
    dom = qemu_driver.connect().define_domain(
        guest_xml("jobwait", None, extra=_disk_xml(disk))
    )
    dom.start()
    try:
        run = qemu_driver.state._driver.domains.find_by_name("jobwait").run  # type: ignore[union-attr]
        node = block_nodes(run.monitor)[str(disk)].node
        for job_id, tag in (("t-save", "snap1"), ("t-delete-missing", "no-such-snapshot")):
            with run.monitor.watch_job(job_id) as ended:
                command = "snapshot-save" if job_id == "t-save" else "snapshot-delete"
                arguments = {"tag": tag, "devices": [node]}
                if command == "snapshot-save":
                    arguments |= {"vmstate": node}
                run.monitor.execute(command, {"job-id": job_id, **arguments})
                assert ended.wait(30), f"no JOB_STATUS_CHANGE seen for {job_id}"
            run.monitor.execute("job-dismiss", {"id": job_id})
        assert "snap1" in _image_snapshots_live(run.monitor)
    finally:
        dom.destroy()


def _image_snapshots_live(monitor: object) -> list[str]:
    """Names of the internal snapshots a running QEMU reports on its disks."""
    names: list[str] = []
    for block in monitor.execute("query-block"):  # type: ignore[attr-defined]
        image = (block.get("inserted") or {}).get("image") or {}
        names += [s["name"] for s in image.get("snapshots", [])]
    return names
