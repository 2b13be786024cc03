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

from pyvirt import ErrorCode, ErrorDomain, make_error
from pyvirt.conf import ControllerDef, DomainDef, InputDef, MemballoonDef

from pyvirt_qemu._command import DEFAULT_EMULATOR, is_q35, unsupported

__all__ = ["apply_qemu_defaults", "choose_accel", "kvm_usable"]


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


def apply_qemu_defaults(d: DomainDef) -> None:
    """Fill in what libvirt's QEMU post-parse adds (shown in the defined XML)."""
    if d.emulator is None:
        d.emulator = DEFAULT_EMULATOR
    check_emulator(d.emulator)
    aliases = _machine_aliases(d.emulator)
    machine = d.machine or "pc"
    if aliases and machine not in aliases:
        raise unsupported(f"Emulator '{d.emulator}' does not support machine type '{machine}'")
    d.machine = aliases.get(machine, machine)
    q35 = is_q35(d.machine)
    ctrls = d.controllers
    if not any(c.type == "usb" for c in ctrls):
        d.devices.append(
            ControllerDef(type="usb", index=0, model="qemu-xhci" if q35 else "piix3-uhci")
        )
    if not any(c.type == "pci" for c in ctrls):
        d.devices.append(
            ControllerDef(type="pci", index=0, model="pcie-root" if q35 else "pci-root")
        )
    if q35 and not any(c.type == "sata" for c in ctrls):
        d.devices.append(ControllerDef(type="sata", index=0))
    if d.memballoon is None:
        d.devices.append(MemballoonDef(model="virtio"))
    if d.graphics and not any(i.bus == "ps2" for i in d.inputs):
        d.devices.append(InputDef(type="mouse", bus="ps2"))
        d.devices.append(InputDef(type="keyboard", bus="ps2"))
