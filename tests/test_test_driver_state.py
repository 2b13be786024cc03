"""The test driver's state machine: which operation is allowed in which state, with which error.

Codes and messages are the ones libvirt 9.0's test driver gives (see docs/reference in the
issue and the CLI comparison tests, which check them against real virsh).
"""

from __future__ import annotations

import pytest
import pyvirt
from pyvirt import DomainState, ErrorCode, ErrorDomain

NEW_DOMAIN = """<domain type='test'>
  <name>{name}</name>
  <memory unit='MiB'>256</memory>
  <vcpu>2</vcpu>
  <os><type>hvm</type></os>
</domain>"""


@pytest.fixture
def conn():
    with pyvirt.open("test:///default") as c:
        yield c


def test_default_state_has_the_running_test_domain(conn):
    (dom,) = conn.list_domains()
    assert (dom.name, dom.id, dom.uuid) == ("test", 1, "6695eb01-f6a4-8304-79aa-97f2502e193f")
    assert dom.state() == (DomainState.RUNNING, 0)
    info = dom.info()
    assert (info.max_memory, info.memory, info.nr_virt_cpu) == (8388608, 2097152, 2)
    assert info.cpu_time > 0
    assert dom.is_persistent() and dom.is_active() and not dom.autostart


def test_suspend_resume_cycle_and_reasons(conn):
    dom = conn.lookup_domain_by_name("test")
    dom.suspend()
    assert dom.state() == (DomainState.PAUSED, pyvirt.DomainPausedReason.USER)
    with pytest.raises(pyvirt.InternalError) as err:
        dom.suspend()
    assert err.value.message == "internal error: domain 'test' not running"
    assert (err.value.code, err.value.domain) == (ErrorCode.INTERNAL_ERROR, ErrorDomain.TEST)
    dom.resume()
    assert dom.state() == (DomainState.RUNNING, pyvirt.DomainRunningReason.UNPAUSED)
    with pytest.raises(pyvirt.InternalError, match="domain 'test' not paused"):
        dom.resume()


def test_ids_are_never_reused(conn):
    dom = conn.lookup_domain_by_name("test")
    dom.destroy()
    assert dom.state() == (DomainState.SHUTOFF, pyvirt.DomainShutoffReason.DESTROYED)
    assert dom.id == -1
    dom.start()
    assert dom.id == 2
    dom.shutdown()
    assert dom.state() == (DomainState.SHUTOFF, pyvirt.DomainShutoffReason.SHUTDOWN)
    dom.start()
    assert dom.id == 3
    assert conn.lookup_domain_by_id(3).name == "test"
    with pytest.raises(pyvirt.NoDomainError):
        conn.lookup_domain_by_id(1)


def test_operations_on_a_shut_off_domain_are_refused(conn):
    dom = conn.lookup_domain_by_name("test")
    dom.destroy()
    for op in (dom.destroy, dom.reboot, dom.reset):
        with pytest.raises(pyvirt.OperationInvalidError) as err:
            op()
        assert err.value.message == "Requested operation is not valid: domain is not running"
        assert err.value.domain == ErrorDomain.DOMAIN
    for op in (dom.suspend, dom.shutdown):
        with pytest.raises(pyvirt.InternalError, match="domain 'test' not running"):
            op()


def test_start_of_a_running_domain_is_an_internal_error(conn):
    with pytest.raises(pyvirt.InternalError) as err:
        conn.lookup_domain_by_name("test").start()
    assert err.value.message == "internal error: Domain 'test' is already running"


def test_unsupported_flags_name_the_driver_function(conn):
    dom = conn.lookup_domain_by_name("test")
    with pytest.raises(pyvirt.InvalidArgError) as err:
        dom.shutdown(1)
    # libvirt 9.0's wording (virReportInvalidArg): no "invalid argument: " prefix.
    assert err.value.message == "unsupported flags (0x1) in function testDomainShutdownFlags"
    with pytest.raises(pyvirt.InvalidArgError, match="testConnectListAllDomains"):
        conn.list_domains(1 << 20)


