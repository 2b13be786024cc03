"""Domain checkpoints: virsh's ``checkpoint-*`` commands and ``backup-begin``/``-dumpxml``,
and libvirt-python's checkpoint calls, compared with the real virsh and binding in process
and through the daemons (virsh → libvirtd, pyvirsh → pyvirtd).

Creation times are the clock's seconds: the comparisons mask them (and the names made of
them).  libvirt lists checkpoints in its hash table's order, so the binding comparison sorts
names; virsh sorts them itself unless ``--topological``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from cli_helpers import needs_virsh, pyvirsh, virsh
from libvirt_compat import assert_same_answers, real_binding_available

_SECONDS = re.compile(r"\b1\d{9}\b")
_STAMP = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}")


def _masked(text: str) -> str:
    return _STAMP.sub("<time>", _SECONDS.sub("<secs>", text))


def compare_masked(*args: str) -> None:
    theirs, ours = virsh(*args), pyvirsh(*args)
    assert _masked(ours.out) == _masked(theirs.out)
    assert (_masked(ours.err), ours.rc) == (_masked(theirs.err), theirs.rc)


_CALLS = r'''
import re


def names(found):
    return sorted(x.getName() for x in found)


def show(expr):
    try:
        value = eval(expr)
        if isinstance(value, list):
            value = names(value)
        elif isinstance(value, libvirt.virDomainCheckpoint):
            value = value.getName()
        # creation times are the clock's seconds: masked (a redefined one's stays)
        print(expr, "->", re.sub(r"<creationTime>\d{6,}<", "<creationTime>N<", str(value)))
    except libvirt.libvirtError as e:
        print(expr, "!!", e.get_error_code(), e.get_error_domain(), e.get_error_message())
    except TypeError:
        print(expr, "raises TypeError")


CP = "<domaincheckpoint><name>%s</name>%s</domaincheckpoint>"
a = d.checkpointCreateXML(CP % ("a", "<description>first</description>"))
b = d.checkpointCreateXML(CP % ("b", ""))
for expr in [
    "a.getXMLDesc(libvirt.VIR_DOMAIN_CHECKPOINT_XML_NO_DOMAIN)",
    "b.getXMLDesc(2)",
    "a.getXMLDesc(0).split('<domain ')[0]",
    "a.getXMLDesc(8)",
    "d.checkpointCreateXML(CP % ('a', ''))",
    "d.checkpointCreateXML(CP % ('q', \"<disks><disk name='vdz'/></disks>\"))",
    "d.checkpointCreateXML(CP % ('q', \"<disks><disk name='vda'/><disk name='vda'/></disks>\"))",
    "d.checkpointCreateXML(CP % ('q', \"<disks><disk name='vda' checkpoint='no'/></disks>\")).getXMLDesc(2)",
    "d.checkpointCreateXML(CP % ('p', \"<disks><disk name='/guest/diskimage1' bitmap='bm'/></disks>\")).getXMLDesc(2)",
    "d.checkpointCreateXML('<foo/>')",
    "d.checkpointCreateXML('<foo')",
    "d.checkpointCreateXML(None)",
    "d.checkpointCreateXML(CP % ('x', ''), 8)",
    "d.checkpointCreateXML(CP % ('x', ''), 4)",
    "d.checkpointCreateXML(CP % ('r', ''), 1)",
    "d.checkpointCreateXML(CP % ('r', '<creationTime>5</creationTime><parent><name>a</name></parent>'), 1).getXMLDesc(0)",
    "d.checkpointCreateXML(CP % ('r2', '<creationTime>5</creationTime><parent><name>zz</name></parent>'), 1)",
    "a.getParent()",
    "b.getParent()",
    "b.getParent(1)",
    "d.checkpointLookupByName('zz')",
    "d.checkpointLookupByName('a', 1)",
    "d.checkpointLookupByName(None)",
    "d.listAllCheckpoints()",
    "d.listAllCheckpoints(libvirt.VIR_DOMAIN_CHECKPOINT_LIST_ROOTS)",
    "d.listAllCheckpoints(libvirt.VIR_DOMAIN_CHECKPOINT_LIST_LEAVES)",
    "d.listAllCheckpoints(libvirt.VIR_DOMAIN_CHECKPOINT_LIST_NO_LEAVES)",
    "d.listAllCheckpoints(4 | 8)",
    "[c.getName() for c in d.listAllCheckpoints(libvirt.VIR_DOMAIN_CHECKPOINT_LIST_TOPOLOGICAL)][0]",
    "d.listAllCheckpoints(16)",
    "a.listAllChildren()",
    "a.listAllChildren(libvirt.VIR_DOMAIN_CHECKPOINT_LIST_DESCENDANTS)",
    "a.listAllChildren(16)",
    "a.getName()",
    "a.domain().name()",
    "b.delete(8)",
    "b.delete(1 | 4)",
    "b.delete(libvirt.VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN_ONLY)",
    "d.listAllCheckpoints()",
    "a.delete()",
    "d.listAllCheckpoints(libvirt.VIR_DOMAIN_CHECKPOINT_LIST_ROOTS)",
    "b.getParent()",
    "d.checkpointCreateXML(CP % ('c', '')).getParent()",
    "b.delete(libvirt.VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN)",
    "d.listAllCheckpoints()",
    "b.getXMLDesc()",
    "d.backupBegin('<domainbackup/>', None)",
    "d.backupGetXMLDesc()",
    "r.lookupByName('test').checkpointCreateXML(CP % ('ro', ''))",
    "r.lookupByName('test').listAllCheckpoints()",
    "c.createXML(\"<domain type='test'><name>nodisk</name><memory>1024</memory><os><type>hvm</type></os></domain>\").checkpointCreateXML(CP % ('n', ''))",
    "d.snapshotCreateXML('<domainsnapshot/>')",
    "d.destroy()",
    "d.checkpointCreateXML(CP % ('off', ''))",
    "d.listAllCheckpoints()",
]:
    show(expr)
'''


@pytest.mark.skipif(not real_binding_available(), reason="the real libvirt binding is missing")
def test_libvirt_python_calls(uri: str, tmp_path: Path) -> None:
    assert_same_answers(_CALLS, uri, tmp_path)


_CPXML = "<domaincheckpoint><name>x1</name><description>d</description><disks><disk name='vda' checkpoint='no'/></disks></domaincheckpoint>"
#: A small tree: a, then c (b's metadata removed, so c hangs under a), then d under c.
_TREE = (
    "checkpoint-create-as test a --description 'x<y'; checkpoint-create-as test b; "
    "checkpoint-create-as test c --diskspec vda,checkpoint=no; "
    "checkpoint-delete test b --metadata; checkpoint-create-as test d"
)


@needs_virsh
@pytest.mark.parametrize(
    "script",
    [
        "checkpoint-list test",
        "checkpoint-list test --parent",
        "checkpoint-info test; checkpoint-dumpxml test; checkpoint-parent test; "
        "checkpoint-delete test",
        "checkpoint-info test nosuch; checkpoint-dumpxml test --checkpointname nosuch",
        "checkpoint-info nosuch c; checkpoint-list nosuch",
        f"{_TREE}; checkpoint-list test --tree",
        f"{_TREE}; checkpoint-list test --from a --tree; checkpoint-list test --from c --tree",
        f"{_TREE}; checkpoint-list test --from a --descendants --tree",
        f"{_TREE}; checkpoint-list test --from a --name; checkpoint-list test --roots --name",
        f"{_TREE}; checkpoint-list test --leaves --name; checkpoint-list test --no-leaves --name",
        f"{_TREE}; checkpoint-list test --topological --name; checkpoint-list test --leaves --no-leaves",
        f"{_TREE}; checkpoint-list test --from nosuch",
        "checkpoint-list test --tree --name",
        "checkpoint-list test --parent --roots",
        "checkpoint-list test --parent --tree",
        "checkpoint-list test --roots --tree",
        "checkpoint-list test --roots --from a",
        "checkpoint-list test --descendants",
        "checkpoint-list test --leaves --tree",
        "checkpoint-list test --no-leaves --tree",
        f"{_TREE}; checkpoint-info test a; checkpoint-info test d",
        f"{_TREE}; checkpoint-parent test d; checkpoint-parent test a",
        f"{_TREE}; checkpoint-dumpxml test c --no-domain",
        f"{_TREE}; checkpoint-dumpxml test c --no-domain --xpath //disk",
        f"{_TREE}; checkpoint-dumpxml test c --no-domain --xpath //disk/@name --wrap",
        f"{_TREE}; checkpoint-dumpxml test a --security-info --size --xpath //domain/name",
        f"{_TREE}; checkpoint-delete test a --children-only; checkpoint-list test --name",
        f"{_TREE}; checkpoint-delete test a --children; checkpoint-list test --name",
        f"{_TREE}; checkpoint-delete test c --children --children-only",
        f"{_TREE}; checkpoint-delete test c; checkpoint-list test --tree",
        "checkpoint-create-as test a; checkpoint-create-as test a",
        "checkpoint-create-as test --print-xml --name z --description zz --diskspec vda,bitmap=bb",
        "checkpoint-create-as test --print-xml --diskspec vda --diskspec vdb,checkpoint=no",
        "checkpoint-create-as test q --diskspec vda,foo=1",
        "checkpoint-create-as test q --diskspec vda,bitmap",
        "checkpoint-create-as test q --diskspec vdz",
        "checkpoint-create-as test q --quiesce; checkpoint-info test q",
        "checkpoint-create-as nosuch c",
        "destroy test; checkpoint-create-as test off",
        "snapshot-create-as test s1; checkpoint-create-as test c1",
        "checkpoint-create-as test c1; snapshot-create-as test s1",
        "checkpoint-create-as test c; list --with-checkpoint; list --without-checkpoint --all",
        "backup-begin test",
        "backup-begin test --reuse-external",
        "backup-dumpxml test",
        "backup-dumpxml nosuch",
        "checkpoint-create test; checkpoint-create test --redefine-validate",
        *(
            f"help {name}"
            for name in (
                "checkpoint-create", "checkpoint-create-as", "checkpoint-delete",
                "checkpoint-dumpxml", "checkpoint-edit", "checkpoint-info", "checkpoint-list",
                "checkpoint-parent", "backup-begin", "backup-dumpxml",
            )
        ),  # fmt: skip
    ],
)
def test_checkpoint_commands(uri: str, script: str) -> None:
    compare_masked("-c", uri, script)


@needs_virsh
def test_create_from_a_file_and_redefine(uri: str, tmp_path: Path) -> None:
    (tmp_path / "cp.xml").write_text(_CPXML)
    (tmp_path / "bad.xml").write_text("<foo")
    (tmp_path / "redef.xml").write_text(
        "<domaincheckpoint><name>r</name><creationTime>5</creationTime>"
        "<parent><name>x1</name></parent></domaincheckpoint>"
    )
    compare_masked(
        "-c",
        uri,
        f"checkpoint-create test {tmp_path}/cp.xml; checkpoint-dumpxml test x1 --no-domain; "
        f"checkpoint-create test {tmp_path}/bad.xml; checkpoint-create test {tmp_path}/nosuch; "
        f"checkpoint-create test {tmp_path}/redef.xml --redefine; "
        "checkpoint-dumpxml test r; checkpoint-list test --parent",
    )


@needs_virsh
def test_read_only_connections(uri: str) -> None:
    compare_masked(
        "-r", "-c", uri,
        "checkpoint-create-as test c; checkpoint-list test; checkpoint-create test; "
        "backup-begin test; backup-dumpxml test",
    )  # fmt: skip


@needs_virsh
def test_quiet_listing(uri: str) -> None:
    compare_masked("-q", "-c", uri, f"{_TREE}; checkpoint-list test; checkpoint-list test --parent")


_EDITORS = {
    "unchanged": "true",
    "described": "sed -i 's|<name>a</name>|<name>a</name><description>new</description>|'",
    "renamed": "sed -i 's|<name>a</name>|<name>zz</name>|'",
}


@needs_virsh
@pytest.mark.parametrize("editor", sorted(_EDITORS))
def test_checkpoint_edit(
    uri: str, editor: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = tmp_path / "editor.sh"
    script.write_text(f'#!/bin/sh\n{_EDITORS[editor]} "$1"\n')
    script.chmod(0o755)
    monkeypatch.setenv("EDITOR", str(script))
    monkeypatch.delenv("VISUAL", raising=False)
    compare_masked(
        "-c", uri,
        "checkpoint-create-as test a; checkpoint-edit test a; checkpoint-list test --name; "
        "checkpoint-dumpxml test a --no-domain; checkpoint-edit test; checkpoint-edit test zz",
    )  # fmt: skip
