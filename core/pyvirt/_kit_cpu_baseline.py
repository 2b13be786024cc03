"""virConnectBaselineCPU's x86 CPU driver: the guest CPU every given host CPU can run.

libvirt's CPU driver (src/cpu/cpu_x86.c) answers it for its test driver, and so does this for
pyvirt's drivers.  The steps, as libvirt takes them:

1. each ``<cpu>`` (parsed as a host CPU: every ``<feature>`` is required, whatever its
   policy) becomes a feature set, its model's features plus its own;
2. the sets are intersected; vendors are checked on the way (one given vendor per CPU, or
   the vendor of its model for CPUs after the first);
3. the intersection is named: the models (of the CPUs' vendor) are tried newest first and the
   one needing the fewest extra ``<feature policy='require'>`` wins, features it has but the
   intersection lacks (``policy='disable'``) costing more and more each; when every CPU named
   the same model, that model is taken as soon as it is reached;
4. the model is marked ``fallback='forbid'`` when it is the one model all CPUs named.

With VIR_CONNECT_BASELINE_CPU_EXPAND_FEATURES the model's own features are listed too,
sorted by name.  The models and features come from :mod:`pyvirt._cpu_x86_data` (derived from
QEMU, not from libvirt's CPU map), so a model whose QEMU definition differs from libvirt's
can be named differently (docs/drivers/kit.md; tests/test_cli_cpu_baseline.py pins them).
Only x86 is known: other architectures answer libvirt's "cannot compute baseline CPU".
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pyvirt._codes import ErrorCode, ErrorDomain
from pyvirt._cpu_x86_data import FEATURES, MODELS, NOT_MIGRATABLE
from pyvirt._errors import make_error
from pyvirt._xml import escape, parse_document

_CPU = ErrorDomain.CPU
#: VIR_CONNECT_BASELINE_CPU_EXPAND_FEATURES
EXPAND_FEATURES = 1
_X86 = ("i686", "x86_64")
_VENDORS = frozenset(v for v, _ in MODELS.values() if v is not None)
#: feature -> its place in CPUID order, the order libvirt lists a model's extra features in.
_ORDER = {name: i for i, name in enumerate(FEATURES)}
#: libvirt's base penalty for a feature the model has and the CPUs lack.
_BASE_PENALTY = 2


@dataclass
class HostCpu:
    """One ``<cpu>`` as libvirt parses a host CPU."""

    arch: str
    model: str
    vendor: str | None = None
    features: list[str] = field(default_factory=list)


def _xml_error(detail: str) -> Exception:
    return make_error(ErrorCode.XML_ERROR, _CPU, detail)


def parse_host_cpu(xml: str) -> HostCpu:
    """A ``<cpu>`` document, with libvirt's errors for what it lacks."""
    root = parse_document(xml, "CPU_definition", _CPU)
    if root.tag != "cpu":
        raise _xml_error("XML does not contain expected 'cpu' element")
    arch = root.findtext("arch")
    if not arch:
        raise _xml_error("Missing CPU architecture")
    model = root.findtext("model")
    if not model:
        raise _xml_error("Missing CPU model name")
    features = []
    for node in root.iterfind("feature"):
        name = node.get("name")
        if not name:
            raise _xml_error("Invalid CPU feature name")
        features.append(name)
    return HostCpu(arch, model, root.findtext("vendor") or None, features)


def _model_features(cpu: HostCpu) -> set[str]:
    """The CPU's model's features and its own (libvirt's x86ModelFromCPU for a host CPU)."""
    known = MODELS.get(cpu.model)
    if known is None:
        raise make_error(ErrorCode.INTERNAL_ERROR, _CPU, f"Unknown CPU model {cpu.model}")
    data = set(known[1])
    for name in cpu.features:
        if name not in _ORDER:
            raise make_error(ErrorCode.INTERNAL_ERROR, _CPU, f"Unknown CPU feature {name}")
        data.add(name)
    return data


def _known_vendor(name: str) -> str:
    if name not in _VENDORS:
        raise make_error(ErrorCode.OPERATION_FAILED, _CPU, f"Unknown CPU vendor {name}")
    return name


@dataclass
class _Candidate:
    model: str
    required: list[str]
    disabled: list[str]

    def cost(self) -> tuple[int, int]:
        """(total, disabled part): enabled features count one, the n-th disabled 2+n-1."""
        penalty = sum(_BASE_PENALTY + i for i in range(len(self.disabled)))
        return len(self.required) + penalty, penalty


def _in_order(names: set[str] | frozenset[str]) -> list[str]:
    return sorted(names, key=_ORDER.__getitem__)


