"""pyvirsh against virsh: net-name, net-uuid, net-update (every section libvirt's test driver
edits and those it refuses, --live/--config/--current on running, stopped and transient
networks) and the network port commands, in process and through both daemons."""

from __future__ import annotations

import pytest
from cli_helpers import compare, needs_virsh, on_test

pytestmark = needs_virsh

NET_UUID = "dd8fe884-6c02-601e-7551-cca97df1c5df"
PORT_UUID = "5d744f21-ba4a-4d6e-bdb2-30a35ff3207d"
PORT = f"""<networkport>
  <uuid>{PORT_UUID}</uuid>
  <owner>
    <name>myguest</name>
    <uuid>3d744f21-ba4a-4d6e-bdb2-30a35ff3207d</uuid>
  </owner>
  <mac address='52:54:00:73:7e:18'/>
  <plug type='network' bridge='virbr0'/>
</networkport>
"""
H1 = "\"<host mac='52:54:00:00:00:01' name='h1' ip='192.168.122.10'/>\""
H2 = "\"<host mac='52:54:00:00:00:02' name='h2' ip='192.168.122.11'/>\""


@pytest.fixture
def xmldir(tmp_path):
    (tmp_path / "port.xml").write_text(PORT)
    (tmp_path / "h3.xml").write_text("<host mac='52:54:00:00:00:03' name='h3' ip='192.168.122.13'/>")
    (tmp_path / "n2.xml").write_text("<network><name>n2</name><bridge name='virbr2'/></network>")
    return tmp_path


def test_name_and_uuid(uri):
    on_test(f"net-name {NET_UUID}", "net-uuid default", "net-name default", f"net-uuid {NET_UUID}",
            "net-name 00000000-0000-0000-0000-000000000000", "net-uuid nope", "net-name ''",
            uri=uri)


def test_ports(uri, xmldir):
    on_test("net-port-list default", "net-port-list default --uuid", "net-port-list default --table",
            "net-port-create default port.xml", "net-port-create default port.xml --validate",
            f"net-port-dumpxml default {PORT_UUID}", f"net-port-dumpxml default {PORT_UUID} --xpath /x",
            f"net-port-delete default {PORT_UUID}", "net-port-dumpxml default bad",
            "net-port-delete default bad", "net-port-list nope", "net-port-create default nofile",
            "net-port-create nope port.xml", cwd=xmldir, uri=uri)


def test_update_dhcp_hosts(uri, xmldir):
    on_test(f"net-update default add ip-dhcp-host {H1}", "net-dumpxml default",
            f"net-update default add ip-dhcp-host {H1} --live --config",
            f"net-update default add-first ip-dhcp-host {H2} --config",
            f"net-update default add-first ip-dhcp-host {H2}", "net-update default add h3.xml",
            "net-update default add ip-dhcp-host h3.xml --parent-index 0", "net-dumpxml default",
            "net-update default modify ip-dhcp-host "
            "\"<host mac='52:54:00:00:00:01' name='h1x' ip='192.168.122.12'/>\"",
            "net-update default modify ip-dhcp-host \"<host name='nobody' ip='192.168.122.99'/>\"",
            "net-update default delete ip-dhcp-host \"<host mac='52:54:00:00:00:09'/>\"",
            "net-update default delete ip-dhcp-host \"<host name='h3'/>\"", "net-dumpxml default",
            cwd=xmldir, uri=uri)


