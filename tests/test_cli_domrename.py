"""Renaming a domain: virsh's ``domrename`` and libvirt's virDomainRename, with its state
rules (only inactive, persistent domains), its errors and its events, compared with the real
virsh and binding in process and through the daemons.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import pyvirt
from cli_helpers import compare, needs_virsh
from libvirt_compat import assert_same_answers, real_binding_available

UUID = "6695eb01-f6a4-8304-79aa-97f2502e193f"


def on(uri: str, *commands: str) -> None:
    compare("-c", uri, "; ".join(commands))


@needs_virsh
def test_rename_an_inactive_domain(uri):
    on(
        uri,
        "destroy test",
        "domrename test renamed",
        "list --all",
        "dominfo renamed",
        "dumpxml renamed",
        "domrename test again",
        f"domrename {UUID} by-uuid",
        "start by-uuid",
        "list --all",
    )


@needs_virsh
def test_snapshots_and_descriptions_follow_the_domain(uri):
    on(
        uri,
        "destroy test",
        "desc test --new-desc kept",
        "snapshot-create-as test s1",
        "domrename test r2",
        "desc r2",
        "snapshot-list r2 --name",
    )


@pytest.mark.parametrize(
    "command",
    [
        "domrename test new",
        "destroy test; domrename test test",
        "destroy test; domrename test ''",
        "destroy test; domrename test 'a/b'; list --all",
        "destroy test; domrename 1 x",
        "domrename nosuch x",
        "domrename test",
        "domrename",
        "domrename test x --bogus",
        "help domrename",
    ],
)
@needs_virsh
def test_state_rules_and_bad_input(uri, command):
    compare("-c", uri, command)


@needs_virsh
def test_read_only_connections_may_not_rename(uri):
    compare("-r", "-c", uri, "domrename test x")


def test_events_and_handles() -> None:
    with pyvirt.open("test:///default") as conn:
        dom = conn.lookup_domain_by_name("test")
        seen: list[pyvirt.ObjectEvent] = []
        conn.register_event_callback(lambda c, e: seen.append(e))
        dom.destroy()
        dom.rename("renamed")
        assert conn.lookup_domain_by_name("renamed").uuid == dom.uuid
        with pytest.raises(pyvirt.NoDomainError):
            conn.lookup_domain_by_name("test")
        assert dom.info().state == pyvirt.DomainState.SHUTOFF  # the UUID still finds it
        with pytest.raises(pyvirt.InvalidArgError, match="unsupported flags"):
            dom.rename("x", 1)
    renamed = [(e.name, e.event, e.detail) for e in seen if e.kind == "domain"][-2:]
    assert renamed == [
        ("test", pyvirt.DomainEventType.UNDEFINED, pyvirt.DomainEventUndefinedDetail.RENAMED),
        ("renamed", pyvirt.DomainEventType.DEFINED, pyvirt.DomainEventDefinedDetail.RENAMED),
    ]


_PROGRAM = r'''


ask("d.rename('x', 0)")
d.destroy()
c.defineXML("<domain type='test'><name>other</name><memory>1024</memory>"
            "<os><type>hvm</type></os></domain>")
for expr in ["d.rename('x', 1)", "d.rename(None, 0)", "d.rename('', 0)", "d.rename(5, 0)",
             "d.rename('test', 0)", "d.rename('other', 0)", "d.rename('a/b', 0)",
             "r.lookupByName('test').rename('y', 0)", "d.rename('x')",
             "c.lookupByName('x').UUIDString()", "d.info()[0]", "d.rename('z', 0)",
             "sorted(c.listDefinedDomains())"]:
    ask(expr)
t = c.createXML("<domain type='test'><name>tr</name><memory>1024</memory>"
                "<os><type>hvm</type></os></domain>")
ask("t.rename('y', 0)")
'''


@pytest.mark.skipif(not real_binding_available(), reason="the real binding is missing")
def test_libvirt_python_answers_match_the_real_binding(uri: str, tmp_path: Path) -> None:
    assert_same_answers(_PROGRAM, uri, tmp_path)
