"""virNetworkUpdate (``net-update``) on ``qemu:///system``'s real networks: what changes on
the host when a running network's live definition does, as libvirt's networkUpdate changes it.

A static DHCP host added live reaches the running dnsmasq through its hosts file and a
SIGHUP (the same process goes on serving): a guest booted afterwards with that MAC gets the
fixed address, outside the range; a DNS host record added live is answered at once.  A DHCP
range restarts dnsmasq (its .conf holds them), and
so does a first static host on a network that served no DHCP.  A refused update changes
nothing, on disk or in dnsmasq.  The persistent config's updates are compared with libvirtd's
through both daemons (virsh and pyvirsh print the same); libvirtd cannot start networks on
these machines (no iptables), so the live side is ours alone.
"""

# ruff: noqa: F811 - fixtures imported from other test modules are test parameters
from __future__ import annotations

import ipaddress
import os
import re
import socket
import struct
import subprocess
from pathlib import Path

import pytest
from cli_helpers import PYVIRSH, VIRSH
from daemon_helpers import start_daemon
from pyvirt import ErrorCode, VirtError
from pyvirt._connection import Connection
from qemu_guest import NET_BANNER, Guest, guest_domain_xml, wait_for_text
from qemu_helpers import daemon_env, qemu_root, wait_for  # noqa: F401 - fixtures
from test_qemu_networks import (  # noqa: F401 - the system fixture and its helpers
    BOOT_TIMEOUT,
    SystemDriver,
    _bridge_name,
    _dnsmasq_pids,
    _free_subnet,
    _guest_ip,
    network_xml,
    pytestmark,
    system,
)

#: VIR_NETWORK_UPDATE_COMMAND_*, VIR_NETWORK_SECTION_*, VIR_NETWORK_UPDATE_AFFECT_*.
MODIFY, DELETE, ADD_LAST = 1, 2, 3
DHCP_HOST, DHCP_RANGE, DNS_HOST = 4, 5, 10
LIVE, CONFIG = 1, 2


def _file(root: Path, where: str, name: str) -> str:
    """A file of the driver's networks: definitions (etc), status (run), dnsmasq's (lib)."""
    return (root / "network" / where / name).read_text()


def _lib(root: Path, name: str) -> str:
    return _file(root, "lib", name)


def _refused(call: object, *args: object) -> VirtError:
    with pytest.raises(VirtError) as info:
        call(*args)  # type: ignore[operator]
    return info.value


def test_a_live_dhcp_host_reaches_the_running_dnsmasq_and_a_guest_gets_its_address(
    system: tuple[SystemDriver, Connection, list[str]], linux_guest: Guest, qemu_root: Path
) -> None:
    _drv, conn, bridges = system
    # dnsmasq re-reads its hosts files as "nobody" (it drops root once started): the path
    # to them must be open to it, as /var/lib/pyvirt is (a test's temporary root is not)
    qemu_root.chmod(0o755)
    subnet, bridge = _free_subnet(), _bridge_name("u")
    bridges.append(bridge)
    net = conn.define_network(network_xml("upd", bridge, subnet))
    net.start()
    (pid,) = _dnsmasq_pids(qemu_root)
    hosts = list(subnet.hosts())
    fixed, mac = str(hosts[199]), "52:54:00:5e:00:c8"  # outside the range (.10-.50)
    host = f"<host mac='{mac}' name='fixed' ip='{fixed}'/>"
    net.update(ADD_LAST, DHCP_HOST, -1, host, LIVE | CONFIG)
    assert _dnsmasq_pids(qemu_root) == [pid]  # told to re-read, not restarted
    assert _lib(qemu_root, "upd.hostsfile") == f"{mac},{fixed},fixed\n"
    for xml in (net.xml_desc(), net.xml_desc(1), _file(qemu_root, "etc", "upd.xml")):
        assert host in xml
    # the status file too: a restarted daemon re-adopts the network with its new host
    assert host.replace("'", '"') in _file(qemu_root, "run", "upd.xml")

    log = qemu_root / "fixed.log"
    nic = (f"<interface type='network'><mac address='{mac}'/><source network='upd'/>"
           "<model type='virtio'/></interface>")  # fmt: skip
    dom = conn.create_domain(guest_domain_xml(linux_guest, "fixed", log, devices=nic))
    assert wait_for_text(log, NET_BANNER, BOOT_TIMEOUT), log.read_text(errors="replace")
    assert _guest_ip(log) == fixed
    assert [(le.mac, le.ipaddr, le.hostname) for le in net.dhcp_leases()] == [(mac, fixed, "fixed")]
    dom.destroy()

    # A refused update (the same host again, a host that is not there) changes nothing.
    before = (net.xml_desc(), _lib(qemu_root, "upd.hostsfile"))
    err = _refused(net.update, ADD_LAST, DHCP_HOST, -1, host, LIVE)
    assert err.code == ErrorCode.OPERATION_INVALID
    err = _refused(net.update, DELETE, DHCP_HOST, -1, "<host mac='52:54:00:00:00:01'/>", LIVE)
    assert "couldn't locate a matching dhcp host entry" in err.message
    assert (net.xml_desc(), _lib(qemu_root, "upd.hostsfile")) == before
    assert _dnsmasq_pids(qemu_root) == [pid]

    # A range is on dnsmasq's command line (its .conf): restarted, with the new range.
    extra = f"<range start='{hosts[99]}' end='{hosts[109]}'/>"
    net.update(ADD_LAST, DHCP_RANGE, -1, extra, LIVE)
    (again,) = _dnsmasq_pids(qemu_root)
    assert again != pid
    assert f"dhcp-range={hosts[99]},{hosts[109]},255.255.255.0\n" in _lib(qemu_root, "upd.conf")
    assert extra in net.xml_desc() and extra not in net.xml_desc(1)  # live only
    # Deleted live only: the persistent config keeps the host for the next start.
    net.update(DELETE, DHCP_HOST, -1, f"<host mac='{mac}'/>", LIVE)
    assert _lib(qemu_root, "upd.hostsfile") == ""
    assert host not in net.xml_desc() and host in net.xml_desc(1)
    net.destroy()
    net.start()
    assert host in net.xml_desc() and extra not in net.xml_desc()
    assert _lib(qemu_root, "upd.hostsfile") == f"{mac},{fixed},fixed\n"
    net.destroy()


