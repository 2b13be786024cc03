"""The QEMU driver with a real Linux guest: what the guest itself does reaches the API.

The guest (:mod:`qemu_guest`) answers the ACPI power button, can power itself off, reboot
or panic through pvpanic, and prints a banner on its serial console, whose output QEMU
copies into a log file the tests read.  libvirt 9.0's answers for the same guest (states,
reasons and events) are what each test expects; they were taken from libvirtd on
qemu:///system with this guest.  Every test runs under TCG and, where it boots, KVM.
"""

# ruff: noqa: F811 - fixtures imported from qemu_helpers are test parameters
from __future__ import annotations

import contextlib
import os
import tty
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyvirt import (
    DomainCrashedReason,
    DomainEventCrashedDetail,
    DomainEventResumedDetail,
    DomainEventShutdownDetail,
    DomainEventStartedDetail,
    DomainEventStoppedDetail,
    DomainEventSuspendedDetail,
    DomainEventType,
    DomainPausedReason,
    DomainRunningReason,
    DomainShutoffReason,
    DomainState,
    VirtError,
)
from qemu_guest import BANNER, NET_BANNER, PROMPT, Guest, guest_domain_xml
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
                 name: str, lifecycle: str = "", devices: str = "") -> None:  # fmt: skip
        self.conn = drv.connect()
        self.events: list[tuple[int, int]] = []
        self.conn.register_event_callback(lambda _c, e: self.events.append((e.event, e.detail)))
        self.log = root / f"{name}-console.log"
        xml = guest_domain_xml(guest, name, self.log, accel=accel, lifecycle=lifecycle,
                               devices=devices)  # fmt: skip
        self.dom = self.conn.define_domain(xml)
        self.root = root

    def boot(self) -> None:
        """Start, wait for the banner, and forget the DEFINED and STARTED events."""
        self.dom.start()
        self.wait_banner()
        assert self.new_events() == [
            (DomainEventType.DEFINED, 0),
            (DomainEventType.STARTED, DomainEventStartedDetail.BOOTED),
        ]

    def wait_banner(self, count: int = 1) -> None:
        """Wait for the *count*-th banner in the console log (one per boot)."""
        assert wait_for(lambda: self._text().count(BANNER) >= count, BOOT_TIMEOUT), self._text()

    def _text(self) -> str:
        try:
            return self.log.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def type(self, line: str) -> None:
        """Type *line* into the guest's shell through its serial pty.

        The shell's line editor first asks the terminal its cursor position and swallows
        whatever arrives while it waits for the answer, so: wait for the prompt of the
        current boot, send an empty line, and type only once the next prompt is out.
        """
        from lxml import etree

        source = etree.fromstring(self.dom.xml_desc()).find("devices/serial/source")
        assert source is not None
        fd = os.open(source.get("path", ""), os.O_RDWR | os.O_NOCTTY)
        try:
            tty.setraw(fd)
            prompts = self._prompts()
            assert wait_for(lambda: self._prompts() >= 1, BOOT_TIMEOUT), self._text()
            os.write(fd, b"\r")
            assert wait_for(lambda: self._prompts() > max(prompts, 1), BOOT_TIMEOUT), self._text()
            os.write(fd, line.encode() + b"\r")
        finally:
            os.close(fd)

    def _prompts(self) -> int:
        """Prompts printed since the latest banner (the current boot's shell)."""
        return self._text().rsplit(BANNER, 1)[-1].count(PROMPT)

    def wait_state(self, state: int) -> None:
        assert wait_for(lambda: self.dom.state()[0] == state, BOOT_TIMEOUT), self.dom.state()

    def wait_events(self, count: int) -> list[tuple[int, int]]:
        """The events so far, once there are at least *count*."""
        assert wait_for(lambda: len(self.events) >= count, BOOT_TIMEOUT), self.events
        return self.new_events()

    def new_events(self) -> list[tuple[int, int]]:
        out = list(self.events)
        self.events.clear()
        return out


_OFF, _RUN = DomainState.SHUTOFF, DomainState.RUNNING
_SHUTDOWN_EVENTS = [
    (DomainEventType.SHUTDOWN, DomainEventShutdownDetail.GUEST),
    (DomainEventType.STOPPED, DomainEventStoppedDetail.SHUTDOWN),
]


@pytest.fixture
def lifecycle() -> str:
    """The ``<on_*>`` elements of the booted guest; tests parametrize it to change them."""
    return ""


@pytest.fixture
def booted(
    guest_driver: InProcessDriver, linux_guest: Guest, qemu_root: Path, accel: str,
    lifecycle: str,
) -> Iterator[Booted]:  # fmt: skip
    """The guest booted to its banner, with *lifecycle*'s actions."""
    g = Booted(guest_driver, linux_guest, qemu_root, accel, "g", lifecycle)
    g.boot()
    yield g
    with contextlib.suppress(VirtError):  # a test may have closed the connection
        if g.dom.is_active():
            g.dom.destroy()


def test_guest_boots_to_its_banner_and_gets_an_address_by_dhcp(
    guest_driver: InProcessDriver, linux_guest: Guest, qemu_root: Path, accel: str
) -> None:
    nic = "<interface type='user'><model type='virtio'/></interface>"
    g = Booted(guest_driver, linux_guest, qemu_root, accel, "net", devices=nic)
    g.boot()
    assert g.dom.state() == (_RUN, DomainRunningReason.BOOTED)
    assert wait_for(lambda: f"{NET_BANNER} 10.0.2.15/24" in g._text(), BOOT_TIMEOUT), g._text()
    g.dom.destroy()


