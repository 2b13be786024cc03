"""The default event loop behind virEventRunDefaultImpl: timers, fd watches, blocking, waking.

Most tests use their own DefaultEventLoop so they cannot disturb one another; the module
functions are checked once through the registered default loop.
"""

from __future__ import annotations

import os
import threading
import time

import pytest
import pyvirt.libvirt as libvirt
from pyvirt.libvirt._eventloop import DefaultEventLoop


@pytest.fixture
def loop() -> DefaultEventLoop:
    return DefaultEventLoop()


def test_periodic_timeout_fires_repeatedly_with_its_id_and_opaque(loop: DefaultEventLoop) -> None:
    calls: list[tuple[int, object]] = []
    timer = loop.add_timeout(5, lambda t, o: calls.append((t, o)), "opaque")
    for _ in range(3):
        loop.run_once()
    assert calls == [(timer, "opaque")] * 3


def test_zero_timeout_fires_every_iteration_without_waiting(loop: DefaultEventLoop) -> None:
    calls: list[int] = []
    loop.add_timeout(0, lambda t, o: calls.append(t), None)
    start = time.monotonic()
    for _ in range(50):
        loop.run_once()
    assert len(calls) == 50
    assert time.monotonic() - start < 1.0


def test_run_blocks_until_the_timeout_is_due(loop: DefaultEventLoop) -> None:
    fired = []
    loop.add_timeout(150, lambda t, o: fired.append(time.monotonic()), None)
    start = time.monotonic()
    loop.run_once()
    assert fired and fired[0] - start >= 0.14


def test_disabled_and_removed_timeouts_never_fire(loop: DefaultEventLoop) -> None:
    calls: list[str] = []
    loop.add_timeout(-1, lambda t, o: calls.append("disabled"), None)
    removed = loop.add_timeout(0, lambda t, o: calls.append("removed"), None)
    loop.add_timeout(1, lambda t, o: calls.append("tick"), None)
    assert loop.remove_timeout(removed) == 0
    loop.run_once()
    loop.run_once()
    assert calls == ["tick", "tick"]


def test_update_enables_and_disables(loop: DefaultEventLoop) -> None:
    calls: list[int] = []
    timer = loop.add_timeout(-1, lambda t, o: calls.append(t), None)
    loop.add_timeout(1, lambda t, o: None, None)  # keeps run_once from blocking forever
    loop.run_once()
    assert calls == []
    loop.update_timeout(timer, 0)
    loop.run_once()
    assert calls == [timer]
    loop.update_timeout(timer, -1)
    loop.run_once()
    assert calls == [timer]


def test_a_timer_may_remove_itself_and_free_runs_after_the_iteration(
    loop: DefaultEventLoop,
) -> None:
    order: list[str] = []

    def once(timer: int, _opaque: object) -> None:
        order.append("fired")
        loop.remove_timeout(timer)

    loop.add_timeout(0, once, "data", free=lambda opaque: order.append(f"freed {opaque}"))
    loop.add_timeout(1, lambda t, o: None, None)
    loop.run_once()
    loop.run_once()
    assert order == ["fired", "freed data"]


def test_blocked_run_wakes_when_another_thread_adds_a_timeout(loop: DefaultEventLoop) -> None:
    calls: list[int] = []
    done = threading.Event()

    def runner() -> None:
        loop.run_once()  # nothing registered yet: blocks until woken
        loop.run_once()
        done.set()

    thread = threading.Thread(target=runner, daemon=True)
    thread.start()
    time.sleep(0.05)
    assert not done.is_set()
    loop.add_timeout(0, lambda t, o: calls.append(t), None)
    assert done.wait(5)
    assert calls


def test_a_failing_callback_is_reported_and_the_loop_goes_on(
    loop: DefaultEventLoop, capsys: pytest.CaptureFixture[str]
) -> None:
    calls: list[int] = []

    def boom(_t: int, _o: object) -> None:
        raise RuntimeError("boom")

    loop.add_timeout(0, boom, None)
    loop.add_timeout(0, lambda t, o: calls.append(t), None)
    loop.run_once()
    assert calls
    assert "RuntimeError: boom" in capsys.readouterr().err


def test_fd_watch_reports_readable(loop: DefaultEventLoop) -> None:
    read_end, write_end = os.pipe()
    try:
        seen: list[tuple[int, int, int, object]] = []
        watch = loop.add_handle(
            read_end, libvirt.VIR_EVENT_HANDLE_READABLE, lambda *a: seen.append(a), "op"
        )
        os.write(write_end, b"x")
        loop.run_once()
        assert seen == [(watch, read_end, libvirt.VIR_EVENT_HANDLE_READABLE, "op")]
        loop.update_handle(watch, 0)  # no events wanted: no callback even though readable
        loop.add_timeout(1, lambda t, o: None, None)
        loop.run_once()
        assert len(seen) == 1
        assert loop.remove_handle(watch) == 0
        assert loop.remove_handle(watch) == -1
    finally:
        os.close(read_end)
        os.close(write_end)


def test_concurrent_registration_from_many_threads(loop: DefaultEventLoop) -> None:
    fired: set[int] = set()
    lock = threading.Lock()

    def record(timer: int, _opaque: object) -> None:
        with lock:
            fired.add(timer)
        loop.remove_timeout(timer)

    ids: list[int] = []

    def adder() -> None:
        for _ in range(50):
            timer = loop.add_timeout(0, record, None)
            with lock:
                ids.append(timer)

    threads = [threading.Thread(target=adder) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(ids)) == 200
    loop.add_timeout(1, lambda t, o: None, None)
    loop.run_once()
    assert fired == set(ids)


def test_module_functions_drive_the_default_loop() -> None:
    assert libvirt.virEventRegisterDefaultImpl() == 0
    assert libvirt.virEventRegisterDefaultImpl() == 0
    calls: list[tuple[int, object]] = []
    timer = libvirt.virEventAddTimeout(0, lambda t, o: calls.append((t, o)), "x")
    assert isinstance(timer, int) and timer > 0
    assert libvirt.virEventRunDefaultImpl() == 0
    assert calls == [(timer, "x")]
    libvirt.virEventUpdateTimeout(timer, -1)
    assert libvirt.virEventRemoveTimeout(timer) == 0
    with pytest.raises(TypeError):
        libvirt.virEventAddTimeout("soon", lambda t, o: None, None)  # type: ignore[arg-type]


def test_adding_a_timeout_before_registering_a_loop_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    from pyvirt.libvirt import _eventloop

    monkeypatch.setattr(_eventloop, "_loop", None)
    with pytest.raises(libvirt.libvirtError, match=r"virEventAddTimeout\(\) failed"):
        libvirt.virEventAddTimeout(10, lambda t, o: None, None)
