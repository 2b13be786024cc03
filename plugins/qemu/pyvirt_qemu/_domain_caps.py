"""The QEMU driver's ``<domainCapabilities>`` (virConnectGetDomainCapabilities): what one
emulator, machine, architecture and virtualization type let a domain definition use.

Why it is computed and not written down: every value comes from what the installed QEMU
says when probed (its machines and their vCPU limits, CPU models usable under TCG or KVM,
device types, display types), the firmware descriptors installed beside it, and the host
(KVM, VFIO, swtpm), so the answer follows the host as libvirt's does.  The layout is
libvirt 9.0's, element for element.

The ``host-model`` CPU is libvirt's: QEMU's full expansion of its ``host`` (KVM) or ``max``
(TCG) CPU, non-migratable features included, decoded against the CPU models that
accelerator offers, each with the features it cannot give counted as the model's.
"""

from __future__ import annotations

import fnmatch
import functools
import json
import os
import shutil
import subprocess
from pathlib import Path

from pyvirt import ErrorCode, ErrorDomain, VirtError, make_error

from pyvirt_qemu._capabilities import GUEST_ARCHES, emulator_for, host_cpu
from pyvirt_qemu._host_cpu import decode_guest_cpu, load_cpu_map
from pyvirt_qemu._qemu_probe import BinaryInfo, Machine, QemuProbe, kvm_usable

__all__ = ["domain_capabilities_xml"]

#: Where QEMU's firmware descriptors live, lowest priority last (a name in an earlier
#: directory hides the same name in a later one).
FIRMWARE_DIRS = (Path("/etc/qemu/firmware"), Path("/usr/share/qemu/firmware"))
#: libvirt 9.0's architecture names (virArch): any other is "unknown architecture".
_ARCHES = frozenset({
    "alpha", "armv6l", "armv7l", "armv7b", "aarch64", "cris", "i686", "ia64", "lm32", "m68k",
    "microblaze", "microblazeel", "mips", "mipsel", "mips64", "mips64el", "openrisc",
    "parisc", "parisc64", "ppc", "ppcle", "ppc64", "ppc64le", "ppcemb", "riscv32", "riscv64",
    "s390", "s390x", "sh4", "sh4eb", "sparc", "sparc64", "unicore32", "x86_64", "xtensa",
    "xtensaeb",
})  # fmt: skip


def _invalid(message: str, code: ErrorCode = ErrorCode.INVALID_ARG) -> VirtError:
    return make_error(code, ErrorDomain.QEMU, message)


def _binary_arch(binary: str) -> str:
    """The architecture an emulator's name says it serves (qemu-system-i386 serves i686)."""
    suffix = os.path.basename(binary).removeprefix("qemu-system-")
    for arch, qemu_arch, _wordsize in GUEST_ARCHES:
        if qemu_arch == suffix and arch != "ppc64le":
            return arch
    return suffix


def _resolve(emulator: str | None, arch: str | None,
             virttype: str | None) -> tuple[str, str, str]:  # fmt: skip
    """(binary, arch, virttype) as virQEMUCapsCacheLookupDefault picks them."""
    if virttype is not None and virttype not in ("qemu", "kvm", "kqemu", "xen", "lxc", "uml",
                                                 "openvz", "test", "vmware", "hyperv", "vbox",
                                                 "phyp", "parallels", "bhyve", "vz"):  # fmt: skip
        raise _invalid(f"unknown virttype: {virttype}")
    if arch is not None and arch not in _ARCHES:
        raise _invalid(f"unknown architecture: {arch}")
    if emulator is not None:
        if not os.path.exists(emulator):
            raise make_error(ErrorCode.SYSTEM_ERROR, ErrorDomain.QEMU,
                             f"Cannot check QEMU binary {emulator}: No such file or directory")  # fmt: skip
        binary_arch = _binary_arch(emulator)
        if arch is not None and arch != binary_arch and not (arch, binary_arch) == ("i686", "x86_64"):
            raise _invalid(f"architecture from emulator '{binary_arch}' doesn't match given "
                           f"architecture '{arch}'")  # fmt: skip
        binary, arch = emulator, arch or binary_arch
    else:
        arch = arch or host_cpu().arch
        found = emulator_for(arch)
        if found is None:
            raise make_error(ErrorCode.CONFIG_UNSUPPORTED, ErrorDomain.QEMU,
                             f"unable to find any emulator to serve '{arch}' architecture")  # fmt: skip
        binary = found
    kvm = kvm_usable()
    if virttype is None:
        virttype = "kvm" if kvm else "qemu"
    if virttype not in ("qemu", "kvm") or (virttype == "kvm" and not kvm):
        raise _invalid(f"Emulator '{binary}' does not support virt type '{virttype}'")
    return binary, arch, virttype


