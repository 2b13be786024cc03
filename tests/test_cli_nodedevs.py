"""pyvirsh against virsh: node device commands on test:///default, in process and through the
daemons (virsh → libvirtd, pyvirsh → pyvirtd)."""

from __future__ import annotations

import re
import subprocess

import pytest
from cli_helpers import PYVIRSH, compare, needs_virsh, on_test, pyvirsh

pytestmark = needs_virsh

VHBA = """<device>
  <parent>scsi_host1</parent>
  <capability type='scsi_host'>
    <capability type='fc_host'>
      <wwnn>2000000012341111</wwnn>
      <wwpn>1000000012341111</wwpn>
    </capability>
  </capability>
</device>
"""
FC = (
    "<capability type='scsi_host'><capability type='fc_host'><wwnn>2000000012341111</wwnn>"
    "<wwpn>1000000012341111</wwpn></capability></capability>"
)
#: vHBA requests: parent by name, by WWNs, by fabric, or none (any vport-capable host).
GOOD = {
    "vhba.xml": VHBA,
    "by-wwn.xml": f"<device><parent wwnn='2000000012341234' wwpn='1000000012341234'/>{FC}</device>",
    "by-fabric.xml": f"<device><parent fabric_wwn='2000000043214321'/>{FC}</device>",
    "no-parent.xml": f"<device>{FC}</device>",
    "to-host2.xml": f"<device><name>ignored</name><parent>scsi_host2</parent>{FC}</device>",
}
BAD = {
    "notxml.xml": "<device",
    "root.xml": "<dev/>",
    "nocaps.xml": "<device><parent>scsi_host1</parent></device>",
    "badcap.xml": "<device><capability type='bogus'/></device>",
    "notype.xml": "<device><capability/></device>",
    "nofc.xml": "<device><parent>scsi_host1</parent><capability type='scsi_host'/></device>",
    "nowwn.xml": "<device><parent>scsi_host1</parent><capability type='scsi_host'>"
    "<capability type='fc_host'/></capability></device>",
    "system.xml": "<device><capability type='system'/></device>",
    "no-such-parent.xml": f"<device><parent>nope</parent>{FC}</device>",
    "not-vport.xml": f"<device><parent>computer</parent>{FC}</device>",
    "not-vport2.xml": f"<device><parent>scsi_host11</parent>{FC}</device>",
}


@pytest.fixture
def xmldir(tmp_path):
    for name, text in {**GOOD, **BAD}.items():
        (tmp_path / name).write_text(text)
    return tmp_path


def test_nodedev_dumpxml_and_info(uri):
    on_test("nodedev-dumpxml computer", "nodedev-dumpxml scsi_host1", "nodedev-dumpxml scsi_host2",
            "nodedev-dumpxml scsi_host11", "nodedev-dumpxml computer --xpath //vendor --wrap",
            "nodedev-info computer", "nodedev-info scsi_host11", "nodedev-info scsi_host2",
            uri=uri)  # fmt: skip


def test_nodedev_list_fails_on_the_test_driver_as_virsh_does(uri):
    """virsh always sends ACTIVE (or INACTIVE); libvirt 9.0's test driver refuses both."""
    on_test("nodedev-list", uri=uri)
    on_test("nodedev-list --tree", uri=uri)
    on_test("nodedev-list --all", uri=uri)
    on_test("nodedev-list --inactive", uri=uri)
    on_test("nodedev-list --cap scsi_host,system", uri=uri)


@pytest.mark.parametrize("cmd", ["nodedev-list --all --inactive", "nodedev-list --tree --cap system",
                                 "nodedev-list --tree --inactive", "nodedev-list --cap bogus",
                                 "nodedev-list --cap ''", "nodedev-list --cap scsi_host,"])
def test_nodedev_list_option_errors(uri, cmd):
    on_test(cmd, uri=uri)


@pytest.mark.parametrize("name", sorted(GOOD))
def test_nodedev_create_and_destroy(uri, xmldir, name):
    on_test(f"nodedev-create {name}", "nodedev-dumpxml scsi_host12", "nodedev-info scsi_host12",
            f"nodedev-create {name}", "nodedev-destroy scsi_host12", "nodedev-info scsi_host12",
            cwd=xmldir, uri=uri)  # fmt: skip


def test_nodedev_destroy_quirks(uri):
    """libvirt's test driver reports success but keeps a device that is no vHBA, or whose
    parent is gone."""
    on_test("nodedev-destroy computer", "nodedev-info computer", "nodedev-destroy scsi_host1",
            "nodedev-destroy scsi_host11", "nodedev-dumpxml scsi_host11",
            "nodedev-destroy --name scsi_host2", "nodedev-info scsi_host2", uri=uri)  # fmt: skip


@pytest.mark.parametrize("name", sorted(BAD))
def test_nodedev_create_refuses(uri, xmldir, name):
    on_test(f"nodedev-create {name}", "nodedev-info scsi_host12", cwd=xmldir, uri=uri)


