"""QEMU-specific defaults applied to a parsed definition, and the host facts they need.

Why here and not in the command builder: libvirt fills these in when a domain is *defined*
(they show up in ``dumpxml``): the default emulator, the canonical machine type
(``pc`` → ``pc-i440fx-7.2``), the USB controller, the PCI root and the memory balloon.
The host facts (machine aliases of the installed QEMU, whether KVM is usable) are probed
once per emulator and cached.
"""

from __future__ import annotations

import functools
import os
import subprocess

from lxml import etree
from pyvirt import ErrorCode, ErrorDomain, make_error
from pyvirt.conf import (
    ChardevDef,
    ControllerDef,
    DomainDef,
    GenericDevice,
    InputDef,
    MemballoonDef,
)

from pyvirt_qemu._command import DEFAULT_EMULATOR, is_q35, unsupported
from pyvirt_qemu._dac import apply_seclabel_defaults

__all__ = ["add_controller", "apply_device_defaults", "apply_qemu_defaults", "choose_accel", "kvm_usable"]


def kvm_usable() -> bool:
    """/dev/kvm exists and we may open it (CI containers often have neither)."""
    try:
        fd = os.open("/dev/kvm", os.O_RDWR | os.O_CLOEXEC)
    except OSError:
        return False
    os.close(fd)
    return True


def choose_accel(defn: DomainDef, forced: str | None) -> str:
    """TCG for type='qemu', KVM for type='kvm' (refused when KVM is unusable, as libvirt
    refuses a virt type its capabilities lack); *forced* (PYVIRT_QEMU_ACCEL) overrides both,
    so tests run deterministic TCG on hosts with or without KVM."""
    if forced in ("tcg", "kvm"):
        return forced
    if defn.type == "kvm":
        if not kvm_usable():
            raise unsupported(f"Emulator '{defn.emulator}' does not support virt type 'kvm'")
        return "kvm"
    return "tcg"


@functools.lru_cache(maxsize=8)
def _machine_aliases(emulator: str) -> dict[str, str]:
    """``-machine help`` of *emulator*: alias → canonical name (pc → pc-i440fx-7.2)."""
    try:
        out = subprocess.run(
            [emulator, "-machine", "help"], capture_output=True, text=True, timeout=30
        ).stdout
    except OSError:
        return {}
    aliases: dict[str, str] = {}
    for line in out.splitlines()[1:]:
        parts = line.split()
        if not parts:
            continue
        aliases[parts[0]] = parts[0]
        if "(alias of " in line:
            aliases[parts[0]] = line.split("(alias of ", 1)[1].split(")", 1)[0]
    return aliases


def check_emulator(emulator: str) -> None:
    """libvirt's check when it looks up the binary's capabilities at define time."""
    if not os.access(emulator, os.X_OK):
        reason = (
            "No such file or directory" if not os.path.exists(emulator) else "Permission denied"
        )
        raise make_error(
            ErrorCode.SYSTEM_ERROR,
            ErrorDomain.QEMU,
            f"Cannot check QEMU binary {emulator}: {reason}",
        )


def add_controller(d: DomainDef, ctrl: ControllerDef) -> None:
    """Append *ctrl* after the controllers, as libvirt's ``virDomainDefAddController``
    appends the controllers it adds (so they come out after the user's, in that order)."""
    d.devices = [*(dev for dev in d.devices if not isinstance(dev, ControllerDef)),
                 *d.controllers, ctrl]  # fmt: skip


def _default_cpu() -> etree._Element:
    """The CPU libvirt writes for a definition that names none: the model QEMU itself
    defaults to on x86 (``qemu64``), pinned so a newer QEMU cannot change the guest's CPU."""
    cpu = etree.Element("cpu", mode="custom", match="exact", check="none")
    etree.SubElement(cpu, "model", fallback="forbid").text = "qemu64"
    return cpu


def apply_qemu_defaults(d: DomainDef) -> None:
    """Fill in what libvirt's QEMU post-parse adds (shown in the defined XML).

    Runs as the parser's driver step, before the parser adds the controllers its disks
    imply, so the controllers come out in libvirt's order."""
    if d.emulator is None:
        d.emulator = DEFAULT_EMULATOR
    check_emulator(d.emulator)
    aliases = _machine_aliases(d.emulator)
    machine = d.machine or "pc"
    if aliases and machine not in aliases:
        raise unsupported(f"Emulator '{d.emulator}' does not support machine type '{machine}'")
    d.machine = aliases.get(machine, machine)
    q35 = is_q35(d.machine)
    if d.cpu is None:
        d.cpu = _default_cpu()
    apply_seclabel_defaults(d)
    ctrls = d.controllers
    if not any(c.type == "usb" for c in ctrls):
        add_controller(d, ControllerDef(type="usb", index=0,
                                         model="qemu-xhci" if q35 else "piix3-uhci"))  # fmt: skip
    if q35 and not any(c.type == "sata" and c.index == 0 for c in ctrls):
        add_controller(d, ControllerDef(type="sata", index=0))
    if not any(c.type == "pci" and c.index == 0 for c in ctrls):
        add_controller(d, ControllerDef(type="pci", index=0,
                                         model="pcie-root" if q35 else "pci-root"))  # fmt: skip
    for nic in d.interfaces:
        if nic.model is None and nic.type != "hostdev":
            nic.model = "rtl8139"
    for disk in d.disks:
        if disk.driver is None and disk.type in ("file", "block"):
            disk.driver = {"name": "qemu", "type": "raw"} if not disk.source else disk.driver
    if d.memballoon is None:
        d.devices.append(MemballoonDef(model="virtio"))
    if not any(i.bus == "ps2" for i in d.inputs):  # the PC's i8042 is always there
        d.devices.append(InputDef(type="mouse", bus="ps2"))
        d.devices.append(InputDef(type="keyboard", bus="ps2"))
    if not any(isinstance(dev, GenericDevice) and dev.name == "audio" for dev in d.devices):
        d.devices.append(GenericDevice(name="audio",
                                       element=etree.Element("audio", id="1", type="none")))  # fmt: skip


def apply_device_defaults(d: DomainDef) -> None:
    """What libvirt's QEMU device post-parse adds once every device exists (the serial
    port a ``<console>`` implies included): the ISA serial model of an x86 PC's ports."""
    for dev in d.devices:
        if isinstance(dev, ChardevDef) and dev.kind == "serial" and "type" not in dev.target:
            dev.target = {"type": "isa-serial", **dev.target}
            if not any(el.tag == "model" for el in dev.target_children):
                dev.target_children.append(etree.Element("model", name="isa-serial"))
