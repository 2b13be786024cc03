"""Real virtual networks of ``qemu:///system``: a bridge, dnsmasq and an nftables table.

Two guests of the real guest fixture (:mod:`qemu_guest`, whose init asks for an address
with DHCP) boot on a NAT network, get leases that ``net-dhcp-leases`` and ``domifaddr``
report, and ping each other and the host's bridge through their consoles.  After
``net-destroy`` nothing is left: no bridge, no dnsmasq, no nft table, no tap.  The errors
are compared with libvirtd's own where asking it changes nothing on the host.

Every network of a test gets its own bridge name and a subnet no route of the host uses, so
parallel workers (and a libvirtd with its virbr0) never meet.
"""

# ruff: noqa: F811 - fixtures imported from qemu_helpers are test parameters
from __future__ import annotations

import ipaddress
import os
import random
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import pyvirt
from daemon_helpers import start_daemon
from pyvirt import ErrorCode, VirtError
from pyvirt._connection import Connection
from pyvirt._uri import parse_uri
from qemu_guest import NET_BANNER, Guest, guest_domain_xml, wait_for_text
from qemu_helpers import daemon_env, guest_xml, needs_qemu, qemu_root, wait_for  # noqa: F401
from test_qemu_guest_console import _ask

TOOLS = ("ip", "dnsmasq", "nft")
_missing = [t for t in TOOLS if shutil.which(t) is None]

pytestmark = [
    needs_qemu,
    pytest.mark.skipif(os.geteuid() != 0, reason="networks are bridges and firewall rules: root only"),
    pytest.mark.skipif(not os.access("/dev/net/tun", os.R_OK | os.W_OK),
                       reason="/dev/net/tun is missing (taps for guests)"),  # fmt: skip
    pytest.mark.skipif(bool(_missing), reason=f"missing {_missing} (apt install iproute2 "
                       "dnsmasq-base nftables)"),  # fmt: skip
]

BOOT_TIMEOUT = 180.0


def _free_subnet() -> ipaddress.IPv4Network:
    """A /24 in 10.213.0.0/16 that no route of the host covers."""
    from pyvirt_qemu._netdev import host_routes

    used = [net for _dev, net in host_routes()]
    for _ in range(200):
        net = ipaddress.IPv4Network(f"10.213.{random.randrange(1, 255)}.0/24")
        if not any(net.overlaps(u) for u in used):
            return net
    raise RuntimeError("no free 10.213.x.0/24 subnet")


def _bridge_name(tag: str) -> str:
    return f"pvt{os.getpid() % 100000}{tag}"[:15]


def network_xml(name: str, bridge: str, net: ipaddress.IPv4Network, forward: str | None = "nat",
                dhcp: bool = True) -> str:  # fmt: skip
    hosts = list(net.hosts())
    fwd = f"<forward mode='{forward}'/>" if forward else ""
    dhcp_xml = (f"<dhcp><range start='{hosts[9]}' end='{hosts[49]}'/></dhcp>" if dhcp else "")
    return (f"<network><name>{name}</name>{fwd}<bridge name='{bridge}'/>"
            f"<ip address='{hosts[0]}' netmask='{net.netmask}'>{dhcp_xml}</ip></network>")  # fmt: skip


class SystemDriver:
    """The QEMU state driver as root's (``qemu:///system``, networks included), in this
    process and rooted in a temporary directory, as pyvirtd's worker would host it."""

    def __init__(self, root: Path) -> None:
        from pyvirt_qemu import QemuStateDriver

        self.state = QemuStateDriver()
        assert int(self.state.initialize(privileged=True, root=str(root))) == 1
        self.conns: list[Connection] = []

    def connect(self) -> Connection:
        from pyvirt_qemu import QemuConnectDriver

        raw = self.state.open_connection(parse_uri("qemu:///system"), read_only=False)
        assert raw is not None
        conn = Connection(QemuConnectDriver, raw, read_only=False)
        self.conns.append(conn)
        return conn

    def stop(self) -> None:
        for conn in self.conns:
            conn.close()
        self.state.cleanup()