def test_acpi_shutdown_powers_the_guest_off(booted: Booted) -> None:
    """virsh shutdown --mode acpi: the power button, the guest's acpid, its power-off."""
    booted.dom.shutdown(1)  # VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN
    booted.wait_state(_OFF)
    assert "power button: powering off" in booted._text()
    assert booted.dom.state() == (_OFF, DomainShutoffReason.SHUTDOWN)
    assert booted.wait_events(2) == _SHUTDOWN_EVENTS
    assert qemu_pids(booted.root) == []


def test_guest_powering_itself_off_is_a_guest_shutdown(booted: Booted) -> None:
    booted.type("poweroff -f")
    booted.wait_state(_OFF)
    assert booted.dom.state() == (_OFF, DomainShutoffReason.SHUTDOWN)
    assert booted.wait_events(2) == _SHUTDOWN_EVENTS


@pytest.mark.parametrize("lifecycle", ["<on_poweroff>restart</on_poweroff>"])
def test_on_poweroff_restart_boots_the_guest_again(booted: Booted) -> None:
    booted.type("poweroff -f")
    booted.wait_banner(2)
    assert booted.dom.state() == (_RUN, DomainRunningReason.BOOTED)
    assert booted.new_events() == []  # libvirt: only its separate reboot event


def test_reboot_and_the_guests_own_reboot_keep_it_running(booted: Booted) -> None:
    booted.dom.reboot()  # ACPI power-off turned into a reset by the driver
    booted.wait_banner(2)
    assert "power button: powering off" in booted._text()
    booted.type("reboot -f")  # QEMU resets by itself (no -no-reboot)
    booted.wait_banner(3)
    assert booted.dom.state() == (_RUN, DomainRunningReason.BOOTED)
    assert booted.new_events() == []


def test_reset_restarts_the_guest_at_once(booted: Booted) -> None:
    booted.dom.reset()
    booted.wait_banner(2)
    assert booted.dom.state() == (_RUN, DomainRunningReason.BOOTED)
    assert booted.new_events() == []


@pytest.mark.parametrize("lifecycle", ["<on_reboot>destroy</on_reboot>"])
def test_on_reboot_destroy_turns_a_guest_reboot_into_a_shutdown(booted: Booted) -> None:
    booted.type("reboot -f")
    booted.wait_state(_OFF)
    assert booted.dom.state() == (_OFF, DomainShutoffReason.SHUTDOWN)
    assert booted.wait_events(2) == _SHUTDOWN_EVENTS


_PANIC = "echo c > /proc/sysrq-trigger"
_CRASHED = (DomainEventType.CRASHED, DomainEventCrashedDetail.PANICKED)


def test_panic_with_on_crash_destroy_shuts_off_crashed(booted: Booted) -> None:
    booted.type(_PANIC)
    booted.wait_state(_OFF)
    assert booted.dom.state() == (_OFF, DomainShutoffReason.CRASHED)
    assert booted.wait_events(3) == [
        (DomainEventType.SUSPENDED, DomainEventSuspendedDetail.PAUSED),
        _CRASHED,
        (DomainEventType.STOPPED, DomainEventStoppedDetail.CRASHED),
    ]
    assert "sysrq triggered crash" in booted._text().lower()
    assert qemu_pids(booted.root) == []


@pytest.mark.parametrize("lifecycle", ["<on_crash>preserve</on_crash>"])
def test_panic_with_on_crash_preserve_keeps_it_crashed_until_reset(booted: Booted) -> None:
    booted.type(_PANIC)
    booted.wait_state(DomainState.CRASHED)
    assert booted.dom.state() == (DomainState.CRASHED, DomainCrashedReason.PANICKED)
    assert booted.wait_events(1) == [_CRASHED]
    booted.dom.reset()
    assert booted.dom.state() == (DomainState.PAUSED, DomainPausedReason.CRASHED)
    booted.dom.resume()
    assert booted.dom.state() == (_RUN, DomainRunningReason.UNPAUSED)
    booted.wait_banner(2)
    assert booted.wait_events(1) == [(DomainEventType.RESUMED, DomainEventResumedDetail.UNPAUSED)]


@pytest.mark.parametrize("lifecycle", ["<on_crash>restart</on_crash>"])
def test_panic_with_on_crash_restart_boots_again_running_crashed(booted: Booted) -> None:
    booted.type(_PANIC)
    booted.wait_banner(2)
    assert booted.dom.state() == (_RUN, DomainRunningReason.CRASHED)
    assert booted.wait_events(2) == [
        _CRASHED,
        (DomainEventType.RESUMED, DomainEventResumedDetail.UNPAUSED),
    ]


@pytest.mark.parametrize("lifecycle", ["<on_crash>preserve</on_crash>"])
def test_a_crashed_guest_is_found_crashed_after_a_daemon_restart(
    booted: Booted, guest_driver: InProcessDriver
) -> None:
    """QEMU says guest-panicked to query-status: a new driver reports crashed (panicked)."""
    booted.type(_PANIC)
    booted.wait_state(DomainState.CRASHED)
    guest_driver.stop()
    again = InProcessDriver(booted.root)
    try:
        dom = again.connect().lookup_domain_by_name("g")
        assert dom.state() == (DomainState.CRASHED, DomainCrashedReason.PANICKED)
        dom.destroy()
    finally:
        again.stop()
