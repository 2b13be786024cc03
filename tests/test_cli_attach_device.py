"""The device commands (attach-device, detach-device, update-device, detach-device-alias,
attach-disk, detach-disk, attach-interface, detach-interface, change-media) compared with the
real virsh byte for byte, in process and through the daemons, and the public API's device
calls.

libvirt's test driver serves none of virDomainAttachDevice(Flags), DetachDevice(Flags),
UpdateDeviceFlags or DetachDeviceAlias: every call reaching it is VIR_ERR_NO_SUPPORT and the
domain is left unchanged.  What virsh does before the call (reading the file, finding the disk
or interface in the domain's XML, building the XML of --print-xml) is compared in full.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import pyvirt
from cli_helpers import compare, needs_virsh

pytestmark = needs_virsh

DISK = """<disk type='file' device='disk'>
  <source file='/tmp/x.img'/>
  <target dev='vdb' bus='virtio'/>
</disk>
"""
REMOVABLE = """<domain type='test'>
  <name>cd</name>
  <memory>1024</memory>
  <os><type>hvm</type></os>
  <devices>
    <disk type='file' device='cdrom'>
      <source file='/tmp/a.iso'/>
      <target dev='hdc' bus='ide'/>
      <readonly/>
    </disk>
    <disk type='file' device='floppy'>
      <target dev='fda'/>
    </disk>
  </devices>
