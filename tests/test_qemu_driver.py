"""The QEMU driver in-process against real QEMU (TCG, 64 MiB, no guest OS).

Each test drives the public API over a driver rooted in a temporary directory, as pyvirtd's
worker hosts it; guests are left paused in firmware or running SeaBIOS, which is all the
lifecycle needs.  Fixtures kill any QEMU a failing test leaves behind.
"""

# ruff: noqa: F811 - fixtures imported from qemu_helpers are test parameters
from __future__ import annotations

import os
import signal
import threading
from pathlib import Path

import pytest
import pyvirt
from pyvirt import (
    DomainEventShutdownDetail,
    DomainEventStoppedDetail,
    DomainEventType,
    DomainShutoffReason,
    DomainState,
    ErrorCode,
    VirtError,
)
from qemu_helpers import (  # noqa: F401 - fixtures
    InProcessDriver,
    disk,
    guest_xml,
    needs_qemu,
    qemu_driver,
    qemu_pids,
    qemu_root,
    wait_for,
)

pytestmark = needs_qemu


def _pid(root: Path, name: str) -> int:
    from lxml import etree

    return int(etree.parse(str(root / "run" / f"{name}.xml")).getroot().get("pid"))


def test_define_start_suspend_resume_destroy_undefine(
    qemu_driver: InProcessDriver, qemu_root: Path, disk: Path
) -> None:
    conn = qemu_driver.connect()
    events: list[tuple[int, int]] = []
    conn.register_event_callback(lambda _c, e: events.append((e.event, e.detail)))
    dom = conn.define_domain(guest_xml("g1", disk))
    assert (qemu_root / "etc" / "g1.xml").exists()
    assert dom.state()[0] == DomainState.SHUTOFF

    dom.start()
    assert dom.state() == (DomainState.RUNNING, 1)
    assert dom.is_active() and dom.id > 0
    pid = _pid(qemu_root, "g1")
    assert qemu_pids(qemu_root) == [pid]
    live = dom.xml_desc()
    assert f"id='{dom.id}'" in live
    assert "<source path='/dev/pts/" in live
    assert "port='59" in live or "port='6" in live  # the VNC port QEMU picked
    assert conn.lookup_domain_by_id(dom.id).name == "g1"

    dom.suspend()
    assert dom.state()[0] == DomainState.PAUSED
    dom.resume()
    assert dom.state()[0] == DomainState.RUNNING
    dom.reset()
    dom.shutdown()  # ACPI power button: the firmware ignores it, the guest keeps running
    assert dom.state()[0] == DomainState.RUNNING

    dom.destroy()
    assert dom.state() == (DomainState.SHUTOFF, DomainShutoffReason.DESTROYED)
    assert qemu_pids(qemu_root) == []
    assert not (qemu_root / "run" / "g1.xml").exists()
    with pytest.raises(VirtError) as info:
        dom.destroy()
    assert info.value.code == ErrorCode.OPERATION_INVALID

    dom.undefine()
    assert not (qemu_root / "etc" / "g1.xml").exists()
    assert conn.list_domains() == []
    assert wait_for(lambda: len(events) == 7)
    assert [e for e, _ in events] == [
        DomainEventType.DEFINED,
        DomainEventType.STARTED,
        DomainEventType.SUSPENDED,
        DomainEventType.RESUMED,
        DomainEventType.SHUTDOWN,  # libvirt: "Shutdown Finished after host request"
        DomainEventType.STOPPED,
        DomainEventType.UNDEFINED,
    ]
    assert events[4:6] == [
        (DomainEventType.SHUTDOWN, DomainEventShutdownDetail.HOST),
        (DomainEventType.STOPPED, DomainEventStoppedDetail.DESTROYED),
    ]


def test_transient_domain_disappears_when_destroyed(
    qemu_driver: InProcessDriver, disk: Path
) -> None:
    conn = qemu_driver.connect()
    dom = conn.create_domain(guest_xml("tr", disk))
    assert dom.is_active() and not dom.is_persistent()
    with pytest.raises(VirtError, match="cannot undefine transient domain"):
        dom.undefine()
    dom.destroy()
    assert conn.list_domains() == []


