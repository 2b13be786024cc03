"""A domain's tunables as typed parameters: memory limits (memtune), NUMA placement
(numatune), block I/O weights (blkiotune), interface bandwidth (domiftune) and disk
throttling (blkdeviotune).  Part of :class:`pyvirt.Domain`, kept apart so the family stays
in one small module.

The argument checks are those of libvirt's public API for these calls
(virDomainGet/SetMemoryParameters and their siblings), with its words: a getter takes LIVE or
CONFIG but not both (checked here where libvirt's API checks it) and, as libvirt does for drivers that accept strings, always adds
VIR_TYPED_PARAM_STRING_OKAY; a setter needs at least one parameter.
"""

from __future__ import annotations

from pyvirt._checks import check_flags, check_positive, required_string
from pyvirt._domain_extras import _one_of_live_or_config
from pyvirt._typed_params import typed_params_dict

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyvirt._connection import Connection
    from pyvirt._records import DomainRef, TypedParameter
    from pyvirt._typed_params import TypedValue

_STRING_OKAY = 4  # VIR_TYPED_PARAM_STRING_OKAY


def _get_flags(flags: int, api: str, exclusive: bool = True) -> int:
    """The getter's flags; *exclusive*: whether libvirt's public API itself refuses LIVE with
    CONFIG (for numa and interface parameters only the driver does, in its own words)."""
    flags = check_flags(flags, api)
    if exclusive:
        _one_of_live_or_config(flags, api)
    return flags | _STRING_OKAY


def _set_args(
    params: list[TypedParameter], flags: int, api: str
) -> tuple[list[TypedParameter], int]:
    params = list(params)
    check_positive(len(params), "nparams", api)
    return params, check_flags(flags, api)


