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

from pyvirt import ErrorDomain
from pyvirt.driver import unsupported_flags

_T = ErrorDomain.TEST
#: VIR_CONNECT_BASELINE_CPU_EXPAND_FEATURES
_EXPAND_FEATURES = 1

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
        from pyvirt.driver import cpu_model_names  # (the kit loads on first use)

        return cpu_model_names(arch, _T)
