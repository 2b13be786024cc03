"""virsh's snapshot commands, pyvirsh against the real virsh 9.0: stdout, stderr and exit
status, in process (test:///default) and through the daemons (virsh -> libvirtd, pyvirsh ->
pyvirtd).

A snapshot records its creation time, and one made without a name is named after it, so
the two runs differ there by the clock alone: creation times (``<creationTime>``, the table's
date column) and ten-digit epoch names are blanked before comparing; nothing else is.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import pytest
from cli_helpers import needs_virsh, normalise, pyvirsh, virsh

pytestmark = needs_virsh

_CLOCK = (
    (re.compile(r"<creationTime>\d+</creationTime>"), "<creationTime>T</creationTime>"),
    (re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}"), "<date>"),
    (re.compile(r"\b1\d{9}\b"), "<epoch>"),
)


def _blank_clock(text: str) -> str:
    text = normalise(text)
    for pattern, replacement in _CLOCK:
        text = pattern.sub(replacement, text)
    return text


def compare(*args: str) -> None:
    theirs, ours = virsh(*args), pyvirsh(*args)
    for name, a, b in (("stdout", ours.out, theirs.out), ("stderr", ours.err, theirs.err)):
        a, b = _blank_clock(a), _blank_clock(b)
        if a != b:
            diff = "".join(difflib.unified_diff(b.splitlines(True), a.splitlines(True)))
            raise AssertionError(f"{name} differs for {args!r}:\n{diff}")
    assert ours.rc == theirs.rc, f"exit status differs for {args!r}: {ours.rc} != {theirs.rc}"


def on(uri: str, *commands: str) -> None:
    compare("-c", uri, "; ".join(commands))


def test_create_list_info_dumpxml_current_parent(uri):
    on(
        uri,
        "snapshot-create-as test s1 --description 'first & <one>'",
        "snapshot-create-as test s2",
        "snapshot-list test",
        "snapshot-list test --parent",
        "snapshot-list test --name",
        "snapshot-dumpxml test s2",
        "snapshot-dumpxml test s1 --security-info",
        "snapshot-info test s1",
        "snapshot-info test --current",
        "snapshot-current test",
        "snapshot-current test --name",
        "snapshot-parent test s2",
        "snapshot-parent test --current",
        "snapshot-parent test s1",
    )


def test_list_filters_and_tree(uri):
    on(
        uri,
        "snapshot-create-as test a",
        "snapshot-create-as test b --halt",
        "snapshot-create-as test c",
        "snapshot-current test a",
        "snapshot-create-as test d",
        "snapshot-list test --tree",
        "snapshot-list test --roots",
        "snapshot-list test --leaves",
        "snapshot-list test --no-leaves",
        "snapshot-list test --leaves --no-leaves",
        "snapshot-list test --inactive",
        "snapshot-list test --active",
        "snapshot-list test --active --inactive --name",
        "snapshot-list test --disk-only",
        "snapshot-list test --internal",
        "snapshot-list test --external",
        "snapshot-list test --metadata",
        "snapshot-list test --no-metadata",
        "snapshot-list test --topological --name",
        "snapshot-list test --from a",
        "snapshot-list test --from a --descendants --parent",
        "snapshot-list test --from a --tree",
        "snapshot-list test --from a --descendants --tree",
        "snapshot-list test --current --tree",
        "snapshot-list test --current --descendants --name",
    )


def test_list_option_conflicts(uri):
    on(
        uri,
        "snapshot-create-as test a",
        "snapshot-list test --tree --name",
        "snapshot-list test --parent --roots",
        "snapshot-list test --parent --tree",
        "snapshot-list test --roots --tree",
        "snapshot-list test --roots --from a",
        "snapshot-list test --roots --current",
        "snapshot-list test --leaves --tree",
        "snapshot-list test --descendants",
        "snapshot-list test --from a --current",
        "snapshot-list test --from nosuch",
    )


def test_unnamed_snapshots_and_created_from_a_file(uri, tmp_path: Path):
    xml = tmp_path / "snap.xml"
    xml.write_text("<domainsnapshot><name>f</name><description>d</description></domainsnapshot>")
    on(uri, "snapshot-create test", f"snapshot-create test {xml}", "snapshot-list test --name")


def test_revert_states(uri):
    on(
        uri,
        "snapshot-create-as test run",
        "snapshot-revert test run",
        "domstate test --reason",
        "suspend test",
        "snapshot-revert test run",
        "domstate test --reason",
        "snapshot-revert test run --paused",
        "domstate test --reason",
        "snapshot-revert test --current --running",
        "domstate test --reason",
        "dominfo test",
        "destroy test",
        "snapshot-revert test run",
        "domstate test --reason",
        "destroy test",
        "snapshot-create-as test off",
        "snapshot-revert test off --running",
        "domstate test --reason",
        "start test",
        "snapshot-revert test off",
        "domstate test --reason",
        "start test",
        "snapshot-revert test off --paused --force",
        "domstate test --reason",
        "snapshot-revert test run --running --paused",
        "snapshot-info test run",
    )


def test_delete_children_and_current(uri):
    on(
        uri,
        "snapshot-create-as test a",
        "snapshot-create-as test b",
        "snapshot-create-as test c",
        "snapshot-current test a",
        "snapshot-create-as test d",
        "snapshot-delete test b",
        "snapshot-list test --parent",
        "snapshot-current test --name",
        "snapshot-delete test a --children-only",
        "snapshot-list test --tree",
        "snapshot-create-as test e",
        "snapshot-delete test a --children",
        "snapshot-list test --name",
        "snapshot-current test",
        "snapshot-create-as test f",
        "snapshot-delete test --current",
        "snapshot-delete test f --metadata",
    )


def test_create_as_builds_the_xml(uri):
    on(
        uri,
        "snapshot-create-as test q --print-xml --description 'x & y'"
        " --memspec /m,snapshot=external"
        " --diskspec vda,snapshot=external,file=/y --diskspec vdb,stype=block,driver=qcow2,file=/d",
        "snapshot-create-as test --print-xml --no-metadata",
        "snapshot-create-as test q --memspec bogus=1",
        "snapshot-create-as test q --diskspec vda,bogus",
        "snapshot-create-as test q --diskspec vdz",
        "snapshot-create-as test q --diskspec vda --diskspec vda",
        "snapshot-create-as test q --diskspec vda,snapshot=no",
        "snapshot-create-as test q --diskspec vda,snapshot=internal",
    )


@pytest.mark.parametrize(
    "document",
    [
        "<foo/>",
        "<domainsnapshot><memory snapshot='bogus'/></domainsnapshot>",
        "<domainsnapshot><name>x</name>",
        "",
        "<domainsnapshot><disks><disk name='vdz'/></disks></domainsnapshot>",
        "<domainsnapshot><disks><disk snapshot='internal'/></disks></domainsnapshot>",
        "<domainsnapshot><name>r</name><state>running</state></domainsnapshot>",
    ],
    ids=["root", "memory", "truncated", "empty", "no-disk", "disk-without-name", "bad-redefine"],
)
def test_malformed_snapshot_xml(uri, tmp_path: Path, document: str):
    xml = tmp_path / "snap.xml"
    xml.write_text(document)
    on(uri, f"snapshot-create test {xml}", f"snapshot-create test {xml} --redefine")


@pytest.mark.parametrize(
    "command",
    [
        "snapshot-dumpxml test nosuch",
        "snapshot-info test nosuch",
        "snapshot-info test",
        "snapshot-info test x --current",
        "snapshot-info test --current",
        "snapshot-current test",
        "snapshot-parent test",
        "snapshot-revert test nosuch",
        "snapshot-revert test",
        "snapshot-delete test nosuch",
        "snapshot-delete test --current",
        "snapshot-list nosuch",
        "snapshot-dumpxml test",
        "snapshot-create test /nonexistent.xml",
        "snapshot-create test --no-metadata",
        "snapshot-create test --disk-only",
        "snapshot-create-as test --reuse-external",
        "snapshot-current test --name --snapshotname x",
        "snapshot-current test --snapshotname nosuch",
        "help snapshot-create-as",
        "help snapshot-list",
    ],
)
def test_missing_snapshots_and_bad_options(uri, command):
    compare("-c", uri, command)


def test_the_snapshot_group_in_help(uri):
    """virsh's listing has snapshot-edit too, which pyvirsh lacks: compared without it."""
    from cli_helpers import compare as compare_listing

    compare_listing("-c", uri, "help snapshot", listing=True)