class DomainTuneMethods:
    """Tunable methods of :class:`pyvirt.Domain`: each ``*_list`` getter answers the typed
    parameters (their declared types kept), the plain getter the dict libvirt-python gives."""

    _conn: Connection

    if TYPE_CHECKING:

        @property
        def _ref(self) -> DomainRef: ...

    # -- memtune ------------------------------------------------------------------------
    def memory_parameter_list(self, flags: int = 0) -> list[TypedParameter]:
        """hard_limit, soft_limit and swap_hard_limit in KiB (virDomainGetMemoryParameters);
        VIR_DOMAIN_MEMORY_PARAM_UNLIMITED (2**53 - 1) means no limit."""
        flags = _get_flags(flags, "virDomainGetMemoryParameters")
        return self._conn._calls.domain_get_memory_parameters(self._ref, flags)

    def memory_parameters(self, flags: int = 0) -> dict[str, TypedValue]:
        """The memory limits by name, as libvirt-python's memoryParameters gives them."""
        return typed_params_dict(self.memory_parameter_list(flags))

    def set_memory_parameters(self, params: list[TypedParameter], flags: int = 0) -> None:
        """Change memory limits (virDomainSetMemoryParameters; :class:`DomainModificationImpact`)."""
        params, flags = _set_args(params, flags, "virDomainSetMemoryParameters")
        self._conn._calls.domain_set_memory_parameters(self._ref, params, flags)

    # -- numatune -----------------------------------------------------------------------
    def numa_parameter_list(self, flags: int = 0) -> list[TypedParameter]:
        """numa_mode (VIR_DOMAIN_NUMATUNE_MEM_*) and numa_nodeset (virDomainGetNumaParameters)."""
        flags = _get_flags(flags, "virDomainGetNumaParameters", exclusive=False)
        return self._conn._calls.domain_get_numa_parameters(self._ref, flags)

    def numa_parameters(self, flags: int = 0) -> dict[str, TypedValue]:
        """The NUMA mode and nodeset by name, as libvirt-python's numaParameters gives them."""
        return typed_params_dict(self.numa_parameter_list(flags))

    def set_numa_parameters(self, params: list[TypedParameter], flags: int = 0) -> None:
        """Change the NUMA memory mode or nodeset (virDomainSetNumaParameters)."""
        params, flags = _set_args(params, flags, "virDomainSetNumaParameters")
        self._conn._calls.domain_set_numa_parameters(self._ref, params, flags)

    # -- blkiotune ----------------------------------------------------------------------
    def blkio_parameter_list(self, flags: int = 0) -> list[TypedParameter]:
        """weight and the per-device lists ("/dev/x,N,...") (virDomainGetBlkioParameters)."""
        flags = _get_flags(flags, "virDomainGetBlkioParameters")
        return self._conn._calls.domain_get_blkio_parameters(self._ref, flags)

    def blkio_parameters(self, flags: int = 0) -> dict[str, TypedValue]:
        """The block I/O weights by name, as libvirt-python's blkioParameters gives them."""
        return typed_params_dict(self.blkio_parameter_list(flags))

    def set_blkio_parameters(self, params: list[TypedParameter], flags: int = 0) -> None:
        """Change block I/O weights (virDomainSetBlkioParameters)."""
        params, flags = _set_args(params, flags, "virDomainSetBlkioParameters")
        self._conn._calls.domain_set_blkio_parameters(self._ref, params, flags)

    # -- domiftune ----------------------------------------------------------------------
    def interface_parameter_list(self, device: str, flags: int = 0) -> list[TypedParameter]:
        """inbound.* and outbound.* bandwidth of interface *device*, by target name or MAC
        (virDomainGetInterfaceParameters)."""
        api = "virDomainGetInterfaceParameters"
        device = required_string(device, "device", api)
        flags = _get_flags(flags, api, exclusive=False)
        return self._conn._calls.domain_get_interface_parameters(self._ref, device, flags)

    def interface_parameters(self, device: str, flags: int = 0) -> dict[str, TypedValue]:
        """The interface bandwidth by name, as libvirt-python's interfaceParameters gives it."""
        return typed_params_dict(self.interface_parameter_list(device, flags))

    def set_interface_parameters(
        self, device: str, params: list[TypedParameter], flags: int = 0
    ) -> None:
        """Change the bandwidth of interface *device* (virDomainSetInterfaceParameters)."""
        api = "virDomainSetInterfaceParameters"
        device = required_string(device, "device", api)
        params, flags = _set_args(params, flags, api)
        self._conn._calls.domain_set_interface_parameters(self._ref, device, params, flags)

    # -- blkdeviotune -------------------------------------------------------------------
    def block_io_tune_list(self, disk: str, flags: int = 0) -> list[TypedParameter]:
        """The I/O throttling of *disk*, by target or source path (virDomainGetBlockIoTune)."""
        api = "virDomainGetBlockIoTune"
        disk = required_string(disk, "disk", api)
        flags = _get_flags(flags, api)
        return self._conn._calls.domain_get_block_io_tune(self._ref, disk, flags)

    def block_io_tune(self, disk: str, flags: int = 0) -> dict[str, TypedValue]:
        """The disk throttling by name, as libvirt-python's blockIoTune gives it."""
        return typed_params_dict(self.block_io_tune_list(disk, flags))

    def set_block_io_tune(self, disk: str, params: list[TypedParameter], flags: int = 0) -> None:
        """Change the I/O throttling of *disk* (virDomainSetBlockIoTune)."""
        api = "virDomainSetBlockIoTune"
        disk = required_string(disk, "disk", api)
        params, flags = _set_args(params, flags, api)
        self._conn._calls.domain_set_block_io_tune(self._ref, disk, params, flags)

    # -- perf -----------------------------------------------------------------------------
    def perf_event_list(self, flags: int = 0) -> list[TypedParameter]:
        """One boolean per perf event, true when enabled (virDomainGetPerfEvents)."""
        flags = check_flags(flags, "virDomainGetPerfEvents")
        return self._conn._calls.domain_get_perf_events(self._ref, flags)

    def perf_events(self, flags: int = 0) -> dict[str, TypedValue]:
        """The perf events by name, as libvirt-python's perfEvents gives them."""
        return typed_params_dict(self.perf_event_list(flags))

    def set_perf_events(self, params: list[TypedParameter], flags: int = 0) -> None:
        """Enable (true) or disable (false) perf events (virDomainSetPerfEvents)."""
        params, flags = _set_args(params, flags, "virDomainSetPerfEvents")
        self._conn._calls.domain_set_perf_events(self._ref, params, flags)