def _machine(info: BinaryInfo, binary: str, name: str | None) -> Machine:
    if name is None:
        return info.machines[0]
    for m in info.machines:
        if name in (m.name, m.alias):
            return m
    raise _invalid(f"the machine '{name}' is not supported by emulator '{binary}'")


def _enum(name: str, values: list[str], indent: str) -> list[str]:
    if not values:
        return [f"{indent}<enum name='{name}'/>"]
    return [f"{indent}<enum name='{name}'>", *[f"{indent}  <value>{v}</value>" for v in values],
            f"{indent}</enum>"]  # fmt: skip


def _firmware(arch: str, machine: str) -> tuple[list[str], list[str], bool]:
    """(interfaces, executables, any secure-boot) of the firmware descriptors for *arch*
    and *machine*, in the descriptors' order (by file name, earlier directories first)."""
    names: dict[str, Path] = {}
    for directory in FIRMWARE_DIRS:
        for path in sorted(directory.glob("*.json")) if directory.is_dir() else []:
            names.setdefault(path.name, path)
    interfaces: list[str] = []
    loaders: list[str] = []
    secure = False
    for name in sorted(names):
        try:
            desc = json.loads(names[name].read_text())
        except (OSError, ValueError):
            continue
        if not any(t.get("architecture") == arch and
                   any(fnmatch.fnmatchcase(machine, pat) for pat in t.get("machines", []))
                   for t in desc.get("targets", [])):  # fmt: skip
            continue
        mapping = desc.get("mapping", {})
        if mapping.get("device") != "flash":
            continue
        executable = mapping.get("executable", {}).get("filename")
        if executable and executable not in loaders:
            loaders.append(executable)
        for kind in desc.get("interface-types", []):
            iface = "efi" if kind == "uefi" else kind
            if iface not in interfaces:
                interfaces.append(iface)
        secure = secure or "secure-boot" in desc.get("features", [])
    return interfaces, loaders, secure


def _os_lines(arch: str, machine: str) -> list[str]:
    interfaces, loaders, secure = _firmware(arch, machine)
    out = ["  <os supported='yes'>", *_enum("firmware", interfaces, "    "),
           "    <loader supported='yes'>", *[f"      <value>{p}</value>" for p in loaders]]  # fmt: skip
    out += _enum("type", ["rom", "pflash"], "      ")
    out += _enum("readonly", ["yes", "no"], "      ")
    out += _enum("secure", ["yes", "no"] if secure else ["no"], "      ")
    return [*out, "    </loader>", "  </os>"]


