"""The DAC security driver of the privileged QEMU driver: who QEMU runs as, who owns the
guest's files while it runs and after, and the ``<seclabel>`` libvirt writes.

Each test runs a QEMU driver of its own in this process as qemu:///system does (privileged),
rooted in a temporary directory the unprivileged QEMU user can traverse (as libvirt needs of
every path it gives QEMU), and reads the truth from the host: /proc/PID/status of the QEMU
process and os.stat of the files.  Where libvirtd's QEMU driver answers, the same
definition goes through it too and the XML is compared.
"""

# ruff: noqa: F811 - fixtures imported from qemu_helpers are test parameters
from __future__ import annotations

import grp
import os
import pwd
import re
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyvirt import DomainState, ErrorCode, VirtError
from qemu_guest import find_kernel
from qemu_helpers import (
    QEMU_IMG,
    InProcessDriver,
    kill_leftovers,
    needs_libvirtd_qemu,
    needs_qemu,
    qemu_pids,
)

VIRSH = shutil.which("virsh")
pytestmark = [
    needs_qemu,
    pytest.mark.skipif(os.geteuid() != 0, reason="chowning files and setuid QEMU need root"),
]


def _account(user: str, group: str) -> tuple[int, int] | None:
    try:
        return pwd.getpwnam(user).pw_uid, grp.getgrnam(group).gr_gid
    except KeyError:
        return None


#: An unprivileged account every Debian has, for the mechanics (qemu.conf names it).
NOBODY = _account("nobody", "nogroup")
#: libvirt's Debian default, for the comparisons with libvirtd.
LIBVIRT_QEMU = _account("libvirt-qemu", "libvirt-qemu")


def PrivilegedDriver(root: Path) -> InProcessDriver:  # noqa: N802 - reads as a class
    return InProcessDriver(root, privileged=True)