def test_topological_order_follows_libvirts_links(uri):
    on(
        uri,
        "snapshot-create-as test a",
        "snapshot-create-as test b",
        "snapshot-current test a",
        "snapshot-create-as test c",
        "snapshot-current test a",
        "snapshot-create-as test d",
        "snapshot-current test b",
        "snapshot-create-as test e",
        "snapshot-list test --topological --name",
        "snapshot-list test --roots --topological --name",
        "snapshot-list test --from a --descendants --topological --name",
        "snapshot-delete test b",
        "snapshot-list test --topological --name --parent",
        "snapshot-list test --topological --parent",
    )


def test_transient_domains(uri, tmp_path: Path):
    xml = tmp_path / "tr.xml"
    xml.write_text(
        "<domain type='test'><name>tr</name><uuid>6695eb01-f6a4-8304-79aa-97f2502e1234</uuid>"
        "<memory>1024</memory><os><type>hvm</type></os></domain>"
    )
    on(
        uri,
        f"create {xml}",
        "snapshot-create-as tr --halt halted",
        "snapshot-create-as tr t1",
        "snapshot-revert tr t1",
        "domstate tr --reason",
        "snapshot-dumpxml tr t1",
        "destroy tr",
        "snapshot-list tr",
    )


def test_read_only_connections_may_look_but_not_change(uri):
    on(uri, "snapshot-create-as test a", "snapshot-list test --name")
    for command in (
        "snapshot-create-as test b",
        "snapshot-list test",
        "snapshot-current test",
        "snapshot-revert test --current",
        "snapshot-delete test --current",
    ):
        compare("-r", "-c", uri, command)


