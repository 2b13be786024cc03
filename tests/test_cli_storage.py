"""pyvirsh against virsh: storage pool and volume commands on test:///default."""

from __future__ import annotations

import pytest
from cli_helpers import needs_virsh, on_test

pytestmark = needs_virsh

P2 = """<pool type='dir'>
  <name>p2</name>
  <uuid>0045e704-da48-4170-a132-9fdc460afd54</uuid>
  <target><path>/p2</path></target>
</pool>
"""


@pytest.fixture
def xmldir(tmp_path):
    (tmp_path / "p2.xml").write_text(P2)
    return tmp_path


def test_pool_list_variants(uri, xmldir):
    on_test("pool-define p2.xml", "pool-list", "pool-list --all", "pool-list --details",
            "pool-list --all --details", "pool-list --name", "pool-list --uuid",
            "pool-list --all --name --uuid", "pool-list --inactive", "pool-list --type dir --all",
            "pool-list --type dir,fs", "pool-list --type bogus", "pool-list --details --name",
            "pool-list --details --uuid", "pool-list --persistent --autostart",
            "pool-info default-pool", "pool-info --bytes default-pool", "pool-info p2",
            "pool-dumpxml default-pool", cwd=xmldir, uri=uri)


def test_pool_lifecycle(uri, xmldir):
    on_test("pool-define p2.xml", "pool-start p2", "pool-start p2", "pool-info p2",
            "pool-dumpxml p2", "pool-destroy p2", "pool-destroy p2", "pool-undefine p2",
            "pool-list --all", "pool-undefine default-pool", "pool-destroy default-pool",
            "pool-list --all --details", "pool-info default-pool",
            "pool-start default-pool --overwrite --no-overwrite", cwd=xmldir, uri=uri)


def test_volumes(uri):
    on_test("vol-list default-pool", "vol-create-as default-pool v1.img 1G",
            "vol-create-as default-pool v2.qcow2 512M --allocation 100M --format qcow2",
            "vol-create-as default-pool v1.img 1G", "vol-list default-pool",
            "vol-list default-pool --details", "vol-info v1.img --pool default-pool",
            "vol-info /default-pool/v2.qcow2", "vol-info --bytes v1.img default-pool",
            "vol-dumpxml v2.qcow2 default-pool", "vol-dumpxml /default-pool/v1.img",
            "vol-delete v1.img default-pool", "vol-delete /default-pool/v2.qcow2",
            "vol-list default-pool", "vol-create-as default-pool v3 10 --print-xml",
            "vol-create-as default-pool v4 10 5", uri=uri)


@pytest.mark.parametrize("cmd", [
    "vol-info nope", "vol-info nope --pool default-pool", "vol-info x --pool nope",
    "vol-list nope", "vol-create-as nope a 1", "vol-create-as default-pool x 1Q",
    "vol-create-as default-pool x abc", "vol-create-as default-pool x 10 --allocation 5x",
    "vol-create-as default-pool '' 1", "vol-delete nope", "vol-dumpxml nope",
    "pool-info nope", "pool-info 00000000-0000-0000-0000-000000000000", "pool-start nope",
    "pool-info ''"])
def test_storage_errors(uri, cmd):
    on_test(cmd, uri=uri)


def test_inactive_pool_volumes(uri):
    on_test("pool-destroy default-pool", "vol-list default-pool",
            "vol-info x --pool default-pool", "vol-create-as default-pool x 1", uri=uri)


def test_storage_quiet(uri):
    on_test("vol-create-as default-pool v1 1M", "vol-list default-pool", "pool-list",
            "pool-list --details", quiet=True, uri=uri)
