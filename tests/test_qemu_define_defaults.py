"""What the QEMU driver fills in when a domain is defined, against libvirtd's QEMU driver.

libvirt completes a definition before it stores it: the machine's canonical name, the default
CPU model, the USB and PCI controllers, the PS/2 input devices and the ``none`` audio backend,
the default NIC model, and a PCI address for every device (on q35 with the pcie-root-ports
and the pcie-to-pci bridge the devices need, plus one spare port for hotplug). The same XML
goes to libvirtd and to a pyvirtd of the test's own; ``dumpxml --inactive`` must match byte
for byte once the generated UUID and MACs are masked. The guest must then start with those
addresses: QEMU refuses a command line whose buses do not exist.
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
from qemu_helpers import (  # noqa: F401 - fixtures
    QEMU_IMG,
    daemon_env,
    needs_libvirtd_qemu,
    needs_qemu,
    qemu_pids,
    qemu_root,
)

VIRSH = shutil.which("virsh")
PYVIRSH = shutil.which("pyvirsh", path=os.path.dirname(sys.executable)) or "pyvirsh"


pytestmark = [needs_qemu]

_DEVICES = """
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='{disk}'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <disk type='file' device='cdrom'>
      <target dev='sda' bus='sata'/>
      <readonly/>
    </disk>
    <interface type='user'><mac address='52:54:00:11:22:33'/><model type='virtio'/></interface>
    <interface type='user'><mac address='52:54:00:11:22:34'/><model type='e1000'/></interface>
    <interface type='user'/>
    <serial type='pty'/>
    <console type='pty'/>
    <graphics type='vnc' port='-1'/>
    <video><model type='vga'/></video>
"""
_PINNED = """
    <interface type='user'>
      <mac address='52:54:00:11:22:35'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'/>
    </interface>
    <interface type='user'><mac address='52:54:00:11:22:36'/><model type='virtio'/></interface>
"""

_PORTS = """
    <interface type='user'><mac address='52:54:00:11:22:33'/><model type='e1000e'/></interface>
    <channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>
    <input type='tablet' bus='usb'/>
    <input type='keyboard' bus='virtio'/>
    <video><model type='virtio'/></video>
    <memballoon model='none'/>
"""
#: More conventional PCI NICs than one bus has slots: i440fx adds a pci-bridge, q35 a
#: pcie-to-pci-bridge and then a pci-bridge behind it.
_CROWD = "".join(
    f"<interface type='user'><mac address='52:54:00:00:00:{i:02x}'/><model type='e1000'/>"
    "</interface>"
    for i in range(32)
)

CASES = {
    "minimal-pc": ("pc", ""),
    "minimal-q35": ("q35", ""),
    "devices-pc": ("pc", _DEVICES),
    "devices-q35": ("q35", _DEVICES),
    "pinned-pc": ("pc", _PINNED),
    "ports-pc": ("pc", _PORTS),
    "ports-q35": ("q35", _PORTS),
    "crowd-pc": ("pc", _CROWD),
    "crowd-q35": ("q35", _CROWD),
}


def _domain(name: str, machine: str, devices: str, disk: Path) -> str:
    return (
        f"<domain type='qemu'>\n  <name>{name}</name>\n  <memory unit='MiB'>64</memory>\n"
        f"  <vcpu>1</vcpu>\n  <os><type arch='x86_64' machine='{machine}'>hvm</type></os>\n"
        f"  <devices>{devices.format(disk=disk)}  </devices>\n</domain>\n"
    )


def _masked(xml: str, name: str) -> str:
    xml = xml.replace(name, "NAME")
    xml = re.sub(r"<uuid>[0-9a-f-]{36}</uuid>", "<uuid>UUID</uuid>", xml)
    # Only the MACs the driver generates differ (the test's own end in :22:3x or :00:xx).
    return re.sub(r"<mac address='52:54:00:(?!11:22:3|00:00:)[0-9a-f:]{8}'/>",
                  "<mac address='MAC'/>", xml)  # fmt: skip


Proc = subprocess.CompletedProcess[str]


def _run(program: list[str], script: str, env: dict[str, str]) -> Proc:
    return subprocess.run([*program, "-c", "qemu:///system", script], capture_output=True,
                          text=True, timeout=180, env=env, check=False)  # fmt: skip


def _both(name: str, libvirt_script: str, pyvirt_script: str,
          daemon_env: tuple[Path, dict[str, str]]) -> tuple[Proc, Proc]:
    """*libvirt_script* through virsh and libvirtd (the domain undefined after), then
    *pyvirt_script* through pyvirsh and a pyvirtd of the test's own."""
    plain = {k: v for k, v in os.environ.items() if not k.endswith("DEFAULT_URI")}
    want = _run([VIRSH or "virsh"], libvirt_script, plain)
    subprocess.run([VIRSH or "virsh", "-c", "qemu:///system", "undefine", name],
                   capture_output=True, timeout=60, check=False)  # fmt: skip
    rundir, env = daemon_env
    daemon = start_daemon(rundir, env=env)
    try:
        daemon.wait_worker("qemu")
        got = _run([PYVIRSH], pyvirt_script, {**plain, "PYVIRT_RUNTIME_DIR": str(rundir)})
    finally:
        daemon.stop()
    return want, got


@pytest.fixture
def disk(tmp_path: Path) -> Path:
    path = tmp_path / "disk.qcow2"
    assert QEMU_IMG is not None
    subprocess.run([QEMU_IMG, "create", "-q", "-f", "qcow2", str(path), "16M"], check=True)
    return path


