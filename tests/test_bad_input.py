"""Hostile and malformed input through the public API: a libvirt-style error, state unchanged.

Every case snapshots the whole test:///default state (all XML documents and states) before
the bad call and compares it afterwards, so "nothing changed" is checked, not assumed.
"""

from __future__ import annotations

import pytest
import pyvirt
from pyvirt import ErrorCode

GOOD = "<domain type='test'><name>{name}</name><memory unit='KiB'>{mem}</memory><os><type>hvm</type></os></domain>"


def snapshot(conn: pyvirt.Connection) -> tuple:
    doms = sorted(
        (d.name, d.id, d.state(), d.xml(), d.xml(inactive=True)) for d in conn.list_domains()
    )
    nets = sorted((n.name, n.is_active(), n.xml_desc()) for n in conn.list_networks())
    pools = sorted(
        (
            p.name,
            p.is_active(),
            p.xml_desc(),
            tuple(v.name for v in p.list_volumes()) if p.is_active() else (),
        )
        for p in conn.list_storage_pools()
    )
    return doms, nets, pools


@pytest.fixture
def conn():
    with pyvirt.open("test:///default") as c:
        yield c


def _refused(conn, call, code=None, kind=pyvirt.VirtError, match=None):
    before = snapshot(conn)
    with pytest.raises(kind, match=match) as err:
        call()
    if code is not None:
        assert err.value.code == code, err.value
    assert snapshot(conn) == before
    return err.value


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<domain type='test'><name>&lol3;</name><memory>1024</memory><os><type>hvm</type></os></domain>"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<domain type='test'><name>&secret;</name><memory>1024</memory><os><type>hvm</type></os></domain>"""


@pytest.mark.parametrize(
    "xml", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["entity-expansion", "external-entity"]
)
def test_entity_tricks_are_refused_without_expansion(conn, xml):
    err = _refused(conn, lambda: conn.define_domain(xml), kind=pyvirt.XMLError)
    assert "root:" not in err.message  # nothing of /etc/passwd leaked into the message


def test_oversized_document_is_refused(conn):
    huge = GOOD.format(name="big", mem=1024).replace(
        "<os>", "<description>" + "x" * (11 * 1024 * 1024) + "</description><os>"
    )
    _refused(conn, lambda: conn.define_domain(huge), kind=pyvirt.XMLError)


@pytest.mark.parametrize(
    "xml,code",
    [
        ("<domain type='test'><name>x", ErrorCode.XML_DETAIL),
        ("not xml at all", ErrorCode.XML_DETAIL),
        ("<domainx/>", ErrorCode.XML_ERROR),
        (GOOD.format(name="a/b", mem=1024), ErrorCode.XML_ERROR),
        (GOOD.format(name="", mem=1024), ErrorCode.NO_NAME),
        (GOOD.format(name="neg", mem=-5), ErrorCode.XML_ERROR),
        (GOOD.format(name="huge", mem="99999999999999999999"), ErrorCode.XML_ERROR),
        (
            GOOD.format(name="u", mem=1024).replace("<name>", "<uuid>zzz</uuid><name>"),
            ErrorCode.INTERNAL_ERROR,
        ),
    ],
    ids=[
        "truncated",
        "garbage",
        "wrong-root",
        "slash-in-name",
        "empty-name",
        "negative-memory",
        "absurd-memory",
        "bad-uuid",
    ],
)
def test_malformed_domain_xml_gets_libvirts_code(conn, xml, code):
    _refused(conn, lambda: conn.define_domain(xml), code=code)
    _refused(conn, lambda: conn.create_domain(xml), code=code)


def test_a_very_long_name_is_handled_like_libvirt(conn):
    # libvirt accepts long names; what matters is a clean answer either way and a lookup miss
    # for an absurd name, never a crash.
    name = "n" * 5000
    dom = conn.define_domain(GOOD.format(name=name, mem=1024))
    assert conn.lookup_domain_by_name(name).uuid == dom.uuid
    _refused(
        conn,
        lambda: conn.lookup_domain_by_name("m" * 100_000),
        code=ErrorCode.NO_DOMAIN,
        kind=LookupError,
    )


@pytest.mark.parametrize(
    "uuid",
    ["zz", "", "6695eb01-f6a4-8304-79aa-97f2502e193", "6695eb01-f6a4-8304-79aa-97f2502e193fff"],
)
def test_malformed_uuids_are_invalid_arguments(conn, uuid):
    err = _refused(
        conn, lambda: conn.lookup_domain_by_uuid(uuid), code=ErrorCode.INVALID_ARG, kind=ValueError
    )
    assert err.message == "Invalid UUID"


