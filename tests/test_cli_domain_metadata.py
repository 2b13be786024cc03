"""A domain's title, description and custom XML metadata: virsh's ``desc`` and ``metadata``
and libvirt-python's ``setMetadata`` / ``metadata``, compared with the real virsh and binding
byte for byte, in process and through the daemons (virsh → libvirtd, pyvirsh → pyvirtd).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import pyvirt
from cli_helpers import compare, needs_virsh
from libvirt_compat import assert_same_answers, real_binding_available

NS = "http://example.org/ns/"


def on(uri: str, *commands: str) -> None:
    compare("-c", uri, "; ".join(commands))


@needs_virsh
def test_description_and_title_live_and_config(uri):
    on(
        uri,
        "desc test",
        "desc test --title",
        "desc test --new-desc hello world",
        "desc test",
        "desc test --config",
        "desc test --title --new-desc 'a title'",
        "desc test --title",
        "desc test --config --title --new-desc 'next boot'",
        "desc test --config --title",
        "desc test --title",
        "dumpxml test",
        "dumpxml test --inactive",
        "desc test --title ''",
        "desc test --title",
        "destroy test",
        "desc test --title",
        "desc test",
    )


@needs_virsh
def test_a_live_change_leaves_the_next_boot_alone(uri):
    on(uri, "desc test --live --new-desc now", "destroy test", "desc test", "start test", "desc test")
    on(uri, "setmem test 1000 --live", "dumpxml test --inactive", "dumpxml test")


@needs_virsh
def test_metadata_set_get_replace_and_remove(uri):
    on(
        uri,
        f"metadata test {NS}",
        f"metadata test --uri {NS} --key k --set '<a b=\"1\"><c>x</c><d/></a>'",
        f"metadata test --uri {NS}",
        "dumpxml test",
        f"metadata test --uri {NS} --key k2 --set '<other xmlns:q=\"urn:q\"><q:b/>t</other>'",
        f"metadata test --uri {NS}",
        "metadata test --uri urn:second --key s --set '<s/>'",
        "dumpxml test",
        f"metadata test --uri {NS} --remove",
        f"metadata test --uri {NS}",
        "metadata test --uri urn:second --remove",
        "dumpxml test",
        f"metadata test --uri {NS} --config --key k --set '<cfg/>'",
        f"metadata test --uri {NS} --config",
        f"metadata test --uri {NS}",
        "dumpxml test --inactive",
    )


@pytest.mark.parametrize(
    "command",
    [
        "desc nosuch",
        "desc test --current --live",
        "desc test --current --config",
        "desc test --title --new-desc 'two\nlines'",
        "desc test --bogus",
        "metadata test",
        "metadata nosuch --uri u",
        f"metadata test --uri {NS} --set '<a/>'",
        f"metadata test --uri {NS} --key k --set 'not<xml'",
        f"metadata test --uri {NS} --key k --set '<a/><b/>'",
        f"metadata test --uri {NS} --key 'bad key' --set '<a/>'",
        f"metadata test --uri {NS} --key k --set ''",
        f"metadata test --uri {NS} --key k --set '<a/>' --remove",
        f"metadata test --uri {NS} --live --config",
        f"metadata test --uri {NS} --current --live",
        "metadata test --uri ''",
        "help desc",
        "help metadata",
    ],
)
@needs_virsh
def test_options_and_bad_input(uri, command):
    compare("-c", uri, command)


@needs_virsh
def test_wrong_state(uri):
    on(uri, "destroy test", "desc test --live --new-desc x", f"metadata test --uri {NS} --live")
    on(uri, "destroy test", f"metadata test --uri {NS} --live --key k --set '<a/>'")


@needs_virsh
def test_read_only_connections_may_read_but_not_change(uri):
    compare("-r", "-c", uri, "desc test; desc test --title")
    compare("-r", "-c", uri, "desc test --new-desc x")
    compare("-r", "-c", uri, f"metadata test --uri {NS} --key k --set '<a/>'")
    compare("-r", "-c", uri, f"metadata test --uri {NS} --remove")


def test_public_api() -> None:
    with pyvirt.open("test:///default") as conn:
        dom = conn.lookup_domain_by_name("test")
        dom.set_metadata(pyvirt.DomainMetadataType.TITLE, "T")
        assert dom.metadata(pyvirt.DomainMetadataType.TITLE) == "T"
        dom.set_metadata(pyvirt.DomainMetadataType.ELEMENT, "<a><b/></a>", "k", NS)
        assert dom.metadata(pyvirt.DomainMetadataType.ELEMENT, NS) == "<a>\n  <b/>\n</a>"
        assert f'<k:a xmlns:k="{NS}">' in dom.xml_desc()
        with pytest.raises(pyvirt.VirtError) as missing:
            dom.metadata(pyvirt.DomainMetadataType.ELEMENT, "urn:none")
        assert missing.value.code == pyvirt.ErrorCode.NO_DOMAIN_METADATA
        with pytest.raises(pyvirt.InvalidArgError, match="must not be NULL"):
            dom.set_metadata(pyvirt.DomainMetadataType.ELEMENT, "<a/>", "k")
        with pytest.raises(pyvirt.XMLError):
            dom.set_metadata(pyvirt.DomainMetadataType.ELEMENT, "<a>", "k", NS)
        assert dom.metadata(pyvirt.DomainMetadataType.ELEMENT, NS) == "<a>\n  <b/>\n</a>"
        with pytest.raises(pyvirt.InvalidArgError, match="unknown metadata type"):
            dom.set_metadata(9, "x")


_PROGRAM = r'''
rd = r.lookupByName("test")
NS = "http://example.org/ns/"


for expr in [
    "d.metadata(0, None, 0)", "d.metadata(1, None)", "d.metadata(2, None, 0)",
    "d.metadata(2, NS, 0)", "d.metadata(3, None, 0)", "d.metadata(0, None, 4)",
    "d.metadata(0, None, 3)", "d.metadata(0, NS, 0)", "d.metadata('x', None)",
    "d.setMetadata(0, 'hi', None, None, 0)", "d.metadata(0, None, 0)",
    "d.setMetadata(0, 'hi', 'k', None, 0)", "d.setMetadata(0, 'hi', None, NS, 0)",
    "d.setMetadata(1, 'a\\nb', None, None, 0)", "d.setMetadata(1, '', None, None, 0)",
    "d.metadata(1, None, 0)", "d.setMetadata(1, None, None, None, 0)",
    "d.setMetadata(2, '<a/>', None, None, 0)", "d.setMetadata(2, '<a/>', 'k', None, 0)",
    "d.setMetadata(2, '<a/>', None, NS, 0)", "d.setMetadata(2, '<a>x<b/></a>', 'k', NS, 0)",
    "d.metadata(2, NS, 0)", "d.setMetadata(2, '<a/><b/>', 'k', NS, 0)",
    "d.setMetadata(2, 'junk', 'k', NS, 0)", "d.setMetadata(2, '<a/>', '1k', NS, 0)",
    "d.setMetadata(2, None, 'k', NS, 0)", "d.metadata(2, NS, 0)",
    "d.setMetadata(5, 'x', None, None, 0)", "d.setMetadata(0, 'x', None, None, 8)",
    "d.setMetadata(0, 'x', None, None, 3)", "d.setMetadata(0, 'y', None, None, 2)",
    "d.metadata(0, None, 2)", "d.metadata(0, None, 1)", "d.metadata(0, None, 0)",
    "d.setMetadata(0, 7, None, None, 0)",
    "d.setMetadata(0, None, 7, None, 0)", "d.setMetadata(0, None, None, 7, 0)",
    "d.metadata(0, 7, 0)",
    "rd.setMetadata(0, 'x', None, None, 0)", "rd.setMetadata(9, 'x', 'k', 'u', 0)",
    "rd.metadata(0, None, 0)",
]:
    ask(expr)
d.destroy()
for expr in ["d.setMetadata(0, 'x', None, None, 1)", "d.metadata(0, None, 1)",
             "d.setMetadata(0, 'off', None, None, 0)", "d.metadata(0, None, 2)",
             "d.metadata(0, None, 0)"]:
    ask(expr)
print(d.XMLDesc(0))
t = c.createXML("<domain type='test'><name>tr</name><memory>1024</memory>"
                "<os><type>hvm</type></os></domain>")
for expr in ["t.setMetadata(0, 'x', None, None, 2)", "t.metadata(0, None, 2)",
             "t.setMetadata(0, 'x', None, None, 0)", "t.metadata(0, None, 0)"]:
    ask(expr)
t.destroy()
'''


@pytest.mark.skipif(not real_binding_available(), reason="the real binding is missing")
def test_libvirt_python_answers_match_the_real_binding(uri: str, tmp_path: Path) -> None:
    assert_same_answers(_PROGRAM, uri, tmp_path)