def test_job_lock_times_out_naming_the_holder_and_reads_do_not_wait(
    qemu_driver: InProcessDriver, disk: Path
) -> None:
    conn = qemu_driver.connect()
    dom = conn.define_domain(guest_xml("busy", disk))
    dom.start()
    driver = qemu_driver.state._driver
    driver.job_wait = 0.2
    held = driver.domains.find_by_name("busy")
    held.job.acquire("virDomainSuspend", 1.0)
    try:
        with pytest.raises(VirtError) as info:
            dom.resume()
        assert info.value.code == ErrorCode.OPERATION_TIMEOUT
        assert str(info.value) == (
            "Timed out during operation: cannot acquire state change lock "
            "(held by monitor=virDomainSuspend)"
        )
        assert dom.state()[0] == DomainState.RUNNING  # reads never wait for the job
        assert "<domain type='qemu' id=" in dom.xml_desc()
        # A waiter gets the job as soon as it is released.
        done = threading.Event()
        threading.Thread(target=lambda: (dom.suspend(), done.set())).start()
        held.job.release()
        held = None
        assert done.wait(5)
        assert dom.state()[0] == DomainState.PAUSED
    finally:
        if held is not None:
            held.job.release()
    dom.destroy()


def test_restart_reconnects_running_guests_and_notices_the_dead(
    qemu_root: Path, disk: Path
) -> None:
    first = InProcessDriver(qemu_root)
    try:
        conn = first.connect()
        a = conn.define_domain(guest_xml("keep", disk))
        conn.create_domain(guest_xml("dies", None))
        a.start()
        a.suspend()
        pid_a, pid_b = _pid(qemu_root, "keep"), _pid(qemu_root, "dies")
        id_a = a.id
    finally:
        first.stop()  # the daemon goes away; the guests do not
    assert sorted(qemu_pids(qemu_root)) == sorted([pid_a, pid_b])
    os.kill(pid_b, signal.SIGKILL)
    assert wait_for(lambda: pid_b not in qemu_pids(qemu_root))

    second = InProcessDriver(qemu_root)
    try:
        conn = second.connect()
        names = {d.name: d for d in conn.list_domains()}
        assert set(names) == {"keep"}  # the dead transient one is gone
        keep = names["keep"]
        assert keep.state()[0] == DomainState.PAUSED
        assert keep.id == id_a and _pid(qemu_root, "keep") == pid_a
        keep.resume()
        assert keep.state()[0] == DomainState.RUNNING
        keep.destroy()
        assert qemu_pids(qemu_root) == []
    finally:
        second.stop()


def test_qemu_killed_behind_our_back_becomes_shutoff_crashed(
    qemu_driver: InProcessDriver, qemu_root: Path, disk: Path
) -> None:
    conn = qemu_driver.connect()
    events: list[tuple[int, int]] = []
    conn.register_event_callback(lambda _c, e: events.append((e.event, e.detail)))
    dom = conn.define_domain(guest_xml("victim", disk))
    dom.start()
    os.kill(_pid(qemu_root, "victim"), signal.SIGKILL)
    assert wait_for(lambda: dom.state()[0] == DomainState.SHUTOFF)
    assert dom.state() == (DomainState.SHUTOFF, DomainShutoffReason.CRASHED)
    assert wait_for(lambda: (DomainEventType.STOPPED, DomainEventStoppedDetail.FAILED) in events)
    assert not (qemu_root / "run" / "victim.xml").exists()
    dom.start()  # and it can be started again
    dom.destroy()


def test_failed_start_reports_qemus_message_and_leaves_nothing(
    qemu_driver: InProcessDriver, qemu_root: Path
) -> None:
    conn = qemu_driver.connect()
    # A raw file declared qcow2: the driver passes it on (it never probes the top image's
    # format), and QEMU refuses it.
    (qemu_root / "notqcow2.img").write_bytes(bytes(65536))
    xml = guest_xml("bad", qemu_root / "notqcow2.img").replace("type='raw'", "type='qcow2'")
    dom = conn.define_domain(xml)
    with pytest.raises(VirtError) as info:
        dom.start()
    assert info.value.code == ErrorCode.INTERNAL_ERROR
    assert "qemu unexpectedly closed the monitor" in str(info.value)
    assert "Image is not in qcow2 format" in str(info.value)  # QEMU's own words
    assert dom.state()[0] == DomainState.SHUTOFF
    assert qemu_pids(qemu_root) == []
    assert list((qemu_root / "run").iterdir()) == []
    assert list((qemu_root / "lib").iterdir()) == []


