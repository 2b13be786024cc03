"""The QEMU connection's capabilities entry points (virConnectGetCapabilities,
virConnectGetDomainCapabilities, virConnectBaselineCPU)."""

from __future__ import annotations

from pyvirt import ErrorDomain
from pyvirt.driver import unsupported_flags

from pyvirt_qemu._capabilities import capabilities_xml
from pyvirt_qemu._domain_caps import domain_capabilities_xml
from pyvirt_qemu._qemudriver import QemuDriver

__all__ = ["CapsOps"]

#: VIR_CONNECT_BASELINE_CPU_EXPAND_FEATURES, VIR_CONNECT_BASELINE_CPU_MIGRATABLE
_EXPAND_FEATURES, _MIGRATABLE = 1, 2
#: Host CPU bits libvirt never puts in a QEMU guest's CPU: set by the guest's OS (osxsave,
#: ospke) or Intel's cache monitoring, which QEMU does not emulate.
_NOT_FOR_GUESTS = frozenset({"cmt", "mbm_total", "mbm_local", "osxsave", "ospke"})


class CapsOps:
    driver: QemuDriver

    def connect_get_capabilities(self) -> str:
        """The host and the guests the installed QEMU binaries offer (probed once per
        binary, kept until the binary changes)."""
        return capabilities_xml(self.driver.probe, self.driver.dac)

    def connect_get_domain_capabilities(
        self,
        emulatorbin: str | None,
        arch: str | None,
        machine: str | None,
        virttype: str | None,
        flags: int,
    ) -> str:
        """What a domain of this emulator, architecture, machine and virt type may use."""
        unsupported_flags(flags, 0, "qemuConnectGetDomainCapabilities", ErrorDomain.QEMU)
        return domain_capabilities_xml(self.driver.probe, emulatorbin, arch, machine, virttype)

    def connect_baseline_cpu(self, xml_cpus: list[str], flags: int) -> str:
        """virConnectBaselineCPU through libvirt's x86 CPU driver (the driver kit), as the
        QEMU driver answers it: MIGRATABLE is taken, and the features QEMU cannot give a
        guest are filtered out of the answer (libvirt's virQEMUCapsCPUFilterFeatures)."""
        from pyvirt.driver import baseline_cpu_xml  # (its model data loads on first use)

        unsupported_flags(flags, _EXPAND_FEATURES | _MIGRATABLE, "qemuConnectBaselineCPU",
                          ErrorDomain.QEMU)  # fmt: skip
        return baseline_cpu_xml(xml_cpus, flags & _EXPAND_FEATURES,
                                migratable=bool(flags & _MIGRATABLE), drop=_NOT_FOR_GUESTS)  # fmt: skip
