"""pyvirsh against virsh: network commands on test:///default."""

from __future__ import annotations

import pytest
from cli_helpers import needs_virsh, on_test

pytestmark = needs_virsh

N2 = """<network>
  <name>n2</name>
  <uuid>acb71bcf-dd51-4872-b6bf-1364c7e04201</uuid>
  <bridge name='virbr5'/>
  <ip address='192.168.50.1' netmask='255.255.255.0'/>
</network>
"""


@pytest.fixture
def xmldir(tmp_path):
    (tmp_path / "n2.xml").write_text(N2)
    (tmp_path / "bad.xml").write_text("<network><name>")
    return tmp_path


def test_net_list_variants(uri):
    on_test("net-list", "net-list --all", "net-list --name", "net-list --uuid",
            "net-list --inactive", "net-list --persistent", "net-list --transient --all",
            "net-list --autostart", "net-list --no-autostart", "net-list --table",
            "net-list --name --uuid", "net-list --table --name", "net-info default",
            "net-dumpxml default", "net-info dd8fe884-6c02-601e-7551-cca97df1c5df", uri=uri)


def test_net_lifecycle(uri, xmldir):
    on_test("net-define n2.xml", "net-list --all", "net-info n2", "net-start n2",
            "net-start n2", "net-list --all", "net-dumpxml n2", "net-autostart n2",
            "net-list --all --autostart", "net-autostart --disable n2", "net-destroy n2",
            "net-destroy n2", "net-undefine n2", "net-create n2.xml", "net-list",
            "net-destroy n2", "net-list --all", "net-destroy default", "net-list --all",
            "net-info default", "net-start default", "net-undefine default", cwd=xmldir, uri=uri)


@pytest.mark.parametrize("cmd", ["net-info nope", "net-dumpxml nope", "net-start nope",
                                 "net-destroy nope", "net-undefine nope", "net-autostart nope",
                                 "net-info 00000000-0000-0000-0000-000000000000",
                                 "net-info ''", "net-define bad.xml", "net-define /nonexistent",
                                 "net-create ''", "net-dumpxml default --inactive"])
def test_net_errors(uri, xmldir, cmd):
    on_test(cmd, cwd=xmldir, uri=uri)


def test_net_quiet(uri, xmldir):
    on_test("net-list --all", "net-define n2.xml", "net-list --all --name", cwd=xmldir,
            quiet=True, uri=uri)