def test_bad_definitions(qemu_driver: InProcessDriver, disk: Path) -> None:
    conn = qemu_driver.connect()
    uuid = "11111111-2222-3333-4444-555555555555"
    conn.define_domain(guest_xml("one", disk, uuid=uuid))
    cases = [
        (guest_xml("two", disk, uuid=uuid), ErrorCode.OPERATION_FAILED, "already defined"),
        (guest_xml("one", disk), ErrorCode.OPERATION_FAILED, "already exists"),
        (guest_xml("x", disk, extra="<sound model='ich9'/>"), ErrorCode.CONFIG_UNSUPPORTED,
         "device type 'sound'"),
        (guest_xml("x", disk, extra="<emulator>/nonexistent/qemu</emulator>"),
         ErrorCode.SYSTEM_ERROR, "Cannot check QEMU binary /nonexistent/qemu"),
        (guest_xml("x", disk).replace("<memory unit='MiB'>64", "<memory unit='EiB'>64"),
         ErrorCode.OVERFLOW, None),
    ]  # fmt: skip
    for xml, code, text in cases:
        with pytest.raises(VirtError) as info:
            conn.define_domain(xml)
        assert info.value.code == code, (xml, info.value)
        if text:
            assert text in str(info.value)
    assert [d.name for d in conn.list_domains()] == ["one"]


