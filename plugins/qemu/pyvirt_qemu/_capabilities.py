"""The QEMU driver's ``<capabilities>`` document (virConnectGetCapabilities), laid out as
libvirt writes it: the host (its UUID, decoded CPU, power management, IOMMU, migration
transports, NUMA cells, caches, security models) and one ``<guest>`` per architecture with a
QEMU binary installed.

Why the layout is spelled out line by line: tools compare and parse this document, and
virsh prints it verbatim, so pyvirt's must read as libvirtd's does.
"""

from __future__ import annotations

import functools
import logging
import os
import shutil
import subprocess
import uuid
from pathlib import Path

from pyvirt import VirtError

from pyvirt_qemu._dac import DacConfig
from pyvirt_qemu._host_cpu import HostCpu, probe_host_cpu
from pyvirt_qemu._host_topology import cache_banks, host_cells, host_page_sizes, topology
from pyvirt_qemu._qemu_probe import QemuProbe, find_binary, kvm_usable

__all__ = ["GUEST_ARCHES", "capabilities_xml", "emulator_for", "host_cpu", "host_uuid"]

log = logging.getLogger("pyvirt.qemu")

#: libvirt's architectures QEMU can emulate, in libvirt's order (virArch), with the name of
#: their ``qemu-system-*`` binary and their word size.
GUEST_ARCHES: tuple[tuple[str, str, int], ...] = (
    ("aarch64", "aarch64", 64), ("armv7l", "arm", 32), ("i686", "i386", 32),
    ("m68k", "m68k", 32), ("mips", "mips", 32), ("mips64", "mips64", 64),
    ("ppc", "ppc", 32), ("ppc64", "ppc64", 64), ("ppc64le", "ppc64", 64),
    ("riscv32", "riscv32", 32), ("riscv64", "riscv64", 64), ("s390x", "s390x", 64),
    ("sparc", "sparc", 32), ("sparc64", "sparc64", 64), ("x86_64", "x86_64", 64),
)  # fmt: skip
#: Guests the host's KVM runs natively (an x86_64 host also runs i686 guests).
_NATIVE = {"x86_64": {"x86_64", "i686"}, "i686": {"i686"}, "aarch64": {"aarch64"},
           "ppc64le": {"ppc64le", "ppc64"}, "s390x": {"s390x"}}  # fmt: skip


@functools.lru_cache(maxsize=1)
def host_uuid() -> str:
    """The SMBIOS system UUID; without one, a UUID made up once per daemon, as libvirt does."""
    for path in ("/sys/devices/virtual/dmi/id/product_uuid", "/sys/class/dmi/id/product_uuid"):
        try:
            return str(uuid.UUID(Path(path).read_text().strip()))
        except (OSError, ValueError):
            continue
    return str(uuid.uuid4())


@functools.lru_cache(maxsize=1)
def host_cpu() -> HostCpu:
    return probe_host_cpu()


def _pm_targets() -> list[str]:
    """Suspend targets pm-utils says the host supports (none without pm-utils)."""
    tool = shutil.which("pm-is-supported")
    if tool is None:
        return []
    out = []
    for flag, tag in (("--suspend", "suspend_mem"), ("--hibernate", "suspend_disk"),
                      ("--suspend-hybrid", "suspend_hybrid")):  # fmt: skip
        if subprocess.run([tool, flag], check=False, capture_output=True).returncode == 0:
            out.append(tag)
    return out


def _cpu_lines(cpu: HostCpu, sockets: int, cores: int, threads: int) -> list[str]:
    out = ["    <cpu>", f"      <arch>{cpu.arch}</arch>"]
    if cpu.model:
        out.append(f"      <model>{cpu.model}</model>")
    if cpu.vendor:
        out.append(f"      <vendor>{cpu.vendor}</vendor>")
    if cpu.microcode:
        out.append(f"      <microcode version='{cpu.microcode}'/>")
    if cpu.signature:
        family, model, stepping = cpu.signature
        out.append(f"      <signature family='{family}' model='{model}' stepping='{stepping}'/>")
    if cpu.tsc:
        scaling = "yes" if cpu.tsc[1] else "no"
        out.append(f"      <counter name='tsc' frequency='{cpu.tsc[0]}' scaling='{scaling}'/>")
    out.append(f"      <topology sockets='{sockets}' dies='1' cores='{cores}' threads='{threads}'/>")
    if cpu.phys_bits is not None:
        out.append(f"      <maxphysaddr mode='emulate' bits='{cpu.phys_bits}'/>")
    out += [f"      <feature name='{name}'/>" for name in cpu.features]
    out += [f"      <pages unit='KiB' size='{size}'/>" for size in host_page_sizes()]
    return [*out, "    </cpu>"]


