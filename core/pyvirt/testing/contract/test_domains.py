"""Contract: domain lookups, the define/start/destroy/undefine life cycle, listAll filters,
XML round trips and read-only refusals, with libvirt's error codes."""

from __future__ import annotations

import uuid as uuidlib
from collections.abc import Callable

import pytest

import pyvirt
from pyvirt import DomainState, ErrorCode, ListDomainsFlags
from pyvirt.testing._contract import Contract

pytestmark = pytest.mark.pyvirt_contract

MISSING_UUID = "6ab3e1b0-8f5e-4c2e-9a0d-0000c0ffee00"
CONTRACT_PREFIX = "pyvirt-contract-"


def _listing(
    contract: Contract, conn: pyvirt.Connection, flags: int = 0, mine: str | None = None
) -> dict[str, pyvirt.Domain]:
    """The listed domains, without those other contract tests create and remove meanwhile
    (the suite may run in parallel, pytest -n, against one driver): all but *mine*."""
    with contract.feature("list domains (virConnectListAllDomains)"):
        listed = conn.list_domains(flags)
    return {
        d.name: d for d in listed if not d.name.startswith(CONTRACT_PREFIX) or d.name == mine
    }


# -- lookups ---------------------------------------------------------------------------------
def test_every_listed_domain_is_found_by_name_uuid_and_id(
    contract: Contract, conn: pyvirt.Connection
) -> None:
    domains = _listing(contract, conn)
    if not domains:
        pytest.skip("the driver has no domain to look up")
    for name, listed in domains.items():
        with contract.feature("look up a domain by name (virDomainLookupByName)"):
            assert conn.lookup_domain_by_name(name).uuid == listed.uuid
    for name, listed in domains.items():
        with contract.feature("look up a domain by UUID (virDomainLookupByUUIDString)"):
            assert conn.lookup_domain_by_uuid(listed.uuid).name == name
    for name, listed in domains.items():
        if listed.id > 0:
            with contract.feature("look up a domain by id (virDomainLookupByID)"):
                assert conn.lookup_domain_by_id(listed.id).name == name


def _assert_no_domain(error: pyvirt.VirtError) -> None:
    """libvirt's test driver says only "Domain not found"; others add what was looked for."""
    assert error.code == ErrorCode.NO_DOMAIN
    assert isinstance(error, LookupError)
    assert str(error).startswith("Domain not found")


def test_missing_domains_are_no_domain_errors(contract: Contract, conn: pyvirt.Connection) -> None:
    name = contract.new_name()
    _assert_no_domain(
        contract.error_of(
            "look up a domain by name (virDomainLookupByName)",
            lambda: conn.lookup_domain_by_name(name),
        )
    )


def test_missing_uuid_is_a_no_domain_error(contract: Contract, conn: pyvirt.Connection) -> None:
    _assert_no_domain(
        contract.error_of(
            "look up a domain by UUID (virDomainLookupByUUIDString)",
            lambda: conn.lookup_domain_by_uuid(MISSING_UUID),
        )
    )


def test_missing_id_is_a_no_domain_error(contract: Contract, conn: pyvirt.Connection) -> None:
    _assert_no_domain(
        contract.error_of(
            "look up a domain by id (virDomainLookupByID)", lambda: conn.lookup_domain_by_id(999999)
        )
    )


# -- life cycle ------------------------------------------------------------------------------
def test_a_defined_domain_is_persistent_shut_off_and_without_id(
    contract: Contract, conn: pyvirt.Connection, defined: pyvirt.Domain
) -> None:
    dom = conn.lookup_domain_by_name(defined.name)
    assert dom.uuid == defined.uuid
    assert dom.id == -1
    assert dom.state()[0] == DomainState.SHUTOFF
    assert not dom.is_active() and dom.is_persistent()


def test_start_destroy_undefine_walk_the_states(
    contract: Contract, conn: pyvirt.Connection, defined: pyvirt.Domain
) -> None:
    with contract.feature("start a domain (virDomainCreateWithFlags)"):
        defined.start()
    dom = conn.lookup_domain_by_name(defined.name)
    assert dom.state()[0] == DomainState.RUNNING and dom.is_active() and dom.id > 0
    assert conn.lookup_domain_by_id(dom.id).name == dom.name
    with pytest.raises(pyvirt.VirtError) as again:
        dom.start()
    # libvirt's test driver: INTERNAL_ERROR "Domain 'x' is already running"; QEMU: OPERATION_INVALID
    assert again.value.code in (ErrorCode.INTERNAL_ERROR, ErrorCode.OPERATION_INVALID)
    assert "already running" in str(again.value)
    assert dom.is_active()
    with contract.feature("destroy a domain (virDomainDestroyFlags)"):
        dom.destroy()
    dom = conn.lookup_domain_by_name(defined.name)
    assert dom.state()[0] == DomainState.SHUTOFF and dom.id == -1
    with pytest.raises(pyvirt.VirtError) as inactive:
        dom.destroy()
    assert inactive.value.code == ErrorCode.OPERATION_INVALID
    with contract.feature("undefine a domain (virDomainUndefineFlags)"):
        dom.undefine()
    with pytest.raises(pyvirt.NoDomainError):
        conn.lookup_domain_by_name(defined.name)