def test_failed_config_write_keeps_the_previous_definition(
    qemu_driver: InProcessDriver, qemu_root: Path, disk: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    conn = qemu_driver.connect()
    uuid = "11111111-2222-3333-4444-666666666666"
    conn.define_domain(guest_xml("cfg", disk, uuid=uuid))
    path = qemu_root / "etc" / "cfg.xml"
    before = path.read_text()

    def full_disk(_fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(VirtError) as info:
        conn.define_domain(guest_xml("cfg", disk, uuid=uuid).replace("'MiB'>64", "'MiB'>32"))
    assert info.value.code == ErrorCode.SYSTEM_ERROR
    assert "No space left on device" in str(info.value)
    monkeypatch.undo()
    assert path.read_text() == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["autostart", "cfg.xml"]
    assert conn.lookup_domain_by_name("cfg").max_memory() == 65536


class _HookRecorder:
    """Records lifecycle hooks with the domain's state seen from inside the hook (through
    the API: a hook may call back in, so none may run under the domain's job)."""

    def __init__(self, conn) -> None:  # type: ignore[no-untyped-def]
        self.conn = conn
        self.calls: list[tuple[str, str, int]] = []
        self.veto = False

    def _note(self, hook: str, name: str) -> None:
        try:
            state = self.conn.lookup_domain_by_name(name).state()[0]
        except VirtError:
            state = -1
        self.calls.append((hook, name, state))

    @pyvirt.hookimpl
    def pyvirt_domain_prepare(self, driver, name, uuid, xml):  # type: ignore[no-untyped-def]
        assert driver == "QEMU" and f"<name>{name}</name>" in xml
        self._note("prepare", name)
        if self.veto:
            raise RuntimeError("not today")

    @pyvirt.hookimpl
    def pyvirt_domain_start(self, driver, name, uuid, xml):  # type: ignore[no-untyped-def]
        self._note("start", name)

    @pyvirt.hookimpl
    def pyvirt_domain_started(self, driver, name, uuid, xml):  # type: ignore[no-untyped-def]
        assert "<source path='/dev/pts/" in xml  # the live XML
        self._note("started", name)
        # Back into the API, a job included: this would deadlock under the start's job.
        self.conn.lookup_domain_by_name(name).set_memory(32768)

    @pyvirt.hookimpl
    def pyvirt_domain_stopped(self, driver, name, uuid, xml):  # type: ignore[no-untyped-def]
        self._note("stopped", name)

    @pyvirt.hookimpl
    def pyvirt_domain_release(self, driver, name, uuid, xml):  # type: ignore[no-untyped-def]
        self._note("release", name)


def test_lifecycle_hooks_run_outside_the_job_and_prepare_can_veto(
    qemu_driver: InProcessDriver, qemu_root: Path, disk: Path
) -> None:
    from pyvirt._hooks import plugin_manager

    conn = qemu_driver.connect()
    rec = _HookRecorder(conn)
    plugin_manager().register(rec)
    try:
        dom = conn.define_domain(guest_xml("hk", disk, extra="<memballoon model='virtio'/>"))
        dom.start()
        assert dom.info().memory == 32768  # the started hook's own call went through
        dom.destroy()
        off, run = DomainState.SHUTOFF, DomainState.RUNNING
        assert rec.calls == [
            ("prepare", "hk", off),
            ("start", "hk", off),
            ("started", "hk", run),
            ("stopped", "hk", off),
            ("release", "hk", off),
        ]
        rec.calls.clear()
        rec.veto = True
        with pytest.raises(VirtError) as info:
            dom.start()
        assert info.value.code == ErrorCode.HOOK_SCRIPT_FAILED
        assert "pyvirt_domain_prepare: not today" in str(info.value)
        assert dom.state()[0] == DomainState.SHUTOFF and qemu_pids(qemu_root) == []
        assert rec.calls == [("prepare", "hk", off)]
        rec.veto = False
        rec.calls.clear()
        # A guest dying behind our back gets its stopped/release hooks too (monitor EOF).
        dom.start()
        os.kill(_pid(qemu_root, "hk"), signal.SIGKILL)
        assert wait_for(lambda: [c[0] for c in rec.calls][-2:] == ["stopped", "release"])
        dom.undefine()
    finally:
        plugin_manager().unregister(rec)


def test_screenshot_is_a_png_of_the_console(qemu_driver: InProcessDriver, disk: Path) -> None:
    conn = qemu_driver.connect()
    dom = conn.define_domain(guest_xml("shot", disk))
    dom.start()
    png = dom.screenshot()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert (width, height) in ((720, 400), (640, 480))  # the firmware's text mode
    with pytest.raises(VirtError, match="no such screen ID") as info:
        dom.screenshot(1)
    assert info.value.code == ErrorCode.OPERATION_INVALID
    dom.destroy()
    with pytest.raises(VirtError, match="not running"):
        dom.screenshot()
    dom.undefine()


def test_autostart_domains_boot_when_the_driver_starts(qemu_root: Path) -> None:
    first = InProcessDriver(qemu_root)
    try:
        conn = first.connect()
        auto = conn.define_domain(guest_xml("auto1", None))
        auto.set_autostart(True)
        conn.define_domain(guest_xml("manual1", None))
        assert qemu_pids(qemu_root) == []
    finally:
        first.stop()
    second = InProcessDriver(qemu_root)
    try:
        conn = second.connect()
        assert wait_for(
            lambda: conn.lookup_domain_by_name("auto1").state()[0] == DomainState.RUNNING
        )
        assert conn.lookup_domain_by_name("manual1").state()[0] == DomainState.SHUTOFF
        conn.lookup_domain_by_name("auto1").destroy()
        assert qemu_pids(qemu_root) == []
    finally:
        second.stop()


def test_start_paused_never_runs_the_cpus(qemu_driver: InProcessDriver, disk: Path) -> None:
    """virsh start/create --paused: paused (user), STARTED/BOOTED then SUSPENDED/PAUSED, as
    libvirtd emits them; resume runs it."""
    from pyvirt import DomainCreateFlags, DomainPausedReason, DomainRunningReason

    conn = qemu_driver.connect()
    events: list[tuple[str, int, int]] = []
    conn.register_event_callback(lambda _c, e: events.append((e.name, e.event, e.detail)))
    dom = conn.define_domain(guest_xml("sp", disk))
    dom.start(DomainCreateFlags.START_PAUSED)
    assert dom.state() == (DomainState.PAUSED, DomainPausedReason.USER)
    dom.resume()
    assert dom.state() == (DomainState.RUNNING, DomainRunningReason.UNPAUSED)
    tr = conn.create_domain(guest_xml("tp", None), DomainCreateFlags.START_PAUSED)
    assert tr.state() == (DomainState.PAUSED, DomainPausedReason.USER)
    E = DomainEventType
    assert wait_for(lambda: len(events) == 6)
    assert events == [
        ("sp", E.DEFINED, 0), ("sp", E.STARTED, 0), ("sp", E.SUSPENDED, 0),
        ("sp", E.RESUMED, 0), ("tp", E.STARTED, 0), ("tp", E.SUSPENDED, 0),
    ]  # fmt: skip
    with pytest.raises(VirtError) as info:
        dom.start(DomainCreateFlags.START_AUTODESTROY)
    assert info.value.code == ErrorCode.INVALID_ARG
    dom.destroy()
    tr.destroy()