</domain>
"""


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "disk.xml").write_text(DISK)
    (tmp_path / "cd.xml").write_text(REMOVABLE)
    (tmp_path / "bad.xml").write_text("<disk")
    return tmp_path


def on(uri: str, files: Path, command: str) -> None:
    compare("-c", uri, command.replace("D/", f"{files}/"))


@pytest.mark.parametrize(
    "command",
    [
        "attach-device test D/disk.xml",
        "attach-device test D/disk.xml --config",
        "attach-device test D/disk.xml --persistent",
        "attach-device test D/disk.xml --live",
        "attach-device test D/bad.xml --current",
        "attach-device test D/nonexist.xml",
        "attach-device test D/disk.xml --current --live",
        "attach-device test D/disk.xml --persistent --current",
        "attach-device nosuch D/nonexist.xml",
        "attach-device test",
        "attach-device test D/disk.xml --bogus",
        "detach-device test D/disk.xml",
        "detach-device test D/disk.xml --config --live",
        "update-device test D/disk.xml",
        "update-device test D/disk.xml --force --current",
        "detach-device-alias test ua-disk0",
        "detach-device-alias test ua-disk0 --current",
        "detach-device-alias test ua-disk0 --live --config",
        "detach-device-alias test ua-disk0 --persistent",
        "detach-device-alias nosuch ua-disk0",
    ],
)
def test_device_files(uri: str, files: Path, command: str) -> None:
    on(uri, files, command)


@pytest.mark.parametrize(
    "command",
    [
        "detach-disk test vda --print-xml",
        "detach-disk test /guest/diskimage1 --config --print-xml",
        "detach-disk test vda",
        "detach-disk test vda --persistent",
        "detach-disk test vdz",
        "detach-disk test vda --live --current",
        "detach-interface test network --print-xml",
        "detach-interface test network aa:bb:cc:dd:ee:ff --print-xml",
        "detach-interface test network --mac AA:BB:CC:DD:EE:FF",
        "detach-interface test network --mac 00:11:22:33:44:55",
        "detach-interface test bridge",
        "detach-interface test network --config",
    ],
)
def test_detach_finds_the_device_in_the_domain_xml(uri: str, files: Path, command: str) -> None:
    on(uri, files, command)


@pytest.mark.parametrize(
    "command",
    [
        "attach-disk test /tmp/y.img vdc",
        "attach-disk test /tmp/y.img vdc --config",
        "attach-disk test /tmp/y.img vdc --print-xml",
        "attach-disk test /tmp/y.img vdc --print-xml --targetbus scsi --driver qemu "
        "--subdriver qcow2 --cache none --io native --type cdrom --mode readonly --serial abc "
        "--wwn 0x5000c50015ea71ac --alias ua-x --rawio --address pci:0000.00.0a.0 "
        "--multifunction",
        "attach-disk test y vdc scsi qemu qcow2 --print-xml",
        "attach-disk test /tmp/y.img vdc --sourcetype block --iothread 2 --print-xml",
        "attach-disk test /dev/null vdc --print-xml",
        "attach-disk test pool/vol vdc --source-protocol rbd --source-host-name h:1234 --print-xml",
        "attach-disk test x vdc --source-protocol nbd --source-host-transport unix "
        "--source-host-socket /s --print-xml",
        "attach-disk test y sdc --address scsi:1.2.3 --print-xml",
        "attach-disk test y hdc --address ide:1.2.3 --print-xml",
        "attach-disk test y sdc --address usb:1.2 --print-xml",
        "attach-disk test y xdc --address ccw:0.0.0a --print-xml",
        "attach-disk test y vdc --address scsi:1.2.3 --print-xml",
        "attach-disk test y hdc --address scsi:1.2.3 --print-xml",
        "attach-disk test y sdc --address pci:0.0.1.0 --print-xml",
        "attach-disk test y vdc --address pci:0.0 --print-xml",
        "attach-disk test y vdc --address bogus",
        "attach-disk test y vdc --type lun --mode bogus",
        "attach-disk test y vdc --sourcetype bogus --print-xml",
        "attach-interface test network default",
        "attach-interface test network default vnet0 --print-xml",
        "attach-interface test bridge br0 --target vnet9 --mac 52:54:00:11:22:33 "
        "--script /bin/true --model virtio --alias ua-n --inbound 100,200,300 "
        "--outbound 100 --print-xml",
        "attach-interface test network default --inbound 1,2,3,4 --print-xml",
        "attach-interface test network default --inbound 1,,3 --print-xml",
        "attach-interface test network default --inbound ,,,4 --print-xml",
        "attach-interface test network default --inbound x --print-xml",
        "attach-interface test network default --inbound 0 --print-xml",
        "attach-interface test network default --outbound 5,6,7,8 --print-xml",
        "attach-interface test direct eth0 --source-mode client --print-xml",
        "attach-interface test hostdev 0000:00:01.0 --managed --print-xml",
        "attach-interface test hostdev bogus --print-xml",
        "attach-interface test vhostuser /tmp/s --print-xml",
        "attach-interface test vhostuser /tmp/s --source-mode server --print-xml",
        "attach-interface test bridge br0 --source-mode x --print-xml",
        "attach-interface test ethernet x --print-xml",
    ],
)
def test_attach_builds_virshs_xml(uri: str, files: Path, command: str) -> None:
    on(uri, files, command)


@pytest.mark.parametrize(
    "command",
    [
        "change-media test vda --eject",
        "change-media cd hdc --eject --print-xml",
        "change-media cd hdc --eject",
        "change-media cd /tmp/a.iso --update /tmp/b.iso --print-xml",
        "change-media cd fda --insert /tmp/f.img --print-xml --block",
        "change-media cd fda /tmp/f.img --insert --print-xml",
        "change-media cd fda --insert",
        "change-media cd hdc --eject --source x",
        "change-media cd hdc --eject --insert",
        "change-media cd hdc --update",
        "change-media cd hdc --insert /tmp/x --print-xml",
        "change-media cd fda --eject --print-xml",
        "change-media cd hdc /tmp/b.iso --config --force",
    ],
)
def test_change_media(uri: str, files: Path, command: str) -> None:
    on(uri, files, f"define D/cd.xml; {command}")


@pytest.mark.parametrize(
    "command",
    [
        "attach-device test D/disk.xml",
        "attach-device test D/disk.xml --config",
        "detach-disk test vda",
        "detach-device-alias test ua-disk0",
        "update-device test D/disk.xml",
    ],
)
def test_read_only_connections_are_refused(uri: str, files: Path, command: str) -> None:
    compare("-r", "-c", uri, command.replace("D/", f"{files}/"))


@pytest.mark.parametrize(
    "name",
    [
        "attach-device",
        "detach-device",
        "update-device",
        "detach-device-alias",
        "attach-disk",
        "detach-disk",
        "attach-interface",
        "detach-interface",
        "change-media",
    ],
)
def test_help(name: str) -> None:
    compare("help", name)


def test_public_api_leaves_the_domain_unchanged() -> None:
    with pyvirt.open("test:///default") as conn:
        dom = conn.lookup_domain_by_name("test")
        before = dom.xml_desc(), dom.xml_desc(2)
        for call, api in (
            (lambda: dom.attach_device(DISK), "virDomainAttachDevice"),
            (lambda: dom.attach_device(DISK, 2), "virDomainAttachDeviceFlags"),
            (lambda: dom.detach_device(DISK), "virDomainDetachDevice"),
            (lambda: dom.detach_device(DISK, 0), "virDomainDetachDeviceFlags"),
            (lambda: dom.update_device(DISK), "virDomainUpdateDeviceFlags"),
            (lambda: dom.detach_device_alias("ua-disk0"), "virDomainDetachDeviceAlias"),
        ):
            with pytest.raises(pyvirt.NoSupportError) as refused:
                call()
            assert refused.value.domain == pyvirt.ErrorDomain.DOMAIN
            assert str(refused.value).endswith(f"driver: {api}")
        assert (dom.xml_desc(), dom.xml_desc(2)) == before
        assert dom.is_updated() is False
        with pytest.raises(pyvirt.InvalidArgError, match="xml in virDomainAttachDevice must not"):
            dom.attach_device(None)  # type: ignore[arg-type]
