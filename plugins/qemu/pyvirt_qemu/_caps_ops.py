"""The QEMU connection's capabilities entry points (virConnectGetCapabilities)."""

from __future__ import annotations

from pyvirt_qemu._capabilities import capabilities_xml
from pyvirt_qemu._qemudriver import QemuDriver

__all__ = ["CapsOps"]


class CapsOps:
    driver: QemuDriver

    def connect_get_capabilities(self) -> str:
        """The host and the guests the installed QEMU binaries offer (probed once per
        binary, kept until the binary changes)."""
        return capabilities_xml(self.driver.probe, self.driver.dac)
