"""libvirt-python's vCPU placement and pinning methods (``vcpus``, ``pinVcpu``,
``pinVcpuFlags``, ``vcpuPinInfo``, ``pinEmulator``, ``emulatorPinInfo``), a family of
:class:`pyvirt.libvirt.virDomain` kept in its own module.

As the binding's C glue does, maps are sized by the host's CPU count (virNodeGetCPUMap),
the number of vCPUs asked for is the domain's current count (virDomainGetInfo), and CPU sets
go in and come out as tuples of booleans, one per host CPU.
"""

from __future__ import annotations

from typing import Any

from pyvirt._objects import Domain
from pyvirt.libvirt import _args
from pyvirt.libvirt._errors import api


def _bools(cpumap: bytes, cpus: int) -> tuple[bool, ...]:
    return tuple(bool(cpumap[i // 8] >> (i % 8) & 1) for i in range(cpus))


def _cpumap(cpus: Any, host_cpus: int) -> bytes:
    """A tuple of truth values as a cpumap of the host's size (longer tuples are cut)."""
    if not isinstance(cpus, tuple):
        raise TypeError("Unexpected type, tuple is required")
    data = bytearray((host_cpus + 7) // 8)
    for i, used in enumerate(cpus[:host_cpus]):
        if used:
            data[i // 8] |= 1 << (i % 8)
    return bytes(data)


class DomainVcpuMethods:
    """Mixin of :class:`pyvirt.libvirt.virDomain`."""

    _o: Domain

    def _host_cpus(self) -> int:
        return len(self._o.connection.cpu_map())

    @api
    def vcpus(self) -> tuple[list[tuple[int, int, int, int]], list[tuple[bool, ...]]]:
        cpus = self._host_cpus()
        count = self._o.info().nr_virt_cpu
        infos, maps = self._o.vcpu_info(count, (cpus + 7) // 8)
        return infos, [_bools(m, cpus) for m in maps]

    @api
    def pinVcpu(self, vcpu: int, cpumap: tuple[bool, ...]) -> int:  # noqa: N802
        self._o.pin_vcpu(_args.c_int(vcpu), _cpumap(cpumap, self._host_cpus()))
        return 0

    @api
    def pinVcpuFlags(self, vcpu: int, cpumap: tuple[bool, ...], flags: int = 0) -> int:  # noqa: N802
        self._o.pin_vcpu(_args.c_int(vcpu), _cpumap(cpumap, self._host_cpus()), _args.flags(flags))
        return 0

    @api
    def vcpuPinInfo(self, flags: int = 0) -> list[tuple[bool, ...]]:  # noqa: N802
        cpus = self._host_cpus()
        count = self._o.info().nr_virt_cpu
        maps = self._o.vcpu_pin_info(count, (cpus + 7) // 8, _args.flags(flags))
        return [_bools(m, cpus) for m in maps]

    @api
    def pinEmulator(self, cpumap: tuple[bool, ...], flags: int = 0) -> int:  # noqa: N802
        self._o.pin_emulator(_cpumap(cpumap, self._host_cpus()), _args.flags(flags))
        return 0

    @api
    def emulatorPinInfo(self, flags: int = 0) -> tuple[bool, ...]:  # noqa: N802
        cpus = self._host_cpus()
        return _bools(self._o.emulator_pin_info((cpus + 7) // 8, _args.flags(flags)), cpus)

    def guestVcpus(self, flags: int = 0) -> dict[str, Any] | None:  # noqa: N802
        """As the binding's glue does, a failure is reported (the thread's last error, the
        error handler) but answered with None rather than raised."""
        from pyvirt._errors import VirtError
        from pyvirt.libvirt._errors import report

        c_flags = _args.flags(flags)
        try:
            return self._o.guest_vcpus(c_flags)
        except VirtError as error:
            report(error)
            return None

    @api
    def setGuestVcpus(self, cpumap: str | None, state: int, flags: int = 0) -> int:  # noqa: N802
        self._o.set_guest_vcpus(cpumap, _args.c_int(state), _args.flags(flags))  # type: ignore[arg-type]
        return 0

    @api
    def setVcpu(self, vcpumap: str | None, state: int, flags: int = 0) -> int:  # noqa: N802
        self._o.set_vcpu(vcpumap, _args.c_int(state), _args.flags(flags))  # type: ignore[arg-type]
        return 0