def test_define_start_undefine_transient_lifecycle(conn):
    dom = conn.define_domain(NEW_DOMAIN.format(name="d2"))
    assert dom.state() == (DomainState.SHUTOFF, 0)
    assert dom.is_persistent() and not dom.is_active()
    dom.start()
    dom.undefine()  # running: becomes transient and keeps running
    assert not dom.is_persistent() and dom.is_active()
    dom.destroy()  # transient: vanishes when it stops
    with pytest.raises(pyvirt.NoDomainError) as err:
        conn.lookup_domain_by_name("d2")
    assert (err.value.message, err.value.code, err.value.domain) == ("Domain not found", 42, 12)


def test_create_domain_is_transient_and_running(conn):
    dom = conn.create_domain(NEW_DOMAIN.format(name="t1"))
    assert dom.is_active() and not dom.is_persistent() and dom.id >= 2
    assert dom.state() == (DomainState.RUNNING, pyvirt.DomainRunningReason.BOOTED)


def test_redefining_with_another_uuid_is_refused_and_state_unchanged(conn):
    xml = NEW_DOMAIN.format(name="test").replace(
        "<name>", "<uuid>11111111-2222-3333-4444-555555555555</uuid><name>"
    )
    before = conn.lookup_domain_by_name("test").xml()
    with pytest.raises(pyvirt.OperationFailedError) as err:
        conn.define_domain(xml)
    assert err.value.message == (
        "operation failed: domain 'test' already exists with uuid 6695eb01-f6a4-8304-79aa-97f2502e193f"
    )
    assert conn.lookup_domain_by_name("test").xml() == before


def test_list_filters_follow_libvirt_flag_pairs(conn):
    F = pyvirt.ListDomainsFlags
    conn.define_domain(NEW_DOMAIN.format(name="off1"))
    names = lambda flags: sorted(d.name for d in conn.list_domains(flags))  # noqa: E731
    assert names(0) == ["off1", "test"]
    assert names(F.ACTIVE) == ["test"]
    assert names(F.INACTIVE) == ["off1"]
    assert names(F.ACTIVE | F.INACTIVE) == ["off1", "test"]
    assert names(F.SHUTOFF) == ["off1"]
    assert names(F.PAUSED) == []
    assert names(F.TRANSIENT) == []
    assert names(F.AUTOSTART) == []
    conn.lookup_domain_by_name("off1").set_autostart(True)
    assert names(F.AUTOSTART) == ["off1"]
    assert names(F.NO_AUTOSTART) == ["test"]


def test_setmem_and_setvcpus_rules(conn):
    dom = conn.lookup_domain_by_name("test")
    dom.set_memory(1024 * 1024)
    assert dom.info().memory == 1024 * 1024
    with pytest.raises(pyvirt.InvalidArgError, match="cannot set memory higher than max memory"):
        dom.set_memory(99999999)
    with pytest.raises(
        pyvirt.OperationInvalidError, match="cannot resize the maximum memory on an active domain"
    ):
        dom.set_max_memory(9000000)
    with pytest.raises(pyvirt.InvalidArgError) as err:
        dom.set_memory(0)
    assert err.value.message == "memory in virDomainSetMemory must not be zero"
    with pytest.raises(pyvirt.VirtError) as err:
        dom.set_memory(-1)
    assert err.value.code == ErrorCode.OVERFLOW
    with pytest.raises(
        pyvirt.InvalidArgError, match=r"exceeds maximum supported amount \(64 > 32\)"
    ):
        dom.set_vcpus(64)
    with pytest.raises(pyvirt.InvalidArgError, match=r"exceeds maximum \(3 > 2\)"):
        dom.set_vcpus(3)
    dom.set_vcpus(1)
    assert dom.info().nr_virt_cpu == 1
    assert dom.info().max_memory == 8388608  # the failed calls changed nothing


