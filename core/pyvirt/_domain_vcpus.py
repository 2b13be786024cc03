"""Where a domain's vCPUs run and may run: part of :class:`pyvirt.Domain`, kept apart so the
family stays in one small module.

CPU sets travel as libvirt's cpumaps: *maplen* bytes per map, bit ``i`` (byte ``i // 8``,
bit ``i % 8``) standing for host CPU ``i``.  The argument checks are those of libvirt's
public API (virDomainGetVcpus, virDomainPinVcpu(Flags), virDomainGetVcpuPinInfo,
virDomainPinEmulator, virDomainGetEmulatorPinInfo), with its words.
"""

from __future__ import annotations

from pyvirt._checks import check_flags, check_int, check_positive, invalid_arg, required_string
from pyvirt._domain_extras import _one_of_live_or_config

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyvirt._connection import Connection
    from pyvirt._records import DomainRef, TypedParameter
    from pyvirt._typed_params import TypedValue


def _cpumap(cpumap: object, api: str) -> bytes:
    if not isinstance(cpumap, bytes | bytearray):
        raise invalid_arg(f"cpumap in {api} must be bytes", api, "cpumap")
    if not cpumap:
        raise invalid_arg(f"maplen in {api} must be greater than zero", api, "maplen")
    return bytes(cpumap)


def _split_cpumaps(data: bytes, maplen: int) -> list[bytes]:
    """libvirt's VIR_GET_CPUMAP over a buffer of consecutive maps."""
    return [data[i : i + maplen] for i in range(0, len(data), maplen)]


class DomainVcpuMethods:
    """vCPU placement and pinning methods of :class:`pyvirt.Domain`."""

    _conn: Connection

    if TYPE_CHECKING:

        @property
        def _ref(self) -> DomainRef: ...

    def vcpu_info(
        self, maxinfo: int, maplen: int
    ) -> tuple[list[tuple[int, int, int, int]], list[bytes]]:
        """The running domain's online vCPUs (virDomainGetVcpus), at most *maxinfo*: each
        ``(number, state, cpu_time_ns, host_cpu)`` (state: VIR_VCPU_*), and each one's
        affinity as a cpumap of *maplen* bytes."""
        api = "virDomainGetVcpus"
        maxinfo = check_positive(maxinfo, "maxinfo", api)
        maplen = check_positive(maplen, "maplen", api)
        infos, maps = self._conn._calls.domain_get_vcpus(self._ref, maxinfo, maplen)
        return [(n, state, ns, cpu) for n, state, ns, cpu in infos], _split_cpumaps(maps, maplen)

    def pin_vcpu(self, vcpu: int, cpumap: bytes, flags: int | None = None) -> None:
        """Let *vcpu* run only on the host CPUs set in *cpumap* (virDomainPinVcpu, or
        virDomainPinVcpuFlags when *flags* — :class:`DomainModificationImpact` — is given)."""
        api = "virDomainPinVcpu" if flags is None else "virDomainPinVcpuFlags"
        vcpu = check_int(vcpu, "vcpu", api)
        cpumap = _cpumap(cpumap, api)
        real_flags = 0 if flags is None else check_flags(flags, api)
        self._conn._calls.domain_pin_vcpu_flags(self._ref, vcpu, cpumap, real_flags, api=api)

    def vcpu_pin_info(self, ncpumaps: int, maplen: int, flags: int = 0) -> list[bytes]:
        """The affinity of the first *ncpumaps* vCPUs, cpumaps of *maplen* bytes
        (virDomainGetVcpuPinInfo); *flags*: LIVE or CONFIG, not both."""
        api = "virDomainGetVcpuPinInfo"
        ncpumaps = check_positive(ncpumaps, "ncpumaps", api)
        maplen = check_positive(maplen, "maplen", api)
        flags = check_flags(flags, api)
        _one_of_live_or_config(flags, api)
        maps = self._conn._calls.domain_get_vcpu_pin_info(self._ref, ncpumaps, maplen, flags)
        return _split_cpumaps(maps, maplen)

    def pin_emulator(self, cpumap: bytes, flags: int = 0) -> None:
        """Let the emulator threads run only on the CPUs set in *cpumap*
        (virDomainPinEmulator); *flags*: :class:`DomainModificationImpact`."""
        api = "virDomainPinEmulator"
        cpumap = _cpumap(cpumap, api)
        self._conn._calls.domain_pin_emulator(self._ref, cpumap, flags)

    def emulator_pin_info(self, maplen: int, flags: int = 0) -> bytes:
        """The emulator threads' affinity as a cpumap of *maplen* bytes
        (virDomainGetEmulatorPinInfo); *flags*: LIVE or CONFIG, not both."""
        api = "virDomainGetEmulatorPinInfo"
        maplen = check_positive(maplen, "maplen", api)
        flags = check_flags(flags, api)
        _one_of_live_or_config(flags, api)
        return bytes(self._conn._calls.domain_get_emulator_pin_info(self._ref, maplen, flags))

    # -- vCPUs seen from the guest, and hot(un)plug of single vCPUs -----------------------
    def guest_vcpu_list(self, flags: int = 0) -> list[TypedParameter]:
        """The guest agent's view of its vCPUs (virDomainGetGuestVcpus): vcpus, online,
        offlinable, as typed parameters."""
        flags = check_flags(flags, "virDomainGetGuestVcpus")
        return self._conn._calls.domain_get_guest_vcpus(self._ref, flags)

    def guest_vcpus(self, flags: int = 0) -> dict[str, TypedValue]:
        """The guest agent's view of its vCPUs by name, as libvirt-python's guestVcpus."""
        from pyvirt._typed_params import typed_params_dict

        return typed_params_dict(self.guest_vcpu_list(flags))

    def set_guest_vcpus(self, cpumap: str, state: int, flags: int = 0) -> None:
        """Have the guest agent bring the vCPUs of *cpumap* ("0-3,^2") online (*state*
        nonzero) or offline (virDomainSetGuestVcpus)."""
        api = "virDomainSetGuestVcpus"
        cpumap = required_string(cpumap, "cpumap", api)
        state = check_int(state, "state", api)
        flags = check_flags(flags, api)
        self._conn._calls.domain_set_guest_vcpus(self._ref, cpumap, state, flags)

    def set_vcpu(self, vcpumap: str, state: int, flags: int = 0) -> None:
        """Plug (*state* nonzero) or unplug the vCPUs of *vcpumap* (virDomainSetVcpu;
        *flags*: :class:`DomainModificationImpact`)."""
        api = "virDomainSetVcpu"
        vcpumap = required_string(vcpumap, "vcpumap", api)
        state = check_int(state, "state", api)
        flags = check_flags(flags, api)
        self._conn._calls.domain_set_vcpu(self._ref, vcpumap, state, flags)