def _dnsmasq_pids(root: Path) -> list[int]:
    needle = str(root).encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if argv.startswith(b"dnsmasq\0") and needle in argv and state != "Z":
            found.append(int(entry.name))
    return found


def _nft_table(bridge: str) -> str | None:
    out = subprocess.run(["nft", "list", "table", "ip", f"pyvirt-{bridge}"],
                         capture_output=True, text=True)  # fmt: skip
    return out.stdout if out.returncode == 0 else None


def _link(name: str) -> Path:
    return Path("/sys/class/net") / name


def _tap_gone(tap: str, bridge: str) -> bool:
    """The tap is no longer on *bridge* (its name may already be another guest's tap,
    on another test's bridge: names are reused)."""
    master = _link(tap) / "master"
    return not master.exists() or master.resolve().name != bridge


def _cleanup_host(root: Path, bridges: list[str]) -> None:
    """Whatever a failed test left: dnsmasq of this root, the bridges and their tables."""
    for pid in _dnsmasq_pids(root):
        os.kill(pid, signal.SIGKILL)
    for br in bridges:
        subprocess.run(["nft", "delete", "table", "ip", f"pyvirt-{br}"], capture_output=True)
        subprocess.run(["ip", "link", "del", br], capture_output=True)


@pytest.fixture
def system(qemu_root: Path) -> Iterator[tuple[SystemDriver, Connection, list[str]]]:
    bridges: list[str] = []
    drv = SystemDriver(qemu_root)
    try:
        yield drv, drv.connect(), bridges
    finally:
        drv.stop()
        _cleanup_host(qemu_root, bridges)


def _guest_ip(console_log: Path) -> str:
    # Anywhere in a line: on a loaded host the kernel's messages interleave with the banner.
    text = console_log.read_text(errors="replace")
    found = re.search(re.escape(NET_BANNER) + r"\s+([0-9.]+)/", text)
    assert found is not None, text
    return found.group(1)