@pytest.fixture
def dac_root(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("PYVIRT_QEMU_ACCEL", "tcg")
    root = Path(tempfile.mkdtemp(prefix="pqd-", dir="/tmp"))
    os.chmod(root, 0o711)  # QEMU's user must reach its sockets and disks below
    try:
        yield root
    finally:
        kill_leftovers(root)
        shutil.rmtree(root, ignore_errors=True)


def _disk(root: Path, name: str = "disk.img", owner: tuple[int, int] = (0, 0)) -> Path:
    path = root / name
    assert QEMU_IMG is not None
    subprocess.run([QEMU_IMG, "create", "-q", "-f", "raw", str(path), "1M"], check=True)
    os.chown(path, *owner)
    return path


def _xml(name: str, disk: Path | None = None, *, source_extra: str = "", extra: str = "",
         os_extra: str = "") -> str:  # fmt: skip
    disk_xml = (
        f"<disk type='file' device='disk'><driver name='qemu' type='raw'/>"
        f"<source file='{disk}'>{source_extra}</source><target dev='vda' bus='virtio'/></disk>"
        if disk is not None
        else ""
    )
    return (
        f"<domain type='qemu'><name>{name}</name><memory unit='MiB'>64</memory>"
        f"<os><type arch='x86_64'>hvm</type>{os_extra}</os><devices>{disk_xml}</devices>"
        f"{extra}</domain>"
    )


def _ids(root: Path) -> list[tuple[int, int, str]]:
    """(uid, gid, supplementary groups) of every QEMU under *root*, from /proc."""
    found = []
    for pid in qemu_pids(root):
        status = Path(f"/proc/{pid}/status").read_text()
        uid = int(re.search(r"^Uid:\s+(\d+)", status, re.M)[1])  # type: ignore[index]
        gid = int(re.search(r"^Gid:\s+(\d+)", status, re.M)[1])  # type: ignore[index]
        groups = re.search(r"^Groups:\s*(.*)$", status, re.M)[1].strip()  # type: ignore[index]
        found.append((uid, gid, groups))
    return found


def _owner(path: Path) -> tuple[int, int]:
    st = os.stat(path)
    return st.st_uid, st.st_gid


def _seclabels(xml: str) -> list[str]:
    return re.findall(r"^  <seclabel.*?(?:/>|</seclabel>)$", xml, re.M | re.S)


@pytest.mark.skipif(NOBODY is None, reason="no nobody:nogroup account")
def test_qemu_runs_as_the_configured_user_and_owns_its_files_only_while_it_runs(
    dac_root: Path,
) -> None:
    assert NOBODY is not None
    (dac_root / "qemu.conf").write_text('user = "nobody"\ngroup = "nogroup"\n')
    disk = _disk(dac_root, owner=(1234, 4321))  # a user's image: given back to that owner
    drv = PrivilegedDriver(dac_root)
    try:
        dom = drv.connect().define_domain(_xml("dac-run", disk))
        dom.start()
        assert _ids(dac_root) == [(NOBODY[0], NOBODY[1], str(NOBODY[1]))]
        assert _owner(disk) == NOBODY
        assert os.getxattr(disk, "trusted.libvirt.security.dac") == b"+1234:+4321"
        label = f"+{NOBODY[0]}:+{NOBODY[1]}"
        assert _seclabels(dom.xml_desc()) == [
            "  <seclabel type='dynamic' model='dac' relabel='yes'>\n"
            f"    <label>{label}</label>\n    <imagelabel>{label}</imagelabel>\n"
            "  </seclabel>"
        ]
        assert "<seclabel" not in dom.xml_desc(2)  # VIR_DOMAIN_XML_INACTIVE: a live label
        dom.destroy()
        assert qemu_pids(dac_root) == []
        assert _owner(disk) == (1234, 4321)
        assert os.listxattr(disk) == []
    finally:
        drv.stop()


@pytest.mark.skipif(NOBODY is None, reason="no nobody:nogroup account")
def test_a_file_two_guests_share_is_given_back_when_the_last_one_stops(dac_root: Path) -> None:
    kernel = find_kernel()
    if kernel is None:
        pytest.skip("no distribution kernel in /boot (apt install linux-image-amd64)")
    shared = dac_root / "vmlinuz"
    shutil.copy(kernel, shared)
    os.chmod(shared, 0o600)  # only its owner may read it: QEMU must own it to boot it
    (dac_root / "qemu.conf").write_text('user = "nobody"\ngroup = "nogroup"\n')
    drv = PrivilegedDriver(dac_root)
    try:
        conn = drv.connect()
        doms = [conn.define_domain(_xml(f"dac-share{i}", os_extra=f"<kernel>{shared}</kernel>"))
                for i in (1, 2)]  # fmt: skip
        for dom in doms:
            dom.start()
        assert _owner(shared) == NOBODY
        assert os.getxattr(shared, "trusted.libvirt.security.ref_dac") == b"2"
        doms[0].destroy()
        assert _owner(shared) == NOBODY  # the other guest still reads it
        assert os.getxattr(shared, "trusted.libvirt.security.ref_dac") == b"1"
        doms[1].destroy()
        assert _owner(shared) == (0, 0)
        assert os.listxattr(shared) == []
    finally:
        drv.stop()


@pytest.mark.skipif(NOBODY is None, reason="no nobody:nogroup account")
def test_labels_are_given_back_by_a_driver_restarted_while_the_guest_ran(dac_root: Path) -> None:
    (dac_root / "qemu.conf").write_text('user = "nobody"\ngroup = "nogroup"\n')
    disk = _disk(dac_root, owner=(77, 88))
    first = PrivilegedDriver(dac_root)
    first.connect().define_domain(_xml("dac-restart", disk)).start()
    first.stop()  # pyvirtd exits; the guest runs on
    assert _owner(disk) == NOBODY
    again = PrivilegedDriver(dac_root)
    try:
        dom = again.connect().lookup_domain_by_name("dac-restart")
        assert dom.state()[0] == DomainState.RUNNING
        dom.destroy()
        assert _owner(disk) == (77, 88)
    finally:
        again.stop()


@pytest.mark.skipif(NOBODY is None, reason="no nobody:nogroup account")
def test_relabel_no_leaves_files_alone_and_a_static_label_picks_the_user(dac_root: Path) -> None:
    assert NOBODY is not None
    (dac_root / "qemu.conf").write_text('user = "nobody"\ngroup = "nogroup"\n')
    disk = _disk(dac_root)
    drv = PrivilegedDriver(dac_root)
    try:
        conn = drv.connect()
        # A disk that must not be relabelled stays root's: QEMU cannot open it (libvirtd:
        # "Could not open '...': Permission denied"), and nothing changed hands.
        dom = conn.define_domain(_xml("dac-norelabel", disk,
                                      source_extra="<seclabel model='dac' relabel='no'/>"))  # fmt: skip
        with pytest.raises(VirtError) as err:
            dom.start()
        assert err.value.code == ErrorCode.INTERNAL_ERROR
        assert f"Could not open '{disk}': Permission denied" in str(err.value)
        assert _owner(disk) == (0, 0) and os.listxattr(disk) == []
        assert dom.state()[0] == DomainState.SHUTOFF
        # A static label: QEMU runs as that user; relabel='yes' gives it the disk.
        static = (f"<seclabel type='static' model='dac' relabel='yes'>"
                  f"<label>+{NOBODY[0]}:+{NOBODY[1] + 1}</label></seclabel>")  # fmt: skip
        dom = conn.define_domain(_xml("dac-static", disk, extra=static))
        dom.start()
        assert [ids[:2] for ids in _ids(dac_root)] == [(NOBODY[0], NOBODY[1] + 1)]
        assert _owner(disk) == (NOBODY[0], NOBODY[1] + 1)
        dom.destroy()
        assert _owner(disk) == (0, 0)
    finally:
        drv.stop()


def test_a_user_that_does_not_exist_is_refused_as_libvirt_refuses_it(dac_root: Path) -> None:
    disk = _disk(dac_root)
    drv = PrivilegedDriver(dac_root)
    try:
        conn = drv.connect()
        bad = "<seclabel type='static' model='dac' relabel='yes'><label>nosuch:nosuch</label></seclabel>"
        dom = conn.define_domain(_xml("dac-nosuch", disk, extra=bad))
        with pytest.raises(VirtError) as err:
            dom.start()
        assert err.value.code == ErrorCode.INVALID_ARG
        assert str(err.value) == "invalid argument: Failed to parse user 'nosuch'"
        assert dom.state()[0] == DomainState.SHUTOFF
        assert _owner(disk) == (0, 0) and qemu_pids(dac_root) == []
        dom.undefine()
    finally:
        drv.stop()
    # The same mistake in qemu.conf: the driver does not start.
    (dac_root / "qemu.conf").write_text('user = "nosuch"\n')
    from pyvirt_qemu import QemuStateDriver

    with pytest.raises(VirtError, match="Failed to parse user 'nosuch'"):
        QemuStateDriver().initialize(privileged=True, root=str(dac_root))


@pytest.mark.skipif(NOBODY is None, reason="no nobody:nogroup account")
def test_dac_as_the_primary_driver_reports_its_model_and_the_guests_label(
    dac_root: Path,
) -> None:
    assert NOBODY is not None
    (dac_root / "qemu.conf").write_text(
        'security_driver = "dac"\nuser = "nobody"\ngroup = "nogroup"\n'
    )
    drv = PrivilegedDriver(dac_root)
    try:
        conn = drv.connect()
        model = conn.security_model()
        assert (model.model, model.doi) == ("dac", "0")
        dom = conn.define_domain(_xml("dac-primary"))
        assert dom.security_label().label == ""  # not running: no process, no label
        dom.start()
        label = dom.security_label()
        assert (label.label, label.enforcing) == (f"+{NOBODY[0]}:+{NOBODY[1]}", False)
        dom.destroy()
    finally:
        drv.stop()
    (dac_root / "qemu.conf").write_text('security_driver = "selinux"\n')
    from pyvirt_qemu import QemuStateDriver

    with pytest.raises(VirtError, match="Security driver selinux not enabled"):
        QemuStateDriver().initialize(privileged=True, root=str(dac_root))


# ---------------------------------------------------------------- against libvirtd


def _virsh(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([VIRSH or "virsh", "-c", "qemu:///system", *args], capture_output=True,
                          text=True, timeout=120, check=False)  # fmt: skip


def _libvirtd_xml(xml: str, name: str, tmp: Path, *, start: bool) -> tuple[str, str]:
    """(inactive XML, live XML or start error) of *xml* on libvirtd; removed afterwards."""
    path = tmp / f"{name}.xml"
    path.write_text(xml)
    try:
        assert _virsh("define", str(path)).returncode == 0
        inactive = _virsh("dumpxml", "--inactive", name).stdout
        if not start:
            return inactive, ""
        started = _virsh("start", name)
        if started.returncode != 0:
            return inactive, started.stderr
        return inactive, _virsh("dumpxml", name).stdout
    finally:
        _virsh("destroy", name)
        _virsh("undefine", name)


_STATIC_1234 = "<seclabel type='static' model='dac'><label>+1234:+1234</label></seclabel>"


@needs_libvirtd_qemu
@pytest.mark.skipif(LIBVIRT_QEMU is None, reason="no libvirt-qemu account (libvirt-daemon-system)")
def test_seclabels_and_the_qemu_user_match_libvirtds(dac_root: Path, tmp_path: Path) -> None:
    disk = _disk(dac_root)
    name = f"pyvirt-dac-{uuid.uuid4().hex[:8]}"
    cases = {
        "default": _xml(name, disk),
        "none": _xml(name, disk, extra="<seclabel type='none'/>"),
        "static": _xml(name, disk, extra=_STATIC_1234),
    }
    drv = PrivilegedDriver(dac_root)  # no qemu.conf: libvirt's defaults
    try:
        conn = drv.connect()
        for case, xml in cases.items():
            want_inactive, want_live = _libvirtd_xml(xml, name, tmp_path, start=case != "static")
            assert _seclabels(want_inactive + want_live) or case == "default", case
            dom = conn.define_domain(xml)
            assert _seclabels(dom.xml_desc()) == _seclabels(want_inactive), case
            if case != "static":
                dom.start()
                assert _seclabels(dom.xml_desc()) == _seclabels(want_live), case
                assert [ids[:2] for ids in _ids(dac_root)] == [LIBVIRT_QEMU], case
                dom.destroy()
            dom.undefine()
            assert _owner(disk) == (0, 0)
    finally:
        drv.stop()


@pytest.mark.skipif(NOBODY is None, reason="no nobody:nogroup account")
def test_save_restore_dump_and_overlays_work_where_only_root_may_write(dac_root: Path) -> None:
    """QEMU (nobody) never opens these files itself: pyvirtd opens them and passes the
    descriptor, as libvirt does, so a caller's private directory is fine."""
    assert NOBODY is not None
    (dac_root / "qemu.conf").write_text('user = "nobody"\ngroup = "nogroup"\n')
    private = dac_root / "private"
    private.mkdir(mode=0o700)
    disk = dac_root / "disk.qcow2"
    assert QEMU_IMG is not None
    subprocess.run([QEMU_IMG, "create", "-q", "-f", "qcow2", str(disk), "1M"], check=True)
    xml = _xml("dac-files", None).replace(
        "<devices>", f"<devices><disk type='file' device='disk'><driver name='qemu' "
        f"type='qcow2'/><source file='{disk}'/><target dev='vda' bus='virtio'/></disk>")  # fmt: skip
    drv = PrivilegedDriver(dac_root)
    try:
        conn = drv.connect()
        dom = conn.define_domain(xml)
        dom.start()
        dom.save(str(private / "saved"))
        assert dom.state()[0] == DomainState.SHUTOFF
        assert _owner(disk) == (0, 0)  # given back when the run ended
        conn.restore(str(private / "saved"))
        assert dom.state()[0] == DomainState.RUNNING and _owner(disk) == NOBODY
        dom.core_dump(str(private / "memory"), 16)  # VIR_DUMP_MEMORY_ONLY
        assert (private / "memory").stat().st_size > 0
        assert _owner(private / "memory") == (0, 0)
        overlay = dac_root / "overlay.qcow2"
        dom.snapshot_create_xml(
            "<domainsnapshot><name>s1</name><disks><disk name='vda' snapshot='external'>"
            f"<source file='{overlay}'/></disk></disks></domainsnapshot>", 16)  # DISK_ONLY
        assert _owner(overlay) == NOBODY
        dom.destroy()
        assert _owner(overlay) == (0, 0) and _owner(disk) == (0, 0)
    finally:
        drv.stop()


@pytest.mark.skipif(NOBODY is None, reason="no nobody:nogroup account")
def test_console_logs_where_only_root_may_write_are_opened_for_qemu(dac_root: Path) -> None:
    """QEMU (nobody) cannot reach a root-only log directory (as libvirt's own
    /var/log/libvirt/qemu): pyvirtd opens the log and passes the descriptor, as libvirt's
    log daemon does; ``append='off'`` empties it first, the default appends."""
    assert NOBODY is not None
    (dac_root / "qemu.conf").write_text('user = "nobody"\ngroup = "nogroup"\n')
    private = dac_root / "private"
    private.mkdir(mode=0o700)
    kept, emptied = private / "kept.log", private / "emptied.log"
    kept.write_text("before\n")
    emptied.write_text("before\n")
    serials = (f"<serial type='pty'><log file='{kept}'/></serial>"
               f"<serial type='pty'><log file='{emptied}' append='off'/></serial>")  # fmt: skip
    drv = PrivilegedDriver(dac_root)
    try:
        dom = drv.connect().define_domain(_xml("dac-logs").replace("<devices>", f"<devices>{serials}"))
        dom.start()
        assert _ids(dac_root)[0][:2] == NOBODY
        assert kept.read_text().startswith("before\n") and emptied.read_text() == ""
        assert _owner(kept) == (0, 0) and _owner(emptied) == (0, 0)
        dom.destroy()
        # a log path nobody can create is libvirt's error, and nothing starts
        bad = _xml("dac-bad-log").replace(
            "<devices>", f"<devices><serial type='pty'><log file='{private}/no/such.log'/></serial>")
        with pytest.raises(VirtError) as err:
            drv.connect().define_domain(bad).start()
        assert err.value.code == ErrorCode.SYSTEM_ERROR
        # (libvirtd: "Unable to open file: PATH: No such file or directory", from virtlogd)
        assert str(err.value) == f"Unable to open file: {private}/no/such.log: No such file or directory"
        assert qemu_pids(dac_root) == []
    finally:
        drv.stop()
