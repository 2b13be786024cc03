"""Host pages, CPU models and comparisons, domain capabilities and host memory tunables on
:class:`pyvirt.Connection` (virNodeGetFreePages, virConnectGetCPUModelNames, ...): the
public API's argument checks, in libvirt's words and order, before the driver's call.  Kept
apart from :mod:`pyvirt._connection` so the family stays in one small module."""

from __future__ import annotations

from pyvirt._checks import check_nonzero, check_string, invalid_arg
from pyvirt._domain_extras import _refuse_read_only
from pyvirt._typed_params import typed_params_dict

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyvirt._calls import DriverCalls
    from pyvirt._records import TypedParameter
    from pyvirt._typed_params import TypedValue

_HOST_UINT_MAX = 2**32 - 1


def _optional(value: str | None, argname: str, api: str) -> str | None:
    return None if value is None else check_string(value, argname, api)


def _hypervisor(
    api: str, *named: tuple[str | None, str]
) -> tuple[str | None, str | None, str | None, str | None]:
    """The emulator (or emulatorbin), arch, machine and virttype arguments, each checked."""
    a, b, c, d = (_optional(value, argname, api) for value, argname in named)
    return a, b, c, d


def _check_cells(start_cell: int, cell_count: int, api: str) -> None:
    """libvirt's checks of a cell range: integers that fit an unsigned int (startCell may be
    -1, "the whole host", where the API allows it)."""
    for value, argname in ((start_cell, "startCell"), (cell_count, "cellCount")):
        if isinstance(value, bool) or not isinstance(value, int):
            raise invalid_arg(f"{argname} in {api} must be an integer", api, argname)
    if not -1 <= start_cell <= _HOST_UINT_MAX or not 0 <= cell_count <= _HOST_UINT_MAX:
        raise invalid_arg(f"cell range in {api} is out of range", api, "startCell")