def _cpu_lines(info: BinaryInfo, virttype: str) -> list[str]:
    out = ["  <cpu>"]
    if virttype == "kvm":
        # 'on' needs the CPU's "migratable" property, which libvirt looks for on the
        # x86_64 emulator's max CPU type only (qemu-system-i386 offers just 'off')
        migratable = ["on", "off"] if "max-x86_64-cpu" in info.types else ["off"]
        out += ["    <mode name='host-passthrough' supported='yes'>",
                *_enum("hostPassthroughMigratable", migratable, "      "), "    </mode>"]  # fmt: skip
    else:
        out.append("    <mode name='host-passthrough' supported='no'/>")
    out += ["    <mode name='maximum' supported='yes'>",
            *_enum("maximumMigratable", ["on", "off"], "      "), "    </mode>"]  # fmt: skip
    cpu_map = load_cpu_map()
    vendors = {m.name: m.vendor for m in cpu_map.models} if cpu_map else {}
    models = info.cpus_kvm if virttype == "kvm" and info.cpus_kvm is not None else info.cpus_tcg
    expansion = info.host_model_kvm if virttype == "kvm" else info.host_model_tcg
    blockers = (info.blockers_kvm if virttype == "kvm" else info.blockers_tcg) or {}
    host = None
    if expansion is not None:
        host = decode_guest_cpu(expansion["features"], expansion["vendor"], expansion["family"],
                                expansion["model"],
                                {name: blockers.get(name, []) for name, _usable in models})  # fmt: skip
    if host is not None and host.model:
        out += ["    <mode name='host-model' supported='yes'>",
                f"      <model fallback='forbid'>{host.model}</model>"]  # fmt: skip
        if host.vendor:
            out.append(f"      <vendor>{host.vendor}</vendor>")
        out += [f"      <feature policy='require' name='{f}'/>" for f in host.features]
        out += [f"      <feature policy='disable' name='{f}'/>" for f in host.disabled]
        out.append("    </mode>")
    else:
        out.append("    <mode name='host-model' supported='no'/>")
    listed = [(name, usable) for name, usable in models if name in vendors]
    if listed:
        out.append("    <mode name='custom' supported='yes'>")
        out += [f"      <model usable='{'yes' if usable else 'no'}' "
                f"vendor='{vendors[name] or 'unknown'}'>{name}</model>" for name, usable in listed]  # fmt: skip
        out.append("    </mode>")
    else:
        out.append("    <mode name='custom' supported='no'/>")
    return [*out, "  </cpu>"]


def _pick(types: set[str], wanted: list[tuple[str, str | None]]) -> list[str]:
    """The values whose QOM type QEMU has (None: always)."""
    return [value for value, qom in wanted if qom is None or qom in types]


def _swtpm_versions() -> list[str]:
    """The TPM versions the installed swtpm emulates (asked once per swtpm binary)."""
    swtpm = shutil.which("swtpm")
    if swtpm is None:
        return []
    try:
        st = os.stat(swtpm)
    except OSError:
        return []
    return list(_swtpm_versions_of(swtpm, st.st_ino, st.st_mtime_ns))


@functools.lru_cache(maxsize=4)
def _swtpm_versions_of(swtpm: str, _inode: int, _mtime: int) -> tuple[str, ...]:
    try:
        done = subprocess.run([swtpm, "socket", "--print-capabilities"], capture_output=True,
                              text=True, timeout=30, check=False)  # fmt: skip
        features = json.loads(done.stdout).get("features", [])
    except (OSError, ValueError, subprocess.TimeoutExpired):
        return ()
    return tuple(v for v in ("1.2", "2.0") if f"tpm-{v}" in features)