def test_two_guests_get_leases_ping_each_other_and_the_bridge_and_destroy_leaves_nothing(
    system: tuple[SystemDriver, Connection, list[str]], linux_guest: Guest, qemu_root: Path
) -> None:
    _drv, conn, bridges = system
    subnet, bridge = _free_subnet(), _bridge_name("n")
    bridges.append(bridge)
    net = conn.define_network(network_xml("default", bridge, subnet))
    net.start()
    gateway = str(next(subnet.hosts()))
    assert _link(bridge).exists() and _nft_table(bridge) is not None
    assert "masquerade" in (_nft_table(bridge) or "")
    assert len(_dnsmasq_pids(qemu_root)) == 1
    conf = (qemu_root / "network" / "lib" / "default.conf").read_text()
    assert f"interface={bridge}\n" in conf and "dhcp-authoritative\n" in conf

    nic = "<interface type='network'><source network='default'/><model type='virtio'/></interface>"
    doms, logs = [], []
    for name in ("g1", "g2"):
        log = qemu_root / f"{name}.log"
        dom = conn.define_domain(guest_domain_xml(linux_guest, name, log, devices=nic))
        dom.start()
        doms.append(dom)
        logs.append(log)
    for log in logs:
        assert wait_for_text(log, NET_BANNER, BOOT_TIMEOUT), log.read_text(errors="replace")
    ips = [_guest_ip(log) for log in logs]

    # The leases dnsmasq gave, as the network and each guest report them.
    leases = net.dhcp_leases()
    macs = [d.xml_desc().split("<mac address='")[1][:17] for d in doms]
    assert sorted((le.mac, le.ipaddr) for le in leases) == sorted(zip(macs, ips, strict=True))
    assert all(le.iface == bridge and le.prefix == 24 and le.type == 0 for le in leases)
    assert [le.ipaddr for le in net.dhcp_leases(macs[0].upper())] == [ips[0]]
    taps = []
    for dom, mac, ip in zip(doms, macs, ips, strict=True):
        (iface,) = dom.interface_addresses(0)
        assert (iface.hwaddr, [(a.addr, a.prefix) for a in iface.addrs]) == (mac, [(ip, 24)])
        assert (_link(iface.name) / "master").resolve().name == bridge  # the tap is on it
        assert f"<target dev='{iface.name}'/>" in dom.xml_desc()
        taps.append(iface.name)

    # Each guest pings the other and the bridge (the host), typed into its console.
    for dom, other in ((doms[0], ips[1]), (doms[1], ips[0])):
        fd = dom.open_console()
        try:
            for target in (other, gateway):
                out = _ask(fd, f"ping -c 2 -W 5 {target} >/dev/null && echo PING-$((6*7))"
                               " || echo FAIL-$((6*7))", b"-42")  # fmt: skip
                assert b"PING-42" in out, out
        finally:
            os.close(fd)

    # The pings crossed each guest's tap: its counters, seen from the guest's side (what the
    # tap sent the guest received), by tap name and by MAC.
    for dom, tap, mac in zip(doms, taps, macs, strict=True):
        rx_bytes, rx_packets, _, _, tx_bytes, tx_packets, _, _ = dom.interface_stats(tap)
        assert rx_packets >= 4 and tx_packets >= 4 and rx_bytes > 0 and tx_bytes > 0
        assert dom.interface_stats(mac)[1] >= rx_packets
    with pytest.raises(VirtError, match="'nope' is not a known interface"):
        doms[0].interface_stats("nope")

    with pytest.raises(VirtError) as info:
        net.start()
    assert (info.value.code, info.value.message) == (
        ErrorCode.OPERATION_INVALID, "Requested operation is not valid: network is already active")

    for dom in doms:
        dom.destroy()
    assert all(_tap_gone(t, bridge) for t in taps)  # the taps died with QEMU
    net.destroy()
    assert not _link(bridge).exists()
    assert _nft_table(bridge) is None
    assert _dnsmasq_pids(qemu_root) == []
    assert net.dhcp_leases() == []
    with pytest.raises(VirtError, match=r"network 'default' is not active") as info:
        net.destroy()
    assert info.value.code == ErrorCode.OPERATION_INVALID
    # A guest on an inactive network does not start, and stays shut off.
    with pytest.raises(VirtError, match=r"network 'default' is not active"):
        doms[0].start()
    assert not doms[0].is_active()


def test_isolated_and_routed_networks_and_a_bridge_interface(
    system: tuple[SystemDriver, Connection, list[str]], qemu_root: Path
) -> None:
    _drv, conn, bridges = system
    rules = {}
    for mode in ("route", None):
        bridge = _bridge_name("r" if mode else "i")
        bridges.append(bridge)
        name = f"net-{mode or 'isolated'}"
        net = conn.create_network(network_xml(name, bridge, _free_subnet(), forward=mode, dhcp=False))
        assert net.is_active() and not net.is_persistent()
        rules[mode] = _nft_table(bridge) or ""
        assert "masquerade" not in rules[mode]
        assert _dnsmasq_pids(qemu_root) != []  # DNS even without DHCP, as libvirt
        if mode is None:
            # A guest plugged straight into the bridge (<interface type='bridge'>).
            dom = conn.create_domain(guest_xml("br", None, extra=(
                f"<interface type='bridge'><source bridge='{bridge}'/></interface>")))  # fmt: skip
            tap = dom.xml_desc().split("<target dev='")[1].split("'")[0]
            assert (_link(tap) / "master").resolve().name == bridge
            dom.destroy()
            assert _tap_gone(tap, bridge)
        net.destroy()
        assert not _link(bridge).exists() and _nft_table(bridge) is None
        assert conn.list_networks(3) == []  # transient: gone with destroy
    assert "ip saddr" in rules["route"] and "accept" in rules["route"]
    assert "ip saddr" not in rules[None]  # isolated: nothing is forwarded off the bridge
    with pytest.raises(VirtError, match="Cannot get interface MTU on 'pvnosuchbr0'"):
        conn.create_domain(guest_xml("nobr", None, extra=(
            "<interface type='bridge'><source bridge='pvnosuchbr0'/></interface>")))  # fmt: skip


