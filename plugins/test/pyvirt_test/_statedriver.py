"""The test driver hosted by pyvirtd, so ``test+unix:///default`` shares one state between
every client of the daemon (libvirt's libvirtd serves its test driver the same way)."""

from __future__ import annotations

from pyvirt.driver import StateDriver, StateInitResult

from pyvirt_test._driver import TestDriver


class TestStateDriver(StateDriver):
    name = "Test"
    connect_driver = TestDriver
    calls_may_block = False  # every entry point only takes the state lock briefly

    def initialize(self, *, privileged: bool, root: str | None) -> StateInitResult:
        return StateInitResult.COMPLETE
