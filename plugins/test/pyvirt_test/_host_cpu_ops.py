"""Host pages and CPU models of the test driver: what libvirt's test driver answers for
virNodeGetFreePages, virConnectGetCPUModelNames and virConnectBaselineCPU (libvirt's x86
CPU driver, :mod:`pyvirt._kit_cpu_baseline`).  The other host CPU entry points
(allocating pages, comparing CPUs, hypervisor baselines, domain capabilities, node memory tunables, SEV) are not in
libvirt's test driver either, so they keep the contract's "not supported" answer.

The free-page counts are libvirt's invented sequence (x = 2x + 7 from 6, restarted on every
call, whatever the cells and sizes asked), so virsh's output compares byte for byte.  The
model names are those of libvirt 9.0's CPU map, per CPU driver, in the map's order.
"""

from __future__ import annotations

from pyvirt import ErrorCode, ErrorDomain, make_error
from pyvirt.driver import unsupported_flags

_T = ErrorDomain.TEST
#: VIR_CONNECT_BASELINE_CPU_EXPAND_FEATURES
_EXPAND_FEATURES = 1

#: The ppc64 CPU driver's models (ppc64 and ppc64le).
_PPC64_MODELS = (
    "POWER6", "POWER7", "POWER8", "POWER9", "POWER10", "POWERPC_e5500", "POWERPC_e6500",
)  # fmt: skip
#: The x86 CPU driver's architectures (its models: pyvirt.driver.X86_CPU_MODELS).
_X86 = ("i686", "x86_64")
#: Architecture -> the models its CPU driver lists.  ARM and s390 have CPU drivers that
#: accept any model and list none.
_MODELS_BY_ARCH: dict[str, tuple[str, ...]] = {
    "ppc64": _PPC64_MODELS,
    "ppc64le": _PPC64_MODELS,
    "armv6l": (),
    "armv7l": (),
    "armv7b": (),
    "aarch64": (),
    "s390": (),
    "s390x": (),
}
#: libvirt 9.0's other architecture names (virArch): known, but without a CPU driver.
_ARCHES_WITHOUT_CPU_DRIVER = frozenset(
    {
        "alpha", "cris", "ia64", "lm32", "m68k", "microblaze", "microblazeel", "mips", "mipsel",
        "mips64", "mips64el", "openrisc", "parisc", "parisc64", "ppc", "ppcle", "ppcemb",
        "riscv32", "riscv64", "sh4", "sh4eb", "sparc", "sparc64", "unicore32", "xtensa",
        "xtensaeb",
    }
)  # fmt: skip


def free_page_counts(npages: int, cell_count: int) -> list[int]:
    """testNodeGetFreePages' numbers: x = 2x + 7 from 6, one per (cell, page size)."""
    counts = []
    x = 6
    for _ in range(npages * cell_count):
        x = x * 2 + 7
        counts.append(x)
    return counts


class HostCpuOps:
    """Mixin for the test connection (needs no state: the answers are constant)."""

    def node_get_free_pages(
        self, pages: list[int], start_cell: int, cell_count: int, flags: int
    ) -> list[int]:
        unsupported_flags(flags, 0, "testNodeGetFreePages", _T)
        # libvirt's test driver neither checks the cells nor looks at the sizes asked.
        return free_page_counts(len(pages), cell_count)

    def connect_baseline_cpu(self, xml_cpus: list[str], flags: int) -> str:
        # libvirt's test driver takes EXPAND_FEATURES only (not MIGRATABLE).
        from pyvirt.driver import baseline_cpu_xml  # (its model data loads on first use)

        unsupported_flags(flags, _EXPAND_FEATURES, "testConnectBaselineCPU", _T)
        return baseline_cpu_xml(xml_cpus, flags)

    def connect_get_cpu_model_names(self, arch: str, flags: int) -> list[str]:
        unsupported_flags(flags, 0, "testConnectGetCPUModelNames", _T)
        if arch in _X86:
            from pyvirt.driver import X86_CPU_MODELS  # (the kit loads on first use)

            return list(X86_CPU_MODELS)
        models = _MODELS_BY_ARCH.get(arch)
        if models is not None:
            return list(models)
        if arch in _ARCHES_WITHOUT_CPU_DRIVER:
            raise make_error(
                ErrorCode.NO_SUPPORT,
                ErrorDomain.CPU,
                f"'{arch}' architecture is not supported by CPU driver",
            )
        raise make_error(ErrorCode.INVALID_ARG, _T, f"cannot find architecture {arch}")
