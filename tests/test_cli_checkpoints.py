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
from cli_helpers import pyvirsh, virsh
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