def _libvirt_error(*args: str) -> str | None:
    """The error line virsh prints for ``virsh -c qemu:///system ARGS``, None when libvirtd
    does not serve networks there."""
    out = subprocess.run(["virsh", "-c", "qemu:///system", *args], capture_output=True,
                         text=True, timeout=60)  # fmt: skip
    lines = [ln for ln in out.stderr.splitlines() if ln.startswith("error:")]
    return lines[-1] if lines else None


@pytest.fixture
def dummy_subnet() -> Iterator[ipaddress.IPv4Network]:
    """A host interface holding a subnet, so starting a network on it must collide."""
    subnet, dev = _free_subnet(), _bridge_name("d")
    subprocess.run(["ip", "link", "add", dev, "type", "bridge"], check=True)
    try:
        subprocess.run(["ip", "addr", "add", f"{next(subnet.hosts())}/24", "dev", dev], check=True)
        subprocess.run(["ip", "link", "set", dev, "up"], check=True)
        yield subnet
    finally:
        subprocess.run(["ip", "link", "del", dev], capture_output=True)


def test_network_errors_are_libvirts_and_change_nothing(
    system: tuple[SystemDriver, Connection, list[str]], dummy_subnet: ipaddress.IPv4Network,
    qemu_root: Path, tmp_path: Path,
) -> None:  # fmt: skip
    _drv, conn, bridges = system
    bridge = _bridge_name("e")
    bridges.append(bridge)
    # Two definitions naming one bridge.
    conn.define_network(network_xml("first", bridge, _free_subnet()))
    second = network_xml("second", bridge, _free_subnet())
    with pytest.raises(VirtError) as info:
        conn.define_network(second)
    ours = [f"error: {info.value.message}"]
    # A subnet a host interface already has.
    clash = conn.define_network(network_xml("clash", _bridge_name("c"), dummy_subnet))
    with pytest.raises(VirtError) as info:
        clash.start()
    ours.append(f"error: {info.value.message}")
    assert info.value.code == ErrorCode.INTERNAL_ERROR
    assert not clash.is_active() and not _link(_bridge_name("c")).exists()
    assert _dnsmasq_pids(qemu_root) == []
    # Bad XML.
    with pytest.raises(VirtError) as info:
        conn.define_network("<network><name>bad</name><forward mode='teleport'/></network>")
    ours.append(f"error: {info.value.message}")
    assert sorted(n.name for n in conn.list_networks(3)) == ["clash", "first"]
    # A bridge some other program made is not taken over.
    subprocess.run(["ip", "link", "add", _bridge_name("x"), "type", "bridge"], check=True)
    bridges.append(_bridge_name("x"))
    taken = conn.define_network(network_xml("taken", _bridge_name("x"), _free_subnet()))
    with pytest.raises(VirtError, match="error creating bridge interface .*: File exists"):
        taken.start()
    assert _nft_table(_bridge_name("x")) is None and _dnsmasq_pids(qemu_root) == []

    if shutil.which("virsh") is None or _libvirt_error("net-list") is not None:
        pytest.skip("no libvirtd serving qemu:///system networks to compare the messages with")
    theirs = []
    names = [f"pvcmp{os.getpid()}a", f"pvcmp{os.getpid()}b", f"pvcmp{os.getpid()}c"]
    files = []
    for text in (network_xml(names[0], bridge, _free_subnet()),
                 network_xml(names[1], bridge, _free_subnet()),
                 network_xml(names[2], _bridge_name("v"), dummy_subnet)):  # fmt: skip
        path = tmp_path / f"{len(files)}.xml"
        path.write_text(text)
        files.append(path)
    try:
        assert _libvirt_error("net-define", str(files[0])) is None
        theirs.append(_libvirt_error("net-define", str(files[1])))
        assert _libvirt_error("net-define", str(files[2])) is None
        theirs.append(_libvirt_error("net-start", names[2]))  # fails before making anything
        bad = tmp_path / "bad.xml"
        bad.write_text("<network><name>bad</name><forward mode='teleport'/></network>")
        theirs.append(_libvirt_error("net-define", str(bad)))
    finally:
        for name in names:
            subprocess.run(["virsh", "-c", "qemu:///system", "net-undefine", name],
                           capture_output=True)  # fmt: skip
    assert ours == theirs