def test_config_change_on_a_running_domain_applies_at_next_boot(conn):
    dom = conn.lookup_domain_by_name("test")
    dom.set_memory(1048576, pyvirt.DomainMemoryModFlags.CONFIG)
    assert dom.info().memory == 2097152
    assert "<currentMemory unit='KiB'>1048576</currentMemory>" in dom.xml(inactive=True)
    dom.destroy()
    dom.start()
    assert dom.info().memory == 1048576


def test_read_only_connection_refuses_every_modifying_call():
    with pyvirt.open("test:///default", read_only=True) as ro:
        dom = ro.lookup_domain_by_name("test")
        with pytest.raises(pyvirt.OperationDeniedError) as err:
            dom.suspend()
        assert (
            err.value.message == "operation forbidden: read only access prevents virDomainSuspend"
        )
        assert (err.value.code, err.value.domain) == (29, 20)
        with pytest.raises(pyvirt.OperationDeniedError, match="virDomainDefineXML"):
            ro.define_domain(NEW_DOMAIN.format(name="x"))
        assert dom.state()[0] == DomainState.RUNNING


def test_closed_connection_raises_invalid_conn():
    conn = pyvirt.open("test:///default")
    conn.close()
    with pytest.raises(pyvirt.VirtError) as err:
        conn.get_type()
    assert err.value.message == "invalid connection pointer in virConnectGetType"
    conn.close()  # idempotent


def test_the_test_connection_mixins_define_disjoint_methods():
    # The connection is assembled from per-area mixins; a name defined in two of them would
    # silently shadow the other (network define once ran the domain duplicate check).
    from pyvirt_test._domain_ops import DomainOps
    from pyvirt_test._host import HostOps
    from pyvirt_test._network_ops import NetworkOps
    from pyvirt_test._storage_ops import StorageOps

    seen: dict[str, str] = {}
    for mixin in (HostOps, DomainOps, NetworkOps, StorageOps):
        for name, value in vars(mixin).items():
            if callable(value) and not name.startswith("__"):
                assert name not in seen, f"{name} defined in {seen.get(name)} and {mixin.__name__}"
                seen[name] = mixin.__name__


def test_default_config_is_what_parsing_the_default_node_document_gives():
    """``test:///default`` is built by ``default_config`` without parsing XML (start-up cost);
    it must stay exactly what ``DEFAULT_NODE_XML`` says, field by field and as written back."""
    from pyvirt.conf import format_domain_xml, format_network_xml, format_pool_xml
    from pyvirt_test._defaults import DEFAULT_NODE_XML, default_config
    from pyvirt_test._nodefile import parse_node

    parsed, built = parse_node(DEFAULT_NODE_XML, "/"), default_config()
    (parsed_dom,), (built_dom,) = parsed.domains, built.domains
    # The one allowed difference: the parser keeps the empty <clock offset='utc'/> element.
    assert parsed_dom.defn.clock is not None and len(parsed_dom.defn.clock) == 0
    assert dict(parsed_dom.defn.clock.attrib) == {"offset": "utc"}
    parsed_dom.defn.clock = None
    assert built == parsed
    with_clock = parse_node(DEFAULT_NODE_XML, "/").domains[0].defn
    for flags in ({}, {"inactive": True}, {"secure": True}, {"live_id": 1}):
        assert format_domain_xml(built_dom.defn, **flags) == format_domain_xml(with_clock, **flags)
    for inactive in (False, True):
        assert format_network_xml(built.networks[0], inactive=inactive) == format_network_xml(
            parsed.networks[0], inactive=inactive
        )
        assert format_pool_xml(built.pools[0][0], inactive=inactive) == format_pool_xml(
            parsed.pools[0][0], inactive=inactive
        )
    assert default_config().domains[0].defn is not built_dom.defn  # fresh objects every call
