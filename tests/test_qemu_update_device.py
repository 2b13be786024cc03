"""update-device on the QEMU driver (and what virsh builds on it: change-media,
domif-setlink): a CD-ROM's medium changed in the running guest with its tray events, a NIC's
link taken down and up, persistent replacements, and libvirt's refusals; compared with
libvirtd's QEMU driver through the same virsh script, and seen from inside a booted guest."""

# ruff: noqa: F811 - fixtures imported from qemu_helpers are test parameters
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from pyvirt import Domain, DomainEventID, ErrorCode, VirtError
from qemu_guest import Guest, guest_domain_xml
from qemu_helpers import (  # noqa: F401 - fixtures
    InProcessDriver,
    daemon_env,
    needs_libvirtd_qemu,
    needs_qemu,
    qemu_driver,
    qemu_root,
    scripts_on_both_daemons,
    wait_for,
)
from test_qemu_disks import shared_images  # noqa: F401 - the fixture: a dir both daemons read
from test_qemu_guest_console import _ask
from test_qemu_guest_lifecycle import guest_driver  # noqa: F401 - the fixture, TCG and KVM

pytestmark = needs_qemu

MAC = "52:54:00:11:22:33"
LIVE, CONFIG, FORCE = 1, 2, 4
PAUSED = 1  # VIR_DOMAIN_START_PAUSED


def _files(d: Path) -> dict[str, str]:
    """The images and device documents the tests use, written under *d*."""
    os.chmod(d, 0o755)
    for name, size in (("a.iso", 1 << 20), ("b.iso", 1 << 20), ("disk.img", 8 << 20),
                       ("c.img", 8 << 20)):  # fmt: skip
        with open(d / name, "wb") as f:
            f.truncate(size)
    cd = ("<disk type='file' device='cdrom'><driver name='qemu' type='raw'/>{src}"
          "<target dev='{dev}' bus='ide'/><readonly/></disk>")  # fmt: skip
    nic = "<interface type='user'><mac address='{mac}'/><model type='{model}'/>{more}</interface>"
    vnc = ("<graphics type='vnc' autoport='yes' {attrs}>"
           "<listen type='address' address='127.0.0.1'/></graphics>")  # fmt: skip
    docs = {
        "dom": (
            "<domain type='qemu'><name>NAME</name><memory unit='MiB'>64</memory>"
            "<os><type arch='x86_64' machine='pc'>hvm</type></os><devices>"
            f"<disk type='file' device='disk'><driver name='qemu' type='raw'/>"
            f"<source file='{d}/disk.img'/><target dev='vda' bus='virtio'/></disk>"
            + cd.format(src=f"<source file='{d}/a.iso'/>", dev="hdc")
            + nic.format(mac=MAC, model="virtio", more="")
            + "<graphics type='vnc' port='-1' autoport='yes' PASSWD/></devices></domain>"
        ),
        "cd_b": cd.format(src=f"<source file='{d}/b.iso'/>", dev="hdc"),
        "cd_empty": cd.format(src="", dev="hdc"),
        "cd_missing": cd.format(src=f"<source file='{d}/b.iso'/>", dev="hdd"),
        "cd_nonexist": cd.format(src=f"<source file='{d}/nonexist.iso'/>", dev="hdc"),
        "vda_new": (f"<disk type='file' device='disk'><driver name='qemu' type='raw'/>"
                    f"<source file='{d}/c.img'/><target dev='vda' bus='virtio'/></disk>"),  # fmt: skip
        "nic_down": nic.format(mac=MAC, model="virtio", more="<link state='down'/>"),
        "nic_model": nic.format(mac=MAC, model="e1000", more=""),
        "nic_other": nic.format(mac="52:54:00:11:22:99", model="virtio", more=""),
        "nic_queues": nic.format(mac=MAC, model="virtio", more="<driver queues='2'/>"),
        "spice": "<graphics type='spice' autoport='yes'/>",
        "malformed": "<disk",
        "g_pw": vnc.format(attrs="passwd='s3cret'"),
        "g_pw_until": vnc.format(attrs="passwd='other' passwdValidTo='2030-01-01T00:00:00' "
                                       "connected='keep'"),
        "g_nopw": vnc.format(attrs=""),
        "g_long": vnc.format(attrs="passwd='123456789'"),
        "g_fail": vnc.format(attrs="passwd='y' connected='fail'"),
        "g_keymap": vnc.format(attrs="passwd='x' keymap='de'"),
        "g_port": ("<graphics type='vnc' port='5950' autoport='no' passwd='x'>"
                   "<listen type='address' address='127.0.0.1'/></graphics>"),
        "g_nolisten": "<graphics type='vnc' autoport='yes' passwd='abc'/>",
        "serial": "<serial type='pty'><target port='0'/></serial>",
    }
    paths = {}
    for key, text in docs.items():
        (d / f"{key}.xml").write_text(text.replace(" PASSWD", ""))
        paths[key] = str(d / f"{key}.xml")
    (d / "dom_pw.xml").write_text(docs["dom"].replace("PASSWD", "passwd='first'"))
    paths["dir"] = str(d)
    paths["dom_pw"] = str(d / "dom_pw.xml")
    return paths


