"""Domain snapshots through pyvirt's own API: the handle, its asyncio twin, the XML model,
errors that are the builtins a caller expects, and hostile XML refused with state unchanged.

(The behaviour itself is compared with libvirt in tests/test_cli_snapshots.py and by the
program tests/data/libvirt_programs/snapshots.py.)
"""

from __future__ import annotations

import asyncio

import pytest
import pyvirt
import pyvirt.aio
from pyvirt import DomainSnapshotListFlags as L
from pyvirt.conf import format_snapshot_xml, parse_snapshot_xml


@pytest.fixture(params=["test:///default", "test+unix:///default"], ids=["local", "daemon"])
def conn(request: pytest.FixtureRequest):
    if request.param.startswith("test+unix"):
        request.getfixturevalue("daemon_uri")
    with pyvirt.open(request.param) as c:
        yield c


def _names(snaps: list[pyvirt.DomainSnapshot]) -> list[str]:
    return sorted(s.name for s in snaps)


def test_tree_filters_and_handles(conn) -> None:
    dom = conn.lookup_domain_by_name("test")
    a = dom.snapshot_create_xml("<domainsnapshot><name>a</name></domainsnapshot>")
    b = dom.snapshot_create_xml(
        "<domainsnapshot><name>b</name></domainsnapshot>", pyvirt.DomainSnapshotCreateFlags.HALT
    )
    c = dom.snapshot_create_xml("<domainsnapshot><name>c</name></domainsnapshot>")
    try:
        assert dom.state()[0] == pyvirt.DomainState.SHUTOFF
        assert _names(dom.list_snapshots()) == ["a", "b", "c"]
        assert _names(dom.list_snapshots(L.ROOTS)) == ["a"]
        assert _names(dom.list_snapshots(L.LEAVES)) == ["c"]
        assert _names(dom.list_snapshots(L.INACTIVE)) == ["c"]
        assert _names(dom.list_snapshots(L.ACTIVE)) == ["a", "b"]
        assert [s.name for s in dom.list_snapshots(L.TOPOLOGICAL)] == ["a", "b", "c"]
        assert dom.snapshot_num() == 3 and sorted(dom.snapshot_names()) == ["a", "b", "c"]
        assert _names(a.list_children()) == ["b"]
        assert _names(a.list_children(L.DESCENDANTS)) == ["b", "c"]
        assert a.num_children(L.DESCENDANTS) == 2 and a.children_names() == ["b"]
        assert c.parent() == b and b.parent() == a
        assert dom.snapshot_current() == c and c.is_current() and not a.is_current()
        assert dom.snapshot_lookup_by_name("b") == b and hash(b) == hash(dom.list_snapshots()[1])
        assert b.domain == dom and "'b' of 'test'" in repr(b)
        with pytest.raises(pyvirt.NoDomainSnapshotError) as missing:
            a.parent()
        assert isinstance(missing.value, LookupError)
        assert missing.value.code == pyvirt.ErrorCode.NO_DOMAIN_SNAPSHOT
        b.delete()
        assert c.parent() == a
        a.revert()
        assert dom.state() == (pyvirt.DomainState.RUNNING, pyvirt.DomainRunningReason.FROM_SNAPSHOT)
        with pytest.raises(pyvirt.InvalidArgError) as both:
            a.revert(
                pyvirt.DomainSnapshotRevertFlags.RUNNING | pyvirt.DomainSnapshotRevertFlags.PAUSED
            )
        assert both.value.domain == pyvirt.ErrorDomain.DOMAIN_SNAPSHOT
    finally:
        for snap in dom.list_snapshots(L.ROOTS):
            snap.delete(pyvirt.DomainSnapshotDeleteFlags.CHILDREN)
        if not dom.is_active():
            dom.start()
    assert dom.list_snapshots() == [] and not dom.has_current_snapshot()


def test_snapshots_travel_with_the_domain_they_belong_to(conn) -> None:
    dom = conn.lookup_domain_by_name("test")
    snap = dom.snapshot_create_xml("<domainsnapshot><name>s</name></domainsnapshot>")
    try:
        other = conn.define_domain(
            "<domain type='test'><name>other</name><memory>1024</memory>"
            "<os><type>hvm</type></os></domain>"
        )
        try:
            with pytest.raises(pyvirt.NoDomainSnapshotError):
                other.snapshot_lookup_by_name("s")
            assert other.list_snapshots() == []
        finally:
            other.undefine()
        assert snap.ref == pyvirt.DomainSnapshotRef(dom.ref, "s")
    finally:
        snap.delete()


@pytest.mark.parametrize(
    "document",
    [
        # billion laughs: refused before any expansion
        '<!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        "<domainsnapshot><name>&b;</name></domainsnapshot>",
        # external entity
        '<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        "<domainsnapshot><description>&x;</description></domainsnapshot>",
        # too big to read at all
        "<domainsnapshot><description>"
        + "x" * (11 * 1024 * 1024)
        + "</description></domainsnapshot>",
        # deeply nested
        "<domainsnapshot>" + "<a>" * 5000 + "</a>" * 5000 + "</domainsnapshot>",
    ],
    ids=["entity-expansion", "external-entity", "oversized", "deep"],
)
def test_hostile_snapshot_xml_is_refused_and_nothing_changes(conn, document: str) -> None:
    dom = conn.lookup_domain_by_name("test")
    before = (dom.state(), dom.xml_desc(), _names(dom.list_snapshots()))
    with pytest.raises(pyvirt.VirtError) as refused:
        dom.snapshot_create_xml(document)
    # Through the daemon an oversized document stops at the wire's string limit (libvirt's
    # is the same 4 MiB): an RPC error, and the connection carries on.
    assert refused.value.code in (
        pyvirt.ErrorCode.XML_ERROR,
        pyvirt.ErrorCode.XML_DETAIL,
        pyvirt.ErrorCode.RPC,
    )
    assert (dom.state(), dom.xml_desc(), _names(dom.list_snapshots())) == before


