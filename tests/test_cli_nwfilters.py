"""pyvirsh against virsh: the network filter and binding commands on test:///default and
through both daemons.

libvirt's test driver keeps no network filters: past virsh's and the public API's checks
every call is VIR_ERR_NO_SUPPORT (domain NWFILTER); these compare those checks and failures.
"""

from __future__ import annotations

import pytest
from cli_helpers import compare, needs_virsh, on_test

pytestmark = needs_virsh

U = "00000000-0000-0000-0000-000000000000"
FILTER = """<filter name='f1' chain='root'>
  <rule action='drop' direction='in'><all/></rule>
</filter>
"""
BINDING = """<filterbinding>
  <owner><name>test</name><uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid></owner>
  <portdev name='vnet0'/>
  <mac address='52:54:00:00:00:01'/>
  <filterref filter='f1'/>
</filterbinding>
"""


@pytest.fixture
def xmldir(tmp_path):
    (tmp_path / "f.xml").write_text(FILTER)
    (tmp_path / "b.xml").write_text(BINDING)
    (tmp_path / "bad.xml").write_text("<filter")
    return tmp_path


@pytest.mark.parametrize(
    "cmd",
    [
        "nwfilter-list",
        "nwfilter-list --all",
        "nwfilter-define f.xml",
        "nwfilter-define f.xml --validate",
        "nwfilter-define bad.xml",
        "nwfilter-define /nonexistent",
        "nwfilter-define",
        "nwfilter-dumpxml f1",
        f"nwfilter-dumpxml {U}",
        "nwfilter-dumpxml f1 --xpath //rule",
        "nwfilter-dumpxml f1 //rule",
        "nwfilter-undefine f1",
        f"nwfilter-undefine {U}",
        "nwfilter-undefine",
        "nwfilter-binding-list",
        "nwfilter-binding-list --foo",
        "nwfilter-binding-create b.xml",
        "nwfilter-binding-create b.xml --validate",
        "nwfilter-binding-create /nonexistent",
        "nwfilter-binding-dumpxml vnet0",
        "nwfilter-binding-dumpxml vnet0 --xpath //portdev --wrap",
        "nwfilter-binding-delete vnet0",
        "nwfilter-binding-delete",
    ],
)
def test_nwfilter_commands(uri, xmldir, cmd):
    on_test(cmd, cwd=xmldir, uri=uri)


@pytest.mark.parametrize(
    "cmd",
    ["nwfilter-define f.xml", "nwfilter-undefine f1", "nwfilter-binding-create b.xml",
     "nwfilter-binding-delete vnet0", "nwfilter-list"],
)  # fmt: skip
def test_nwfilter_commands_read_only(uri, xmldir, cmd):
    compare("-r", "-c", uri, cmd, cwd=xmldir)


def test_nwfilter_help(uri):
    compare("-c", uri, "help filter", listing=True)  # virsh's listing cut to ours (no -edit)
    on_test("help nwfilter-define", "help nwfilter-binding-dumpxml", uri=uri)