def _qmp(dom: Domain, command: str, arguments: dict[str, object] | None = None) -> Any:
    """QEMU's own answer (virDomainQemuMonitorCommand), to check what the driver did."""
    request: dict[str, object] = {"execute": command}
    if arguments:
        request["arguments"] = arguments
    return json.loads(dom.qemu_monitor_command(json.dumps(request)))["return"]


def test_a_cdroms_medium_changes_in_the_running_guest_with_its_tray_events(
    qemu_driver: InProcessDriver, tmp_path: Path
) -> None:
    f = _files(tmp_path)
    conn = qemu_driver.connect()
    dom = conn.define_domain(Path(f["dom"]).read_text().replace("NAME", "media"))
    trays: list[tuple[str | None, int]] = []
    conn.register_event_callback(
        lambda _c, ev: trays.append((ev.text, ev.event))
        if ev.event_id == DomainEventID.TRAY_CHANGE else None,
        uuid=dom.uuid,
    )  # fmt: skip
    dom.start(PAUSED)  # (no firmware probing the drive meanwhile: its tray moves are its own)

    def cdrom() -> str:
        xml = dom.xml_desc()
        return xml[xml.index("device='cdrom'") : xml.index("</disk>", xml.index("device='cdrom'"))]

    assert f"<source file='{f['dir']}/a.iso' index='1'/>" in cdrom()
    dom.update_device(Path(f["cd_empty"]).read_text(), LIVE)
    # libvirt's one counter of node names: the empty drive holds index 3 (vda has 2)
    assert "<source index='3'/>" in cdrom() and "<backingStore/>" not in cdrom()
    dom.update_device(Path(f["cd_b"]).read_text(), LIVE | FORCE)
    assert f"<source file='{f['dir']}/b.iso' index='4'/>" in cdrom()
    assert "<backingStore/>" in cdrom() and "tray=" not in cdrom()
    # each change opens the tray and closes it again (VIR_DOMAIN_EVENT_TRAY_CHANGE_*)
    assert wait_for(lambda: len(trays) == 4, 10), trays
    assert trays == [("ide0-1-0", 0), ("ide0-1-0", 1)] * 2
    # QEMU's own view: the new image is the drive's medium, the old nodes are gone
    blocks = {b["qdev"]: b for b in _qmp(dom, "query-block")}
    assert blocks["ide0-1-0"]["inserted"]["file"] == f"{f['dir']}/b.iso"
    nodes = {n["node-name"] for n in _qmp(dom, "query-named-block-nodes")}
    assert "libvirt-1-format" not in nodes and "libvirt-4-format" in nodes
    # the same medium again changes nothing (no tray moves)
    dom.update_device(Path(f["cd_b"]).read_text(), LIVE)
    assert len(trays) == 4
    with pytest.raises(VirtError, match="Cannot access storage file") as e:
        dom.update_device(Path(f["cd_nonexist"]).read_text(), LIVE)
    assert e.value.code == ErrorCode.SYSTEM_ERROR
    assert "b.iso' index='4'/>" in cdrom()  # untouched
    dom.destroy()