_TEST_UUID = "6695eb01-f6a4-8304-79aa-97f2502e193f"


def _redefinition(name: str, state: str, *, parent: str = "", uuid: str = _TEST_UUID) -> str:
    return (
        f"<domainsnapshot><name>{name}</name><state>{state}</state>"
        f"<creationTime>5</creationTime>{parent}<domain type='test'><name>test</name>"
        f"<uuid>{uuid}</uuid><memory>1024</memory><os><type>hvm</type></os><devices>"
        "<disk type='file' device='disk'><source file='/nonexistent/x.img'/>"
        "<target dev='vda'/></disk>"
        "<disk type='file' device='cdrom'><target dev='hdc'/></disk></devices></domain>"
        "</domainsnapshot>"
    )


def test_redefining_snapshots(uri, tmp_path: Path):
    files = {
        "ok": _redefinition("a", "running"),
        "off": _redefinition("b", "shutoff", parent="<parent><name>a</name></parent>"),
        "orphan": _redefinition("c", "shutoff", parent="<parent><name>zz</name></parent>"),
        "stranger": _redefinition("d", "shutoff", uuid="6695eb01-f6a4-8304-79aa-97f2502e0000"),
        "external": _redefinition("e", "running").replace(
            "<domain ", "<disks><disk name='vda' snapshot='external'/></disks><domain "
        ),
    }
    for key, text in files.items():
        (tmp_path / f"{key}.xml").write_text(text)
    on(
        uri,
        *(f"snapshot-create test {tmp_path / key}.xml --redefine" for key in files),
        "snapshot-list test --parent",
        "snapshot-current test",
        f"snapshot-create test {tmp_path / 'off'}.xml --redefine --current",
        "snapshot-current test --name",
        "snapshot-dumpxml test a",
        "snapshot-dumpxml test b",
        "snapshot-revert test b",
        "domstate test --reason",
        "snapshot-revert test a",
        "domstate test --reason",
    )


def test_external_memory_and_disk_files(uri, tmp_path: Path):
    disk = tmp_path / "y.img"
    on(
        uri,
        f"snapshot-create-as test x --memspec {tmp_path / 'm'},snapshot=external",
        f"snapshot-create-as test y --diskspec vda,snapshot=external,file={disk}"
        f" --memspec snapshot=external,file={tmp_path / 'mem'}",
        "snapshot-dumpxml test y",
        "snapshot-list test --external --name",
        "snapshot-list test --internal --name",
        "snapshot-info test y",
    )


def _listen_while(exe: str, uri: str, actions: str) -> str:
    """What ``event --all --loop`` prints while another process runs *actions*."""
    import os
    import subprocess
    import time

    from cli_helpers import _env

    listener = subprocess.Popen(
        [exe, "-c", uri, "event --all --loop --timeout 4"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=_env(),
    )
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline:  # until the listener holds its connection
        try:
            fds = os.listdir(f"/proc/{listener.pid}/fd")
            if any(
                os.readlink(f"/proc/{listener.pid}/fd/{fd}").startswith("socket:") for fd in fds
            ):
                break
        except OSError:
            pass
        time.sleep(0.02)
    time.sleep(0.3)  # connected: give it the moment to register its callback
    subprocess.run([exe, "-c", uri, actions], capture_output=True, env=_env(), timeout=30)
    out, _ = listener.communicate(timeout=20)
    return out


def test_snapshot_events_through_the_daemons(daemon_uri):
    """HALT and every kind of revert, as event listeners see them (libvirtd vs pyvirtd)."""
    from cli_helpers import PYVIRSH, VIRSH, libvirtd_alone

    actions = (
        "snapshot-create-as test run; snapshot-revert test run; suspend test;"
        " snapshot-revert test run --paused; snapshot-create-as test halted --halt;"
        " snapshot-revert test run; destroy test; snapshot-create-as test off;"
        " start test; snapshot-revert test off; snapshot-revert test off --paused;"
        " snapshot-delete test run --children"
    )
    assert VIRSH is not None
    with libvirtd_alone():
        theirs = _listen_while(VIRSH, daemon_uri, actions)
    ours = _listen_while(PYVIRSH, daemon_uri, actions)
    assert "Stopped Snapshot" in theirs
    assert ours == theirs
