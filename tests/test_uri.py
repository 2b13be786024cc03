"""Connection URIs: libvirt's grammar, its error messages and its formatting."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import pyvirt
from hypothesis import given, settings
from hypothesis import strategies as st
from pyvirt import ErrorCode, ErrorDomain, _uri, parse_uri
from pyvirt._uri import TRANSPORTS
from real_libvirt import ask_real_libvirt

MALFORMED = [
    "test:///de fault",
    "1abc:///x",
    "test:///a%zz",
    "test://host:abc/default",
    "test:///default?a=b c",
    "test:///x|y",
    "test://a@b@c/x",
    "test://host:99999/default",
]
NO_DRIVER_NAME = ["/path", "relative/path", "test"]


@pytest.mark.parametrize("text", MALFORMED)
def test_malformed_uri_is_an_internal_error_in_the_uri_domain(text: str) -> None:
    with pytest.raises(pyvirt.InternalError) as info:
        parse_uri(text)
    assert str(info.value) == f"internal error: Unable to parse URI {text}"
    assert info.value.code == ErrorCode.INTERNAL_ERROR
    assert info.value.domain == ErrorDomain.URI


@pytest.mark.parametrize("text", NO_DRIVER_NAME)
def test_uri_without_scheme_says_it_has_no_driver_name(text: str) -> None:
    with pytest.raises(pyvirt.NoConnectError) as info:
        parse_uri(text)
    assert str(info.value) == (
        f"no connection driver available for URI '{text}' does not include a driver name"
    )
    assert info.value.code == ErrorCode.NO_CONNECT


def test_open_reports_parse_errors_before_looking_for_a_driver(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PYVIRT_CONFIG", str(tmp_path / "absent.conf"))
    with pytest.raises(pyvirt.InternalError, match="Unable to parse URI test:///de fault"):
        pyvirt.open("test:///de fault")


def test_malformed_uri_errors_match_the_real_library() -> None:
    texts = [t for t in MALFORMED + NO_DRIVER_NAME if t != "test://host:99999/default"]
    answers = ask_real_libvirt([f"libvirt.open({t!r})" for t in texts])
    for text, real in zip(texts, answers, strict=True):
        with pytest.raises(pyvirt.VirtError) as info:
            parse_uri(text)
        assert not real["ok"], text
        assert (int(info.value.code), int(info.value.domain), str(info.value)) == (
            real["code"],
            real["domain"],
            real["message"],
        )


@pytest.mark.parametrize(
    ("text", "formatted"),
    [
        ("test:/default", "test:///default"),
        ("test:///default", "test:///default"),
        ("test:///default?x=1", "test:///default?x=1"),
        ("test:///default#frag", "test:///default#frag"),
        ("test:///default?x=%41", "test:///default?x=%41"),
        ("qemu+tls://[fe80::1]:16514/system", "qemu+tls://[fe80::1]:16514/system"),
        ("qemu+ssh://root@host.example:2222/system", "qemu+ssh://root@host.example:2222/system"),
    ],
)
def test_uri_formats_as_libvirt_does(text: str, formatted: str) -> None:
    assert str(parse_uri(text)) == formatted


def test_formatting_matches_the_real_test_driver() -> None:
    texts = ["test:/default", "test:///default", "test:///default?x=1", "test:///default#frag"]
    answers = ask_real_libvirt([f"libvirt.open({t!r}).getURI()" for t in texts])
    assert [str(parse_uri(t)) for t in texts] == [a["value"] for a in answers]


def test_uri_parts_are_split_and_unescaped() -> None:
    uri = parse_uri("qemu+ssh://us%65r@host.example:2222/system?keyfile=%2Froot%2Fk&no_verify=1")
    assert (uri.scheme, uri.driver, uri.transport) == ("qemu+ssh", "qemu", "ssh")
    assert (uri.user, uri.server, uri.port, uri.path) == ("user", "host.example", 2222, "/system")
    assert uri.param("keyfile") == "/root/k"
    assert uri.param("no_verify") == "1"
    assert uri.param("absent") is None


def test_ipv6_host_loses_its_brackets_and_gets_them_back() -> None:
    uri = parse_uri("qemu+tls://[fe80::1]:16514/system")
    assert uri.server == "fe80::1"
    assert str(uri) == "qemu+tls://[fe80::1]:16514/system"


@pytest.mark.parametrize("transport", ["tls", "unix", "ssh", "ext", "tcp", "libssh2", "libssh"])
def test_every_libvirt_transport_is_the_part_after_the_plus(transport: str) -> None:
    uri = parse_uri(f"qemu+{transport}://host/system")
    assert uri.driver == "qemu"
    assert uri.transport == transport
    assert transport in TRANSPORTS


def test_local_uri_has_no_server_and_no_transport() -> None:
    uri = parse_uri("test:///default")
    assert uri.server is None
    assert uri.transport is None
    assert uri.path == "/default"


def test_query_params_split_on_ampersand_and_semicolon_and_last_value_wins() -> None:
    uri = parse_uri("test:///default?a=b&c=d;e=f+g&a=z&flag")
    assert uri.params == (("a", "b"), ("c", "d"), ("e", "f g"), ("a", "z"), ("flag", ""))
    assert uri.param("a") == "z"
    assert uri.query == "a=b&c=d;e=f+g&a=z&flag"


def test_uri_is_a_frozen_value() -> None:
    assert parse_uri("test:///default") == parse_uri("test:/default")
    with pytest.raises(AttributeError):
        parse_uri("test:///default").path = "/other"  # type: ignore[misc]


# The pattern the URI parser was written as; the parser scans instead (so that opening a
# connection need not import re) and must split every text exactly as this does.
_REFERENCE = rf"""^(?P<scheme>[A-Za-z][A-Za-z0-9+\-.]*):
    (?://(?P<authority>(?:[{_uri._UNRESERVED}{_uri._SUB_DELIMS}:@\[\]]|{_uri._PCT})*))?
    (?P<path>(?:{_uri._PCHAR}|/)*)
    (?:\?(?P<query>(?:{_uri._PCHAR}|[/?])*))?
    (?:\#(?P<fragment>(?:{_uri._PCHAR}|[/?])*))?$"""
_PIECES = st.text(alphabet="aZ09+-._~!$&'()*,;=:@/?#[]%fA \né|", max_size=24)


@settings(max_examples=3000, deadline=None)
@given(
    st.one_of(
        _PIECES,
        st.builds(
            str.__add__,
            st.sampled_from(["test:", "test+unix://", "a1.b-c+d:", "qemu://h/", "t:/%4", "9:"]),
            _PIECES,
        ),
    )
)
def test_the_scan_splits_a_uri_as_the_reference_pattern_does(text: str) -> None:
    match = re.match(_REFERENCE, text, re.VERBOSE)
    assert _uri._split(text) == (None if match is None else match.groups())