def test_a_pool_volume_goes_into_the_cdrom_and_other_kinds_of_source_are_refused(
    qemu_driver: InProcessDriver, tmp_path: Path
) -> None:
    """A ``<disk type='volume'>`` medium is its pool's file (not a file named like the
    volume); a missing volume is the pool's lookup error and a block device the driver does
    not run is refused, the drive left as it was."""
    f = _files(tmp_path)
    conn = qemu_driver.connect()
    pool_dir = tmp_path / "pool"
    pool_dir.mkdir()
    pool = conn.create_storage_pool(f"<pool type='dir'><name>media</name><target><path>"
                                    f"{pool_dir}</path></target></pool>")  # fmt: skip
    pool.create_volume("<volume><name>v.iso</name><capacity>1048576</capacity>"
                       "<target><format type='raw'/></target></volume>")  # fmt: skip
    dom = conn.define_domain(Path(f["dom"]).read_text().replace("NAME", "volmedia"))
    dom.start(PAUSED)
    vol = ("<disk type='volume' device='cdrom'><driver name='qemu' type='raw'/>"
           "<source pool='media' volume='{v}'/><target dev='hdc' bus='ide'/><readonly/></disk>")  # fmt: skip
    dom.update_device(vol.format(v="v.iso"), LIVE)
    assert "<source pool='media' volume='v.iso' index='3'/>" in dom.xml_desc()
    blocks = {b["qdev"]: b for b in _qmp(dom, "query-block")}
    assert blocks["ide0-1-0"]["inserted"]["file"] == str(pool_dir / "v.iso")
    with pytest.raises(VirtError, match="no storage vol with matching") as e:
        dom.update_device(vol.format(v="nosuch.iso"), LIVE)
    assert e.value.code == ErrorCode.NO_STORAGE_VOL
    with pytest.raises(VirtError, match="disk type 'block'") as e:
        dom.update_device("<disk type='block' device='cdrom'><source dev='/dev/null'/>"
                          "<target dev='hdc' bus='ide'/><readonly/></disk>", LIVE)  # fmt: skip
    assert e.value.code == ErrorCode.CONFIG_UNSUPPORTED
    assert "volume='v.iso' index='3'/>" in dom.xml_desc()  # untouched by the refusals
    dom.destroy()


def test_a_link_defined_down_stays_down_in_the_config_and_goes_up_live_only(
    qemu_driver: InProcessDriver, tmp_path: Path
) -> None:
    f = _files(tmp_path)
    conn = qemu_driver.connect()
    dom = conn.define_domain(Path(f["dom"]).read_text().replace("NAME", "link"))
    dom.update_device(Path(f["nic_down"]).read_text(), CONFIG)
    assert "<link state='down'/>" in dom.xml_desc(2)
    dom.start(PAUSED)  # (that the guest then sees no carrier: the booted guest's test below)
    assert "<link state='down'/>" in dom.xml_desc()
    dom.update_device(Path(f["nic_down"]).read_text().replace("down", "up"), LIVE)
    assert "<link state='up'/>" in dom.xml_desc()  # as given
    assert "<link state='down'/>" in dom.xml_desc(2)  # live only
    with pytest.raises(VirtError, match="cannot modify network device model") as e:
        dom.update_device(Path(f["nic_model"]).read_text(), LIVE)
    assert e.value.code == ErrorCode.OPERATION_UNSUPPORTED
    dom.destroy()


@needs_libvirtd_qemu
def test_update_device_change_media_and_domif_setlink_match_libvirtd(
    daemon_env: tuple[Path, dict[str, str]], shared_images: Path
) -> None:
    tmp_path = shared_images
    f = _files(tmp_path)
    name = f"pyvirt-upd-{uuid.uuid4().hex[:8]}"
    dom = tmp_path / "named.xml"
    dom.write_text(Path(f["dom"]).read_text().replace("NAME", name))
    n, d = name, f["dir"]
    cdrom = "--xpath \"//disk[@device='cdrom']\""
    script = (
        f"define {dom}; update-device {n} {f['cd_b']} --config; "
        f"update-device {n} {f['cd_missing']} --config; update-device {n} {f['spice']} --config; "
        f"update-device {n} {f['serial']} --config; update-device {n} {f['nic_other']} --config; "
        f"update-device {n} {f['malformed']} --config; "
        f"update-device {n} {f['cd_b']} --live; update-device {n} {f['nic_down']} --config; "
        f"dumpxml {n} --inactive --xpath //interface/link; dumpxml {n} --inactive {cdrom}; "
        f"change-media {n} hdc {d}/a.iso --update --config; start {n} --paused; "
        f"dumpxml {n} {cdrom}; "
        f"domif-getlink {n} {MAC}; update-device {n} {f['cd_empty']} --live; "
        f"dumpxml {n} {cdrom}; change-media {n} hdc {d}/b.iso --insert; dumpxml {n} {cdrom}; "
        f"change-media {n} hdc --eject --force; change-media {n} hdc --eject; "
        f"change-media {n} hdc {d}/a.iso --update; change-media {n} vda {d}/a.iso --update; "
        f"change-media {n} hdc {d}/nonexist.iso --update; "
        f"update-device {n} {f['cd_missing']} --live; update-device {n} {f['vda_new']} --live; "
        f"update-device {n} {f['nic_model']} --live; update-device {n} {f['nic_other']} --live; "
        f"update-device {n} {f['nic_queues']} --live; update-device {n} {f['serial']} --live; "
        f"update-device {n} {f['cd_b']} --live --config --force; dumpxml {n} {cdrom}; "
        f"domif-setlink {n} {MAC} up; domif-getlink {n} {MAC}; "
        f"domif-setlink {n} {MAC} down --config; domif-getlink {n} {MAC} --config; "
        f"domblklist {n} --details; destroy {n}; dumpxml {n} {cdrom}; undefine {n}"
    )
    want, got = scripts_on_both_daemons((script, script), name, daemon_env)
    assert got == want


