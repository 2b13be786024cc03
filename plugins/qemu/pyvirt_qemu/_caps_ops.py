"""The QEMU connection's capabilities entry points (virConnectGetCapabilities,
virConnectGetDomainCapabilities)."""

from __future__ import annotations

from pyvirt import ErrorDomain
from pyvirt.driver import unsupported_flags

from pyvirt_qemu._capabilities import capabilities_xml
from pyvirt_qemu._domain_caps import domain_capabilities_xml
from pyvirt_qemu._qemudriver import QemuDriver

__all__ = ["CapsOps"]


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