def test_update_ranges_interfaces_and_refused_sections(uri):
    on_test("net-update default add bridge \"<bridge name='x'/>\"",
            "net-update default add domain '<domain/>'", "net-update default add ip '<ip/>'",
            "net-update default add forward '<forward/>'", "net-update default add forward-pf '<pf/>'",
            "net-update default add ip-dhcp-range \"<range start='192.168.122.2' end='192.168.122.254'/>\"",
            "net-update default delete ip-dhcp-range \"<range start='192.168.122.2' end='192.168.122.254'/>\"",
            "net-update default delete ip-dhcp-range \"<range start='192.168.122.2' end='192.168.122.254'/>\"",
            "net-update default add-first ip-dhcp-range \"<range start='192.168.122.5' end='192.168.122.9'/>\"",
            "net-update default modify ip-dhcp-range \"<range start='192.168.122.2' end='192.168.122.3'/>\"",
            "net-update default add ip-dhcp-range \"<range start='192.168.122.2'/>\"",
            "net-update default add ip-dhcp-range \"<range start='x' end='192.168.122.3'/>\"",
            "net-update default add forward-interface \"<interface dev='eth0'/>\"",
            "net-update default add-first forward-interface \"<interface dev='eth1'/>\"",
            "net-update default add forward-interface \"<interface dev='eth0'/>\"",
            "net-update default modify forward-interface \"<interface dev='eth1'/>\"",
            "net-update default delete forward-interface \"<interface dev='eth9'/>\"",
            "net-update default add forward-interface '<interface/>'", "net-dumpxml default",
            "net-update default delete forward-interface \"<interface dev='eth0'/>\"",
            "net-dumpxml default", uri=uri)


@pytest.mark.parametrize("ip,start,end", [
    ("address='192.168.122.1' netmask='255.255.255.0'", "10.9.9.1", "10.9.9.5"),
    ("address='192.168.122.1' netmask='255.255.255.0'", "192.168.122.0", "192.168.122.5"),
    ("address='192.168.122.1' netmask='255.255.255.0'", "192.168.122.5", "192.168.122.255"),
    ("address='192.168.122.1' netmask='255.255.255.0'", "192.168.122.9", "192.168.122.5"),
    ("address='192.168.122.1' netmask='255.255.255.0'", "192.168.122.5", "10.1.1.1"),
    ("address='192.168.122.1' netmask='255.255.255.0'", "::1", "::2"),
    ("address='192.168.122.1' prefix='16'", "192.168.5.1", "192.168.9.1"),
    ("address='10.1.2.1'", "10.2.0.1", "10.2.0.5"),  # class A: /8
    ("address='10.1.2.1'", "10.1.0.1", "10.2.0.5"),  # more than 65536 addresses
    ("address='172.16.0.1'", "172.17.0.1", "172.17.0.5"),  # class B: /16
    ("family='ipv6' address='fd00::1' prefix='64'", "fd00::10", "fd00::20"),
    ("family='ipv6' address='fd00::1' prefix='64'", "fd00::20", "fd00::10"),
    ("family='ipv6' address='fd00::1' prefix='64'", "fd01::10", "fd01::20"),
    ("family='ipv6' address='fd00::1' prefix='64'", "fd00::1:10", "fd00::2:20"),
    # getaddrinfo's forms, as libvirt parses them: short IPv4, a single number, not an address
    ("address='192.168.5.1' prefix='16'", "192.168.7", "192.168.0.9"),
    ("address='192.168.122.1' netmask='255.255.255.0'", "192.168.122", "192.168.122.9"),
    ("address='192.168.122.1' netmask='255.255.255.0'", "3232266850", "192.168.122.100"),
    ("address='192.168.122.1' netmask='255.255.255.0'", "bogus", "192.168.122.9"),
    ("address='192.168.122.1' netmask='255.255.255.0'", "fd00::1", "192.168.122.9"),
])  # fmt: skip
def test_dhcp_ranges_are_checked_against_their_network_at_define_and_update(
    uri, tmp_path, ip, start, end
):
    """libvirt checks a range against the network of its ``<ip>`` when it parses one: at
    net-define and in net-update alike (ends inside the network, neither its network nor
    its broadcast address, one family, at most 65536 addresses, not reversed)."""
    (tmp_path / "r.xml").write_text(
        "<network><name>rr</name><uuid>0f2c4147-f97d-43de-bc86-5ad4ebeb3d66</uuid>"
        f"<ip {ip}><dhcp><range start='{start}' end='{end}'/></dhcp>"
        "</ip></network>"
    )
    on_test("net-define r.xml", "net-dumpxml rr",
            f"net-update default add ip-dhcp-range \"<range start='{start}' end='{end}'/>\"",
            f"net-update default delete ip-dhcp-range \"<range start='{start}' end='{end}'/>\"",
            cwd=tmp_path, uri=uri)  # fmt: skip


