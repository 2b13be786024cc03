"""Disks of the QEMU driver: backing chains, buses, volumes, read-only, boot order.

Three kinds of evidence.  libvirtd 9.0 starts the same definition on the same image files
and its QEMU's command line (``-blockdev`` and the disks' ``-device``) and live ``<disk>``
XML are compared with ours (skipped where libvirtd's ``qemu:///system`` does not answer).
The real guest (:mod:`qemu_guest`) boots with extra disks and is asked, on its console,
what it sees.  Bad inputs are refused with libvirt's code, domain and words, and leave
nothing running.
"""

# ruff: noqa: F811 - fixtures imported from qemu_helpers are test parameters
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree
from pyvirt import DomainState, ErrorCode, ErrorDomain, VirtError
from qemu_guest import Guest, guest_domain_xml
from qemu_helpers import (  # noqa: F401 - fixtures
    QEMU_IMG,
    InProcessDriver,
    needs_libvirtd_qemu,
    needs_qemu,
    qemu_driver,
    qemu_pids,
    qemu_root,
)
from test_qemu_guest_console import _ask
from test_qemu_guest_lifecycle import guest_driver  # noqa: F401 - the fixture, TCG and KVM

pytestmark = needs_qemu

VIRSH = shutil.which("virsh")
MiB = 1024 * 1024
_DISK_DRIVERS = {"virtio-blk-pci", "ide-hd", "ide-cd", "scsi-hd", "scsi-cd"}


def img(path: Path, fmt: str, size: str = "16M", backing: Path | None = None,
        backing_fmt: str | None = None) -> Path:  # fmt: skip
    cmd = [QEMU_IMG or "qemu-img", "create", "-q", "-f", fmt]
    if backing is not None:
        cmd += ["-b", str(backing), "-F", backing_fmt or "raw"]
    subprocess.run([*cmd, str(path), size], check=True)
    return path


def strip_backing_format(path: Path) -> None:
    """Make a qcow2 header forget its backing file's format (as images written by old tools
    do): its backing-format extension becomes an extension of a type nobody knows."""
    data = bytearray(path.read_bytes())
    at = data.find(bytes.fromhex("e2792aca"))
    assert at > 0
    data[at : at + 4] = bytes.fromhex("0badf00d")
    path.write_bytes(bytes(data))


def domain(name: str, disks: str, machine: str = "pc", extra: str = "") -> str:
    return (
        f"<domain type='qemu'><name>{name}</name><memory unit='MiB'>64</memory>"
        f"<os><type arch='x86_64' machine='{machine}'>hvm</type></os>"
        f"<devices>{disks}{extra}</devices></domain>"
    )


def disk(path: Path, dev: str, bus: str, fmt: str = "raw", device: str = "disk",
         more: str = "", driver_more: str = "") -> str:  # fmt: skip
    return (
        f"<disk type='file' device='{device}'><driver name='qemu' type='{fmt}'{driver_more}/>"
        f"<source file='{path}'/><target dev='{dev}' bus='{bus}'/>{more}</disk>"
    )


