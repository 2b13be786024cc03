"""pyvirsh against virsh: host interface commands on test:///default, in process and through
the daemons (virsh → libvirtd, pyvirsh → pyvirtd)."""

from __future__ import annotations

import pytest
from cli_helpers import compare, needs_virsh, on_test

pytestmark = needs_virsh

ETH2 = """<interface type='ethernet' name='eth2'>
  <mac address='aa:bb:cc:dd:ee:02'/>
</interface>
"""
BOND = """<interface type='bond' name='bond0'>
  <start mode='hotplug'/>
  <mtu size='9000'/>
  <protocol family='ipv6'><autoconf/><dhcp peerdns='no'/><ip address='fd00::1' prefix='64'/>
    <route gateway='fd00::fe'/><route gateway='fd00::fd'/></protocol>
  <link speed='1000' state='up'/>
  <bond mode='active-backup'>
    <miimon freq='100' updelay='10' carrier='netif'/>
    <interface type='ethernet' name='eth3'><mac address='AB:CD:EF:00:11:22'/></interface>
    <interface type='ethernet' name='eth4'><start mode='onboot'/></interface>
  </bond>
</interface>
"""
BRIDGE = """<interface type='bridge' name='br0'>
  <protocol family='ipv4'><dhcp peerdns='yes'/><ip address='10.0.0.1'/><ip/></protocol>
  <bridge stp='off' delay='0.5'>
    <interface type='vlan' name='eth0.42'><vlan tag='42'><interface name='eth0'/></vlan></interface>
    <interface type='bond' name='bond1'><bond><arpmon interval='100' target='10.0.0.254'
      validate='all'/><interface type='ethernet' name='eth5'/></bond></interface>
  </bridge>
</interface>
"""
#: Documents libvirt refuses, each with its own message (and one it fails without saying why).
BAD = {
    "notxml.xml": "<interface",
    "empty.xml": "",
    "root.xml": "<iface type='ethernet' name='x'/>",
    "notype.xml": "<interface name='x'/>",
    "badtype.xml": "<interface type='wifi' name='x'/>",
    "noname.xml": "<interface type='ethernet'/>",
    "start.xml": "<interface type='ethernet' name='x'><start mode='sometimes'/></interface>",
    "mtu.xml": "<interface type='ethernet' name='x'><mtu size='100001'/></interface>",
    "mtu-nan.xml": "<interface type='ethernet' name='x'><mtu size='big'/></interface>",
    "family.xml": "<interface type='ethernet' name='x'><protocol family='ipx'/></interface>",
    "prefix.xml": "<interface type='ethernet' name='x'><protocol family='ipv4'>"
    "<ip address='1.2.3.4' prefix='x'/></protocol></interface>",
    "nobridge.xml": "<interface type='bridge' name='x'/>",
    "nested.xml": "<interface type='bridge' name='x'><bridge>"
    "<interface type='bridge' name='y'/></bridge></interface>",
    "bondmode.xml": "<interface type='bond' name='x'><bond mode='fast'/></interface>",
    "miimon.xml": "<interface type='bond' name='x'><bond><miimon/></bond></interface>",
    "arpmon.xml": "<interface type='bond' name='x'><bond><arpmon interval='1'/></bond></interface>",
    "vlan.xml": "<interface type='vlan' name='x'><vlan tag='1'/></interface>",
    "link.xml": "<interface type='ethernet' name='x'><link state='sideways'/></interface>",
}


@pytest.fixture
def xmldir(tmp_path):
    for name, text in {"eth2.xml": ETH2, "bond.xml": BOND, "bridge.xml": BRIDGE, **BAD}.items():
        (tmp_path / name).write_text(text)
    return tmp_path


def test_iface_listing_and_lookups(uri):
    on_test("iface-list", "iface-list --all", "iface-list --inactive", "iface-dumpxml eth1",
            "iface-dumpxml aa:bb:cc:dd:ee:ff", "iface-dumpxml eth1 --xpath //ip --wrap",
            "iface-mac eth1", "iface-name aa:bb:cc:dd:ee:ff", "iface-name AA:BB:CC:DD:EE:FF",
            uri=uri)  # fmt: skip