def test_a_range_without_an_end_is_refused_at_define_and_update(uri, tmp_path):
    (tmp_path / "r.xml").write_text(
        "<network><name>rr</name><ip address='192.168.122.1' netmask='255.255.255.0'><dhcp>"
        "<range start='192.168.122.5'/></dhcp></ip></network>"
    )
    on_test("net-define r.xml",
            "net-update default add ip-dhcp-range \"<range end='192.168.122.5'/>\"",
            cwd=tmp_path, uri=uri)  # fmt: skip


def test_update_live_and_config(uri, xmldir):
    on_test(f"net-update default add ip-dhcp-host {H2} --config", "net-destroy default",
            "net-dumpxml default", "net-update default add ip-dhcp-host h3.xml",
            "net-dumpxml default", f"net-update default add ip-dhcp-host {H1} --live",
            "net-start default", "net-dumpxml default", "net-create n2.xml",
            "net-update n2 add ip-dhcp-host '<host/>' --config",
            "net-update n2 add ip-dhcp-host '<host/>'", cwd=xmldir, uri=uri)


@pytest.mark.parametrize("cmd", [
    "net-update nope add ip-dhcp-host '<host/>' --current --live",
    "net-update default add ip-dhcp-host '<host/>' --current --config",
    "net-update nope bogus ip-dhcp-host '<host/>'", "net-update default bogus ip-dhcp-host '<host/>'",
    "net-update default add bogus '<host/>'", "net-update default none ip-dhcp-host '<host/>'",
    "net-update default add none '<host/>'", "net-update default add ip-dhcp-host nofile.xml",
    "net-update default add ip-dhcp-host '<host/>' --parent-index x",
    "net-update default add ip-dhcp-host '<host/>' --parent-index 5",
    "net-update default add-last ip-dhcp-host '<bad'",
    "net-update default add ip-dhcp-host '<host/>'",
    "net-update default add ip-dhcp-host \"<host name='x'/>\"",
    "net-update default add ip-dhcp-host \"<host mac='zz' ip='1.2.3.4'/>\"",
    "net-update default add ip-dhcp-host \"<host mac='01:00:00:00:00:01' ip='1.2.3.4'/>\"",
    "net-update default add ip-dhcp-host \"<host name='x' ip='1.2.3'/>\"",
    "net-update default add ip-dhcp-host \"<host name='x' ip='nope'/>\"",
    "net-update default delete ip-dhcp-host '<host/>'",
    "net-update default add ip-dhcp-host \"<hostx name='x' ip='1.2.3.4'/>\"",
    "net-update default add ip-dhcp-host \"<host id='zz' name='x' ip='1.2.3.4'/>\"",
])
def test_update_errors(uri, cmd):
    on_test(cmd, uri=uri)


@pytest.mark.parametrize("cmd", [
    f"net-name {NET_UUID}", "net-uuid default", f"net-update default add ip-dhcp-host {H1}",
    f"net-update default add ip-dhcp-host {H1} --config", "net-port-list default",
    f"net-port-dumpxml default {PORT_UUID}", f"net-port-delete default {PORT_UUID}",
])
def test_read_only(uri, cmd):
    compare("-r", "-c", uri, cmd)


def test_read_only_port_create(uri, xmldir):
    compare("-r", "-c", uri, "net-port-create default port.xml", cwd=xmldir)


@pytest.mark.parametrize("command", [
    "net-name", "net-uuid", "net-update", "net-port-create", "net-port-delete",
    "net-port-dumpxml", "net-port-list",
])
def test_help(command):
    compare("help", command)


def test_quiet(uri):
    on_test(f"net-update default add ip-dhcp-host {H1}", "net-uuid default", quiet=True, uri=uri)


def test_leases_and_guest_addresses(uri):
    # libvirt's test driver keeps no leases: both end in its "not supported"
    on_test("net-dhcp-leases default", "domifaddr test", "net-dhcp-leases nope", uri=uri)
