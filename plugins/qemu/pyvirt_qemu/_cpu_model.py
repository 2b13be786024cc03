"""The guest CPU QEMU really gave, written back into the live XML (``check='full'``).

Why: a definition names a CPU model, but what the guest sees is the model as this QEMU
and accelerator build it, plus what QEMU adds on its own (``hypervisor``).  libvirt reads
the running vCPU's CPUID words back after start, describes them against its own definition
of the model, and writes the difference into the live XML as ``<feature policy='require'>``
(enabled though the model lacks it) and ``policy='disable'`` (in the model, yet missing),
with ``check='full'`` and ``fallback='forbid'``: the live XML then says exactly what the
guest runs on, so a migration target can be checked against it.

The words come from QOM (``feature-words`` minus ``filtered-features`` of the first vCPU);
the bit names are the x86 CPUID names libvirt uses.  Only models whose libvirt definition
is known here are described (``qemu64``, every definition's default); others keep the
check they were defined with.
"""

from __future__ import annotations

from typing import Any

from lxml import etree
from pyvirt.conf import DomainDef

from pyvirt_qemu._monitor import Monitor

__all__ = ["MODEL_FEATURES", "enabled_features", "update_guest_cpu"]

#: (CPUID leaf, register) → names of its bits (libvirt's names), in libvirt's order.
_WORDS: dict[tuple[int, str], dict[int, str]] = {
    (0x1, "EDX"): {
        0: "fpu", 1: "vme", 2: "de", 3: "pse", 4: "tsc", 5: "msr", 6: "pae", 7: "mce",
        8: "cx8", 9: "apic", 11: "sep", 12: "mtrr", 13: "pge", 14: "mca", 15: "cmov",
        16: "pat", 17: "pse36", 18: "pn", 19: "clflush", 21: "ds", 22: "acpi", 23: "mmx",
        24: "fxsr", 25: "sse", 26: "sse2", 27: "ss", 28: "ht", 29: "tm", 30: "ia64", 31: "pbe",
    },
    (0x1, "ECX"): {
        0: "pni", 1: "pclmuldq", 2: "dtes64", 3: "monitor", 4: "ds_cpl", 5: "vmx", 6: "smx",
        7: "est", 8: "tm2", 9: "ssse3", 10: "cid", 12: "fma", 13: "cx16", 14: "xtpr",
        15: "pdcm", 17: "pcid", 18: "dca", 19: "sse4.1", 20: "sse4.2", 21: "x2apic",
        22: "movbe", 23: "popcnt", 24: "tsc-deadline", 25: "aes", 26: "xsave", 27: "osxsave",
        28: "avx", 29: "f16c", 30: "rdrand", 31: "hypervisor",
    },
    (0x80000001, "EDX"): {
        11: "syscall", 20: "nx", 22: "mmxext", 25: "fxsr_opt", 26: "pdpe1gb", 27: "rdtscp",
        29: "lm", 30: "3dnowext", 31: "3dnow",
    },
    (0x80000001, "ECX"): {
        0: "lahf_lm", 1: "cmp_legacy", 2: "svm", 3: "extapic", 4: "cr8legacy", 5: "abm",
        6: "sse4a", 7: "misalignsse", 8: "3dnowprefetch", 9: "osvw", 10: "ibs", 11: "xop",
        12: "skinit", 13: "wdt", 15: "lwp", 16: "fma4", 17: "tce", 19: "nodeid_msr",
        21: "tbm", 22: "topoext", 23: "perfctr_core", 24: "perfctr_nb",
    },
}  # fmt: skip
#: The order libvirt lists features in: leaf 1 (EDX, ECX), then 0x80000001 (EDX, ECX).
_ORDER = [name for word in _WORDS.values() for name in word.values()]

#: libvirt's definitions of the models described here: the features each one has.  (libvirt
#: leaves lahf_lm, abm, popcnt and sse4a out of qemu64, which only TCG gives everywhere.)
MODEL_FEATURES: dict[str, frozenset[str]] = {
    "qemu64": frozenset({
        "apic", "clflush", "cmov", "cx16", "cx8", "de", "fpu", "fxsr", "lm", "mca", "mce",
        "mmx", "msr", "mtrr", "nx", "pae", "pat", "pge", "pni", "pse", "pse36", "sep", "sse",
        "sse2", "svm", "syscall", "tsc",
    }),
}  # fmt: skip


def _names(words: list[dict[str, Any]]) -> set[str]:
    out: set[str] = set()
    for word in words:
        bits = _WORDS.get((int(word.get("cpuid-input-eax", -1)), str(word.get("cpuid-register"))))
        if bits is None or "cpuid-input-ecx" in word and word["cpuid-input-ecx"] != 0:
            continue
        mask = int(word.get("features", 0))
        out |= {name for bit, name in bits.items() if mask >> bit & 1}
    return out


def enabled_features(monitor: Monitor) -> set[str]:
    """The first vCPU's CPUID features (libvirt's names) QEMU enabled, filtered ones out."""
    path = str(monitor.execute("query-cpus-fast")[0]["qom-path"])
    words = monitor.execute("qom-get", {"path": path, "property": "feature-words"})
    filtered = monitor.execute("qom-get", {"path": path, "property": "filtered-features"})
    return _names(words) - _names(filtered)


def update_guest_cpu(monitor: Monitor, live: DomainDef) -> None:
    """Describe the running vCPU in *live*'s ``<cpu>`` as libvirt does after a start."""
    cpu = live.cpu
    if cpu is None or cpu.get("mode", "custom") != "custom":
        return
    model = cpu.find("model")
    known = MODEL_FEATURES.get((model.text or "").strip()) if model is not None else None
    if model is None or known is None:
        return
    enabled = enabled_features(monitor)
    named = {f.get("name") for f in cpu.findall("feature")}
    for name in _ORDER:
        if name in named:
            continue
        if name in enabled and name not in known:
            etree.SubElement(cpu, "feature", policy="require", name=name)
        elif name in known and name not in enabled:
            etree.SubElement(cpu, "feature", policy="disable", name=name)
    cpu.set("check", "full")
    model.set("fallback", "forbid")
