"""The host CPU as libvirt's capabilities describe it: CPUID decoded against the CPU map.

Why decode at all: libvirt names the host CPU by the newest model of its CPU map whose every
feature the host has (preferring a model whose family/model signature is the host's, then
the one leaving the fewest features over), and lists the rest as features.  Management tools
read ``<model>`` and the features to pick a guest CPU, so pyvirt names it the same way.

Where the data comes from: the CPUID words are read through the kernel's cpuid device, or
the instruction run in process as libvirt runs it (:mod:`pyvirt_qemu._cpuid`); the model and feature
definitions are libvirt's CPU map as installed (``/usr/share/libvirt/cpu_map``), data that
must say exactly what libvirt's says for the names to agree.  Without either, the host CPU
has only its architecture, as libvirt reports when it cannot decode.
"""

from __future__ import annotations

import fcntl
import functools
import os
import platform
import struct
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from pyvirt_qemu._cpuid import cpuid_reader

__all__ = ["CPU_MAP_DIR", "CpuMap", "HostCpu", "decode_guest_cpu", "load_cpu_map", "probe_host_cpu"]

#: libvirt's CPU map (package libvirt0 on Debian); ``PYVIRT_CPU_MAP_DIR`` points elsewhere.
CPU_MAP_DIR = Path(os.environ.get("PYVIRT_CPU_MAP_DIR", "/usr/share/libvirt/cpu_map"))
_MSR_DEV = "/dev/cpu/0/msr"
_REGS = ("eax", "ebx", "ecx", "edx")
#: (leaf, subleaf, register) or ("msr", index, half) → bits.
Key = tuple[object, int, str]


@dataclass(frozen=True)
class CpuModel:
    name: str
    vendor: str | None
    signatures: frozenset[tuple[int, int]]
    decode_host: bool
    data: dict[Key, int]


@dataclass(frozen=True)
class CpuMap:
    """The x86 part of libvirt's CPU map: vendors, features and models in the map's order."""

    vendors: dict[str, str]  # CPUID vendor string -> libvirt's vendor name
    features: list[tuple[str, dict[Key, int]]]
    models: list[CpuModel]


@dataclass
class HostCpu:
    """What ``<host><cpu>`` says besides topology and pages."""

    arch: str
    model: str | None = None
    vendor: str | None = None
    microcode: int = 0
    signature: tuple[int, int, int] | None = None
    tsc: tuple[int, bool] | None = None  # frequency in Hz, scaling
    phys_bits: int | None = None
    features: list[str] = field(default_factory=list)
    #: For a guest CPU: the model's features it lacks (policy='disable').
    disabled: list[str] = field(default_factory=list)


def _add(data: dict[Key, int], key: Key, bits: int) -> None:
    if bits:
        data[key] = data.get(key, 0) | bits


def _feature_data(node: etree._Element) -> dict[Key, int]:
    data: dict[Key, int] = {}
    for cpuid in node.iter("cpuid"):
        leaf, sub = int(cpuid.get("eax_in", "0"), 0), int(cpuid.get("ecx_in", "0"), 0)
        for reg in _REGS:
            _add(data, (leaf, sub, reg), int(cpuid.get(reg, "0"), 0))
    for msr in node.iter("msr"):
        index = int(msr.get("index", "0"), 0)
        for half in ("eax", "edx"):
            _add(data, ("msr", index, half), int(msr.get(half, "0"), 0))
    return data


def _subset(data: dict[Key, int], part: dict[Key, int]) -> bool:
    return all(data.get(k, 0) & bits == bits for k, bits in part.items())


def _minus(data: dict[Key, int], part: dict[Key, int]) -> dict[Key, int]:
    return {k: v & ~part.get(k, 0) for k, v in data.items() if v & ~part.get(k, 0)}


