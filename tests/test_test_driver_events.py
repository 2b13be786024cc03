"""Lifecycle events and hooks from the test driver, with libvirt's event and detail numbers."""

from __future__ import annotations

import threading

import pytest
import pyvirt
from pyvirt import DomainEventType as E
from pyvirt._hooks import plugin_manager

XML = "<domain type='test'><name>ev1</name><memory unit='KiB'>65536</memory><os><type>hvm</type></os></domain>"


@pytest.fixture
def conn():
    with pyvirt.open("test:///default") as c:
        yield c


def test_lifecycle_events_carry_libvirts_numbers(conn):
    seen: list[tuple[str, int, int]] = []
    cb = conn.register_event_callback(lambda _c, ev: seen.append((ev.name, ev.event, ev.detail)))
    dom = conn.lookup_domain_by_name("test")
    dom.suspend()
    dom.resume()
    dom.destroy()
    dom.start()
    new = conn.define_domain(XML)
    conn.define_domain(new.xml())
    new.undefine()
    dom.shutdown()
    conn.deregister_event_callback(cb)
    dom.start()  # after deregistration: not seen
    assert seen == [
        ("test", E.SUSPENDED, 0),
        ("test", E.RESUMED, 0),
        ("test", E.STOPPED, 1),
        ("test", E.STARTED, 0),
        ("ev1", E.DEFINED, 0),
        ("ev1", E.DEFINED, 1),
        ("ev1", E.UNDEFINED, 0),
        ("test", E.STOPPED, 0),
    ]


def test_events_reach_other_connections_sharing_the_state(conn):
    with pyvirt.open("test:///default") as other:
        events = other.events(timeout=2)
        started = threading.Event()

        def act():
            started.wait(2)
            conn.lookup_domain_by_name("test").suspend()

        worker = threading.Thread(target=act)
        worker.start()
        started.set()
        first = next(events)
        worker.join()
        assert (first.kind, first.name, first.event, first.detail) == (
            "domain",
            "test",
            E.SUSPENDED,
            0,
        )
        events.close()


def test_registering_the_same_callback_twice_is_refused(conn):
    def cb(_c, _ev):
        return None

    conn.register_event_callback(cb)
    with pytest.raises(pyvirt.InvalidArgError, match="event callback already tracked"):
        conn.register_event_callback(cb)


def test_network_and_pool_events(conn):
    seen = []
    conn.register_event_callback(lambda _c, ev: seen.append((ev.kind, ev.event)), kind=None)
    net = conn.lookup_network_by_name("default")
    net.destroy()
    net.start()
    pool = conn.lookup_storage_pool_by_name("default-pool")
    pool.destroy()
    pool.start()
    assert seen == [("network", 3), ("network", 2), ("pool", 3), ("pool", 2)]


class _Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []
        self.veto = False

    @pyvirt.hookimpl
    def pyvirt_domain_prepare(self, driver, name, uuid, xml):
        self.calls.append(("prepare", name))
        if self.veto:
            raise RuntimeError("hook says no")

    @pyvirt.hookimpl
    def pyvirt_domain_started(self, driver, name, uuid, xml):
        self.calls.append(("started", name))
        assert "<name>" + name in xml

    @pyvirt.hookimpl
    def pyvirt_domain_stopped(self, driver, name, uuid, xml):
        self.calls.append(("stopped", name))

    @pyvirt.hookimpl
    def pyvirt_domain_release(self, driver, name, uuid, xml):
        self.calls.append(("release", name))


@pytest.fixture
def recorder():
    rec = _Recorder()
    manager = plugin_manager()
    manager.register(rec)
    yield rec
    manager.unregister(rec)


def test_lifecycle_hooks_run_at_libvirts_points(conn, recorder):
    dom = conn.lookup_domain_by_name("test")
    dom.destroy()
    dom.start()
    assert recorder.calls == [
        ("stopped", "test"),
        ("release", "test"),
        ("prepare", "test"),
        ("started", "test"),
    ]


def test_a_prepare_hook_can_veto_a_start_and_state_is_unchanged(conn, recorder):
    dom = conn.lookup_domain_by_name("test")
    dom.destroy()
    recorder.veto = True
    with pytest.raises(pyvirt.VirtError) as err:
        dom.start()
    assert err.value.code == pyvirt.ErrorCode.HOOK_SCRIPT_FAILED
    assert err.value.message == "Hook script execution failed: pyvirt_domain_prepare: hook says no"
    assert dom.state()[0] == pyvirt.DomainState.SHUTOFF


def test_hooks_may_call_back_into_the_api(conn, recorder):
    observed = []

    class Reentrant:
        @pyvirt.hookimpl
        def pyvirt_domain_started(self, driver, name, uuid, xml):
            with pyvirt.open("test:///default") as inner:
                observed.append(inner.lookup_domain_by_name(name).state()[0])

    plugin = Reentrant()
    plugin_manager().register(plugin)
    try:
        dom = conn.lookup_domain_by_name("test")
        dom.destroy()
        dom.start()
    finally:
        plugin_manager().unregister(plugin)
    assert observed == [pyvirt.DomainState.RUNNING]