def _pyvirsh(*args: str) -> str:
    pyvirsh = shutil.which("pyvirsh", path=os.path.dirname(sys.executable)) or "pyvirsh"
    out = subprocess.run([pyvirsh, "-c", "qemu:///system", *args], capture_output=True,
                         text=True, timeout=60)  # fmt: skip
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_a_network_outlives_a_sigkilled_pyvirtd_and_is_readopted(
    daemon_env: tuple[Path, dict[str, str]], qemu_root: Path
) -> None:
    rundir, env = daemon_env
    subnet, bridge = _free_subnet(), _bridge_name("k")
    daemon = start_daemon(rundir, env=env)

    def restart() -> None:
        nonlocal daemon
        daemon.stop(signal.SIGKILL)
        daemon = start_daemon(rundir, env=env)
        daemon.wait_worker("qemu")

    try:
        daemon.wait_worker("qemu")
        with pyvirt.open("qemu:///system") as conn:
            conn.define_network(network_xml("default", bridge, subnet)).start()
        # pyvirsh through the daemon prints what virsh prints.
        assert _pyvirsh("net-list") == (
            " Name      State    Autostart   Persistent\n"
            "--------------------------------------------\n"
            " default   active   no          yes\n\n")  # fmt: skip
        assert _pyvirsh("net-dhcp-leases", "default") == (
            " Expiry Time   MAC address   Protocol   IP address   Hostname   Client ID or DUID\n"
            + "-" * 83 + "\n\n")  # fmt: skip
        assert f"Bridge:         {bridge}\n" in _pyvirsh("net-info", "default")
        pids = _dnsmasq_pids(qemu_root)
        assert len(pids) == 1

        restart()  # nothing of the network went with the daemon, and it is adopted again
        assert _link(bridge).exists() and _nft_table(bridge) is not None
        assert _dnsmasq_pids(qemu_root) == pids
        with pyvirt.open("qemu:///system") as conn:
            assert conn.lookup_network_by_name("default").is_active()

        # dnsmasq died and the table was flushed while nobody watched: both come back.
        os.kill(pids[0], signal.SIGKILL)
        assert wait_for_gone(pids[0])
        subprocess.run(["nft", "delete", "table", "ip", f"pyvirt-{bridge}"], check=True)
        restart()
        again = _dnsmasq_pids(qemu_root)
        assert len(again) == 1 and again != pids
        assert "masquerade" in (_nft_table(bridge) or "")

        daemon.stop(signal.SIGKILL)  # the bridge was deleted behind its back: inactive, clean
        subprocess.run(["ip", "link", "del", bridge], check=True)
        daemon = start_daemon(rundir, env=env)
        daemon.wait_worker("qemu")
        with pyvirt.open("qemu:///system") as conn:
            net = conn.lookup_network_by_name("default")
            assert not net.is_active()
            assert _nft_table(bridge) is None and _dnsmasq_pids(qemu_root) == []
            net.undefine()
    finally:
        daemon.stop(signal.SIGKILL if daemon.proc.poll() is None else signal.SIGTERM)
        _cleanup_host(qemu_root, [bridge])


def wait_for_gone(pid: int) -> bool:
    def gone() -> bool:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return True
        return state == "Z"

    return wait_for(gone, 10.0)


