"""pyvirsh against virsh: the remaining pool and volume commands (pool-autostart, -build,
-create(-as), -define-as, -delete, -refresh, -name, -uuid, -capabilities,
find-storage-pool-sources(-as), vol-create(-from), vol-clone, vol-resize, vol-wipe, vol-key,
vol-name, vol-path, vol-pool), in process and through both daemons."""

from __future__ import annotations

import pytest
from cli_helpers import compare, needs_virsh, on_test

pytestmark = needs_virsh

POOL_UUID = "dfe224cb-28fb-8dd0-c4b2-64eb3f0f4566"
V2 = "<volume>\n  <name>v2</name>\n  <capacity unit='M'>10</capacity>\n  <allocation>0</allocation>\n</volume>\n"
P3 = "<pool type='dir'>\n  <name>p3</name>\n  <uuid>0045e704-da48-4170-a132-9fdc460afd55</uuid>\n  <target><path>/p3</path></target>\n</pool>\n"


@pytest.fixture
def xmldir(tmp_path):
    (tmp_path / "v2.xml").write_text(V2)
    (tmp_path / "p3.xml").write_text(P3)
    (tmp_path / "bad.xml").write_text("<volume><name>bad")
    (tmp_path / "netfs.xml").write_text("<source><host name='nfs.example'/></source>")
    (tmp_path / "nohost.xml").write_text("<source><host/></source>")
    (tmp_path / "notsource.xml").write_text("<pool/>")
    return tmp_path


def test_pool_upkeep(uri):
    on_test("pool-autostart default-pool", "pool-info default-pool",
            "pool-autostart default-pool --disable", "pool-list --all --details",
            "pool-build default-pool", "pool-destroy default-pool", "pool-build default-pool",
            "pool-build default-pool --overwrite", "pool-build default-pool --no-overwrite",
            "pool-build default-pool --overwrite --no-overwrite", "pool-delete default-pool",
            "pool-info default-pool", "pool-refresh default-pool", "pool-start default-pool",
            "pool-refresh default-pool", "pool-start default-pool --build",
            "pool-start default-pool --no-overwrite", uri=uri)


def test_pool_name_and_uuid(uri):
    on_test(f"pool-name {POOL_UUID}", "pool-uuid default-pool", "pool-name default-pool",
            f"pool-uuid {POOL_UUID}", "pool-name 00000000-0000-0000-0000-000000000000",
            "pool-uuid nope", "pool-name ''", uri=uri)


def test_pool_create_from_file(uri, xmldir):
    on_test("pool-create p3.xml", "pool-list --all --details", "pool-create p3.xml",
            "pool-autostart p3", "pool-destroy p3", "pool-create p3.xml --build",
            "pool-create p3.xml --overwrite --no-overwrite", "pool-create nofile.xml",
            "pool-create bad.xml", cwd=xmldir, uri=uri)


@pytest.mark.parametrize("options", [
    "p1 dir --target /tmp/p1",
    "p2 netfs --source-host h1 --source-path /exp --target /mnt --source-format nfs",
    "p3 logical --source-dev /dev/sda --source-name vg",
    "p4 iscsi --source-host h --source-dev iqn.x --auth-type chap --auth-username u "
    "--secret-usage s --adapter-name a --source-initiator iqn.i --source-protocol-ver 3",
    "p5 scsi --adapter-wwnn 1 --adapter-wwpn 2 --adapter-parent p --adapter-parent-wwnn 3 "
    "--adapter-parent-wwpn 4 --adapter-parent-fabric-wwn 5",
    "p6 rbd --source-host h:6789 --secret-uuid 0045e704-da48-4170-a132-9fdc460afd54 "
    "--auth-type ceph --auth-username u",
    "q2 dir --auth-type chap --auth-username u --secret-usage s",
    "q3 scsi --adapter-wwnn 1 --adapter-wwpn 2 --adapter-parent-wwnn 3 --adapter-parent-wwpn 4",
    "q4 scsi --adapter-wwnn 1 --adapter-wwpn 2 --adapter-parent-fabric-wwn 5",
    "q5 scsi --adapter-wwnn 1 --adapter-parent-wwnn 3",
    "q6 dir h /path dev",
    "q8 dir --source-name n --source-format f",
    "'a<b' dir --target '/x&y'",
])
def test_pool_xml_from_options(options):
    on_test(f"pool-define-as {options} --print-xml", f"pool-create-as {options} --print-xml")


def test_pool_define_and_create_as(uri):
    on_test("pool-define-as d1 dir /src --target /d1", "pool-autostart d1",
            "pool-list --all --details", "pool-dumpxml d1", "pool-define-as d2 dir",
            "pool-create-as c1 dir --target /c1", "pool-autostart c1",
            "pool-autostart c1 --disable", "pool-create-as c2 dir --build",
            "pool-create-as c3 dir --overwrite", "pool-create-as c4 dir --target /d1",
            "pool-define-as q1 dir --secret-usage a --secret-uuid b", "pool-define-as '' dir",
            "pool-define-as q9 ''", "pool-create-as q10 dir --target /x --overwrite --no-overwrite",
            "pool-define-as q11 dir --target /x --build", "pool-list --all", uri=uri)