class ConnectionHostCpuMethods:
    """Host CPU, pages and host tunables methods of :class:`pyvirt.Connection`."""

    _calls: DriverCalls

    def free_pages(
        self, pages: list[int], start_cell: int, cell_count: int, flags: int = 0
    ) -> dict[int, dict[int, int]]:
        """Free pages of each size in *pages* (KiB) on *cell_count* NUMA cells from
        *start_cell* (virNodeGetFreePages), as {cell: {page size: free pages}}."""
        api = "virNodeGetFreePages"
        check_nonzero(len(pages), "npages", api)
        _check_cells(start_cell, cell_count, api)
        check_nonzero(cell_count, "cellCount", api)
        if len(pages) * cell_count > _HOST_UINT_MAX:
            raise invalid_arg("too many pages or cells requested", api, "npages")
        counts = self._calls.node_get_free_pages(list(pages), start_cell, cell_count, flags)
        n = len(pages)
        return {
            start_cell + i: dict(zip(pages, counts[i * n : (i + 1) * n], strict=True))
            for i in range(cell_count)
        }

    def alloc_pages(
        self,
        pages: dict[int, int],
        start_cell: int = -1,
        cell_count: int = 0,
        flags: int = 0,
    ) -> int:
        """Size the pools of huge pages {page size KiB: count} on *cell_count* cells from
        *start_cell* (-1: the host as a whole) (virNodeAllocPages; *flags*:
        :class:`pyvirt.NodeAllocPagesFlags`); the number of cells changed."""
        api = "virNodeAllocPages"
        _refuse_read_only(self._calls.read_only, 347, flags)  # before the arguments' checks
        check_nonzero(len(pages), "npages", api)
        _check_cells(start_cell, cell_count, api)
        check_nonzero(cell_count, "cellCount", api)
        sizes, counts = list(pages), list(pages.values())
        return int(self._calls.node_alloc_pages(sizes, counts, start_cell, cell_count, flags))

    def cpu_model_names(self, arch: str, flags: int = 0) -> list[str]:
        """The CPU models the driver knows for architecture *arch*, such as "x86_64"
        (virConnectGetCPUModelNames); an empty list means any model is accepted."""
        arch = check_string(arch, "arch", "virConnectGetCPUModelNames")
        return list(self._calls.connect_get_cpu_model_names(arch, flags))

    def compare_cpu(self, xml: str, flags: int = 0) -> int:
        """How the host CPU compares with the ``<cpu>`` in *xml* (virConnectCompareCPU): a
        :class:`pyvirt.CPUCompareResult` value."""
        xml = check_string(xml, "xmlDesc", "virConnectCompareCPU")
        return int(self._calls.connect_compare_cpu(xml, flags))

    def baseline_cpu(self, xml_cpus: list[str], flags: int = 0) -> str:
        """The ``<cpu>`` that every host CPU in *xml_cpus* can run (virConnectBaselineCPU);
        with :attr:`pyvirt.ConnectBaselineCPUFlags.EXPAND_FEATURES` the model's own
        features are listed too."""
        cpus = [check_string(x, "xmlCPUs", "virConnectBaselineCPU") for x in xml_cpus]
        return str(self._calls.connect_baseline_cpu(cpus, flags))

    def compare_hypervisor_cpu(
        self,
        xml_cpu: str,
        emulator: str | None = None,
        arch: str | None = None,
        machine: str | None = None,
        virttype: str | None = None,
        flags: int = 0,
    ) -> int:
        """How the CPU the hypervisor gives guests compares with *xml_cpu*
        (virConnectCompareHypervisorCPU)."""
        api = "virConnectCompareHypervisorCPU"
        xml_cpu = check_string(xml_cpu, "xmlCPU", api)
        hv = _hypervisor(
            api,
            (emulator, "emulator"),
            (arch, "arch"),
            (machine, "machine"),
            (virttype, "virttype"),
        )
        return int(self._calls.connect_compare_hypervisor_cpu(*hv, xml_cpu, flags))

    def baseline_hypervisor_cpu(
        self,
        xml_cpus: list[str],
        emulator: str | None = None,
        arch: str | None = None,
        machine: str | None = None,
        virttype: str | None = None,
        flags: int = 0,
    ) -> str:
        """The ``<cpu>`` that all of *xml_cpus* can run and the hypervisor can give guests
        (virConnectBaselineHypervisorCPU)."""
        api = "virConnectBaselineHypervisorCPU"
        cpus = [check_string(x, "xmlCPUs", api) for x in xml_cpus]
        hv = _hypervisor(
            api,
            (emulator, "emulator"),
            (arch, "arch"),
            (machine, "machine"),
            (virttype, "virttype"),
        )
        return str(self._calls.connect_baseline_hypervisor_cpu(*hv, cpus, flags))

    def domain_capabilities(
        self,
        emulatorbin: str | None = None,
        arch: str | None = None,
        machine: str | None = None,
        virttype: str | None = None,
        flags: int = 0,
    ) -> str:
        """The ``<domainCapabilities>`` XML of an emulator, architecture, machine and
        virtualization type, None for the driver's defaults (virConnectGetDomainCapabilities)."""
        api = "virConnectGetDomainCapabilities"
        hv = _hypervisor(
            api,
            (emulatorbin, "emulatorbin"),
            (arch, "arch"),
            (machine, "machine"),
            (virttype, "virttype"),
        )
        return str(self._calls.connect_get_domain_capabilities(*hv, flags))

    def memory_parameters(self, flags: int = 0) -> dict[str, TypedValue]:
        """The host's shared-memory tunables, such as ``shm_pages_to_scan``
        (virNodeGetMemoryParameters)."""
        return typed_params_dict(self._calls.node_get_memory_parameters(flags))

    def set_identity(self, params: list[TypedParameter], flags: int = 0) -> None:
        """Ask the daemon to act for another identity (virConnectSetIdentity): typed
        parameters such as ``user-name`` (STRING) and ``unix-user-id`` (ULLONG), libvirt's
        VIR_CONNECT_IDENTITY_* names.  Only a daemon answers; local drivers do not."""
        self._calls.connect_set_identity(list(params), flags)

    def set_memory_parameters(self, params: list[TypedParameter], flags: int = 0) -> None:
        """Change the host's shared-memory tunables (virNodeSetMemoryParameters)."""
        self._calls.node_set_memory_parameters(list(params), flags)

    def sev_info(self, flags: int = 0) -> dict[str, TypedValue]:
        """The host's AMD SEV data: pdh, cert-chain, cbitpos, reduced-phys-bits...
        (virNodeGetSEVInfo)."""
        return typed_params_dict(self._calls.node_get_sev_info(flags))