def _resolve(server: str, name: str) -> str | None:
    """The IPv4 address DNS *server* gives for *name* (one A query over UDP), None if none."""
    query = struct.pack(">HHHHHH", 0x5079, 0x0100, 1, 0, 0, 0) + b"".join(
        bytes([len(label)]) + label.encode() for label in name.split(".")
    ) + b"\0" + struct.pack(">HH", 1, 1)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(5)
        sock.sendto(query, (server, 53))
        answer = sock.recv(512)
    answers = struct.unpack(">H", answer[6:8])[0]
    if answer[3] & 0xF or not answers:
        return None
    return socket.inet_ntoa(answer[-4:])  # the last record's address (one A answer)


def test_a_first_static_host_starts_dhcp_and_the_flags_are_libvirts(
    system: tuple[SystemDriver, Connection, list[str]], qemu_root: Path
) -> None:
    _drv, conn, bridges = system
    qemu_root.chmod(0o755)  # (see above: dnsmasq re-reads as "nobody")
    subnet, bridge = _free_subnet(), _bridge_name("v")
    bridges.append(bridge)
    net = conn.create_network(network_xml("nodhcp", bridge, subnet, dhcp=False))
    (pid,) = _dnsmasq_pids(qemu_root)  # DNS only
    assert "dhcp-range" not in _lib(qemu_root, "nodhcp.conf")
    # A DNS host record added live is answered by the same dnsmasq (its addn-hosts file).
    gateway, web = str(next(subnet.hosts())), str(list(subnet.hosts())[79])
    assert _resolve(gateway, "web.pyvirt-test") is None
    net.update(ADD_LAST, DNS_HOST, -1,
               f"<host ip='{web}'><hostname>web.pyvirt-test</hostname></host>", LIVE)  # fmt: skip
    assert _lib(qemu_root, "nodhcp.addnhosts") == f"{web}\tweb.pyvirt-test\t\n"
    assert wait_for(lambda: _resolve(gateway, "web.pyvirt-test") == web, 10)
    assert _dnsmasq_pids(qemu_root) == [pid]
    ip = str(list(subnet.hosts())[20])
    net.update(ADD_LAST, DHCP_HOST, -1, f"<host mac='52:54:00:5e:00:14' ip='{ip}'/>", 0)
    (again,) = _dnsmasq_pids(qemu_root)
    assert again != pid  # DHCP switched on: a restart, as libvirt's networkUpdate does
    conf = _lib(qemu_root, "nodhcp.conf")
    assert f"dhcp-range={gateway},static\n" in conf and "dhcp-hostsfile=" in conf
    assert _lib(qemu_root, "nodhcp.hostsfile") == f"52:54:00:5e:00:14,{ip}\n"
    # transient: the live definition is also its inactive one
    assert ip in net.xml_desc(1)
    err = _refused(net.update, ADD_LAST, DHCP_HOST, -1, "<host mac='52:54:00:5e:00:15' ip='"
                   f"{list(subnet.hosts())[21]}'/>", CONFIG)  # fmt: skip
    assert (err.code, err.message) == (
        ErrorCode.OPERATION_INVALID,
        "Requested operation is not valid: cannot change persistent config of a transient network",
    )
    err = _refused(net.update, ADD_LAST, DHCP_HOST, -1, "<host/>", 4)
    assert err.code == ErrorCode.INVALID_ARG and "networkUpdate" in err.message
    net.destroy()
    off = conn.define_network(network_xml("off", _bridge_name("w"), _free_subnet()))
    err = _refused(off.update, ADD_LAST, DHCP_HOST, -1, "<host mac='52:54:00:5e:00:16'/>", LIVE)
    assert err.message == "Requested operation is not valid: network is not running"
    off.undefine()