def test_find_storage_pool_sources(uri, xmldir):
    on_test("find-storage-pool-sources logical", "find-storage-pool-sources-as logical",
            "find-storage-pool-sources netfs", "find-storage-pool-sources-as netfs h 22",
            "find-storage-pool-sources-as netfs --host h --initiator iqn.x",
            "find-storage-pool-sources netfs netfs.xml", "find-storage-pool-sources netfs nohost.xml",
            "find-storage-pool-sources netfs notsource.xml", "find-storage-pool-sources dir",
            "find-storage-pool-sources bogus", "find-storage-pool-sources logical bad.xml",
            "find-storage-pool-sources logical nofile", "find-storage-pool-sources ''",
            "pool-capabilities", cwd=xmldir, uri=uri)


def test_volume_create_and_clone(uri, xmldir):
    on_test("vol-create-as default-pool a 1M", "vol-create default-pool v2.xml",
            "vol-create default-pool v2.xml", "vol-create-from default-pool v2.xml a",
            "vol-clone a b --pool default-pool", "vol-clone a b --pool default-pool",
            f"vol-clone a c --pool {POOL_UUID}", "vol-clone /default-pool/a d",
            "vol-clone a c2 default-pool --prealloc-metadata", "vol-clone a c3 default-pool --reflink",
            "vol-clone a 'e<x>' default-pool --print-xml", "vol-list default-pool --details",
            "vol-dumpxml b default-pool", "vol-delete v2 default-pool",
            "vol-create-from default-pool v2.xml a --inputpool default-pool",
            "vol-create-from default-pool v2.xml a --inputpool default-pool",
            "vol-create-from default-pool v2.xml a --inputpool default-pool --prealloc-metadata",
            "vol-create-from default-pool v2.xml a --inputpool default-pool --reflink",
            "vol-create-from default-pool v2.xml nope --inputpool default-pool",
            "vol-create-from nopool v2.xml a", "vol-create default-pool bad.xml",
            "vol-create default-pool nofile.xml", "vol-create default-pool v2.xml --prealloc-metadata",
            "vol-clone a '' default-pool", "vol-clone nope x", "vol-create nopool v2.xml",
            "vol-list default-pool --details", cwd=xmldir, uri=uri)


def test_volume_names_keys_paths(uri):
    on_test("vol-create-as default-pool a 1M", "vol-key a default-pool", "vol-key /default-pool/a",
            "vol-name /default-pool/a", "vol-path a default-pool", "vol-path /default-pool/a",
            "vol-pool /default-pool/a", "vol-pool /default-pool/a --uuid", "vol-name a",
            "vol-pool a", "vol-key nope", "vol-name nope", "vol-path nope", "vol-pool nope",
            "vol-key a --pool nopool", uri=uri)


def test_volume_resize_and_wipe(uri):
    on_test("vol-create-as default-pool a 1M", "vol-resize a 2M --pool default-pool",
            "vol-resize a +1M --pool default-pool", "vol-resize a ' 3M' default-pool",
            "vol-resize a 1M --pool default-pool --shrink",
            "vol-resize a --delta 1M --pool default-pool --allocate",
            "vol-resize a -1M --pool default-pool --delta --shrink", "vol-resize a -1M default-pool",
            "vol-resize a -0 --shrink default-pool", "vol-resize a xyz default-pool",
            "vol-resize a 1Q default-pool", "vol-resize a '' default-pool", "vol-resize nope -1M",
            "vol-wipe a --pool default-pool", "vol-wipe a --pool default-pool --algorithm zero",
            "vol-wipe a default-pool nnsa", "vol-wipe a --pool default-pool --algorithm trim",
            "vol-wipe a --pool default-pool --algorithm bogus", "vol-wipe nope", uri=uri)


def test_inactive_pool(uri, xmldir):
    on_test("vol-create-as default-pool a 1M", "pool-destroy default-pool",
            "vol-create default-pool v2.xml", "vol-clone a b default-pool",
            "vol-create-from default-pool v2.xml a", "vol-key a default-pool",
            "pool-refresh default-pool", cwd=xmldir, uri=uri)


@pytest.mark.parametrize("cmd", [
    "pool-autostart default-pool", "pool-build default-pool", "pool-delete default-pool",
    "pool-refresh default-pool", "pool-create-as c1 dir --target /c1",
    "pool-define-as d1 dir --target /d1", "find-storage-pool-sources logical",
    "pool-capabilities", "pool-name " + POOL_UUID, "pool-uuid default-pool",
])
def test_read_only_pools(uri, cmd):
    compare("-r", "-c", uri, cmd)


def test_read_only_volumes(uri, xmldir):
    # the volume is created on a writable connection first: the read-only run starts afresh,
    # so it can only see that the volume is missing; creating and changing are refused
    compare("-r", "-c", uri, "vol-create default-pool v2.xml; vol-key x default-pool; "
            "vol-name /default-pool/x", cwd=xmldir)


@pytest.mark.parametrize("command", [
    "pool-autostart", "pool-build", "pool-capabilities", "pool-create", "pool-create-as",
    "pool-define-as", "pool-delete", "pool-name", "pool-uuid", "pool-refresh",
    "find-storage-pool-sources", "find-storage-pool-sources-as", "vol-create", "vol-create-from",
    "vol-clone", "vol-wipe", "vol-key", "vol-name", "vol-path", "vol-pool",
])
def test_help(command):
    compare("help", command)


def test_quiet(uri):
    on_test("vol-create-as default-pool a 1M", "vol-clone a b default-pool",
            "vol-clone a c default-pool --print-xml", "pool-autostart default-pool",
            "pool-refresh default-pool", quiet=True, uri=uri)