def _better(current: _Candidate | None, candidate: _Candidate, preferred: bool) -> bool:
    if current is None:
        return True
    total, disabled = candidate.cost()
    total_now, disabled_now = current.cost()
    if total < total_now or (total == total_now and disabled < disabled_now):
        return True
    return preferred and disabled < disabled_now


def _decode(data: set[str], vendor: str | None, names: list[str]) -> _Candidate:
    """The model that best names *data* (libvirt's x86Decode for a guest CPU)."""
    best: _Candidate | None = None
    for model in reversed(MODELS):
        model_vendor, features = MODELS[model]
        if vendor and model_vendor and vendor != model_vendor:
            continue
        candidate = _Candidate(model, _in_order(data - features), _in_order(features - data))
        if names == [model]:
            return candidate
        if _better(best, candidate, model in names):
            best = candidate
    if best is None:
        raise make_error(
            ErrorCode.INTERNAL_ERROR, _CPU, "Cannot find suitable CPU model for given data"
        )
    return best


def baseline_x86(
    cpus: list[HostCpu], *, migratable: bool = False
) -> tuple[_Candidate, str | None, bool]:
    """(the chosen model and its features, the vendor to show, fallback forbid);
    *migratable* leaves out the features that block migration before naming the rest."""
    base = _model_features(cpus[0])
    vendor = _known_vendor(cpus[0].vendor) if cpus[0].vendor else None
    show_vendor = cpus[0].vendor is not None
    names = [cpus[0].model]
    for cpu in cpus[1:]:
        if cpu.model not in names:
            names.append(cpu.model)
        data = _model_features(cpu)
        model_vendor = MODELS[cpu.model][0]
        if cpu.vendor and model_vendor and cpu.vendor != model_vendor:
            raise make_error(
                ErrorCode.OPERATION_FAILED,
                _CPU,
                f"CPU vendor {model_vendor} of model {cpu.model} differs from vendor {cpu.vendor}",
            )
        if not cpu.vendor:
            show_vendor = False
        given = cpu.vendor or model_vendor
        if given:
            if vendor is None:
                vendor = _known_vendor(given)
            elif vendor != given:
                raise make_error(ErrorCode.OPERATION_FAILED, _CPU, "CPU vendors do not match")
        base &= data
    if not base:
        raise make_error(ErrorCode.OPERATION_FAILED, _CPU, "CPUs are incompatible")
    if migratable:
        base -= NOT_MIGRATABLE
    chosen = _decode(base, vendor, names)
    forbid = len(names) == 1 and chosen.model == names[0]
    return chosen, vendor if show_vendor else None, forbid


def baseline_cpu_xml(
    xml_cpus: list[str], flags: int, *, migratable: bool = False,
    drop: frozenset[str] = frozenset(),
) -> str:  # fmt: skip
    """virConnectBaselineCPU as libvirt's CPU drivers answer it (x86 only), as XML.

    *migratable* (VIR_CONNECT_BASELINE_CPU_MIGRATABLE, which the QEMU driver takes) leaves
    out the features that block migration; *drop* names features a driver filters out of
    the answer before it is expanded (libvirt's QEMU driver drops the ones QEMU cannot
    give a guest: osxsave, ospke and Intel's cache-monitoring bits)."""
    if not xml_cpus:
        raise make_error(ErrorCode.INVALID_ARG, _CPU, "no CPUs given")
    cpus = [parse_host_cpu(xml) for xml in xml_cpus]
    arch = cpus[0].arch
    if arch not in _X86:
        raise make_error(
            ErrorCode.NO_SUPPORT, _CPU, f"cannot compute baseline CPU of {arch} architecture"
        )
    chosen, vendor, forbid = baseline_x86(cpus, migratable=migratable)
    policies = [("require", f) for f in chosen.required if f not in drop]
    policies += [("disable", f) for f in chosen.disabled if f not in drop]
    if flags & EXPAND_FEATURES:
        own = {f: "require" for f in MODELS[chosen.model][1]}
        own.update((f, p) for p, f in policies)
        policies = [(own[f], f) for f in sorted(own)]
    lines = [
        "<cpu mode='custom' match='exact'>",
        f"  <model fallback='{'forbid' if forbid else 'allow'}'>{escape(chosen.model)}</model>",
    ]
    if vendor:
        lines.append(f"  <vendor>{escape(vendor)}</vendor>")
    lines += [f"  <feature policy='{p}' name='{escape(f)}'/>" for p, f in policies]
    return "\n".join([*lines, "</cpu>"]) + "\n"
