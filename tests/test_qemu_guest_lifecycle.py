"""The QEMU driver with a real Linux guest: what the guest itself does reaches the API.

The guest (:mod:`qemu_guest`) answers the ACPI power button, can power itself off, reboot
or panic through pvpanic, and prints a banner on its serial console, whose output QEMU
copies into a log file the tests read.  libvirt 9.0's answers for the same guest (states,
reasons and events) are what each test expects; they were taken from libvirtd on
qemu:///system with this guest.  Every test runs under TCG and, where it boots, KVM.
"""

# ruff: noqa: F811 - fixtures imported from qemu_helpers are test parameters
from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyvirt import (
    DomainRunningReason,
    DomainState,
)
from qemu_guest import BANNER, Guest, guest_domain_xml
from qemu_helpers import InProcessDriver, needs_qemu, qemu_pids, qemu_root, wait_for  # noqa: F401

pytestmark = needs_qemu

#: Generous: a TCG boot takes a few seconds, but the machine may be busy.
BOOT_TIMEOUT = 180.0


@pytest.fixture
def guest_driver(
    accel: str, qemu_root: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[InProcessDriver]:
    monkeypatch.setenv("PYVIRT_QEMU_ACCEL", accel)
    drv = InProcessDriver(qemu_root)
    try:
        yield drv
    finally:
        drv.stop()


class Booted:
    """One guest defined and started, its console log and the events of its connection."""

    def __init__(self, drv: InProcessDriver, guest: Guest, root: Path, accel: str,
                 name: str, lifecycle: str = "") -> None:  # fmt: skip
        self.conn = drv.connect()
        self.events: list[tuple[int, int]] = []
        self.conn.register_event_callback(lambda _c, e: self.events.append((e.event, e.detail)))
        self.log = root / f"{name}-console.log"
        xml = guest_domain_xml(guest, name, self.log, accel=accel, lifecycle=lifecycle)
        self.dom = self.conn.define_domain(xml)
        self.root = root

    def boot(self) -> None:
        self.dom.start()
        self.wait_banner()

    def wait_banner(self, count: int = 1) -> None:
        """Wait for the *count*-th banner in the console log (one per boot)."""
        assert wait_for(lambda: self._text().count(BANNER) >= count, BOOT_TIMEOUT), self._text()

    def _text(self) -> str:
        try:
            return self.log.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def type(self, line: str) -> None:
        """Type *line* into the guest's shell through its serial pty."""
        from lxml import etree

        pty = etree.fromstring(self.dom.xml_desc()).find("devices/serial/source").get("path")
        fd = os.open(pty, os.O_RDWR | os.O_NOCTTY)
        try:
            import tty

            tty.setraw(fd)
            # A bare newline first: the shell may be waiting for a terminal-size answer.
            os.write(fd, b"\r" + line.encode() + b"\r")
        finally:
            os.close(fd)

    def wait_event(self, event: tuple[int, int]) -> None:
        assert wait_for(lambda: event in self.events, BOOT_TIMEOUT), self.events

    def new_events(self) -> list[tuple[int, int]]:
        out = list(self.events)
        self.events.clear()
        return out


def test_guest_boots_to_its_banner(
    guest_driver: InProcessDriver, linux_guest: Guest, qemu_root: Path, accel: str
) -> None:
    g = Booted(guest_driver, linux_guest, qemu_root, accel, "boot")
    g.boot()
    assert g.dom.state() == (DomainState.RUNNING, DomainRunningReason.BOOTED)
    g.dom.destroy()