def test_definitions_autostart_and_transient_networks_as_libvirt_keeps_them(
    qemu_root: Path,
) -> None:
    bridge, subnet = _bridge_name("a"), _free_subnet()
    drv = SystemDriver(qemu_root)
    try:
        conn = drv.connect()
        net = conn.define_network(network_xml("auto", bridge, subnet).replace(
            f"<bridge name='{bridge}'/>", ""))  # fmt: skip
        xml = net.xml_desc()
        # libvirt fills in a bridge name of its own pattern and a MAC at define time.
        assert "<bridge name='pvbr" in xml and "stp='on' delay='0'/>" in xml
        assert "<mac address='52:54:00:" in xml
        redefined = conn.define_network(network_xml("auto", bridge, subnet).replace(
            "</name>", f"</name><uuid>{net.uuid}</uuid>"))  # fmt: skip
        assert f"<bridge name='{bridge}' stp='on' delay='0'/>" in redefined.xml_desc()
        assert net.bridge_name() == bridge
        assert not net.is_active() and net.is_persistent() and not net.autostart
        net.set_autostart(True)
        assert net.autostart
        with pytest.raises(VirtError, match="network 'auto' is not active"):
            net.destroy()
    finally:
        drv.stop()
    drv = SystemDriver(qemu_root)  # the next driver autostarts it
    try:
        conn = drv.connect()
        net = conn.lookup_network_by_name("auto")
        assert net.is_active() and net.autostart and _link(bridge).exists()
        net.undefine()  # active: it becomes transient, as in libvirt
        assert net.is_active() and not net.is_persistent() and not net.autostart
        with pytest.raises(VirtError, match="can't undefine transient network"):
            net.undefine()
        with pytest.raises(VirtError, match="cannot set autostart for transient network"):
            net.set_autostart(True)
        net.destroy()
        assert conn.list_networks(3) == [] and not _link(bridge).exists()
        assert _dnsmasq_pids(qemu_root) == [] and _nft_table(bridge) is None
    finally:
        drv.stop()
        _cleanup_host(qemu_root, [bridge])
    session = SystemDriver.__new__(SystemDriver)  # qemu:///session has no networks
    from pyvirt_qemu import QemuStateDriver

    session.state = QemuStateDriver()
    assert int(session.state.initialize(privileged=False, root=str(qemu_root / "s"))) == 1
    raw = session.state.open_connection(parse_uri("qemu:///session"), read_only=False)
    assert raw is not None
    with pytest.raises(VirtError) as info:
        raw.connect_list_all_networks(0)
    assert info.value.code == ErrorCode.NO_SUPPORT
    session.state.cleanup()


def test_a_running_network_nics_link_goes_down_and_up_by_its_mac_and_network_alone(
    system: tuple[SystemDriver, Connection, list[str]], qemu_root: Path
) -> None:
    """update-device with what a user writes (MAC, network, link): the running NIC's source
    also holds what start filled in (its bridge, its port), which the update need not
    repeat; a different network is still refused."""
    _drv, conn, bridges = system
    bridge = _bridge_name("l")
    bridges.append(bridge)
    net = conn.create_network(network_xml("linknet", bridge, _free_subnet(), dhcp=False))
    mac = "52:54:00:aa:bb:01"
    dom = conn.create_domain(guest_xml("linkdom", None, extra=(
        f"<interface type='network'><mac address='{mac}'/><source network='linknet'/>"
        "<model type='virtio'/></interface>")), 1)  # fmt: skip (VIR_DOMAIN_START_PAUSED)
    nic = ("<interface type='network'><mac address='{mac}'/><source network='{net}'/>"
           "<model type='virtio'/>{link}</interface>")  # fmt: skip
    assert f"bridge='{bridge}'" in dom.xml_desc()
    dom.update_device(nic.format(mac=mac, net="linknet", link="<link state='down'/>"), 1)
    assert "<link state='down'/>" in dom.xml_desc()
    dom.update_device(nic.format(mac=mac, net="linknet", link=""), 1)
    assert "<link state=" not in dom.xml_desc()
    with pytest.raises(VirtError, match="unable to change config on 'network' network type") as e:
        dom.update_device(nic.format(mac=mac, net="othernet", link=""), 1)
    assert e.value.code == ErrorCode.OPERATION_UNSUPPORTED
    dom.destroy()
    net.destroy()