def test_read_only_connections_cannot_change_snapshots() -> None:
    with pyvirt.open("test:///default") as rw, pyvirt.open("test:///default", read_only=True) as ro:
        snap = rw.lookup_domain_by_name("test").snapshot_create_xml("<domainsnapshot/>")
        try:
            dom = ro.lookup_domain_by_name("test")
            mine = dom.snapshot_lookup_by_name(snap.name)
            for change in (
                lambda: dom.snapshot_create_xml("<domainsnapshot/>"),
                mine.revert,
                mine.delete,
            ):
                with pytest.raises(pyvirt.OperationDeniedError) as denied:
                    change()
                assert denied.value.domain == pyvirt.ErrorDomain.DOMAIN_SNAPSHOT
            with pytest.raises(pyvirt.OperationDeniedError, match="secure flag"):
                mine.xml_desc(pyvirt.DomainSnapshotXMLFlags.SECURE)
            assert "<domainsnapshot>" in mine.xml_desc()
        finally:
            snap.delete()


@pytest.mark.parametrize(
    "uri", ["test:///default", "test+unix:///default"], ids=["local", "daemon"]
)
def test_the_asyncio_twin(uri: str, request: pytest.FixtureRequest) -> None:
    if uri.startswith("test+unix"):
        request.getfixturevalue("daemon_uri")

    async def scenario() -> list[str]:
        async with await pyvirt.aio.open(uri) as conn:
            dom = await conn.lookup_domain_by_name("test")
            a = await dom.snapshot_create_xml("<domainsnapshot><name>a</name></domainsnapshot>")
            b = await dom.snapshot_create_xml("<domainsnapshot><name>b</name></domainsnapshot>")
            assert isinstance(b, pyvirt.aio.AsyncDomainSnapshot)
            seen = [s.name for s in await dom.list_snapshots(L.TOPOLOGICAL)]
            seen.append((await b.parent()).name)
            seen.append(str(await (await dom.snapshot_current()).is_current()))
            await a.delete(pyvirt.DomainSnapshotDeleteFlags.CHILDREN)
            seen.append(str(await dom.has_current_snapshot()))
            return seen

    assert asyncio.run(scenario()) == ["a", "b", "a", "True", "False"]


def test_xml_model_round_trip() -> None:
    xml = (
        "<domainsnapshot><name>r</name><description>x &amp; y</description>"
        "<state>paused</state><parent><name>p</name></parent><creationTime>42</creationTime>"
        "<memory snapshot='internal'/><disks><disk name='vda' snapshot='internal'/></disks>"
        "<domain type='test'><name>d</name><uuid>6695eb01-f6a4-8304-79aa-97f2502e0002</uuid>"
        "<memory>1024</memory><os><type>hvm</type></os></domain></domainsnapshot>"
    )
    snap = parse_snapshot_xml(xml, redefine=True)
    assert (snap.name, snap.state, snap.parent, snap.creation_time) == ("r", "paused", "p", 42)
    text = format_snapshot_xml(snap)
    assert text.startswith(
        "<domainsnapshot>\n  <name>r</name>\n  <description>x &amp; y</description>\n"
        "  <state>paused</state>\n  <parent>\n    <name>p</name>\n  </parent>\n"
        "  <creationTime>42</creationTime>\n  <memory snapshot='internal'/>\n"
    )
    assert "  <domain type='test'>\n    <name>d</name>\n" in text
    assert format_snapshot_xml(parse_snapshot_xml(text, redefine=True)) == text


@pytest.mark.parametrize(
    ("xml", "message"),
    [
        ("<domainsnapshot/>", "a redefined snapshot must have a name"),
        ("<domainsnapshot><name>r</name></domainsnapshot>", "missing creationTime"),
        (
            "<domainsnapshot><name>r</name><creationTime>1</creationTime></domainsnapshot>",
            "missing state",
        ),
        (
            "<domainsnapshot><name>r</name><creationTime>1</creationTime>"
            "<state>sleepy</state></domainsnapshot>",
            "Invalid state 'sleepy'",
        ),
    ],
)
def test_redefinitions_must_describe_an_existing_snapshot(xml: str, message: str) -> None:
    with pytest.raises(pyvirt.VirtError, match=message):
        parse_snapshot_xml(xml, redefine=True)


def test_external_snapshot_file_names_follow_libvirts_rule(tmp_path, monkeypatch):
    """The disk's suffix is replaced by the snapshot's name (from the last '.' that no '/'
    follows); a relative path stays relative, a name without suffix keeps it whole."""
    from pyvirt.conf._snapshot import _external_name

    monkeypatch.chdir(tmp_path)
    for name in ("disk.img", "plain"):
        (tmp_path / name).touch()
    (tmp_path / "d.x").mkdir()
    (tmp_path / "d.x" / "f").touch()
    assert _external_name("vda", "disk.img", "s1") == "disk.s1"
    assert _external_name("vda", str(tmp_path / "disk.img"), "s1") == f"{tmp_path}/disk.s1"
    assert _external_name("vda", str(tmp_path / "plain"), "s1") == f"{tmp_path}/plain.s1"
    assert _external_name("vda", str(tmp_path / "d.x" / "f"), "s1") == f"{tmp_path}/d.x/f.s1"