#: What differs between libvirtd's and pyvirtd's definitions of one network by nature.
_MASKS = [(re.compile(r"<uuid>[0-9a-f-]{36}</uuid>"), "<uuid>UUID</uuid>"),
          (re.compile(r"^  <mac address='[0-9a-f:]{17}'/>$", re.M), "  <mac address='MAC'/>")]  # fmt: skip


def _script(program: str, env: dict[str, str], steps: list[str]) -> str:
    out = []
    for step in steps:
        done = subprocess.run([program, "-c", "qemu:///system", step], capture_output=True,
                              text=True, env=env, timeout=60)  # fmt: skip
        text = f"$ {step}\n{done.stdout}{done.stderr}rc={done.returncode}\n"
        for pattern, mask in _MASKS:
            text = pattern.sub(mask, text)
        out.append(text)
    return "".join(out)


@pytest.mark.skipif(VIRSH is None, reason="virsh (libvirt 9.0) is not installed")
def test_config_updates_print_and_refuse_as_through_libvirtd(
    daemon_env: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    """The same net-update script on an inactive network, virsh through libvirtd and pyvirsh
    through pyvirtd: each command's output, error and exit status, and the definitions."""
    probe = subprocess.run([VIRSH, "-c", "qemu:///system", "net-list", "--all"],
                           capture_output=True, text=True, timeout=60)  # fmt: skip
    if probe.returncode != 0:
        pytest.skip(f"no libvirtd serving qemu:///system networks: {probe.stderr.strip()}")
    name = f"pvupd{os.getpid()}"
    subnet = ipaddress.IPv4Network(f"10.213.{os.getpid() % 250 + 1}.0/24")
    hosts = list(subnet.hosts())
    (tmp_path / "net.xml").write_text(network_xml(name, _bridge_name("q"), subnet))
    host = f"<host mac='52:54:00:5e:01:02' name='h1' ip='{hosts[70]}'/>"
    (tmp_path / "host.xml").write_text(host)
    steps = [
        f"net-define {tmp_path}/net.xml",
        f'net-update {name} add ip-dhcp-host "{host}" --config',
        f'net-update {name} add-first ip-dhcp-host "{host}" --config',
        f"net-update {name} add-last ip-dhcp-host {tmp_path}/host.xml",
        f"net-update {name} add ip-dhcp-host \"<host mac='52:54:00:5e:01:03' ip='{hosts[71]}'/>\"",
        f"net-update {name} modify ip-dhcp-host \"<host mac='52:54:00:5e:01:03' ip='{hosts[72]}'/>\" --config",
        f'net-update {name} add ip-dhcp-host "{host}" --live',
        f'net-update {name} add ip-dhcp-host "{host}" --live --current',
        f"net-update {name} delete ip-dhcp-host \"<host mac='52:54:00:5e:01:02'/>\" --config",
        f"net-update {name} delete ip-dhcp-host \"<host mac='52:54:00:5e:01:02'/>\" --config",
        f"net-update {name} add ip-dhcp-range \"<range start='{hosts[99]}' end='{hosts[109]}'/>\"",
        f"net-update {name} modify ip-dhcp-range \"<range start='{hosts[99]}' end='{hosts[109]}'/>\"",
        f"net-update {name} add ip-dhcp-range \"<range start='10.9.9.1' end='10.9.9.5'/>\"",
        f"net-update {name} add ip-dhcp-host \"<host mac='52:54:00:5e:01:04' ip='{hosts[73]}'/>\" --parent-index 3",
        f'net-update {name} add bridge "<bridge name=\'x\'/>"',
        f'net-update {name} add ip-dhcp-host "<host"',
        f"net-update {name} add dns-host \"<host ip='{hosts[80]}'><hostname>web</hostname></host>\"",
        f"net-update {name} add portgroup \"<portgroup name='pg1' default='yes'/>\"",
        f"net-update {name} add forward-interface \"<interface dev='eth9'/>\"",
        f"net-update {name} bogus ip-dhcp-host \"{host}\"",
        f"net-update {name} add nowhere \"{host}\"",
        f'net-update nosuch add ip-dhcp-host "{host}"',
        f"net-dumpxml {name} --inactive",
        f"net-undefine {name}",
    ]  # fmt: skip
    plain = {k: v for k, v in os.environ.items() if not k.endswith("DEFAULT_URI")}
    try:
        want = _script(VIRSH, plain, steps)
    finally:
        subprocess.run([VIRSH, "-c", "qemu:///system", "net-undefine", name],
                       capture_output=True, timeout=60)  # fmt: skip
    rundir, env = daemon_env
    daemon = start_daemon(rundir, env=env)
    try:
        daemon.wait_worker("qemu")
        got = _script(PYVIRSH, {**plain, **env, "PYVIRT_RUNTIME_DIR": str(rundir)}, steps)
    finally:
        daemon.stop()
    assert "Updated network" in want and "<host mac='52:54:00:5e:01:03'" in want
    if got != want:
        import difflib

        print("".join(difflib.unified_diff(want.splitlines(True), got.splitlines(True))))
    assert got == want

