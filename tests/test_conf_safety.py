"""Hostile XML must give a clean libvirt-style error: no entity expansion, no file or network
reads, bounded input size; malformed input reports libxml2's text in libvirt's layout."""

from __future__ import annotations

import pytest
from pyvirt._codes import ErrorCode, ErrorDomain
from pyvirt._errors import VirtError, XMLError
from pyvirt._xml import MAX_XML_BYTES
from pyvirt.conf import parse_domain_xml, parse_network_xml, parse_pool_xml, parse_volume_xml

BODY = "<memory>1</memory><os><type>hvm</type></os></domain>"


def _laughs() -> str:
    ents = '<!ENTITY a0 "lol">' + "".join(
        f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10)
    )
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE domain [{ents}]>\n'
        f'<domain type="test"><name>&a9;</name>{BODY}'
    )


HOSTILE = {
    "billion_laughs": _laughs(),
    "external_file": '<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
    f'<domain type="test"><name>&x;</name>{BODY}',
    "parameter_entity": '<!DOCTYPE d [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>\n'
    f'<domain type="test"><name>x</name>{BODY}',
    "network_entity": '<!DOCTYPE d [<!ENTITY x SYSTEM "http://127.0.0.1:9/x">]>\n'
    f'<domain type="test"><name>&x;</name>{BODY}',
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_entity_documents_are_refused(name: str) -> None:
    with pytest.raises(XMLError) as info:
        parse_domain_xml(HOSTILE[name])
    err = info.value
    assert err.code == ErrorCode.XML_ERROR and err.domain == ErrorDomain.DOMAIN
    assert err.message == "XML error: entity declarations are not allowed in the document"
    assert "root:" not in err.message  # nothing from /etc/passwd leaks


@pytest.mark.parametrize("parse", [parse_network_xml, parse_pool_xml, parse_volume_xml])
def test_entities_refused_for_every_kind(parse) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(XMLError):
        parse(
            '<!DOCTYPE n [<!ENTITY x SYSTEM "file:///etc/passwd">]><network><name>&x;</name>'
            "</network>"
        )


def test_external_dtd_is_not_loaded() -> None:
    # A plain DOCTYPE naming an external DTD is accepted (libvirt accepts it) but never fetched.
    d = parse_domain_xml(
        '<!DOCTYPE domain SYSTEM "http://127.0.0.1:9/x.dtd">\n'
        f'<domain type="test"><name>x</name>{BODY}'
    )
    assert d.name == "x"


def test_undeclared_entity_is_a_parse_error() -> None:
    with pytest.raises(XMLError) as info:
        parse_domain_xml("<domain>&foo;</domain>")
    assert info.value.code == ErrorCode.XML_DETAIL
    assert info.value.message == (
        "(domain_definition):1: Entity 'foo' not defined\n<domain>&foo;</domain>\n-------------^"
    )


def test_oversized_input_is_refused_before_parsing() -> None:
    big = (
        f'<domain type="test"><name>x</name><description>{"a" * MAX_XML_BYTES}</description>{BODY}'
    )
    with pytest.raises(XMLError) as info:
        parse_domain_xml(big)
    assert info.value.code == ErrorCode.XML_ERROR
    assert "exceeds the limit of 10485760 bytes" in info.value.message


def test_deep_nesting_is_bounded() -> None:
    # libxml2 (without huge_tree) refuses absurd nesting depth instead of recursing forever.
    deep = '<domain type="test"><name>x</name><metadata>' + "<a>" * 100000
    with pytest.raises(VirtError):
        parse_domain_xml(deep)


# libxml2 error texts in libvirt's layout, checked against libvirt 9.0's python binding.
PARSE_ERRORS = [
    (
        '<domain type="test">\n  <name>x</name>\n  <memory>1</memory\n</domain>',
        "(domain_definition):4: expected '>'\n</domain>\n^",
    ),
    (
        '<domain type="test">\n  <name>x</nam>\n</domain>\n',
        "(domain_definition):2: Opening and ending tag mismatch: name line 2 and nam\n"
        "  <name>x</nam>\n---------------^",
    ),
    (
        '<domain>\n<a b="1" b="2"/></domain>',
        '(domain_definition):2: Attribute b redefined\n<a b="1" b="2"/></domain>\n--------------^',
    ),
    ("", "(domain_definition):1: Document is empty\n(null)\n^"),
    ("   ", "(domain_definition):1: Start tag expected, '<' not found\n   \n---^"),
    ("hello", "(domain_definition):1: Start tag expected, '<' not found\nhello\n^"),
    (
        "<domain></domain><x/>",
        "(domain_definition):1: Extra content at the end of the document\n"
        "<domain></domain><x/>\n-----------------^",
    ),
    (
        "<domain>\n\n\n",
        "(domain_definition):4: Premature end of data in tag domain line 1\n(null)\n^",
    ),
    (
        "<domain>\t<a>\t\t</b></domain>",
        "(domain_definition):1: Opening and ending tag mismatch: a line 1 and b\n"
        "<domain>\t<a>\t\t</b></domain>\n--------\t---\t\t----^",
    ),
    (
        '<domain type="test"><name>x\x01</name></domain>',
        "(domain_definition):1: PCDATA invalid Char value 1\n"
        '<domain type="test"><name>x\x01</name></domain>\n---------------------------^',
    ),
]


@pytest.mark.parametrize(("xml", "message"), PARSE_ERRORS)
def test_parse_error_text_matches_libvirt(xml: str, message: str) -> None:
    with pytest.raises(XMLError) as info:
        parse_domain_xml(xml)
    assert info.value.code == ErrorCode.XML_DETAIL
    assert info.value.domain == ErrorDomain.DOMAIN
    assert info.value.message == message


def test_comments_and_undefined_prefixes_are_tolerated() -> None:
    d = parse_domain_xml(f'<!-- c --><domain type="test"><!-- c --><name>x</name><foo:bar/>{BODY}')
    assert d.name == "x"


@pytest.mark.parametrize("bad", ["'><evil/>", "&lt;script&gt;", '"quoted"'])
def test_hostile_text_is_escaped_on_output(bad: str) -> None:
    from pyvirt.conf import format_domain_xml

    d = parse_domain_xml(
        f'<domain type="test"><name>x</name><description>{bad}</description>{BODY}'
    )
    out = format_domain_xml(d)
    assert "<evil/>" not in out and "<script>" not in out
    assert parse_domain_xml(out).description == d.description