def cmdline(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")[:-1]


def disk_args(argv: list[str]) -> tuple[list[str], list[dict[str, object]]]:
    """The ``-blockdev`` arguments, and the disks' ``-device`` ones."""
    blockdevs = [argv[i + 1] for i, a in enumerate(argv) if a == "-blockdev"]
    devices = []
    for i, a in enumerate(argv):
        if a == "-device" and argv[i + 1].startswith("{"):
            dev = json.loads(argv[i + 1])
            if dev["driver"] in _DISK_DRIVERS:
                devices.append(dev)
    return blockdevs, devices


def live_disks(xml: str) -> list[str]:
    """Each live ``<disk>``, whitespace aside."""
    return [re.sub(r">\s+<", "><", etree.tostring(el).decode())
            for el in etree.fromstring(xml.encode()).iter("disk")]  # fmt: skip


# ---------------------------------------------------------------- against libvirtd




@pytest.fixture
def shared_images() -> Iterator[Path]:
    """Images both daemons can open: libvirtd's QEMU runs as another user, so the
    directory is world-readable (not a 0700 test root)."""
    d = Path(tempfile.mkdtemp(prefix="pvdisk-", dir="/tmp"))
    d.chmod(0o755)
    try:
        yield d
    finally:
        shutil.rmtree(d, ignore_errors=True)


def _virsh(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([VIRSH or "virsh", "-c", "qemu:///system", *args], capture_output=True,
                          text=True, timeout=120, check=False)  # fmt: skip


def _libvirtd_run(name: str, xml_path: Path) -> tuple[list[str], str]:
    """Start *xml_path* in libvirtd: (QEMU's argv, live XML); destroyed again."""
    done = _virsh("create", str(xml_path))
    assert done.returncode == 0, done.stderr
    try:
        needle = f"guest={name},".encode()
        pids = [p for p in Path("/proc").iterdir() if p.name.isdigit()]
        pid = next(int(p.name) for p in pids if needle in _read(p / "cmdline"))
        return cmdline(pid), _virsh("dumpxml", name).stdout
    finally:
        _virsh("destroy", name)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""


def _chain_domain(d: Path, name: str, machine: str) -> str:
    base = img(d / "base.raw", "raw")
    mid = img(d / "mid.qcow2", "qcow2", backing=base, backing_fmt="raw")
    top = img(d / "top.qcow2", "qcow2", backing=mid, backing_fmt="qcow2")
    disks = (
        disk(top, "vda", "virtio", "qcow2", more="<boot order='1'/>")
        + disk(img(d / "data.raw", "raw", "8M"), "sda", "sata")
        + disk(img(d / "cd.iso", "raw", "1M"), "sdb", "sata", device="cdrom",
               more="<readonly/><boot order='2'/>")
        + disk(img(d / "sh.raw", "raw", "1M"), "vdb", "virtio", more="<shareable/>",
               driver_more=" cache='none'")
        + disk(img(d / "scsi.qcow2", "qcow2", "8M"), "sdc", "scsi", "qcow2", more="<readonly/>")
        + disk(img(d / "ro.raw", "raw", "1M"), "vdc", "virtio", more="<readonly/>")
        + "<disk type='file' device='cdrom'><target dev='sdd' bus='sata'/></disk>"
    )  # fmt: skip
    scsi = "<controller type='scsi' model='virtio-scsi'/>" if machine == "q35" else ""
    return domain(name, disks, machine, scsi)


@needs_libvirtd_qemu
@pytest.mark.parametrize("machine", ["pc", "q35"])
def test_blockdev_command_line_and_live_chain_match_libvirtd(
    qemu_driver: InProcessDriver, qemu_root: Path, shared_images: Path, machine: str
) -> None:
    name = f"pvdisk-{machine}-{os.getpid()}"
    xml = _chain_domain(shared_images, name, machine)
    xml_path = shared_images / "dom.xml"
    xml_path.write_text(xml)
    want_argv, want_xml = _libvirtd_run(name, xml_path)

    conn = qemu_driver.connect()
    dom = conn.define_domain(xml)
    dom.start()
    (pid,) = qemu_pids(qemu_root)
    got_argv, got_xml = cmdline(pid), dom.xml_desc()
    dom.destroy()

    assert disk_args(got_argv) == disk_args(want_argv)
    assert live_disks(got_xml) == live_disks(want_xml)
    # The chain as libvirt reports it: top index 7 (disks numbered from the last), backing
    # layers below it, each with the format its parent's header recorded.
    flat = re.sub(r">\s+<", "><", got_xml)
    assert "index='7'/><backingStore type='file' index='8'><format type='qcow2'/>" in flat
    # The inactive definition gained what libvirt adds at define time, and no chain.
    inactive = dom.xml_desc(2)
    assert "backingStore" not in inactive, inactive
    assert "top.qcow2' index=" not in inactive
    model = "virtio-scsi" if machine == "q35" else "lsilogic"
    assert f"<controller type='scsi' index='0' model='{model}'" in inactive, inactive


@needs_libvirtd_qemu
def test_os_boot_order_becomes_bootindex_as_libvirtd_gives_it(
    qemu_driver: InProcessDriver, qemu_root: Path, shared_images: Path
) -> None:
    """``<os><boot dev='cdrom'/><boot dev='hd'/>``: no ``-boot order=``, a bootindex on
    the first cdrom and the first disk instead (libvirt 9.0)."""
    d = shared_images
    name = f"pvboot-{os.getpid()}"
    disks = (disk(img(d / "a.raw", "raw", "1M"), "vda", "virtio")
             + disk(img(d / "b.raw", "raw", "1M"), "vdb", "virtio")
             + disk(img(d / "c.iso", "raw", "1M"), "hdc", "ide", device="cdrom",
                    more="<readonly/>"))  # fmt: skip
    xml = domain(name, disks).replace("hvm</type>", "hvm</type><boot dev='cdrom'/><boot dev='hd'/>")
    (d / "dom.xml").write_text(xml)
    want_argv, _ = _libvirtd_run(name, d / "dom.xml")
    dom = qemu_driver.connect().define_domain(xml)
    dom.start()
    got_argv = cmdline(qemu_pids(qemu_root)[0])
    dom.destroy()
    assert disk_args(got_argv) == disk_args(want_argv)
    assert [a for a in got_argv if "strict=on" in a] == ["strict=on"]
    assert [dev.get("bootindex") for dev in disk_args(got_argv)[1]] == [2, None, 1]


# ---------------------------------------------------------------- bad input


def _refused(conn, xml: str) -> VirtError:  # type: ignore[no-untyped-def]
    dom = conn.define_domain(xml)
    with pytest.raises(VirtError) as info:
        dom.start()
    assert dom.state()[0] == DomainState.SHUTOFF
    dom.undefine()
    return info.value


def test_bad_disks_are_refused_with_libvirts_errors_and_nothing_runs(
    qemu_driver: InProcessDriver, qemu_root: Path
) -> None:
    conn = qemu_driver.connect()
    d = qemu_root
    ids = f"(as uid:{os.geteuid()}, gid:{os.getegid()})"

    err = _refused(conn, domain("m", disk(d / "missing.qcow2", "vda", "virtio", "qcow2")))
    assert (err.code, err.domain) == (ErrorCode.SYSTEM_ERROR, ErrorDomain.STORAGE)
    assert str(err) == f"Cannot access storage file '{d}/missing.qcow2' {ids}: No such file or directory"

    # A chain that loops: a backed by b, b backed by a.
    a = img(d / "a.qcow2", "qcow2")
    img(d / "b.qcow2", "qcow2", backing=a, backing_fmt="qcow2")
    subprocess.run([QEMU_IMG or "qemu-img", "rebase", "-u", "-b", str(d / "b.qcow2"), "-F",
                    "qcow2", str(a)], check=True)  # fmt: skip
    err = _refused(conn, domain("loop", disk(a, "vda", "virtio", "qcow2")))
    assert (err.code, err.domain) == (ErrorCode.INTERNAL_ERROR, ErrorDomain.STORAGE)
    assert str(err) == f"internal error: backing store for {a} is self-referential or too deeply nested"

    # A backing file whose format the header does not record: a qcow2 one is never guessed.
    base_q = img(d / "base.qcow2", "qcow2")
    unsure = img(d / "unsure.qcow2", "qcow2", backing=Path("base.qcow2"), backing_fmt="qcow2")
    strip_backing_format(unsure)
    err = _refused(conn, domain("unsure", disk(unsure, "vda", "virtio", "qcow2")))
    assert (err.code, err.domain) == (ErrorCode.OPERATION_INVALID, ErrorDomain.STORAGE)
    assert str(err) == (
        f"Requested operation is not valid: format of backing image 'base.qcow2' of image "
        f"'{unsure}' was not specified in the image metadata (See "
        "https://libvirt.org/kbase/backing_chains.html for troubleshooting)"
    )
    assert base_q.exists()

    # A missing backing file.
    gone = img(d / "gone.raw", "raw")
    orphan = img(d / "orphan.qcow2", "qcow2", backing=gone, backing_fmt="raw")
    gone.unlink()
    err = _refused(conn, domain("orphan", disk(orphan, "vda", "virtio", "qcow2")))
    assert err.code == ErrorCode.SYSTEM_ERROR and "No such file or directory" in str(err)

    # Two disks on one target: refused at define, nothing defined.
    one, two = img(d / "one.raw", "raw"), img(d / "two.raw", "raw")
    with pytest.raises(VirtError) as info:
        conn.define_domain(domain("dup", disk(one, "vda", "virtio") + disk(two, "vda", "virtio")))
    assert (info.value.code, info.value.domain) == (ErrorCode.XML_ERROR, ErrorDomain.DOMAIN)
    assert str(info.value) == (
        f"XML error: target 'vda' duplicated for disk sources '{one}' and '{two}'"
    )

    # A volume disk of a pool that does not exist, or a volume the pool lacks.
    vol_disk = "<disk type='volume' device='disk'><source pool='{}' volume='{}'/><target dev='vda'/></disk>"
    err = _refused(conn, domain("nopool", vol_disk.format("nopool", "v")))
    assert (err.code, str(err)) == (
        ErrorCode.NO_STORAGE_POOL,
        "Storage pool not found: no storage pool with matching name 'nopool'",
    )
    (d / "pool").mkdir()
    conn.create_storage_pool(
        f"<pool type='dir'><name>p</name><target><path>{d / 'pool'}</path></target></pool>"
    )
    err = _refused(conn, domain("novol", vol_disk.format("p", "nov")))
    assert (err.code, str(err)) == (
        ErrorCode.NO_STORAGE_VOL,
        "Storage volume not found: no storage vol with matching name 'nov'",
    )
    assert conn.list_domains() == []
    assert qemu_pids(qemu_root) == []


def test_a_backing_file_without_recorded_format_is_used_when_it_probes_raw(
    qemu_driver: InProcessDriver, qemu_root: Path
) -> None:
    conn = qemu_driver.connect()
    base = img(qemu_root / "base.raw", "raw")
    top = img(qemu_root / "top.qcow2", "qcow2", backing=Path("base.raw"), backing_fmt="raw")
    strip_backing_format(top)
    dom = conn.define_domain(domain("probed", disk(top, "vda", "virtio", "qcow2")))
    dom.start()
    live = dom.xml_desc()
    assert f"<format type='raw'/>\n        <source file='{base}'/>" in live
    blockdevs, _ = disk_args(cmdline(qemu_pids(qemu_root)[0]))
    assert json.loads(blockdevs[1]) == {"node-name": "libvirt-2-format", "read-only": True,
                                        "driver": "raw", "file": "libvirt-2-storage"}  # fmt: skip
    dom.destroy()
    assert "backingStore" not in dom.xml_desc()  # the chain is a fact of the run


def test_volume_disk_from_a_pool_with_its_backing_chain(
    qemu_driver: InProcessDriver, qemu_root: Path
) -> None:
    conn = qemu_driver.connect()
    images = qemu_root / "images"
    images.mkdir()
    pool = conn.create_storage_pool(
        f"<pool type='dir'><name>vols</name><target><path>{images}</path></target></pool>"
    )
    img(images / "base.qcow2", "qcow2")
    img(images / "child.qcow2", "qcow2", backing=Path("base.qcow2"), backing_fmt="qcow2")
    pool.refresh()
    xml = domain("voldisk", "<disk type='volume' device='disk'><driver name='qemu' "
                 "type='qcow2'/><source pool='vols' volume='child.qcow2'/><target dev='vda'/>"
                 "</disk>")  # fmt: skip
    dom = conn.define_domain(xml)
    assert "<source pool='vols' volume='child.qcow2'/>" in dom.xml_desc()
    dom.start()
    live = dom.xml_desc()
    assert "<source pool='vols' volume='child.qcow2' index='1'/>" in live
    assert f"<source file='{images / 'base.qcow2'}'/>" in live
    argv = cmdline(qemu_pids(qemu_root)[0])
    assert any(f'"filename":"{images / "child.qcow2"}"' in a for a in argv)
    dom.destroy()
    pool.destroy()
    with pytest.raises(VirtError) as info:
        dom.start()
    err = info.value
    # A transient pool is gone once stopped.
    assert str(err) == "Storage pool not found: no storage pool with matching name 'vols'"


# ---------------------------------------------------------------- the real guest


def _run(fd: int, command: str) -> str:
    """Type *command* on the guest's console; what it printed, up to a marker echoed after."""
    return _ask(fd, f"{command}; echo E''ND", b"END").decode(errors="replace")


def test_guest_sees_virtio_and_sata_disks_readonly_refuses_writes_boot_order_honoured(
    guest_driver: InProcessDriver, linux_guest: Guest, qemu_root: Path, accel: str
) -> None:
    conn = guest_driver.connect()
    data = img(qemu_root / "data.raw", "raw", "8M")
    sata = img(qemu_root / "sata.qcow2", "qcow2", "8M")
    ro = img(qemu_root / "ro.raw", "raw", "4M")
    disks = (
        disk(data, "vdb", "virtio", more="<boot order='2'/>")
        + disk(sata, "sda", "sata", "qcow2", more="<boot order='1'/>")
        + disk(ro, "vdc", "virtio", more="<readonly/>")
    )
    xml = guest_domain_xml(linux_guest, "disks", qemu_root / "console.log", accel=accel,
                           devices=disks, cmdline="pyvirt_disks")  # fmt: skip
    dom = conn.define_domain(xml.replace("<type arch='x86_64'>", "<type arch='x86_64' machine='q35'>"))
    dom.start()
    fd = dom.open_console()
    try:
        blocks = _run(fd, "ls /sys/block")
        assert {"vda", "vdb", "sda"} <= set(blocks.split()), blocks
        # virtio disks are named in PCI order: vdb's image is the guest's vda, vdc's its vdb.
        assert "1" in _run(fd, "cat /sys/block/vdb/ro").split()
        refused = _run(fd, "dd if=/dev/zero of=/dev/vdb bs=512 count=1 2>&1")
        assert "Operation not permitted" in refused or "Read-only" in refused, refused
        wrote = _run(fd, "echo pyvirt-disk-ok | dd of=/dev/vda conv=fsync 2>&1")
        assert "records out" in wrote, wrote
        # The firmware's boot order QEMU wrote (fw_cfg "bootorder"): sda's AHCI port first.
        order = _run(fd, "cat /sys/firmware/qemu_fw_cfg/by_name/bootorder/raw").splitlines()
        # After the kernel QEMU loads itself (direct boot): AHCI's drive (q35's ICH9 AHCI at
        # 1f.2), then the virtio disk (a virtio-blk device shows as "scsi@<slot>").
        paths = [line.strip() for line in order if line.strip().startswith("/pci@")]
        assert len(paths) == 2, order
        assert "@1f,2/drive@0/disk@0" in paths[0] and "/scsi@" in paths[1], paths
    finally:
        os.close(fd)
    dom.destroy()
    assert data.read_bytes()[:15] == b"pyvirt-disk-ok\n"
    assert ro.read_bytes() == bytes(4 * MiB)


GENISOIMAGE = shutil.which("genisoimage")


@pytest.mark.skipif(GENISOIMAGE is None, reason="genisoimage is not installed (apt install "
                    "genisoimage) to make the cdrom's ISO")  # fmt: skip
def test_guest_reads_an_iso_cdrom_and_a_virtio_scsi_disk(
    guest_driver: InProcessDriver, linux_guest: Guest, qemu_root: Path, accel: str
) -> None:
    conn = guest_driver.connect()
    content = qemu_root / "iso"
    content.mkdir()
    (content / "hello.txt").write_text("pyvirt-from-the-iso\n")
    iso = qemu_root / "data.iso"
    subprocess.run([GENISOIMAGE or "genisoimage", "-quiet", "-V", "PYVIRT", "-o", str(iso),
                    str(content)], check=True)  # fmt: skip
    scsi = img(qemu_root / "scsi.qcow2", "qcow2", "8M")
    disks = (
        disk(iso, "sdb", "sata", device="cdrom", more="<readonly/>")
        + disk(scsi, "sdc", "scsi", "qcow2")
        + "<controller type='scsi' model='virtio-scsi'/>"
    )
    xml = guest_domain_xml(linux_guest, "cdrom", qemu_root / "console.log", accel=accel,
                           devices=disks, cmdline="pyvirt_disks")  # fmt: skip
    dom = conn.define_domain(xml.replace("<type arch='x86_64'>", "<type arch='x86_64' machine='q35'>"))
    dom.start()
    fd = dom.open_console()
    try:
        blocks = _run(fd, "ls /sys/block").split()
        assert "sr0" in blocks, blocks
        # The virtio-scsi disk, and no other sd disk (the SATA port holds the cdrom).
        assert [b for b in blocks if b.startswith("sd")] == ["sda"], blocks
        assert "virtio" in _run(fd, "readlink -f /sys/block/sda/device")
        read = _run(fd, "mkdir -p /mnt && mount -t iso9660 -o ro /dev/sr0 /mnt && cat /mnt/hello.txt")
        assert "pyvirt-from-the-iso" in read, read
        assert "1" in _run(fd, "cat /sys/block/sr0/ro").split()
    finally:
        os.close(fd)
    dom.destroy()


_SESSION_SCRIPT = r"""
import json, sys
from pathlib import Path
from pyvirt import VirtError
from qemu_helpers import InProcessDriver, guest_xml
root, image = sys.argv[1], sys.argv[2]
drv = InProcessDriver(Path(root))
conn = drv.connect()
xml = guest_xml("sess", None, extra=f"<disk type='file' device='disk'><source file='{image}'/>"
                "<target dev='vda' bus='virtio'/></disk>")
dom = conn.define_domain(xml)
try:
    dom.start()
    out = "started"
except VirtError as e:
    out = [int(e.code), int(e.domain), str(e)]
print(json.dumps([out, int(dom.state()[0])]))
drv.stop()
"""


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("setpriv") is None,
                    reason="running a session as an unprivileged user needs root and setpriv")  # fmt: skip
def test_an_unprivileged_session_cannot_use_a_disk_outside_what_its_user_may_read(
    qemu_root: Path,
) -> None:
    """qemu:///session runs QEMU as its user: a disk that user cannot read (here an image
    in root's private directory, outside every pool of the session) is refused as libvirt
    refuses it, naming the user, and nothing starts."""
    nobody = 65534
    private = qemu_root / "private"
    private.mkdir(mode=0o700)
    image = img(private / "secret.raw", "raw", "1M")
    session = qemu_root / "session"
    session.mkdir()
    os.chown(session, nobody, nobody)
    qemu_root.chmod(0o755)
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(session), "PYVIRT_QEMU_ACCEL": "tcg",
           "PYTHONPATH": str(Path(__file__).parent), "PYVIRT_DISABLE_PLUGIN_AUTOLOAD": "1"}  # fmt: skip
    done = subprocess.run(
        ["setpriv", f"--reuid={nobody}", f"--regid={nobody}", "--clear-groups", sys.executable,
         "-c", _SESSION_SCRIPT, str(session / "root"), str(image)],
        capture_output=True, text=True, timeout=120, env=env, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    (code, domain_code, message), state = json.loads(done.stdout)
    assert (code, domain_code) == (ErrorCode.SYSTEM_ERROR, ErrorDomain.STORAGE)
    assert message == (f"Cannot access storage file '{image}' (as uid:{nobody}, gid:{nobody}): "
                       "Permission denied")  # fmt: skip
    assert state == DomainState.SHUTOFF
    assert qemu_pids(qemu_root) == []