@functools.lru_cache(maxsize=2)
def load_cpu_map(directory: Path = CPU_MAP_DIR) -> CpuMap | None:
    """Parse the map's x86 section (None when the map is not installed or unreadable)."""
    try:
        index = etree.parse(str(directory / "index.xml"))
    except (OSError, etree.XMLSyntaxError):
        return None
    vendors: dict[str, str] = {}
    features: list[tuple[str, dict[Key, int]]] = []
    known: dict[str, dict[Key, int]] = {}
    models: list[CpuModel] = []
    arch = index.getroot().find("arch[@name='x86']")
    for include in arch.findall("include") if arch is not None else []:
        try:
            doc = etree.parse(str(directory / include.get("filename", ""))).getroot()
        except (OSError, etree.XMLSyntaxError):
            return None
        for vendor in doc.findall("vendor"):
            vendors[vendor.get("string", "")] = vendor.get("name", "")
        for feat in doc.findall("feature"):
            data = _feature_data(feat)
            features.append((feat.get("name", ""), data))
            known[feat.get("name", "")] = data
        for model in doc.findall("model"):
            mdata: dict[Key, int] = {}
            for feat in model.findall("feature"):
                if feat.get("removed") == "yes":  # (QEMU dropped it: not decoded as part)
                    continue
                for k, bits in known.get(feat.get("name", ""), {}).items():
                    _add(mdata, k, bits)
            decode = model.find("decode")
            vendor_el = model.find("vendor")
            sigs = frozenset((int(s.get("family", "0")), int(s.get("model", "0")))
                             for s in model.findall("signature"))  # fmt: skip
            models.append(CpuModel(
                model.get("name", ""), vendor_el.get("name") if vendor_el is not None else None,
                sigs, decode is None or decode.get("host") != "off", mdata,
            ))  # fmt: skip
    return CpuMap(vendors, features, models)


def _read_cpuid(cpu_map: CpuMap) -> dict[Key, int] | None:
    """Every CPUID word the map's features name, plus leaves 0, 1 and 0x80000008."""
    cpuid = cpuid_reader()
    if cpuid is None:
        return None
    try:
        max_basic = cpuid(0, 0)[0]
        max_ext = cpuid(0x80000000, 0)[0]
        wanted = {(0, 0), (1, 0), (0x80000008, 0)}
        for _, fdata in cpu_map.features:
            wanted |= {(k[0], k[1]) for k in fdata if isinstance(k[0], int)}
        data: dict[Key, int] = {}
        for leaf, sub in sorted(wanted):
            top = max_ext if leaf >= 0x80000000 else max_basic
            if leaf > top:
                continue
            for reg, value in zip(_REGS, cpuid(leaf, sub), strict=True):
                _add(data, (leaf, sub, reg), value)
        return data
    except OSError:
        return None


def _read_arch_capabilities(data: dict[Key, int]) -> None:
    """IA32_ARCH_CAPABILITIES (MSR 0x10a), which libvirt reads when CPUID says it exists."""
    if not data.get((7, 0, "edx"), 0) >> 29 & 1:
        return
    try:
        fd = os.open(_MSR_DEV, os.O_RDONLY)
        try:
            (value,) = struct.unpack("<Q", os.pread(fd, 8, 0x10A))
        finally:
            os.close(fd)
    except OSError:
        return
    _add(data, ("msr", 0x10A, "eax"), value & 0xFFFFFFFF)
    _add(data, ("msr", 0x10A, "edx"), value >> 32)


def _features(cpu_map: CpuMap, data: dict[Key, int]) -> list[str]:
    """The map's features *data* holds, in map order, each one's bits used once."""
    names = []
    for name, fdata in cpu_map.features:
        if fdata and _subset(data, fdata):
            data = _minus(data, fdata)
            names.append(name)
    return names


def _signature(eax: int) -> tuple[int, int, int]:
    family = (eax >> 8 & 0xF) + (eax >> 20 & 0xFF)
    model = (eax >> 4 & 0xF) | (eax >> 12 & 0xF0)
    return family, model, eax & 0xF


def _decode(
    cpu_map: CpuMap, data: dict[Key, int], vendor: str | None, sig: tuple[int, int],
    known: dict[str, dict[Key, int]] | None = None,
) -> tuple[str, list[str], list[str]] | None:
    """libvirt's x86Decode: newest model first; a model of another vendor is out, and for a
    host CPU (*known* None) one lacking a host feature too; for a guest CPU only models the
    hypervisor *known*s (with the data of the features it cannot give, which count as the
    model's), missing features becoming disabled ones.  A signature match wins, then the
    fewest features listed.  (model, required features, disabled features)."""
    best: tuple[CpuModel, list[str], list[str]] | None = None
    for model in reversed(cpu_map.models):
        if known is None and (not model.decode_host or not _subset(data, model.data)):
            continue
        if known is not None and model.name not in known:
            continue
        if model.vendor is not None and model.vendor != vendor:
            continue
        mdata = dict(model.data)
        for k, bits in (known or {}).get(model.name, {}).items():
            _add(mdata, k, bits)
        extra = _features(cpu_map, _minus(data, mdata))
        missing = _features(cpu_map, _minus(mdata, data))
        if best is not None:
            cur_sig, cand_sig = sig in best[0].signatures, sig in model.signatures
            if cur_sig and not cand_sig:
                continue
            if not (cand_sig and not cur_sig) and \
                    len(best[1]) + len(best[2]) <= len(extra) + len(missing):  # fmt: skip
                continue
        best = (model, extra, missing)
    return (best[0].name, best[1], best[2]) if best else None


