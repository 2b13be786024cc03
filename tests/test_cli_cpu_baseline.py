"""``cpu-baseline`` (virConnectBaselineCPU through libvirt's x86 CPU driver) compared with the
real virsh, in process and through the daemons: the CPUs' common model and extra features,
the fallback a single model keeps, vendors (given, mixed, unknown), the CPU read from a
domain, the test driver's host CPU (no model), unknown models and features, XML errors,
and ``--migratable``, which libvirt's test driver refuses.

pyvirt's models come from QEMU, not libvirt's CPU map (see
:mod:`pyvirt._tools.gen_cpu_x86`), so the inputs here are those where both name the same
features; ``test_where_the_model_data_differs`` pins what pyvirt answers where they do not.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import pyvirt
from cli_helpers import URI, compare, needs_virsh

pytestmark = needs_virsh


def _cpu(model: str, *features: str, vendor: str = "", arch: str = "x86_64") -> str:
    parts = [f"<arch>{arch}</arch>" if arch else "", f"<model>{model}</model>" if model else ""]
    parts.append(f"<vendor>{vendor}</vendor>" if vendor else "")
    parts += [f"<feature name='{f}'/>" for f in features]
    return f"<cpu>{''.join(parts)}</cpu>\n"


FILES = {
    "two.xml": _cpu("Haswell") + _cpu("SandyBridge", "avx2"),
    # extra features listed in CPUID order (leaf 1 ecx, leaf 7 ebx ...), as libvirt lists them
    "cpuid_order.xml": _cpu("Haswell") + _cpu("SandyBridge", "avx2", "bmi1", "fma", "movbe"),
    "cpuid_order2.xml": _cpu("Broadwell") + _cpu("Westmere", "avx", "bmi1", "bmi2", "fsgsbase"),
    "older.xml": _cpu("Penryn", "sse4.2", "popcnt") + _cpu("Nehalem"),
    "qemu64.xml": _cpu("qemu64"),
    "intel.xml": _cpu("Haswell", vendor="Intel") + _cpu("Broadwell", vendor="Intel"),
    "mixed.xml": _cpu("Haswell", vendor="Intel") + _cpu("Opteron_G4", vendor="AMD"),
    "odd_vendor.xml": _cpu("Haswell", vendor="Foo"),
    "model_vendor.xml": _cpu("Opteron_G4", vendor="Intel") + _cpu("Opteron_G4", vendor="AMD"),
    "unknown_model.xml": _cpu("Foo"),
    "unknown_feature.xml": _cpu("Haswell", "zzz"),
    "no_arch.xml": _cpu("Haswell", arch=""),
    "no_model.xml": _cpu(""),
    "same.xml": _cpu("Haswell") + _cpu("Haswell", "avx2"),
    # a host CPU as capabilities describe it: bits the guest OS turns on (osxsave, ospke),
    # leaf 6 (arat) and leaf 0xD (xsaveopt...) among leaves 1, 7 and 0x80000001
    "host_like.xml": _cpu("kvm64", "vme", "ht", "pclmuldq", "xsave", "osxsave", "avx",
                          "hypervisor", "arat", "fsgsbase", "pku", "ospke", "umip", "xsaveopt",
                          "xsavec", "xgetbv1", "mmxext", "lahf_lm", "invtsc", vendor="AMD"),
    "dom.xml": f"<domain type='test'><name>x</name>{_cpu('Westmere')}</domain>\n",
    "caps.xml": "<capabilities><host>" + _cpu("", arch="i686") + "</host></capabilities>\n",
    "bad.xml": "<cpu><model>x</model>\n",
    "feature_no_name.xml": "<cpu><arch>x86_64</arch><model>Haswell</model><feature/></cpu>\n",
}


@pytest.fixture
def xmldir(tmp_path: Path) -> Path:
    for name, text in FILES.items():
        (tmp_path / name).write_text(text)
    return tmp_path


COMMANDS = [f"cpu-baseline {name}" for name in FILES] + [
    "cpu-baseline two.xml --migratable", "cpu-baseline --file intel.xml",
    "cpu-baseline two.xml --features --migratable", "cpu-baseline missing.xml",
    "cpu-baseline", "cpu-baseline ''", "help cpu-baseline",
]  # fmt: skip


@pytest.mark.parametrize("command", COMMANDS)
def test_cpu_baseline(uri: str, xmldir: Path, command: str) -> None:
    compare("-c", uri, command, cwd=xmldir)


def test_read_only_connections_may_baseline(uri: str, xmldir: Path) -> None:
    compare("-r", "-c", uri, "cpu-baseline two.xml", cwd=xmldir)


def test_where_the_model_data_differs() -> None:
    """QEMU's SandyBridge also has arat and xsaveopt and its qemu64 lahf_lm (libvirt's do
    not), so the expanded lists name them, and its Westmere has arat, so Skylake-Client with
    Nehalem+aes+avx+rdtscp is named Nehalem (libvirt: Westmere); libvirt's cpu64-rhel6 model
    is not in QEMU."""
    with pyvirt.open(URI) as conn:
        cpus = [_cpu("Haswell"), _cpu("SandyBridge", "avx2")]
        expanded = conn.baseline_cpu(cpus, 1)
        assert "<feature policy='require' name='xsaveopt'/>" in expanded
        assert "<model fallback='allow'>SandyBridge</model>" in expanded
        assert "name='lahf_lm'" in conn.baseline_cpu([_cpu("qemu64")], 1)
        named = conn.baseline_cpu([_cpu("Skylake-Client"), _cpu("Nehalem", "aes", "avx", "rdtscp")])
        assert "<model fallback='allow'>Nehalem</model>" in named
        with pytest.raises(pyvirt.VirtError, match="Unknown CPU model cpu64-rhel6"):
            conn.baseline_cpu([_cpu("cpu64-rhel6")])


def test_bad_arguments() -> None:
    with pyvirt.open(URI) as conn:
        with pytest.raises(pyvirt.VirtError, match="no CPUs given") as e:
            conn.baseline_cpu([])
        assert e.value.code == pyvirt.ErrorCode.INVALID_ARG
        with pytest.raises(pyvirt.VirtError, match="cannot compute baseline CPU of ppc64"):
            conn.baseline_cpu([_cpu("POWER8", arch="ppc64")])
        with pytest.raises(pyvirt.VirtError, match="unsupported flags .0x2."):
            conn.baseline_cpu([_cpu("Haswell")], 2)


def test_the_asyncio_api_answers_the_same() -> None:
    import asyncio

    import pyvirt.aio

    cpus = [_cpu("Haswell"), _cpu("SandyBridge", "avx2")]

    async def baseline() -> tuple[str, str]:
        async with await pyvirt.aio.open(URI) as conn:
            plain = await conn.baseline_cpu(cpus)
            with pytest.raises(pyvirt.VirtError, match="Unknown CPU vendor Foo"):
                await conn.baseline_cpu([_cpu("Haswell", vendor="Foo")])
            return plain, await conn.baseline_cpu(cpus, 1)

    with pyvirt.open(URI) as conn:
        assert asyncio.run(baseline()) == (conn.baseline_cpu(cpus), conn.baseline_cpu(cpus, 1))