@needs_libvirtd_qemu
def test_a_vnc_password_changes_live_and_the_rest_is_refused_as_libvirtd_does(
    daemon_env: tuple[Path, dict[str, str]], shared_images: Path
) -> None:
    f = _files(shared_images)
    name = f"pyvirt-vnc-{uuid.uuid4().hex[:8]}"
    dom = shared_images / "named-pw.xml"
    dom.write_text(Path(f["dom_pw"]).read_text().replace("NAME", name))
    n = name
    secret = "--security-info --xpath //graphics/@passwd"
    until = "--security-info --xpath //graphics/@passwdValidTo"
    script = (
        f"define {dom}; start {n} --paused; dumpxml {n} {secret}; "
        f"update-device {n} {f['g_pw']}; dumpxml {n} {secret}; "
        f"update-device {n} {f['g_pw_until']} --live; dumpxml {n} {secret}; dumpxml {n} {until}; "
        f"update-device {n} {f['g_nopw']}; dumpxml {n} {secret}; "
        f"update-device {n} {f['g_long']}; update-device {n} {f['g_fail']}; "
        f"update-device {n} {f['g_keymap']}; update-device {n} {f['g_port']}; "
        f"update-device {n} {f['g_nolisten']}; update-device {n} {f['spice']}; "
        f"dumpxml {n} --inactive {secret}; destroy {n}; undefine {n}"
    )
    want, got = scripts_on_both_daemons((script, script), name, daemon_env)
    assert "s3cret" in want[1]
    assert got == want


GENISOIMAGE = shutil.which("genisoimage")


def _iso(d: Path, name: str, text: str) -> Path:
    content = d / f"{name}-content"
    content.mkdir()
    (content / "which.txt").write_text(text)
    iso = d / f"{name}.iso"
    subprocess.run([GENISOIMAGE or "genisoimage", "-quiet", "-V", name.upper(), "-o", str(iso),
                    str(content)], check=True)  # fmt: skip
    return iso


def _run(fd: int, command: str) -> str:
    return _ask(fd, f'{command}; echo "DONE=$((40+2))"', b"DONE=42").decode(errors="replace")


@pytest.mark.skipif(GENISOIMAGE is None, reason="genisoimage is not installed (apt install "
                    "genisoimage) to make the cdrom's ISOs")  # fmt: skip
def test_the_guest_reads_the_new_medium_and_sees_its_link_go_down_and_up(
    guest_driver: InProcessDriver, linux_guest: Guest, qemu_root: Path, accel: str
) -> None:
    first, second = _iso(qemu_root, "first", "medium-one\n"), _iso(qemu_root, "second", "medium-two\n")
    cd = ("<disk type='file' device='cdrom'><driver name='qemu' type='raw'/>{src}"
          "<target dev='sdb' bus='sata'/><readonly/></disk>")  # fmt: skip
    nic = f"<interface type='user'><mac address='{MAC}'/><model type='virtio'/>{{link}}</interface>"
    xml = guest_domain_xml(linux_guest, "media-guest", qemu_root / "console.log", accel=accel,
                           devices=cd.format(src=f"<source file='{first}'/>")
                           + nic.format(link="<link state='down'/>"),
                           cmdline="pyvirt_disks")  # fmt: skip
    conn = guest_driver.connect()
    dom = conn.define_domain(xml.replace("<type arch='x86_64'>", "<type arch='x86_64' machine='q35'>"))
    dom.start()
    fd = dom.open_console()
    try:
        mount = "mkdir -p /mnt && mount -t iso9660 -o ro /dev/sr0 /mnt && cat /mnt/which.txt"
        assert "medium-one" in _run(fd, mount)
        _run(fd, "umount /mnt")
        dom.update_device(cd.format(src=f"<source file='{second}'/>"), LIVE)
        assert wait_for(lambda: "medium-two" in _run(fd, f"{mount}; umount /mnt"), 60)
        carrier = "ip link set eth0 up; cat /sys/class/net/eth0/carrier"
        assert "0" in _run(fd, carrier).split()  # defined down: taken down at start
        dom.update_device(nic.format(link="<link state='up'/>"), LIVE)
        assert wait_for(lambda: "1" in _run(fd, carrier).split(), 30)
        dom.update_device(nic.format(link="<link state='down'/>"), LIVE)
        assert wait_for(lambda: "0" in _run(fd, carrier).split(), 30)
    finally:
        os.close(fd)
    dom.destroy()