def _host_lines(dac: DacConfig) -> list[str]:
    cells = host_cells()
    out = ["  <host>", f"    <uuid>{host_uuid()}</uuid>"]
    out += _cpu_lines(host_cpu(), *topology(cells))
    pm = _pm_targets()
    if pm:
        out += ["    <power_management>", *[f"      <{t}/>" for t in pm], "    </power_management>"]
    else:
        out.append("    <power_management/>")
    iommu = "yes" if os.path.isdir("/sys/kernel/iommu_groups") and os.listdir("/sys/kernel/iommu_groups") else "no"
    out += [f"    <iommu support='{iommu}'/>", "    <migration_features>", "      <live/>",
            "      <uri_transports>", "        <uri_transport>tcp</uri_transport>",
            "        <uri_transport>rdma</uri_transport>", "      </uri_transports>",
            "    </migration_features>", "    <topology>", f"      <cells num='{len(cells)}'>"]  # fmt: skip
    for cell in cells:
        out += [f"        <cell id='{cell.id}'>", f"          <memory unit='KiB'>{cell.memory_kib}</memory>"]
        out += [f"          <pages unit='KiB' size='{size}'>{count}</pages>" for size, count in cell.pages]
        out += ["          <distances>"]
        out += [f"            <sibling id='{n}' value='{d}'/>" for n, d in cell.distances]
        out += ["          </distances>", f"          <cpus num='{len(cell.cpus)}'>"]
        out += [f"            <cpu id='{c.id}' socket_id='{c.socket}' die_id='{c.die}' "
                f"core_id='{c.core}' siblings='{c.siblings}'/>" for c in cell.cpus]  # fmt: skip
        out += ["          </cpus>", "        </cell>"]
    out += ["      </cells>", "    </topology>"]
    banks = cache_banks()
    if banks:
        out.append("    <cache>")
        out += [f"      <bank id='{i}' level='{lvl}' type='{kind}' size='{size}' unit='{unit}' cpus='{cpus}'/>"
                for i, lvl, kind, size, unit, cpus in banks]  # fmt: skip
        out.append("    </cache>")
    if dac.primary == "none":
        out += ["    <secmodel>", "      <model>none</model>", "      <doi>0</doi>", "    </secmodel>"]
    if dac.active:
        label = f"+{dac.uid}:+{dac.gid}"
        out += ["    <secmodel>", "      <model>dac</model>", "      <doi>0</doi>",
                f"      <baselabel type='kvm'>{label}</baselabel>",
                f"      <baselabel type='qemu'>{label}</baselabel>", "    </secmodel>"]  # fmt: skip
    return [*out, "  </host>", ""]


def _guest_features(arch: str) -> list[str]:
    out = ["      <pae/>", "      <nonpae/>"] if arch == "i686" else []
    if arch in ("i686", "x86_64"):
        out += ["      <acpi default='on' toggle='yes'/>", "      <apic default='on' toggle='no'/>"]
    return [*out, "      <cpuselection/>", "      <deviceboot/>",
            "      <disksnapshot default='on' toggle='no'/>"]  # fmt: skip


def _guest_lines(probe: QemuProbe, arch: str, binary: str, wordsize: int, kvm: bool) -> list[str]:
    out = ["  <guest>", "    <os_type>hvm</os_type>", f"    <arch name='{arch}'>",
           f"      <wordsize>{wordsize}</wordsize>", f"      <emulator>{binary}</emulator>"]  # fmt: skip
    for m in probe.machines(binary):
        dep = " deprecated='yes'" if m.deprecated else ""
        out.append(f"      <machine maxCpus='{m.max_cpus}'{dep}>{m.name}</machine>")
        if m.alias:
            out.append(f"      <machine canonical='{m.name}' maxCpus='{m.max_cpus}'{dep}>{m.alias}</machine>")
    out.append("      <domain type='qemu'/>")
    if kvm:
        out.append("      <domain type='kvm'/>")
    out += ["    </arch>", "    <features>", *_guest_features(arch), "    </features>", "  </guest>", ""]
    return out


def emulator_for(arch: str) -> str | None:
    """The QEMU binary serving *arch* (libvirt's virQEMUCapsFindBinaryForArch)."""
    for name, qemu_arch, _wordsize in GUEST_ARCHES:
        if name == arch:
            binary = find_binary(qemu_arch)
            if binary is None and arch == "i686":
                binary = find_binary("x86_64")  # the 64-bit emulator runs 32-bit guests too
            return binary
    return None


def capabilities_xml(probe: QemuProbe, dac: DacConfig) -> str:
    """The whole document, probing (or reusing the probe of) every QEMU binary present."""
    out = ["<capabilities>", "", *_host_lines(dac)]
    host_arch = host_cpu().arch
    native = _NATIVE.get(host_arch, {host_arch}) if kvm_usable() else set()
    for arch, _qemu_arch, wordsize in GUEST_ARCHES:
        binary = emulator_for(arch)
        if binary is None:
            continue
        try:
            out += _guest_lines(probe, arch, binary, wordsize, arch in native)
        except VirtError as exc:
            # libvirt ignores a binary it cannot probe: the other guests are still offered.
            log.warning("%s", exc)
    out.append("</capabilities>")
    return "\n".join(out) + "\n"

