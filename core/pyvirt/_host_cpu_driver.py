"""The driver contract's host CPU, page and memory-tuning entry points: free and allocated
huge pages per NUMA cell, the CPU models an architecture knows, CPU comparison and
baselines (host and hypervisor), domain capabilities, the host's shared-memory tunables and
its SEV data.

Part of :class:`pyvirt.driver.DriverConnection`; kept apart from :mod:`pyvirt.driver` so
that module stays small.  libvirt keeps them in its virHypervisorDriver table, and libvirt's
public API reports a driver without them in the DOMAIN error domain ("this function is not
supported by the connection driver: virNodeAllocPages"), which is what a method not
overridden here answers.  libvirt's test driver serves free pages and CPU model names only.
"""

from __future__ import annotations

from pyvirt._codes import ErrorCode, ErrorDomain
from pyvirt._errors import make_error
from pyvirt._procedures import BY_METHOD
from pyvirt._records import TypedParameter

# Not typing.TYPE_CHECKING: importing typing costs more than pyvirsh's own start-up.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import NoReturn


def _no_support(method: str) -> NoReturn:
    """libvirt's "not supported by the connection driver", naming the row's C API."""
    raise make_error(ErrorCode.NO_SUPPORT, ErrorDomain.DOMAIN, BY_METHOD[method].api)


class HostCpuDriver:
    """Host pages, CPU models and host tunables (part of libvirt's virHypervisorDriver)."""

    def node_get_free_pages(
        self, pages: list[int], start_cell: int, cell_count: int, flags: int
    ) -> list[int]:
        """virNodeGetFreePages: for each cell from *start_cell* (*cell_count* of them), the
        free pages of each size in *pages* (KiB), cell by cell, in *pages*' order."""
        _no_support("node_get_free_pages")

    def node_alloc_pages(
        self,
        pages: list[int],
        counts: list[int],
        start_cell: int,
        cell_count: int,
        flags: int,
    ) -> int:
        """virNodeAllocPages: set (or with VIR_NODE_ALLOC_PAGES_ADD grow) the pool of pages
        of each size in *pages* (KiB) to *counts*, on *cell_count* cells from *start_cell*
        (-1: the whole host); answer how many cells were changed."""
        _no_support("node_alloc_pages")

    def connect_get_cpu_model_names(self, arch: str, flags: int) -> list[str]:
        """virConnectGetCPUModelNames: the CPU models the driver knows for *arch*."""
        _no_support("connect_get_cpu_model_names")

    def connect_compare_cpu(self, xml: str, flags: int) -> int:
        """virConnectCompareCPU: how the host CPU compares with the ``<cpu>`` in *xml*
        (VIR_CPU_COMPARE_*)."""
        _no_support("connect_compare_cpu")

    def connect_baseline_cpu(self, xml_cpus: list[str], flags: int) -> str:
        """virConnectBaselineCPU: the ``<cpu>`` every one of the host CPUs *xml_cpus* can
        run (VIR_CONNECT_BASELINE_CPU_EXPAND_FEATURES: with the model's features listed)."""
        _no_support("connect_baseline_cpu")

    def connect_compare_hypervisor_cpu(
        self,
        emulator: str | None,
        arch: str | None,
        machine: str | None,
        virttype: str | None,
        xml_cpu: str,
        flags: int,
    ) -> int:
        """virConnectCompareHypervisorCPU: how the CPU the hypervisor can give guests compares
        with *xml_cpu* (VIR_CPU_COMPARE_*)."""
        _no_support("connect_compare_hypervisor_cpu")

    def connect_baseline_hypervisor_cpu(
        self,
        emulator: str | None,
        arch: str | None,
        machine: str | None,
        virttype: str | None,
        xml_cpus: list[str],
        flags: int,
    ) -> str:
        """virConnectBaselineHypervisorCPU: the ``<cpu>`` every one of *xml_cpus* can run and
        the hypervisor can give a guest."""
        _no_support("connect_baseline_hypervisor_cpu")

    def connect_get_domain_capabilities(
        self,
        emulatorbin: str | None,
        arch: str | None,
        machine: str | None,
        virttype: str | None,
        flags: int,
    ) -> str:
        """virConnectGetDomainCapabilities: the ``<domainCapabilities>`` XML of one emulator,
        architecture, machine type and virtualization type (None: the driver's default)."""
        _no_support("connect_get_domain_capabilities")

    def node_get_memory_parameters(self, flags: int) -> list[TypedParameter]:
        """virNodeGetMemoryParameters: the host's shared-memory (KSM) tunables."""
        _no_support("node_get_memory_parameters")

    def node_set_memory_parameters(self, params: list[TypedParameter], flags: int) -> None:
        """virNodeSetMemoryParameters: change the host's shared-memory (KSM) tunables."""
        _no_support("node_set_memory_parameters")

    def node_get_sev_info(self, flags: int) -> list[TypedParameter]:
        """virNodeGetSEVInfo: the host's AMD SEV platform data (pdh, cert-chain, cbitpos...)."""
        _no_support("node_get_sev_info")
