"""``virConnect``'s host pages, CPU model and comparison, domain capabilities, node
memory tunables and identity methods, with libvirt-python's signatures and return shapes (a mixin of
:class:`pyvirt.libvirt.virConnect`, kept apart so the family stays in its own module).

``setMemoryParameters`` reads the current parameters first, as the binding's C glue does, so
a driver without them fails naming virNodeGetMemoryParameters, as libvirt-python does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyvirt.libvirt import _args
from pyvirt.libvirt._errors import api

if TYPE_CHECKING:
    from pyvirt._connection import Connection


def _hypervisor(
    c_api: str, *values: str | None
) -> tuple[str | None, str | None, str | None, str | None]:
    """The emulator, arch, machine and virttype arguments: strings or None."""
    a, b, c, d = (_args.optional_string(v, c_api, i) for i, v in enumerate(values, 1))
    return a, b, c, d


#: libvirt-python's hints for setIdentity (typed-parameter kinds: 7 STRING, 4 ULLONG,
#: 3 LLONG).
_IDENTITY_HINTS = {
    "user-name": 7, "unix-user-id": 4, "group-name": 7, "unix-group-id": 4, "process-id": 3,
    "process-time": 4, "sasl-user-name": 7, "x509-distinguished-name": 7,
    "selinux-context": 7,
}  # fmt: skip


class CpuConnectMethods:
    """libvirt-python's ``virConnect`` host CPU and pages methods."""

    _o: Connection

    @api
    def getFreePages(  # noqa: N802
        self,
        pages: list[int],
        startCell: int,
        maxCells: int,
        flags: int = 0,  # noqa: N803
    ) -> dict[int, dict[int, int]]:
        sizes = [_args.c_uint(p) for p in pages]
        return self._o.free_pages(
            sizes, _args.c_int(startCell), _args.c_uint(maxCells), _args.flags(flags)
        )

    @api
    def allocPages(  # noqa: N802
        self,
        pages: dict[int, int],
        startCell: int = 0,  # noqa: N803
        cellCount: int = 0,  # noqa: N803
        flags: int = 0,
    ) -> int:
        if not isinstance(pages, dict):
            raise TypeError("allocPages() argument 1 must be dict")
        sizes = {_args.c_uint(k): _args.c_long_long(v) for k, v in pages.items()}
        return self._o.alloc_pages(
            sizes, _args.c_int(startCell), _args.c_uint(cellCount), _args.flags(flags)
        )

    @api
    def getCPUModelNames(self, arch: str, flags: int = 0) -> list[str]:  # noqa: N802
        if not isinstance(arch, str):  # the binding's "s" format: None is refused too
            kind = "None" if arch is None else type(arch).__name__
            raise TypeError(f"virConnectGetCPUModelNames() argument 2 must be str, not {kind}")
        return self._o.cpu_model_names(arch, _args.flags(flags))

    @api
    def compareCPU(self, xmlDesc: str, flags: int = 0) -> int:  # noqa: N802, N803
        xml = _args.string(xmlDesc, "virConnectCompareCPU", 1, "xmlDesc")
        return self._o.compare_cpu(xml, _args.flags(flags))

    @api
    def baselineCPU(self, xmlCPUs: list[str], flags: int = 0) -> str:  # noqa: N802, N803
        if not isinstance(xmlCPUs, list):
            raise TypeError("baselineCPU() argument 1 must be list")
        cpus = [_args.string(x, "virConnectBaselineCPU", 2, "xmlCPUs") for x in xmlCPUs]
        return self._o.baseline_cpu(cpus, _args.flags(flags))

    @api
    def compareHypervisorCPU(  # noqa: N802
        self,
        emulator: str | None,
        arch: str | None,
        machine: str | None,
        virttype: str | None,
        xmlCPU: str,  # noqa: N803
        flags: int = 0,
    ) -> int:
        c_api = "virConnectCompareHypervisorCPU"
        hv = _hypervisor(c_api, emulator, arch, machine, virttype)
        xml = _args.string(xmlCPU, c_api, 5, "xmlCPU")
        return self._o.compare_hypervisor_cpu(xml, *hv, flags=_args.flags(flags))

    @api
    def baselineHypervisorCPU(  # noqa: N802
        self,
        emulator: str | None,
        arch: str | None,
        machine: str | None,
        virttype: str | None,
        xmlCPUs: list[str],  # noqa: N803
        flags: int = 0,
    ) -> str:
        c_api = "virConnectBaselineHypervisorCPU"
        if not isinstance(xmlCPUs, list):
            raise TypeError("baselineHypervisorCPU() argument 5 must be list")
        hv = _hypervisor(c_api, emulator, arch, machine, virttype)
        cpus = [_args.string(x, c_api, 5, "xmlCPUs") for x in xmlCPUs]
        return self._o.baseline_hypervisor_cpu(cpus, *hv, flags=_args.flags(flags))

    @api
    def getDomainCapabilities(  # noqa: N802
        self,
        emulatorbin: str | None = None,
        arch: str | None = None,
        machine: str | None = None,
        virttype: str | None = None,
        flags: int = 0,
    ) -> str:
        c_api = "virConnectGetDomainCapabilities"
        hv = _hypervisor(c_api, emulatorbin, arch, machine, virttype)
        return self._o.domain_capabilities(*hv, flags=_args.flags(flags))

    @api
    def setIdentity(self, params: dict[str, Any], flags: int = 0) -> int:  # noqa: N802
        """The identity a daemon should act for (only a daemon answers).  The glue's hints
        give the VIR_CONNECT_IDENTITY_* names their types; its words for a non-dict are
        those of another call ("migration params"), as libvirt-python 9.0's are."""
        from pyvirt.libvirt._domain_jobs import _hinted_params

        typed = _hinted_params(params, _IDENTITY_HINTS, "migration params")
        self._o.set_identity(typed, _args.flags(flags))
        return 0

    @api
    def getMemoryParameters(self, flags: int = 0) -> dict[str, Any]:  # noqa: N802
        return self._o.memory_parameters(_args.flags(flags))

    def setMemoryParameters(self, params: dict[str, Any], flags: int = 0) -> int:  # noqa: N802
        f = _args.flags(flags)
        if not isinstance(params, dict):
            raise TypeError("a dictionary is required")
        if not params:
            raise LookupError("Need non-empty dictionary to set attributes")
        current = api(self._o._calls.node_get_memory_parameters)(f)
        typed = _args.typed_params(params, current)
        api(self._o.set_memory_parameters)(typed, f)
        return 0

    @api
    def getSEVInfo(self, flags: int = 0) -> dict[str, Any]:  # noqa: N802
        return self._o.sev_info(_args.flags(flags))
