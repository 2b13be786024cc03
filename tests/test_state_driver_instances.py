"""State drivers are instances that own their state (no module globals), while in-process
``test:///default`` connections still share one reference-counted state per process."""

from __future__ import annotations

from typing import ClassVar

import pytest
import pyvirt
import pyvirt_test
from pyvirt import URI, ErrorCode, parse_uri
from pyvirt.driver import (
    AuthCallback,
    ConnectDriver,
    DriverConnection,
    StateDriver,
    StateInitResult,
)

DEFAULT = parse_uri("test:///default")
NEW_XML = "<domain type='test'><name>only-here</name><memory>1024</memory><os><type>hvm</type></os></domain>"


def _names(conn: DriverConnection) -> list[str]:
    return sorted(r.name for r in conn.connect_list_all_domains(0))


def test_two_instances_are_two_independent_drivers() -> None:
    one, two = pyvirt_test.TestStateDriver(), pyvirt_test.TestStateDriver()
    a = one.open_connection(DEFAULT, read_only=False)
    b = two.open_connection(DEFAULT, read_only=False)
    assert isinstance(a, pyvirt_test.TestConnection) and isinstance(b, pyvirt_test.TestConnection)
    a.domain_define_xml(NEW_XML, 0)
    assert "only-here" in _names(a)
    assert "only-here" not in _names(b)
    a.connect_close()
    b.connect_close()


def test_connections_of_one_instance_share_until_the_last_closes() -> None:
    state = pyvirt_test.TestStateDriver()
    a = state.open_connection(DEFAULT, read_only=False)
    b = state.open_connection(DEFAULT, read_only=True)
    assert a is not None and b is not None
    a.domain_define_xml(NEW_XML, 0)
    assert "only-here" in _names(b)
    a.connect_close()
    a.connect_close()  # closing twice releases once
    assert "only-here" in _names(b)
    b.connect_close()
    fresh = state.open_connection(DEFAULT, read_only=False)
    assert fresh is not None and _names(fresh) == ["test"]
    fresh.connect_close()


def test_in_process_opens_share_one_state_per_process() -> None:
    assert pyvirt_test.TestDriver.in_process_state() is pyvirt_test.TestDriver.in_process_state()
    with pyvirt.open("test:///default") as first, pyvirt.open("test:///default") as second:
        first.define_domain(NEW_XML)
        assert "only-here" in [d.name for d in second.list_domains()]
        first.lookup_domain_by_name("only-here").undefine()


def test_declines_other_schemes_and_refuses_a_pathless_test_uri() -> None:
    state = pyvirt_test.TestStateDriver()
    assert state.open_connection(parse_uri("qemu:///system"), read_only=False) is None
    with pytest.raises(pyvirt.VirtError) as info:
        state.open_connection(parse_uri("test://"), read_only=False)
    assert info.value.code == ErrorCode.INVALID_ARG
    assert state.uri_schemes == ("test",)
    assert state.probe() is None


class _Plain(StateDriver):
    name = "Plain"

    def initialize(self, *, privileged: bool, root: str | None) -> StateInitResult:
        return StateInitResult.COMPLETE


class _Connect(ConnectDriver):
    name = "Delegated"
    uri_schemes: ClassVar[tuple[str, ...] | None] = ("deleg",)
    opened: ClassVar[list[str]] = []

    @classmethod
    def probe(cls) -> str | None:
        return "deleg:///probe"

    @classmethod
    def open(
        cls, uri: URI | None, *, read_only: bool, auth: AuthCallback | None
    ) -> DriverConnection | None:
        cls.opened.append(f"{uri} {read_only}")
        return DriverConnection()


class _Delegating(_Plain):
    connect_driver = _Connect


def test_the_default_open_connection_delegates_to_the_connect_driver_or_refuses() -> None:
    delegating = _Delegating()
    assert isinstance(
        delegating.open_connection(parse_uri("deleg:///x"), read_only=True), DriverConnection
    )
    assert _Connect.opened == ["deleg:///x True"]
    assert delegating.uri_schemes == ("deleg",) and delegating.probe() == "deleg:///probe"
    with pytest.raises(pyvirt.NoSupportError) as info:
        _Plain().open_connection(parse_uri("deleg:///x"), read_only=False)
    assert "Plain state driver opens no connections" in str(info.value)
    assert _Plain().uri_schemes == ()
