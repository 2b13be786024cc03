"""libvirt-python's domain tunable methods (``memoryParameters``, ``setMemoryParameters``,
``numaParameters``, ``blkioParameters``, ``interfaceParameters``, ``blockIoTune``,
``perfEvents`` and their setters), a family of :class:`pyvirt.libvirt.virDomain` kept in its own module.

As the binding's C glue does, a setter first reads the current parameters with the same
flags (so their errors are the getter's), then converts the dict's values to their types:
an unknown name is a LookupError, a value of the wrong kind a TypeError or OverflowError.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyvirt._objects import Domain
from pyvirt.libvirt import _args
from pyvirt.libvirt._errors import api

if TYPE_CHECKING:
    from collections.abc import Callable

    from pyvirt._records import TypedParameter


def _set(
    params: dict[str, Any],
    get: Callable[[], list[TypedParameter]],
    put: Callable[[list[TypedParameter]], None],
) -> int:
    if not isinstance(params, dict):
        raise TypeError("a dictionary is required")
    if not params:
        raise LookupError("Need non-empty dictionary to set attributes")
    typed = _args.typed_params(params, api(get)())
    api(put)(typed)
    return 0


class DomainTuneMethods:
    """Mixin of :class:`pyvirt.libvirt.virDomain`."""

    _o: Domain

    @api
    def memoryParameters(self, flags: int = 0) -> dict[str, Any]:  # noqa: N802
        return self._o.memory_parameters(_args.flags(flags))

    def setMemoryParameters(self, params: dict[str, Any], flags: int = 0) -> int:  # noqa: N802
        f = _args.flags(flags)
        return _set(
            params,
            lambda: self._o.memory_parameter_list(f),
            lambda typed: self._o.set_memory_parameters(typed, f),
        )

    @api
    def numaParameters(self, flags: int = 0) -> dict[str, Any]:  # noqa: N802
        return self._o.numa_parameters(_args.flags(flags))

    def setNumaParameters(self, params: dict[str, Any], flags: int = 0) -> int:  # noqa: N802
        f = _args.flags(flags)
        return _set(
            params,
            lambda: self._o.numa_parameter_list(f),
            lambda typed: self._o.set_numa_parameters(typed, f),
        )

    @api
    def blkioParameters(self, flags: int = 0) -> dict[str, Any]:  # noqa: N802
        return self._o.blkio_parameters(_args.flags(flags))

    def setBlkioParameters(self, params: dict[str, Any], flags: int = 0) -> int:  # noqa: N802
        f = _args.flags(flags)
        return _set(
            params,
            lambda: self._o.blkio_parameter_list(f),
            lambda typed: self._o.set_blkio_parameters(typed, f),
        )

    @api
    def interfaceParameters(self, device: str, flags: int = 0) -> dict[str, Any]:  # noqa: N802
        return self._o.interface_parameters(device, _args.flags(flags))

    def setInterfaceParameters(  # noqa: N802
        self, device: str, params: dict[str, Any], flags: int = 0
    ) -> int:
        f = _args.flags(flags)
        return _set(
            params,
            lambda: self._o.interface_parameter_list(device, f),
            lambda typed: self._o.set_interface_parameters(device, typed, f),
        )

    @api
    def blockIoTune(self, disk: str, flags: int = 0) -> dict[str, Any]:  # noqa: N802
        return self._o.block_io_tune(disk, _args.flags(flags))

    def setBlockIoTune(self, disk: str, params: dict[str, Any], flags: int = 0) -> int:  # noqa: N802
        f = _args.flags(flags)
        return _set(
            params,
            lambda: self._o.block_io_tune_list(disk, f),
            lambda typed: self._o.set_block_io_tune(disk, typed, f),
        )

    @api
    def perfEvents(self, flags: int = 0) -> dict[str, Any]:  # noqa: N802
        return self._o.perf_events(_args.flags(flags))

    def setPerfEvents(self, params: dict[str, Any], flags: int = 0) -> int:  # noqa: N802
        f = _args.flags(flags)
        return _set(
            params,
            lambda: self._o.perf_event_list(f),
            lambda typed: self._o.set_perf_events(typed, f),
        )