@pytest.mark.parametrize(
    "call,code,message",
    [
        (
            lambda d: d.set_memory(0),
            ErrorCode.INVALID_ARG,
            "memory in virDomainSetMemory must not be zero",
        ),
        (
            lambda d: d.set_memory(-1),
            ErrorCode.OVERFLOW,
            "numerical overflow: input too large: 18446744073709551615",
        ),
        (lambda d: d.set_memory(2**70), ErrorCode.OVERFLOW, None),
        (
            lambda d: d.set_memory(99999999),
            ErrorCode.INVALID_ARG,
            "invalid argument: cannot set memory higher than max memory",
        ),
        (lambda d: d.set_memory("1G"), ErrorCode.INVALID_ARG, None),
        (lambda d: d.set_max_memory(-1), ErrorCode.OVERFLOW, None),
        (
            lambda d: d.set_vcpus(0),
            ErrorCode.INVALID_ARG,
            "nvcpus in virDomainSetVcpus must not be zero",
        ),
        (lambda d: d.set_vcpus(-3), ErrorCode.OVERFLOW, None),
        (lambda d: d.set_vcpus(10**6), ErrorCode.INVALID_ARG, None),
    ],
)
def test_negative_or_absurd_numbers_are_refused(conn, call, code, message):
    dom = conn.lookup_domain_by_name("test")
    err = _refused(conn, lambda: call(dom), code=code)
    if message is not None:
        assert err.message == message


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.list_domains(1 << 30),
        lambda c: c.lookup_domain_by_name("test").shutdown(0x40),
        lambda c: c.lookup_domain_by_name("test").xml_desc(0x100),
        lambda c: c.define_domain(GOOD.format(name="f", mem=1024), 0x8),
        lambda c: c.lookup_network_by_name("default").xml_desc(1),
        lambda c: c.list_storage_pools(1 << 25),
    ],
)
def test_unknown_flags_are_refused(conn, call):
    err = _refused(conn, lambda: call(conn), code=ErrorCode.INVALID_ARG)
    assert "unsupported flags" in err.message


@pytest.mark.parametrize("flags", [-1, 2**40, "1", 1.5, None])
def test_flags_of_the_wrong_kind_are_invalid_arguments(conn, flags):
    _refused(conn, lambda: conn.list_domains(flags), code=ErrorCode.INVALID_ARG, kind=ValueError)


def test_wrong_argument_types_are_invalid_arguments(conn):
    _refused(conn, lambda: conn.lookup_domain_by_name(42), code=ErrorCode.INVALID_ARG)
    _refused(conn, lambda: conn.define_domain(None), code=ErrorCode.INVALID_ARG)
    _refused(conn, lambda: conn.lookup_domain_by_name("a\x00b"), code=ErrorCode.INVALID_ARG)


def test_bad_network_and_pool_xml(conn):
    _refused(
        conn, lambda: conn.define_network("<network><name>x</name>"), code=ErrorCode.XML_DETAIL
    )
    _refused(
        conn,
        lambda: conn.define_network("<network><name>default</name></network>"),
        code=ErrorCode.OPERATION_FAILED,
    )
    _refused(
        conn,
        lambda: conn.define_storage_pool("<pool type='dir'><name>p</name>"),
        code=ErrorCode.XML_DETAIL,
    )
    pool = conn.lookup_storage_pool_by_name("default-pool")
    _refused(
        conn,
        lambda: pool.create_volume("<volume><name>v</name><capacity>-1</capacity></volume>"),
        kind=pyvirt.VirtError,
    )


def test_a_driver_refuses_a_typed_parameter_whose_value_does_not_fit_its_type() -> None:
    """Over the wire a UINT parameter can carry -5 (in C its type would hold it): the
    drivers' validation refuses it with libvirt's invalid-argument error, not only wrong
    names and types."""
    from pyvirt._core_enums import TypedParameterType as T
    from pyvirt._records import TypedParameter
    from pyvirt._typed_params import validate_typed_params

    allowed = {"weight": T.UINT}
    assert validate_typed_params([TypedParameter("weight", T.UINT, 5)], allowed) == {"weight": 5}
    with pytest.raises(pyvirt.VirtError) as err:
        validate_typed_params([TypedParameter("weight", T.UINT, -5)], allowed)
    assert err.value.code == pyvirt.ErrorCode.INVALID_ARG
