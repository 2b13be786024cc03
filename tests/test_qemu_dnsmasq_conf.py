"""dnsmasq's files for a network of ``qemu:///system`` (its .conf, static hosts and DNS hosts)
compared byte for byte with those libvirtd 9.0 writes for the same definition.

Each network is started by libvirtd first (transient, then destroyed) and by the driver in
process next, on the same bridge name and subnet, never both at once.  The paths in the files
differ by nature (``/var/lib/libvirt/dnsmasq`` against the driver's own directory) and are
blanked; pyvirt's one addition, ``dhcp-leasefile`` (it reads dnsmasq's own lease file instead
of running libvirt's lease helper), is its last line and left out.  libvirtd needs iptables to
start a network: without it the test skips, and .ci/run installs it.
"""

# ruff: noqa: F811 - fixtures imported from other test modules are test parameters
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pyvirt._connection import Connection
from qemu_helpers import qemu_root  # noqa: F401 - fixture
from test_qemu_networks import (  # noqa: F401 - the system fixture and its helpers
    SystemDriver,
    _bridge_name,
    _free_subnet,
    pytestmark,
    system,
)

VIRSH = shutil.which("virsh")
LIBVIRT_DNSMASQ = Path("/var/lib/libvirt/dnsmasq")

#: Definitions covering every line libvirt writes for an IPv4 network; NET is the subnet's
#: first three octets, NAME and BRIDGE the network's.
NETWORKS = {
    "nat-dns": (
        "<network><name>NAME</name><forward mode='nat'/><bridge name='BRIDGE'/>"
        "<domain name='example.test' localOnly='yes'/><dns forwardPlainNames='no'>"
        "<forwarder addr='192.0.2.53'/><forwarder domain='corp.test' addr='192.0.2.54'/>"
        "<forwarder domain='nowhere.test'/><txt name='t1' value='hello world'/>"
        "<srv service='http' protocol='tcp' domain='example.test' target='web' port='80' "
        "priority='10' weight='5'/><srv service='ldap' protocol='tcp'/>"
        "<srv service='sip' protocol='udp' target='sip' priority='3'/>"
        "<host ip='NET.80'><hostname>web</hostname><hostname>www</hostname></host></dns>"
        "<mtu size='1400'/><ip address='NET.1' netmask='255.255.255.0' localPtr='yes'><dhcp>"
        "<range start='NET.10' end='NET.50'/><host mac='52:54:00:00:00:99' name='h9' "
        "ip='NET.99'/></dhcp></ip></network>"
    ),
    "isolated": (
        "<network><name>NAME</name><bridge name='BRIDGE'/><domain name='iso.test'/>"
        "<ip address='NET.1' netmask='255.255.255.0'/></network>"
    ),
    "route-no-dns": (
        "<network><name>NAME</name><forward mode='route'/><bridge name='BRIDGE'/>"
        "<dns enable='no'/><ip address='NET.1' prefix='24'><dhcp>"
        "<range start='NET.10' end='NET.20'/></dhcp></ip></network>"
    ),
    "static-hosts": (
        "<network><name>NAME</name><forward mode='nat'/><bridge name='BRIDGE'/>"
        "<domain name='d.test' localOnly='no'/><ip address='NET.1' netmask='255.255.255.0'>"
        "<dhcp><host mac='52:54:00:00:00:91' ip='NET.91'/>"
        "<host mac='52:54:00:00:00:92' name='n92' ip='NET.92'/>"
        "<host name='onlyname' ip='NET.93'/></dhcp></ip></network>"
    ),
    "two-ranges": (
        "<network><name>NAME</name><forward mode='nat'/><bridge name='BRIDGE'/>"
        "<ip address='NET.1' netmask='255.255.255.0'><dhcp><range start='NET.10' end='NET.20'/>"
        "<range start='NET.30' end='NET.31'/><host mac='52:54:00:00:00:95' ip='NET.95'/>"
        "</dhcp></ip></network>"
    ),
}


def _files(directory: Path, name: str) -> dict[str, str]:
    """The network's dnsmasq files, their directory and pid file's path blanked."""
    out = {}
    for suffix in ("conf", "hostsfile", "addnhosts"):
        path = directory / f"{name}.{suffix}"
        text = path.read_text() if path.exists() else "<missing>"
        text = text.replace(str(directory), "DIR")
        out[suffix] = re.sub(r"^pid-file=.*/", "pid-file=RUN/", text, flags=re.M)
    return out


def _libvirtd(*args: str) -> subprocess.CompletedProcess[str]:
    assert VIRSH is not None
    return subprocess.run([VIRSH, "-c", "qemu:///system", *args], capture_output=True,
                          text=True, timeout=120)  # fmt: skip


@pytest.mark.skipif(VIRSH is None, reason="virsh (libvirt 9.0) is not installed")
@pytest.mark.parametrize("kind", sorted(NETWORKS))
def test_dnsmasq_files_are_libvirts(
    system: tuple[SystemDriver, Connection, list[str]], qemu_root: Path, tmp_path: Path, kind: str
) -> None:
    _drv, conn, bridges = system
    bridge, subnet = _bridge_name(kind[:3]), _free_subnet()
    bridges.append(bridge)
    name = f"pvdq{os.getpid()}{kind[:3]}"
    xml = (NETWORKS[kind].replace("NAME", name).replace("BRIDGE", bridge)
           .replace("NET.", str(subnet.network_address).rsplit(".", 1)[0] + "."))  # fmt: skip
    (tmp_path / "net.xml").write_text(xml)
    started = _libvirtd("net-create", str(tmp_path / "net.xml"))
    if started.returncode != 0:
        pytest.skip(f"libvirtd does not start networks here: {started.stderr.strip()}")
    try:
        theirs = _files(LIBVIRT_DNSMASQ, name)
    finally:
        _libvirtd("net-destroy", name)
    net = conn.create_network(xml)
    ours = _files(qemu_root / "network" / "lib", name)
    net.destroy()
    leasefile = "dhcp-leasefile=DIR/" + name + ".leases\n"
    assert ours["conf"].endswith(leasefile)  # pyvirt's addition, its last line
    ours["conf"] = ours["conf"][: -len(leasefile)]
    if theirs["hostsfile"] == "<missing>":  # libvirt writes none without DHCP; ours is empty
        assert ours["hostsfile"] == ""
        ours["hostsfile"] = "<missing>"
    assert ours == theirs
