"""The QEMU state driver's registration point."""

from __future__ import annotations

from pyvirt.driver import StateDriver, StateInitResult


class QemuStateDriver(StateDriver):
    name = "QEMU"

    def initialize(self, *, privileged: bool, root: str | None) -> StateInitResult:
        # Not built yet: SKIPPED is libvirt's answer for a driver that cannot run here.
        return StateInitResult.SKIPPED
