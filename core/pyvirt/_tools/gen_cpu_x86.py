"""Generate :mod:`pyvirt._cpu_x86_data`, the x86 CPU models and features the CPU baseline
works with, by asking QEMU: ``python -m pyvirt._tools.gen_cpu_x86 [qemu-system-x86_64]``.

libvirt's x86 CPU driver describes each named model by its CPUID features (its cpu_map).
pyvirt does not copy that map; it asks ``qemu-system-x86_64`` (started with ``-machine none``
and driven over QMP on stdin/stdout) what each model is:

- ``query-cpu-definitions`` for the models QEMU knows (aliases such as ``Haswell`` for
  ``Haswell-v1`` included);
- ``query-cpu-model-expansion`` of type ``static`` for each model's features (the features
  set on QEMU's ``base`` model to make it), and of type ``full`` for its vendor and name
  string: a model QEMU describes as its own generic CPU ("QEMU Virtual CPU", "Common KVM
  processor") is treated as vendor-neutral, as libvirt's generic models are;
- the static expansion of ``max`` for every feature name QEMU has;
- where each feature sits in CPUID, to list features in CPUID order as libvirt does: QEMU
  started (``-machine pc -S``) with ``base`` plus a set of features reports the CPUID words
  it made (QOM ``feature-words`` and ``filtered-features``); each feature gets a number and
  run *r* enables the features whose number has bit *r* set, so a CPUID bit set in exactly
  the runs spelling a feature's number is that feature's (a dozen runs for all of them).
  Bits QEMU derives from others (XSAVE component words) spell other numbers, so a feature
  keeps its first position, by CPUID leaf, subleaf and register.  Features without one
  (MSR-based) come last, by name.

Models are listed in the order of libvirt's model index
(:data:`pyvirt.driver.X86_CPU_MODELS`), so choosing between equally good models picks the same one.  Feature names are
libvirt's: where QEMU spells one differently the small table :data:`LIBVIRT_NAMES`
(libvirt's own QEMU translation table, as documented in its QEMU driver) renames it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

CORE = Path(__file__).resolve().parents[1]
TARGET = CORE / "_cpu_x86_data.py"

#: QEMU's feature name -> libvirt's, where they differ.
LIBVIRT_NAMES: dict[str, str] = {
    "cmp-legacy": "cmp_legacy",
    "ds-cpl": "ds_cpl",
    "fxsr-opt": "fxsr_opt",
    "kvm-pv-eoi": "kvm_pv_eoi",
    "kvm-pv-unhalt": "kvm_pv_unhalt",
    "lahf-lm": "lahf_lm",
    "nodeid-msr": "nodeid_msr",
    "pclmulqdq": "pclmuldq",
    "perfctr-core": "perfctr_core",
    "perfctr-nb": "perfctr_nb",
    "tsc-adjust": "tsc_adjust",
}
#: Bits QEMU sets in every model it makes (the hypervisor bit says the CPU is virtual), so
#: they are no part of what a model is.
QEMU_ADDS = ("hypervisor",)
#: CPUID bits the guest's operating system turns on (XSAVE and protection keys enabled in
#: CR4), which QEMU has no property for but a host's CPU description names (libvirt's
#: capabilities list them): each sits right after the feature it follows in CPUID
#: (CPUID 1 ECX bit 27 after xsave's bit 26; CPUID 7 ECX bit 4 after pku's bit 3).
OS_ENABLED_AFTER: dict[str, str] = {"osxsave": "xsave", "ospke": "pku"}
#: QEMU documents invtsc as the feature that blocks migration.
NOT_MIGRATABLE = ("invtsc",)
#: QEMU's model-id of its generic models (no vendor of their own).
GENERIC_MODEL_IDS = ("QEMU Virtual CPU", "Common KVM processor", "Common 32-bit KVM processor")
_VENDORS = {
    "GenuineIntel": "Intel",
    "AuthenticAMD": "AMD",
    "HygonGenuine": "Hygon",
    "CentaurHauls": "VIA",
}


def _model_order() -> tuple[str, ...]:
    from pyvirt._kit_cpu_models import X86_CPU_MODELS

    return X86_CPU_MODELS


def _qmp(qemu: str, commands: list[dict[str, Any]]) -> list[Any]:
    """Run *commands* in one QEMU (no machine) over QMP; their results, in order."""
    argv = [qemu, "-machine", "none", "-nodefaults", "-display", "none", "-accel", "tcg"]
    return _qmp_argv(argv, commands)


def _qmp_argv(argv: list[str], commands: list[dict[str, Any]]) -> list[Any]:
    """Run *commands* over QMP in QEMU started as *argv*; their results, in order."""
    lines = [{"execute": "qmp_capabilities"}, *commands, {"execute": "quit"}]
    stdin = "".join(json.dumps(line) + "\n" for line in lines)
    out = subprocess.run(
        [*argv, "-qmp", "stdio"], input=stdin, capture_output=True, text=True, check=True
    ).stdout
    replies = [json.loads(line) for line in out.splitlines() if line.strip()]
    answers = [r for r in replies if "return" in r or "error" in r][1 : len(commands) + 1]
    return [r.get("return", r.get("error")) for r in answers]




def _word_rank(word: dict[str, Any]) -> tuple[int, int, int, int]:
    """Where a QEMU feature word sits in libvirt's feature order: by leaf group and leaf,
    subleaf, then register; leaves 1 and 0x80000001 list EDX's bits
    before ECX's (as libvirt's capabilities and baselines print them: vme and ht before
    pclmuldq, mmxext before lahf_lm), the others EAX, EBX, ECX, EDX."""
    leaf = int(word["cpuid-input-eax"])
    # The standard leaves, the extended (AMD) ones, Centaur's, then the hypervisor's (KVM).
    group = 2 if leaf >= 0xC0000000 else 1 if leaf >= 0x80000000 else 3 if leaf >= 0x40000000 else 0
    order = "DCAB" if leaf in (1, 0x80000001) else "ABCD"
    register = order.index(str(word["cpuid-register"])[-2])  # "EAX" -> "A"
    return group, leaf, int(word.get("cpuid-input-ecx", 0)), register


def _cpuid_order(qemu: str, features: list[str]) -> list[str]:
    """*features* in CPUID order (see the module doc and :func:`_word_rank`), then the rest
    by name."""
    base = [qemu, "-nodefaults", "-display", "none", "-accel", "tcg", "-machine", "pc", "-S"]
    seen: dict[tuple[tuple[int, int, int, int], int], int] = {}
    for run in range(len(features).bit_length()):
        on = [f for i, f in enumerate(features) if (i + 1) >> run & 1]
        argv = [*base, "-cpu", "base," + ",".join(f"{f}=on" for f in on)]
        (cpus,) = _qmp_argv(argv, [{"execute": "query-cpus-fast"}])
        path = cpus[0]["qom-path"]
        words, filtered = _qmp_argv(
            argv,
            [
                {"execute": "qom-get", "arguments": {"path": path, "property": prop}}
                for prop in ("feature-words", "filtered-features")
            ],
        )
        for word, gone in zip(words, filtered, strict=True):
            mask = word["features"] | gone["features"]
            for bit in range(32):
                if mask >> bit & 1:
                    place = (_word_rank(word), bit)
                    seen[place] = seen.get(place, 0) | 1 << run
    position: dict[str, tuple[tuple[int, int, int, int], int]] = {}
    for place, code in sorted(seen.items()):
        if 1 <= code <= len(features):
            position.setdefault(features[code - 1], place)
    placed = sorted(position, key=lambda f: position[f])
    return placed + sorted(f for f in features if f not in position)


def _name(feature: str) -> str:
    return LIBVIRT_NAMES.get(feature, feature)


def collect(qemu: str) -> dict[str, Any]:
    (definitions,) = _qmp(qemu, [{"execute": "query-cpu-definitions"}])
    known = {d["name"] for d in definitions}
    names = [m for m in _model_order() if m in known]
    expand = [
        {
            "execute": "query-cpu-model-expansion",
            "arguments": {"type": kind, "model": {"name": name}},
        }
        for name in [*names, "max"]
        for kind in ("static", "full")
    ]
    answers = _qmp(qemu, expand)
    models: dict[str, tuple[str | None, tuple[str, ...]]] = {}
    features: set[str] = set()
    for i, name in enumerate([*names, "max"]):
        static, full = answers[2 * i]["model"]["props"], answers[2 * i + 1]["model"]["props"]
        features.update(f for f, v in static.items() if isinstance(v, bool))
        if name == "max":
            continue
        on = tuple(sorted(_name(f) for f, v in static.items() if v is True and f not in QEMU_ADDS))
        generic = str(full.get("model-id", "")).startswith(GENERIC_MODEL_IDS)
        vendor = None if generic else _VENDORS.get(str(full.get("vendor")))
        models[name] = (vendor, on)
    missing = [m for m in _model_order() if m not in known]
    ordered = [_name(f) for f in _cpuid_order(qemu, sorted(features))]
    for name, after in OS_ENABLED_AFTER.items():
        ordered.insert(ordered.index(after) + 1, name)
    return {"models": models, "features": ordered, "missing": missing}


def render(data: dict[str, Any], version: str) -> str:
    lines = [
        '"""x86 CPU models and features for the CPU baseline: generated by',
        f"``python -m pyvirt._tools.gen_cpu_x86`` from {version} (do not edit).",
        "",
        "libvirt 9.0 models QEMU does not have (not known here): "
        + ", ".join(data["missing"])
        + '."""',
        "",
        "#: model -> (vendor or None, its features), in libvirt's model index order.",
        "MODELS: dict[str, tuple[str | None, frozenset[str]]] = {",
    ]
    for name, (vendor, on) in data["models"].items():
        lines.append(f"    {name!r}: ({vendor!r}, frozenset({{")
        text = ", ".join(repr(f) for f in on)
        lines.extend(_wrap(text, "        "))
        lines.append("    })),")
    lines.append("}  # fmt: skip")
    lines.append("#: Every feature name QEMU knows, in libvirt's spelling, in CPUID order.")
    lines.append("FEATURES: tuple[str, ...] = (")
    lines.extend(_wrap(", ".join(repr(f) for f in data["features"]) + ",", "    "))
    lines.append(")  # fmt: skip")
    lines.append(f"NOT_MIGRATABLE: frozenset[str] = frozenset({set(NOT_MIGRATABLE)!r})")
    return "\n".join(lines) + "\n"


def _wrap(text: str, indent: str, width: int = 96) -> list[str]:
    out: list[str] = []
    line = indent
    for word in text.split(" "):
        if len(line) + len(word) + 1 > width and line.strip():
            out.append(line.rstrip())
            line = indent
        line += word + " "
    if line.strip():
        out.append(line.rstrip())
    return out


def main(argv: list[str]) -> int:
    qemu = argv[1] if len(argv) > 1 else "qemu-system-x86_64"
    version = subprocess.run(
        [qemu, "--version"], capture_output=True, text=True, check=True
    ).stdout.splitlines()[0]
    TARGET.write_text(render(collect(qemu), version))
    print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