@pytest.mark.parametrize("cmd", [
    "nodedev-dumpxml nope", "nodedev-info nope", "nodedev-destroy nope", "nodedev-undefine nope",
    "nodedev-start nope", "nodedev-autostart nope", "nodedev-detach nope", "nodedev-reattach nope",
    "nodedev-reset nope", "nodedev-dumpxml 2000000012341234,1000000012341234",
    "nodedev-info a,b", "nodedev-info a,b,c", "nodedev-destroy 0x2000000012341234,xyz",
    "nodedev-start scsi_host1", "nodedev-undefine scsi_host1", "nodedev-autostart scsi_host1",
    "nodedev-autostart --disable scsi_host1", "nodedev-detach scsi_host1",
    "nodedev-detach scsi_host1 --driver vfio", "nodedev-reattach scsi_host1",
    "nodedev-reset scsi_host1", "nodedev-define vhba.xml", "nodedev-define /nonexistent",
    "nodedev-create /nonexistent", "nodedev-dumpxml", "nodedev-dumpxml ''",
])  # fmt: skip
def test_nodedev_errors(uri, xmldir, cmd):
    on_test(cmd, cwd=xmldir, uri=uri)


@pytest.mark.parametrize("cmd", ["nodedev-create vhba.xml", "nodedev-destroy scsi_host11",
                                 "nodedev-define vhba.xml", "nodedev-undefine scsi_host1",
                                 "nodedev-start scsi_host1", "nodedev-autostart scsi_host1",
                                 "nodedev-detach scsi_host1", "nodedev-reset scsi_host1",
                                 "nodedev-info scsi_host1", "nodedev-dumpxml computer"])
def test_nodedev_read_only(uri, xmldir, cmd):
    compare("-r", "-c", uri, cmd, cwd=xmldir)


def test_nodedev_quiet(uri, xmldir):
    on_test("nodedev-create vhba.xml", "nodedev-destroy scsi_host12", cwd=xmldir, quiet=True,
            uri=uri)  # fmt: skip


@pytest.mark.parametrize("cmd", ["nodedev-event --list", "nodedev-event",
                                 "nodedev-event --event bogus", "nodedev-event --event update --timeout 1",
                                 "nodedev-event --event lifecycle --timeout 0",
                                 "nodedev-event --event lifecycle --device nope --timeout 1",
                                 "nodedev-event --event lifecycle --timeout 1 --loop"])  # fmt: skip
def test_nodedev_event_options(uri, cmd):
    on_test(cmd, uri=uri)


def test_nodedev_event_sees_another_clients_change_through_the_daemon(daemon_uri, xmldir):
    """A one-shot listener through pyvirtd prints the first lifecycle event another client
    causes, in virsh's words, and exits.  Creating and destroying until it has exited keeps
    this free of a guess at how long the listener takes to register."""
    listener = subprocess.Popen(
        [PYVIRSH, "-c", daemon_uri, "nodedev-event --event lifecycle --timeout 60"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        while listener.poll() is None:
            # one run: the daemon forgets a vHBA when its last client leaves
            both = "nodedev-create vhba.xml; nodedev-destroy scsi_host12"
            assert pyvirsh("-c", daemon_uri, both, cwd=xmldir).rc == 0
        out, err = listener.communicate(timeout=60)
    finally:
        if listener.poll() is None:
            listener.kill()
            listener.wait()
    assert listener.returncode == 0, err
    assert re.fullmatch(
        r"event 'lifecycle' for node device scsi_host12: (Created|Deleted)\n"
        r"events received: 1\n\n",
        out,
    ), out


@pytest.mark.parametrize("string", ["help nodedev", "help nodedev-list", "help nodedev-event",
                                    "help nodedev-destroy", "help nodedev-detach",
                                    "help nodedev-create"])
def test_nodedev_help(string):
    """The group in virsh's table order (not by name), and each command's options."""
    compare("-c", "test:///default", string, listing=True)


NODE_FILE = """<node>
  <interface type='bridge' name='br9'><start mode='none'/><bridge stp='on'>
    <interface type='ethernet' name='eth9'/></bridge></interface>
  <interface type='ethernet' name='eth8'><mac address='52:54:00:00:00:08'/></interface>
  <device><name>computer</name><capability type='system'><product>P</product>
    <hardware><vendor>V</vendor><uuid>11111111-2222-3333-4444-555555555555</uuid></hardware>
  </capability></device>
  <device><name>scsi_host5</name><parent>computer</parent><capability type='scsi_host'>
    <host>5</host><capability type='fc_host'><wwnn>2000000000000005</wwnn>
    <wwpn>1000000000000005</wwpn></capability><capability type='vport_ops'>
    <max_vports>64</max_vports><vports>1</vports></capability></capability></device>
</node>
"""


def test_node_file_interfaces_and_devices(tmp_path):
    """A test:///PATH.xml node file's <interface> (all up) and <device> elements."""
    node = tmp_path / "node.xml"
    node.write_text(NODE_FILE)
    uri = f"test://{node}"
    on_test("iface-list --all", "iface-dumpxml br9", "iface-mac eth8",
            "nodedev-dumpxml computer", "nodedev-dumpxml scsi_host5", "nodedev-info scsi_host5",
            "nodedev-destroy scsi_host5", "nodedev-info scsi_host5", uri=uri)  # fmt: skip