def test_iface_state_machine(uri):
    # virsh exits 1 after a successful iface-destroy: the last command of the run decides
    on_test("iface-destroy eth1", "iface-list", "iface-list --inactive", "iface-destroy eth1",
            "iface-start eth1", "iface-start eth1", "iface-list --all", uri=uri)  # fmt: skip


def test_iface_define_and_undefine(uri, xmldir):
    on_test("iface-define eth2.xml", "iface-name aa:bb:cc:dd:ee:02",
            "iface-undefine aa:bb:cc:dd:ee:02", "iface-define eth2.xml", "iface-define bond.xml",
            "iface-define bridge.xml", "iface-list --all", "iface-dumpxml eth2",
            "iface-dumpxml bond0", "iface-dumpxml br0", "iface-start bond0", "iface-list",
            "iface-undefine bond0", "iface-list --all", "iface-undefine eth1",
            "iface-list --all", cwd=xmldir, uri=uri)  # fmt: skip


def test_iface_mac_lookup_with_macless_interfaces(daemon_uri, xmldir):
    """libvirt 9.0 counts an interface without a MAC as a match for any MAC (GLib's
    strcasecmp of NULL says "equal"): one such interface answers every lookup, with a real
    match they are "multiple".  Through the daemons only: in process virsh also prints GLib's
    warning, with its pid and time, on stderr."""
    on_test("iface-define bond.xml", "iface-name 00:11:22:33:44:55", "iface-define eth2.xml",
            "iface-name aa:bb:cc:dd:ee:02", "iface-undefine aa:bb:cc:dd:ee:02",
            "iface-dumpxml 00:11:22:33:44:55", cwd=xmldir, uri=daemon_uri)  # fmt: skip


def test_iface_redefine_keeps_state(uri, xmldir):
    (xmldir / "eth1.xml").write_text(
        "<interface type='ethernet' name='eth1'><mac address='aa:bb:cc:dd:ee:01'/></interface>"
    )
    on_test("iface-define eth1.xml", "iface-list", "iface-dumpxml eth1", "iface-mac eth1",
            cwd=xmldir, uri=uri)  # fmt: skip


def test_iface_transactions(uri, xmldir):
    on_test("iface-commit", "iface-rollback", "iface-begin", "iface-begin",
            "iface-define eth2.xml", "iface-destroy eth1", "iface-list --all",
            "iface-rollback", "iface-list --all", "iface-rollback",
            "iface-begin", "iface-undefine eth1", "iface-commit", "iface-list --all",
            "iface-commit", cwd=xmldir, uri=uri)  # fmt: skip


@pytest.mark.parametrize("cmd", sorted(f"iface-define {name}" for name in BAD))
def test_iface_define_refuses_bad_xml(uri, xmldir, cmd):
    on_test(cmd, "iface-list --all", cwd=xmldir, uri=uri)


@pytest.mark.parametrize("cmd", ["iface-dumpxml nope", "iface-dumpxml 00:11:22:33:44:55",
                                 "iface-mac nope", "iface-mac aa:bb:cc:dd:ee:ff",
                                 "iface-name eth1", "iface-name 00:11:22:33:44:55",
                                 "iface-start nope", "iface-destroy nope",
                                 "iface-undefine nope", "iface-dumpxml eth1 --inactive",
                                 "iface-list --all --inactive", "iface-define /nonexistent",
                                 "iface-define", "iface-dumpxml ''", "iface-begin extra"])
def test_iface_errors(uri, xmldir, cmd):
    on_test(cmd, cwd=xmldir, uri=uri)


@pytest.mark.parametrize("cmd", ["iface-define eth2.xml", "iface-undefine eth1",
                                 "iface-start eth1", "iface-destroy eth1", "iface-begin",
                                 "iface-commit", "iface-rollback", "iface-list --all",
                                 "iface-dumpxml eth1"])
def test_iface_read_only(uri, xmldir, cmd):
    compare("-r", "-c", uri, cmd, cwd=xmldir)


def test_iface_quiet(uri, xmldir):
    on_test("iface-list --all", "iface-define eth2.xml", "iface-begin", "iface-rollback",
            cwd=xmldir, quiet=True, uri=uri)  # fmt: skip


@pytest.mark.parametrize("string", ["help interface", "help iface-list", "help iface-dumpxml",
                                    "help iface-name", "help iface-begin", "help iface-define"])
def test_iface_help(string):
    compare("-c", "test:///default", string, listing=True)