#: QEMU property names whose libvirt feature name is spelled otherwise (besides "-" for "_").
_QEMU_NAMES = {"pclmulqdq": "pclmuldq", "sse3": "pni", "sse4-1": "sse4.1", "sse4-2": "sse4.2"}


def decode_guest_cpu(features: list[str], vendor_string: str, family: int, model: int,
                     known: dict[str, list[str]]) -> HostCpu | None:  # fmt: skip
    """The host-model CPU libvirt derives from QEMU's expansion of its max/host CPU: the
    true feature properties as CPU map features, decoded against the models the hypervisor
    *known*s, by name with the QEMU features it cannot give each (None when the map is not
    installed)."""
    cpu_map = load_cpu_map()
    if cpu_map is None:
        return None
    by_name = dict(cpu_map.features)

    def data_of(props: list[str]) -> dict[Key, int]:
        data: dict[Key, int] = {}
        for prop in props:
            name = _QEMU_NAMES.get(prop, prop)
            for k, bits in (by_name.get(name) or by_name.get(name.replace("-", "_")) or {}).items():
                _add(data, k, bits)
        return data

    vendor = cpu_map.vendors.get(vendor_string)
    blockers = {name: data_of(props) for name, props in known.items()}
    decoded = _decode(cpu_map, data_of(features), vendor, (family, model), blockers)
    if decoded is None:
        return None
    cpu = HostCpu("x86_64", decoded[0], vendor, features=decoded[1])
    cpu.disabled = decoded[2]
    return cpu


def _microcode() -> int:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("microcode"):
                    return int(line.split(":", 1)[1].strip(), 0)
    except (OSError, ValueError):
        pass
    return 0


_KVM_CHECK_EXTENSION, _KVM_CREATE_VM, _KVM_CREATE_VCPU, _KVM_GET_TSC_KHZ = (
    0xAE03, 0xAE01, 0xAE41, 0xAEA3)  # fmt: skip
_KVM_CAP_TSC_CONTROL = 60


def _tsc_info() -> tuple[int, bool] | None:
    """The TSC frequency KVM gives a vCPU and whether it can scale it (libvirt asks KVM)."""
    try:
        kvm = os.open("/dev/kvm", os.O_RDWR | os.O_CLOEXEC)
    except OSError:
        return None
    vm = vcpu = -1
    try:
        vm = fcntl.ioctl(kvm, _KVM_CREATE_VM, 0)
        vcpu = fcntl.ioctl(vm, _KVM_CREATE_VCPU, 0)
        khz = fcntl.ioctl(vcpu, _KVM_GET_TSC_KHZ, 0)
        scaling = fcntl.ioctl(kvm, _KVM_CHECK_EXTENSION, _KVM_CAP_TSC_CONTROL)
        return khz * 1000, bool(scaling)
    except OSError:
        return None
    finally:
        for fd in (vcpu, vm, kvm):
            if fd >= 0:
                os.close(fd)


def probe_host_cpu() -> HostCpu:
    """Read and decode this host's CPU (x86 only; other hosts get their architecture)."""
    arch = platform.machine()
    cpu = HostCpu("i686" if arch in ("i386", "i486", "i586") else arch)
    cpu_map = load_cpu_map() if cpu.arch in ("x86_64", "i686") else None
    data = _read_cpuid(cpu_map) if cpu_map else None
    if cpu_map is None or data is None:
        return cpu
    _read_arch_capabilities(data)
    leaf0 = struct.pack("<3I", data.get((0, 0, "ebx"), 0), data.get((0, 0, "edx"), 0),
                        data.get((0, 0, "ecx"), 0))  # fmt: skip
    cpu.vendor = cpu_map.vendors.get(leaf0.decode("latin-1"))
    family, model, stepping = _signature(data.get((1, 0, "eax"), 0))
    cpu.signature = (family, model, stepping)
    decoded = _decode(cpu_map, data, cpu.vendor, (family, model))
    if decoded:
        cpu.model, cpu.features = decoded[0], decoded[1]
    cpu.microcode = _microcode()
    invtsc = dict(cpu_map.features).get("invtsc")
    if invtsc and _subset(data, invtsc):
        cpu.tsc = _tsc_info()
    if (0x80000008, 0, "eax") in data:
        cpu.phys_bits = data[(0x80000008, 0, "eax")] & 0xFF
    return cpu