@needs_libvirtd_qemu
@pytest.mark.parametrize("case", sorted(CASES))
def test_defined_xml_matches_libvirtd(
    case: str, daemon_env: tuple[Path, dict[str, str]], disk: Path, tmp_path: Path
) -> None:
    machine, devices = CASES[case]
    name = f"pyvirt-defaults-{uuid.uuid4().hex[:8]}"
    xml = tmp_path / "domain.xml"
    xml.write_text(_domain(name, machine, devices, disk))
    script = f"define {xml}; dumpxml --inactive {name}; undefine {name}"
    want, got = _both(name, script, script, daemon_env)
    assert want.returncode == 0, want.stderr
    assert (got.returncode, _masked(got.stdout, name)) == (0, _masked(want.stdout, name))


BAD_ADDRESSES = {
    "double use": ("03", "03", "XML error: Attempted double use of PCI Address 0000:00:03.0"),
    "PIIX3 slot": ("01", "04", "XML error: Attempted double use of PCI Address 0000:00:01.0"),
}


@needs_libvirtd_qemu
@pytest.mark.parametrize("case", sorted(BAD_ADDRESSES))
def test_taken_pci_addresses_are_refused_as_libvirtd_refuses_them(
    case: str, daemon_env: tuple[Path, dict[str, str]], disk: Path, tmp_path: Path
) -> None:
    first, second, message = BAD_ADDRESSES[case]
    name = f"pyvirt-badaddr-{uuid.uuid4().hex[:8]}"
    nics = "".join(
        f"<interface type='user'><address type='pci' domain='0x0000' bus='0x00' "
        f"slot='0x{slot}' function='0x0'/></interface>"
        for slot in (first, second)
    )
    xml = tmp_path / "domain.xml"
    xml.write_text(_domain(name, "pc", nics, disk))
    want, got = _both(name, f"define {xml}", f"define {xml}; list --all --name", daemon_env)
    assert message in want.stderr
    assert message in got.stderr
    assert name not in got.stdout  # nothing defined


@pytest.mark.parametrize("machine", ["pc", "q35"])
def test_a_guest_starts_on_the_buses_its_definition_was_given(
    machine: str,
    daemon_env: tuple[Path, dict[str, str]],
    qemu_root: Path,
    disk: Path,
    tmp_path: Path,
) -> None:
    name = f"pyvirt-buses-{uuid.uuid4().hex[:8]}"
    xml = tmp_path / "domain.xml"
    xml.write_text(_domain(name, machine, _DEVICES, disk))
    rundir, env = daemon_env
    plain = {k: v for k, v in os.environ.items() if not k.endswith("DEFAULT_URI")}
    daemon = start_daemon(rundir, env=env)
    try:
        daemon.wait_worker("qemu")
        run_env = {**plain, "PYVIRT_RUNTIME_DIR": str(rundir)}
        defined = _run([PYVIRSH], f"define {xml}; dumpxml --inactive {name}", run_env)
        started = _run([PYVIRSH], f"start {name}; domstate {name}; dumpxml {name}", run_env)
        pids = qemu_pids(qemu_root)
        _run([PYVIRSH], f"destroy {name}; undefine {name}", run_env)
    finally:
        daemon.stop()
    assert defined.returncode == 0, defined.stderr
    assert started.returncode == 0, started.stderr
    assert "\nrunning\n" in started.stdout
    assert len(pids) == 1
    addresses = re.findall(r"<address type='pci'[^>]*>", defined.stdout)
    assert addresses and all(a in started.stdout for a in addresses)
    if machine == "q35":
        assert "model='pcie-root-port'" in defined.stdout
        assert "model='pcie-to-pci-bridge'" in defined.stdout  # for the e1000


def _aliases(live_xml: str) -> list[tuple[str, str]]:
    """(device element, alias) of every device in a live XML, in document order."""
    from lxml import etree

    devices = etree.fromstring(live_xml.encode()).find("devices")
    assert devices is not None
    return [(str(dev.tag), str(dev.find("alias").get("name")))  # type: ignore[union-attr]
            for dev in devices if dev.find("alias") is not None]  # fmt: skip


@needs_libvirtd_qemu
@pytest.mark.parametrize("machine", ["pc", "q35"])
def test_a_running_guest_has_libvirtds_device_aliases_and_console_tty(
    machine: str, daemon_env: tuple[Path, dict[str, str]], disk: Path, tmp_path: Path
) -> None:
    name = f"pyvirt-alias-{uuid.uuid4().hex[:8]}"
    # No disk image: libvirtd's QEMU runs as its own user and may not reach the test's files.
    # No VNC either: libvirtd's and pyvirtd's guests of parallel tests would race for 5900.
    devices = (_DEVICES.split("</disk>", 1)[1] + _PORTS.replace("<memballoon model='none'/>", "")
               ).replace("<graphics type='vnc' port='-1'/>", "")  # fmt: skip
    xml = tmp_path / "domain.xml"
    xml.write_text(_domain(name, machine, devices.replace("52:54:00:11:22:33'/><model type='e1000e'",
                                                          "52:54:00:11:22:39'/><model type='e1000e'"),
                           disk))  # fmt: skip
    script = f"create {xml}; dumpxml {name}; destroy {name}"
    want, got = _both(name, script, script, daemon_env)
    assert want.returncode == 0, want.stderr
    assert got.returncode == 0, got.stderr
    body = lambda out: out[out.index("<domain"):out.rindex("</domain>") + 9]  # noqa: E731
    assert _aliases(body(got.stdout)) == _aliases(body(want.stdout))
    assert len(_aliases(body(want.stdout))) > 10
    assert re.search(r"<console type='pty' tty='/dev/pts/\d+'>", got.stdout)