def test_suspend_and_resume_a_running_domain(
    contract: Contract, conn: pyvirt.Connection, defined: pyvirt.Domain
) -> None:
    with contract.feature("start a domain (virDomainCreateWithFlags)"):
        defined.start()
    with contract.feature("suspend a domain (virDomainSuspend)"):
        defined.suspend()
    assert defined.state()[0] == DomainState.PAUSED
    with contract.feature("resume a domain (virDomainResume)"):
        defined.resume()
    assert defined.state()[0] == DomainState.RUNNING


def test_defining_a_taken_name_with_another_uuid_is_refused(
    contract: Contract, conn: pyvirt.Connection, defined: pyvirt.Domain
) -> None:
    other = contract.domain_xml(conn, defined.name, str(uuidlib.uuid4()))
    with pytest.raises(pyvirt.VirtError) as info:
        conn.define_domain(other)
    assert info.value.code == ErrorCode.OPERATION_FAILED
    assert f"domain '{defined.name}' already exists with uuid {defined.uuid}" in str(info.value)


# -- listAll filters ---------------------------------------------------------------------------
PAIRS = [
    (ListDomainsFlags.ACTIVE, ListDomainsFlags.INACTIVE),
    (ListDomainsFlags.PERSISTENT, ListDomainsFlags.TRANSIENT),
    (ListDomainsFlags.AUTOSTART, ListDomainsFlags.NO_AUTOSTART),
]


@pytest.mark.parametrize(("yes", "no"), PAIRS, ids=lambda f: f.name)
def test_list_filters_split_the_domains_in_two(
    contract: Contract, conn: pyvirt.Connection, defined: pyvirt.Domain, yes: int, no: int
) -> None:
    mine = defined.name
    everything = set(_listing(contract, conn, mine=mine))
    with_yes = set(_listing(contract, conn, yes, mine))
    with_no = set(_listing(contract, conn, no, mine))
    assert with_yes | with_no == everything and not with_yes & with_no
    assert set(_listing(contract, conn, yes | no, mine)) == everything


def test_list_filters_place_a_defined_domain(
    contract: Contract, conn: pyvirt.Connection, defined: pyvirt.Domain
) -> None:
    name = defined.name
    assert name in _listing(contract, conn, ListDomainsFlags.INACTIVE, name)
    assert name in _listing(contract, conn, ListDomainsFlags.PERSISTENT, name)
    assert name in _listing(contract, conn, ListDomainsFlags.SHUTOFF, name)
    assert name not in _listing(contract, conn, ListDomainsFlags.ACTIVE, name)
    assert name not in _listing(contract, conn, ListDomainsFlags.RUNNING, name)


# -- XML -------------------------------------------------------------------------------------
def test_xml_round_trips_through_define(
    contract: Contract, conn: pyvirt.Connection, defined: pyvirt.Domain
) -> None:
    with contract.feature("domain XML (virDomainGetXMLDesc)"):
        first = defined.xml(inactive=True)
    assert f"<name>{defined.name}</name>" in first and f"<uuid>{defined.uuid}</uuid>" in first
    again = conn.define_domain(first)  # redefining the same domain updates it in place
    assert again.uuid == defined.uuid
    assert again.xml(inactive=True) == first


def test_malformed_xml_is_an_xml_error(contract: Contract, conn: pyvirt.Connection) -> None:
    error = contract.error_of(
        "define a domain (virDomainDefineXML)",
        lambda: conn.define_domain("<domain type='test'><name>broken"),
    )
    assert error.code in (ErrorCode.XML_ERROR, ErrorCode.XML_DETAIL)


# -- read-only -----------------------------------------------------------------------------
def test_a_read_only_connection_reads_but_refuses_changes(
    contract: Contract, conn: pyvirt.Connection, defined: pyvirt.Domain
) -> None:
    with contract.open(read_only=True) as ro:
        dom = ro.lookup_domain_by_name(defined.name)
        assert dom.uuid == defined.uuid
        refusals: dict[str, Callable[[], object]] = {
            "virDomainDefineXML": lambda: ro.define_domain(
                contract.domain_xml(conn, contract.new_name(), str(uuidlib.uuid4()))
            ),
            "virDomainCreate": dom.start,
            "virDomainUndefine": dom.undefine,
        }
        for api, call in refusals.items():
            with pytest.raises(pyvirt.VirtError) as info:
                call()
            assert info.value.code == ErrorCode.OPERATION_DENIED, api
            # (libvirt names the API the caller used: virDomainCreate or ...WithFlags)
            assert str(info.value).startswith(
                f"operation forbidden: read only access prevents {api}"
            )
    assert conn.lookup_domain_by_name(defined.name).is_persistent()