def _device_lines(info: BinaryInfo, machine: str) -> list[str]:
    t = set(info.types)
    q35 = machine.startswith("pc-q35")
    virtio = ["virtio", "virtio-transitional", "virtio-non-transitional"]
    buses = ([] if q35 else ["ide"]) + _pick(t, [  # (q35 has no IDE controller)
        ("fdc", "isa-fdc"), ("scsi", None), ("virtio", None), ("usb", "usb-storage"),
        ("sata", "ich9-ahci"),
    ])  # fmt: skip
    graphics = [g for g in ("sdl",) if g in info.displays]
    graphics += [g for g, cmd in (("vnc", "query-vnc"), ("spice", "query-spice"))
                 if cmd in info.commands]  # fmt: skip
    graphics += [g for g in ("egl-headless", "dbus") if g in info.displays]
    video = _pick(t, [("vga", "VGA"), ("cirrus", "cirrus-vga"), ("vmvga", "vmware-svga"),
                      ("qxl", "qxl-vga"), ("virtio", "virtio-vga"), ("none", None),
                      ("bochs", "bochs-display"), ("ramfb", "ramfb")])  # fmt: skip
    vfio = os.path.isdir("/sys/kernel/iommu_groups") and bool(os.listdir("/sys/kernel/iommu_groups"))
    tpm_versions = _swtpm_versions()
    tpm_backends = _pick(t, [("passthrough", "tpm-passthrough")])
    if tpm_versions:
        tpm_backends += _pick(t, [("emulator", "tpm-emulator"), ("external", "tpm-emulator")])
    out = ["  <devices>", "    <disk supported='yes'>",
           *_enum("diskDevice", ["disk", "cdrom", "floppy", "lun"], "      "),
           *_enum("bus", buses, "      "), *_enum("model", virtio, "      "), "    </disk>",
           "    <graphics supported='yes'>", *_enum("type", graphics, "      "), "    </graphics>",
           "    <video supported='yes'>", *_enum("modelType", video, "      "), "    </video>",
           "    <hostdev supported='yes'>", *_enum("mode", ["subsystem"], "      "),
           *_enum("startupPolicy", ["default", "mandatory", "requisite", "optional"], "      "),
           *_enum("subsysType", ["usb", "pci", *_pick(t, [("scsi", "scsi-generic")])], "      "),
           *_enum("capsType", [], "      "), *_enum("pciBackend", ["vfio"] if vfio else [], "      "),
           "    </hostdev>", "    <rng supported='yes'>", *_enum("model", virtio, "      "),
           *_enum("backendModel", _pick(t, [("random", "rng-random"), ("egd", "rng-egd"),
                                            ("builtin", "rng-builtin")]), "      "),
           "    </rng>", "    <filesystem supported='yes'>",
           *_enum("driverType", ["path", "handle", *_pick(t, [("virtiofs", "vhost-user-fs-device")])],
                  "      "),
           "    </filesystem>", "    <tpm supported='yes'>",
           *_enum("model", _pick(t, [("tpm-tis", "tpm-tis"), ("tpm-crb", "tpm-crb")]), "      "),
           *_enum("backendModel", tpm_backends, "      "),
           *_enum("backendVersion", tpm_versions, "      "), "    </tpm>",
           "    <redirdev supported='yes'>", *_enum("bus", _pick(t, [("usb", "usb-redir")]), "      "),
           "    </redirdev>", "    <channel supported='yes'>",
           *_enum("type", ["pty", "unix", *_pick(t, [("spicevmc", "chardev-spicevmc")])], "      "),
           "    </channel>", "  </devices>"]  # fmt: skip
    return out


def _feature_lines(info: BinaryInfo, arch: str) -> list[str]:
    t = set(info.types)
    yes_no = {True: "yes", False: "no"}
    out = ["  <features>", f"    <gic supported='{yes_no[arch in ('aarch64', 'armv7l')]}'/>",
           f"    <vmcoreinfo supported='{yes_no['vmcoreinfo' in t]}'/>",
           f"    <genid supported='{yes_no['vmgenid' in t]}'/>",
           "    <backingStoreInput supported='yes'/>", "    <backup supported='yes'/>",
           f"    <sev supported='{yes_no[info.sev]}'/>", f"    <sgx supported='{yes_no[info.sgx]}'/>"]  # fmt: skip
    if arch in ("i686", "x86_64"):
        out += ["    <hyperv supported='yes'>", *_enum("features", ["spinlocks", "vendor_id"], "      "),
                "    </hyperv>"]  # fmt: skip
    return [*out, "  </features>"]


def domain_capabilities_xml(probe: QemuProbe, emulator: str | None, arch: str | None,
                            machine: str | None, virttype: str | None) -> str:  # fmt: skip
    """The document for the given emulator, architecture, machine and virt type (None:
    the defaults libvirt picks: the host's architecture, its emulator, the emulator's
    default machine, KVM where the host has it)."""
    binary, arch, virttype = _resolve(emulator, arch, virttype)
    info = probe.info(binary)
    chosen = _machine(info, binary, machine)
    max_cpus = chosen.max_cpus
    t = set(info.types)
    out = ["<domainCapabilities>", f"  <path>{binary}</path>", f"  <domain>{virttype}</domain>",
           f"  <machine>{chosen.name}</machine>", f"  <arch>{arch}</arch>",
           f"  <vcpu max='{max_cpus}'/>",
           f"  <iothreads supported='{'yes' if 'iothread' in t else 'no'}'/>",
           *_os_lines(arch, chosen.name), *_cpu_lines(info, virttype),
           "  <memoryBacking supported='yes'>",
           *_enum("sourceType", _pick(t, [("file", "memory-backend-file"),
                                          ("anonymous", "memory-backend-ram"),
                                          ("memfd", "memory-backend-memfd")]), "    "),
           "  </memoryBacking>", *_device_lines(info, chosen.name),
           *_feature_lines(info, arch), "</domainCapabilities>"]  # fmt: skip
    return "\n".join(out) + "\n"
