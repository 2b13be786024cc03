"""The QEMU command-line builder: golden argv, refusals, and the installed QEMU's vocabulary.

No QEMU is started here: the builder is pure, so what it emits for a definition is checked
directly; one test asks the installed ``qemu-system-x86_64`` (if any) whether every
``-device`` driver and ``-machine`` type we emit exists.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from pyvirt import ErrorCode, ErrorDomain, VirtError
from pyvirt.conf import parse_domain_xml
from pyvirt_qemu._command import LaunchPaths, assign_runtime_paths, build_argv

DATA = Path(__file__).parent / "data" / "qemu"
PATHS = LaunchPaths(monitor="/run/q/mon.sock", channel_dir="/run/q/channel")

MINIMAL = """<domain type='qemu'>
  <name>tiny</name>
  <uuid>11111111-2222-3333-4444-555555555555</uuid>
  <memory unit='KiB'>65536</memory>
  <os><type arch='x86_64'>hvm</type></os>
  <devices>{devices}</devices>
  {extra}
</domain>"""


def argv_for(xml: str, accel: str = "tcg") -> list[str]:
    d = parse_domain_xml(xml, default_arch="x86_64")
    assign_runtime_paths(d, PATHS)
    return build_argv(d, accel=accel, paths=PATHS)


def minimal(devices: str = "", extra: str = "") -> str:
    return MINIMAL.format(devices=devices, extra=extra)


def pairs(argv: list[str], option: str) -> list[str]:
    return [argv[i + 1] for i, a in enumerate(argv) if a == option]


def test_minimal_golden() -> None:
    assert argv_for(minimal()) == [
        "/usr/bin/qemu-system-x86_64",
        "-name", "guest=tiny,debug-threads=on",
        "-S",
        "-machine", "pc,usb=off,acpi=off",
        "-accel", "tcg",
        "-m", "size=64M",
        "-smp", "1,maxcpus=1,sockets=1,cores=1,threads=1",
        "-uuid", "11111111-2222-3333-4444-555555555555",
        "-no-user-config", "-nodefaults",
        "-chardev", "socket,id=charmonitor,path=/run/q/mon.sock,server=on,wait=off",
        "-mon", "chardev=charmonitor,id=monitor,mode=control",
        "-rtc", "base=utc",
        "-no-shutdown",
        "-display", "none",
        "-boot", "strict=on",
    ]  # fmt: skip


def test_full_golden() -> None:
    argv = argv_for((DATA / "full.xml").read_text())
    assert argv == json.loads((DATA / "full.argv.json").read_text())


def test_commas_in_values_are_doubled() -> None:
    xml = minimal("<disk type='file'><source file='/a,b.img'/><target dev='vda' bus='virtio'/>"
                  "</disk>").replace("<name>tiny</name>", "<name>a,b</name>")  # fmt: skip
    argv = argv_for(xml)
    assert "guest=a,,b,debug-threads=on" in argv
    # JSON -blockdev needs no escaping.
    assert json.loads(pairs(argv, "-blockdev")[0])["filename"] == "/a,b.img"


def test_kvm_accel_and_host_passthrough() -> None:
    xml = minimal(extra="<cpu mode='host-passthrough'/>").replace("type='qemu'", "type='kvm'")
    argv = argv_for(xml, accel="kvm")
    assert pairs(argv, "-accel") == ["kvm"] and pairs(argv, "-cpu") == ["host"]


def test_lifecycle_actions() -> None:
    argv = argv_for(minimal(extra="<on_reboot>destroy</on_reboot>"))
    assert "-no-reboot" in argv and "-no-shutdown" in argv
    assert "-no-reboot" not in argv_for(minimal())


def test_direct_kernel_boot_and_memory_units() -> None:
    xml = (
        minimal()
        .replace(
            "<type arch='x86_64'>hvm</type>",
            "<type arch='x86_64'>hvm</type><kernel>/k</kernel><initrd>/i</initrd>"
            "<cmdline>console=ttyS0</cmdline>",
        )
        .replace("65536", "65537")
    )
    argv = argv_for(xml)
    assert pairs(argv, "-kernel") == ["/k"] and pairs(argv, "-initrd") == ["/i"]
    assert pairs(argv, "-append") == ["console=ttyS0"]
    assert pairs(argv, "-m") == ["size=65537k"]


def test_q35_sata_uses_builtin_ahci_and_fixed_vnc_port() -> None:
    xml = minimal(
        "<disk type='file'><source file='/d.img'/><target dev='sda' bus='sata'/></disk>"
        "<graphics type='vnc' port='5907' autoport='no'/>"
    ).replace("<type arch='x86_64'>", "<type arch='x86_64' machine='q35'>")
    argv = argv_for(xml)
    assert '{"driver":"ide-hd","bus":"ide.0","drive":"libvirt-1-format","id":"sata0-0-0","bootindex":1}' in pairs(
        argv, "-device"
    )
    assert not any(d.startswith("ahci") for d in pairs(argv, "-device"))
    assert pairs(argv, "-vnc") == ["127.0.0.1:7,audiodev=audio1"]


@pytest.mark.parametrize(
    "devices, extra, fragment",
    [
        ("<sound model='ich9'/>", "", "device type 'sound'"),
        (
            "<interface type='direct'><source dev='eth0' mode='bridge'/></interface>",
            "",
            "interface type 'direct'",
        ),
        (
            "<disk type='block'><source dev='/dev/sda'/><target dev='vda'/></disk>",
            "",
            "disk type 'block'",
        ),
        (
            "<disk type='file'><driver name='qemu' type='vmdk'/><source file='/x'/>"
            "<target dev='vda'/></disk>",
            "",
            "storage format 'vmdk'",
        ),
        (
            "<disk type='file'><driver name='qemu' type='raw' cache='writeback'/>"
            "<source file='/x'/><target dev='vda'/></disk>",
            "",
            "cache mode of disk 'vda'",
        ),
        ("<graphics type='spice'/>", "", "graphics type 'spice'"),
        ("<graphics type='vnc' listen='0.0.0.0'/>", "", "only loopback"),
        ("<graphics type='vnc' keymap='de'/>", "", "VNC options"),
        (
            "<serial type='tcp'><source mode='bind' host='::' service='4444'/></serial>",
            "",
            "serial type 'tcp'",
        ),
        (
            "<serial type='unix'><source mode='connect' path='/x'/></serial>",
            "",
            "serial unix source other than a socket QEMU binds",
        ),
        (
            "<serial type='pty'><log file='/x' append='on'/><protocol type='raw'/></serial>",
            "",
            "<protocol> in serial",
        ),
        ("<panic model='hyperv'/>", "", "panic model 'hyperv'"),
        ("<parallel type='pty'/>", "", "<parallel> devices"),
        ("<video><model type='qxl'/></video>", "", "video model 'qxl'"),
        ("<memballoon model='virtio'><stats period='5'/><driver iommu='on'/></memballoon>", "",
         "<driver>"),
        ("", "<memoryBacking><hugepages/></memoryBacking>", "<memoryBacking> element"),
        ("", "<features><hyperv/></features>", "feature 'hyperv'"),
        ("", "<clock offset='variable' adjustment='10'/>", "clock offset 'variable'"),
        ("", "<cpu mode='host-passthrough'/>", "host-passthrough"),
        ("", "<on_crash>coredump-destroy</on_crash>", "<on_crash> action"),
    ],
)
def test_outside_the_subset_is_refused(devices: str, extra: str, fragment: str) -> None:
    with pytest.raises(VirtError) as info:
        argv_for(minimal(devices, extra))
    assert info.value.code == ErrorCode.CONFIG_UNSUPPORTED
    assert info.value.domain == ErrorDomain.QEMU
    assert str(info.value).startswith("unsupported configuration: ")
    assert fragment in str(info.value)


def test_serial_backends_log_file_and_panic_device() -> None:
    """A pty with a log copy, a file, a unix socket QEMU listens on: libvirt's -chardev
    backends (libvirt passes the files as fds through virtlogd; pyvirt names them), and the
    ISA pvpanic device of ``<panic model='isa'/>``."""
    argv = argv_for(minimal(
        "<serial type='pty'><log file='/l/con.log' append='off'/><target port='0'/></serial>"
        "<serial type='file'><source path='/l/out,1.txt'/><target port='1'/></serial>"
        "<serial type='unix'><source mode='bind' path='/l/s.sock'/><target port='2'/></serial>"
        "<panic model='isa'/>"
    ))  # fmt: skip
    assert pairs(argv, "-chardev")[1:] == [
        "pty,id=charserial0,logfile=/l/con.log,logappend=off",
        "file,id=charserial1,path=/l/out,,1.txt,append=on",
        "socket,id=charserial2,path=/l/s.sock,server=on,wait=off",
    ]
    assert "pvpanic" in pairs(argv, "-device")
    with pytest.raises(VirtError, match="Missing source path") as info:
        argv_for(minimal("<serial type='file'/>"))
    assert info.value.code == ErrorCode.XML_ERROR


def test_ide_on_q35_refused_with_libvirts_message() -> None:
    xml = minimal("<disk type='file'><source file='/x'/><target dev='hda' bus='ide'/></disk>")
    xml = xml.replace("<type arch='x86_64'>", "<type arch='x86_64' machine='q35'>")
    with pytest.raises(VirtError, match="IDE controllers are unsupported for this QEMU binary"):
        argv_for(xml)


def test_non_qemu_domain_type_refused() -> None:
    with pytest.raises(VirtError, match="does not support virt type 'test'"):
        argv_for(minimal().replace("type='qemu'", "type='test'"))


# ---------------------------------------------------------------- against the installed QEMU

QEMU = shutil.which("qemu-system-x86_64")


def _help(*args: str) -> str:
    assert QEMU is not None
    return subprocess.run([QEMU, *args], capture_output=True, text=True, timeout=30).stdout


@pytest.mark.skipif(QEMU is None, reason="qemu-system-x86_64 is not installed")
def test_emitted_devices_and_machines_exist_in_installed_qemu() -> None:
    device_help = _help("-device", "help")
    machine_help = _help("-machine", "help")
    known_devices: set[str] = set()
    for line in device_help.splitlines():
        if line.startswith('name "'):
            known_devices.add(line.split('"')[1])
            if ', alias "' in line:  # e.g. name "ich9-ahci", alias "ahci"
                known_devices.add(line.split(', alias "')[1].split('"')[0])
    known_machines = {line.split()[0] for line in machine_help.splitlines()[1:] if line.strip()}
    variants = [
        (DATA / "full.xml").read_text(),
        (DATA / "full.xml").read_text().replace("machine='pc'", "machine='q35'")
        .replace("bus='ide'", "bus='sata'").replace("piix3-uhci", "qemu-xhci"),
        minimal("<input type='keyboard' bus='virtio'/><input type='mouse' bus='virtio'/>"
                "<input type='tablet' bus='virtio'/><video><model type='virtio'/></video>"
                "<video><model type='virtio'/></video><video><model type='bochs'/></video>"
                "<interface type='user'><model type='e1000'/></interface>"
                "<interface type='user'><model type='e1000e'/></interface>"
                "<interface type='user'/><console type='pty'><target type='virtio'/></console>"
                "<controller type='usb' model='nec-xhci'/>"
                "<input type='keyboard' bus='usb'/><input type='mouse' bus='usb'/>"),
        minimal("<video><model type='vga'/></video>"),
    ]  # fmt: skip
    emitted_devices: set[str] = set()
    emitted_machines: set[str] = set()
    for xml in variants:
        argv = argv_for(xml)
        emitted_devices |= {json.loads(d)["driver"] if d.startswith("{") else d.split(",")[0]
                            for d in pairs(argv, "-device")}  # fmt: skip
        emitted_machines |= {m.split(",")[0] for m in pairs(argv, "-machine")}
    assert len(emitted_devices) >= 20
    assert emitted_devices - known_devices == set()
    assert emitted_machines - known_machines == set()


def test_bridged_interfaces_use_the_tap_descriptors_the_driver_opened() -> None:
    xml = minimal(
        "<interface type='network'><mac address='52:54:00:aa:bb:01'/>"
        "<source network='default'/><model type='virtio'/></interface>"
        "<interface type='user'><mac address='52:54:00:aa:bb:02'/></interface>"
        "<interface type='bridge'><mac address='52:54:00:aa:bb:03'/><source bridge='br0'/>"
        "</interface>"
    )
    d = parse_domain_xml(xml, default_arch="x86_64")
    paths = LaunchPaths(monitor="/run/q/mon.sock", channel_dir="/run/q", tap_fds={0: 23, 2: 24})
    argv = build_argv(d, accel="tcg", paths=paths)
    assert pairs(argv, "-netdev") == [
        "tap,fd=23,id=hostnet0",
        "user,id=hostnet1",
        "tap,fd=24,id=hostnet2",
    ]
    devices = pairs(argv, "-device")
    assert any(x.startswith("virtio-net-pci,netdev=hostnet0,id=net0,mac=52:54:00:aa:bb:01")
               for x in devices)  # fmt: skip
    # Without the driver's tap the builder refuses rather than invent a backend.
    with pytest.raises(VirtError, match="without a tap device"):
        build_argv(d, accel="tcg", paths=PATHS)