def _tray_events(program: str, env: dict[str, str], name: str, f: dict[str, str]) -> str:
    """What ``event --event tray-change`` prints (and its exit status) while *program*
    ejects and re-inserts the CD-ROM of a paused guest."""
    def virsh(script: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([program, "-c", "qemu:///system", script], capture_output=True,
                              text=True, timeout=120, env=env, check=False)  # fmt: skip

    dom = Path(f["dir"]) / "named.xml"
    dom.write_text(Path(f["dom"]).read_text().replace("NAME", name))
    assert virsh(f"define {dom}; start {name} --paused").returncode == 0
    try:
        listener = subprocess.Popen(
            [program, "-c", "qemu:///system", f"event {name} --event tray-change --loop "
             "--timeout 8"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        )  # fmt: skip
        try:
            time.sleep(1.5)  # (the listener's start-up and registration)
            done = virsh(f"change-media {name} hdc --eject; "
                         f"change-media {name} hdc {f['dir']}/b.iso --insert")  # fmt: skip
            assert done.returncode == 0, done.stderr
            out, err = listener.communicate(timeout=30)
        finally:
            listener.kill()
        return f"{listener.returncode}\n{out.replace(name, 'NAME')}{err}"
    finally:
        virsh(f"destroy {name}; undefine {name}")


@needs_libvirtd_qemu
def test_tray_change_events_as_virsh_event_prints_them_match_libvirtd(
    daemon_env: tuple[Path, dict[str, str]], shared_images: Path
) -> None:
    from daemon_helpers import start_daemon

    f = _files(shared_images)
    name = f"pyvirt-tray-{uuid.uuid4().hex[:8]}"
    plain = {k: v for k, v in os.environ.items() if not k.endswith("DEFAULT_URI")}
    want = _tray_events(shutil.which("virsh") or "virsh", plain, name, f)
    rundir, env = daemon_env
    daemon = start_daemon(rundir, env=env)
    try:
        daemon.wait_worker("qemu")
        pyvirsh = shutil.which("pyvirsh", path=os.path.dirname(sys.executable)) or "pyvirsh"
        got = _tray_events(pyvirsh, {**os.environ, **env}, name, f)
    finally:
        daemon.stop()
    assert want.count("tray-change") == 4, want  # each change: opened, then closed
    assert got == want


def test_a_libvirt_python_program_hears_the_tray_move_with_its_disk_and_reason(
    qemu_driver: InProcessDriver, tmp_path: Path
) -> None:
    import pyvirt.libvirt as libvirt

    f = _files(tmp_path)
    dom = qemu_driver.connect().define_domain(Path(f["dom"]).read_text().replace("NAME", "tray"))
    libvirt.virEventRegisterDefaultImpl()
    vconn = libvirt.virConnect(dom.connection)
    heard: list[tuple[str, str, int]] = []
    vconn.domainEventRegisterAny(
        None, libvirt.VIR_DOMAIN_EVENT_ID_TRAY_CHANGE,
        lambda _c, d, alias, reason, _o: heard.append((d.name(), alias, reason)), None,
    )  # fmt: skip
    dom.start(PAUSED)
    dom.update_device(Path(f["cd_empty"]).read_text(), LIVE)

    def two() -> bool:
        libvirt.virEventRunDefaultImpl()
        return len(heard) >= 2

    assert wait_for(two, 10), heard
    assert heard == [("tray", "ide0-1-0", libvirt.VIR_DOMAIN_EVENT_TRAY_CHANGE_OPEN),
                     ("tray", "ide0-1-0", libvirt.VIR_DOMAIN_EVENT_TRAY_CHANGE_CLOSE)]  # fmt: skip
    dom.destroy()
