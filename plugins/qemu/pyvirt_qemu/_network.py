"""The virtual networks of ``qemu:///system``: definitions, and starting and stopping the
real thing (a Linux bridge with its addresses, dnsmasq, an nftables table).

Why the QEMU state driver holds them: libvirt serves networks on the qemu connection too
(its network driver shares the daemon), and a guest's ``<interface type='network'>`` must
find its network's bridge at start.  Every change of a network is a file, as in libvirt:
definitions in the network config dir (autostart links beside them), and for an active
network a status file holding its live definition, written once everything is up.  A
restarted driver reads the status files and re-adopts what is still there (the bridge, and
dnsmasq by its pid file, restarted if it died); a network whose bridge has gone is cleaned
up and reported inactive.  So pyvirtd SIGKILLed with a network up neither loses nor leaks it.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from lxml import etree
from pyvirt import (
    ErrorCode,
    ErrorDomain,
    NetworkEventType,
    NetworkRecord,
    NetworkRef,
    ObjectEvent,
    VirtError,
    make_error,
)
from pyvirt.conf import (
    UPDATE_SECTIONS,
    NetworkDef,
    format_network_xml,
    generate_mac,
    parse_network_xml,
)
from pyvirt.driver import NetworkObjList

from pyvirt_qemu import _dnsmasq, _firewall, _netdev
from pyvirt_qemu._config import QemuPaths, atomic_write, remove_file
from pyvirt_qemu._listeners import deliver

__all__ = ["NetworkState", "QemuNetwork"]

log = logging.getLogger("pyvirt.qemu.network")
_NET = ErrorDomain.NETWORK
#: Bridges named by the driver are pvbrN (libvirt's are virbrN): no clash with a libvirtd.
BRIDGE_PREFIX = "pvbr"
#: VIR_NETWORK_SECTION_* whose live change dnsmasq must be restarted for (its .conf), and
#: the two it re-reads from files on SIGHUP.
_RESTART_SECTIONS = frozenset(
    UPDATE_SECTIONS.index(name) for name in ("domain", "ip-dhcp-range", "dns-txt", "dns-srv")
)
_SECTION_DHCP_HOST = UPDATE_SECTIONS.index("ip-dhcp-host")
_SECTION_DNS_HOST = UPDATE_SECTIONS.index("dns-host")
_STATUS_HEADER = "<!--\nWARNING: THIS IS AN AUTO-GENERATED FILE. It is pyvirt's record of an active network.\n-->\n"


def _err(code: int, msg: str) -> VirtError:
    return make_error(code, _NET, msg)


@dataclass(eq=False)
class QemuNetwork:
    defn: NetworkDef
    persistent: bool
    autostart: bool = False
    #: The definition it runs with, None while inactive.
    live: NetworkDef | None = None

    @property
    def name(self) -> str:
        return self.defn.name

    @property
    def uuid(self) -> str:
        return self.defn.uuid

    @property
    def active(self) -> bool:
        return self.live is not None

    def ref(self) -> NetworkRef:
        return NetworkRef(self.name, self.uuid)

    def record(self) -> NetworkRecord:
        return NetworkRecord(self.name, self.uuid, self.active, self.persistent, self.autostart)


def check_supported(defn: NetworkDef) -> None:
    """Refuse what this driver cannot build rather than build something else."""
    if defn.forward_mode not in (None, "nat", "route"):
        raise _err(ErrorCode.CONFIG_UNSUPPORTED,
                   f"unsupported configuration: forward mode '{defn.forward_mode}'")  # fmt: skip
    for ip in defn.ips:
        if ip.family not in (None, "ipv4"):
            raise _err(ErrorCode.CONFIG_UNSUPPORTED,
                       f"unsupported configuration: ip family '{ip.family}'")  # fmt: skip
        if not ip.address:
            raise _err(ErrorCode.XML_ERROR, f"Missing IP address in network '{defn.name}'")
        try:
            _dnsmasq.ipv4_network(ip)
        except ValueError:
            raise _err(ErrorCode.XML_ERROR,
                       f"Invalid netmask '{ip.netmask or ip.prefix}' in network '{defn.name}'") from None  # fmt: skip


class NetworkState:
    """Every network of the driver, and what starting and stopping one means on the host."""

    def __init__(self, paths: QemuPaths, listeners: list[Callable[[ObjectEvent], None]]) -> None:
        self.config_dir = paths.network_config_dir
        self.autostart_dir = paths.network_config_dir / "autostart"
        self.run_dir = paths.network_run_dir
        self.state_dir = paths.network_state_dir
        self.listeners = listeners
        self.lock = threading.RLock()
        self.nets: NetworkObjList[QemuNetwork] = NetworkObjList(_NET)

    # -- files -----------------------------------------------------------------------------
    def files(self, name: str) -> _dnsmasq.DnsmasqFiles:
        return _dnsmasq.DnsmasqFiles.for_network(self.state_dir, self.run_dir, name)

    def _config_path(self, name: str) -> Path:
        return self.config_dir / f"{name}.xml"

    def autostart_link(self, name: str) -> Path:
        return self.autostart_dir / f"{name}.xml"

    def _status_path(self, name: str) -> Path:
        return self.run_dir / f"{name}.xml"

    def save_config(self, defn: NetworkDef) -> None:
        atomic_write(self._config_path(defn.name), format_network_xml(defn))

    def remove_config(self, name: str) -> None:
        remove_file(self._config_path(name))
        with contextlib.suppress(FileNotFoundError):
            self.autostart_link(name).unlink()

    def _save_status(self, live: NetworkDef) -> None:
        root = etree.Element("networkstatus")
        root.append(etree.fromstring(format_network_xml(live)))
        etree.indent(root, space="  ")
        atomic_write(self._status_path(live.name),
                     _STATUS_HEADER + etree.tostring(root, encoding="unicode") + "\n",
                     durable=False)  # fmt: skip

    def emit(self, net: QemuNetwork, event: int) -> None:
        ev = ObjectEvent("network", net.name, net.uuid, -1, int(event), 0)
        deliver(self.listeners, ev)

    # -- start-up --------------------------------------------------------------------------
    def initialize(self) -> None:
        """Load definitions, re-adopt active networks, then autostart (libvirt's order)."""
        for d in (self.config_dir, self.autostart_dir, self.run_dir, self.state_dir):
            d.mkdir(parents=True, exist_ok=True, mode=0o700)
        # dnsmasq's own directory is open to read (libvirt's /var/lib/libvirt/dnsmasq is):
        # dnsmasq drops root for "nobody" once started, and reads its hosts file again there
        # on SIGHUP (net-update); its .conf, read only at start, stays root's alone
        self.state_dir.chmod(0o755)
        for path in sorted(self.config_dir.glob("*.xml")):
            try:
                defn = parse_network_xml(path.read_text())
            except (OSError, VirtError) as exc:
                log.warning("skipping unreadable network config %s: %s", path, exc)
                continue
            autostart = self.autostart_link(defn.name).is_symlink()
            self.nets.add(QemuNetwork(defn, persistent=True, autostart=autostart))
        for path in sorted(self.run_dir.glob("*.xml")):
            try:
                self._readopt(path)
            except Exception:  # noqa: BLE001 - one bad status file must not stop the rest
                log.exception("cannot re-adopt the network of %s", path)
        for net in list(self.nets):
            if net.autostart and not net.active:
                try:
                    self.start(net)
                except VirtError as exc:
                    log.warning("autostart of network %s failed: %s", net.name, exc)

    def _readopt(self, path: Path) -> None:
        root = etree.parse(str(path)).getroot()
        el = root.find("network")
        if el is None:
            raise ValueError(f"incomplete status file {path}")
        live = parse_network_xml(etree.tostring(el))
        net = self.nets.find_by_name(live.name)
        if net is None or net.uuid != live.uuid:
            net = self.nets.add(QemuNetwork(live.copy(), persistent=False))
        bridge = live.bridge_name or ""
        if not _netdev.link_exists(bridge):
            log.warning("network %s lost its bridge %s while pyvirtd was down", live.name, bridge)
            self._teardown(live)
            if not net.persistent:
                self.nets.remove(net)
            return
        net.live = live
        if not _firewall.table_exists(bridge):  # someone flushed the host's ruleset
            log.warning("network %s lost its firewall table; installing it again", live.name)
            subnets = [_dnsmasq.ipv4_network(ip) for ip in live.ips]
            _firewall.install_rules(bridge, live.forward_mode, subnets)
        if _dnsmasq.dnsmasq_pid(self.files(live.name)) is None and self._needs_dnsmasq(live):
            log.warning("dnsmasq of network %s was gone; starting it again", live.name)
            _dnsmasq.start_dnsmasq(live, bridge, self.files(live.name))

    # -- checks ----------------------------------------------------------------------------
    def _bridge_in_use(self, bridge: str, name: str) -> bool:
        return any(n.name != name and bridge in (n.defn.bridge_name, n.live and n.live.bridge_name)
                   for n in self.nets)  # fmt: skip

    def fill_defaults(self, defn: NetworkDef) -> None:
        """What libvirt adds at define time: a bridge name, its MAC; and its name check."""
        check_supported(defn)
        if defn.bridge_name and "%d" not in defn.bridge_name:
            if self._bridge_in_use(defn.bridge_name, defn.name):
                raise _err(ErrorCode.INTERNAL_ERROR,
                           f"bridge name '{defn.bridge_name}' already in use.")  # fmt: skip
        else:
            template = defn.bridge_name or f"{BRIDGE_PREFIX}%d"
            n = 0
            while self._bridge_in_use(template % n, defn.name) or _netdev.link_exists(template % n):
                n += 1
            defn.bridge_name = template % n
        defn.has_bridge = True
        if defn.mac is None:
            defn.mac = generate_mac()

    def _check_collision(self, defn: NetworkDef) -> None:
        """libvirt's route collision check: a host route for exactly the network's subnet."""
        mine = defn.bridge_name
        for dev, route in _netdev.host_routes():
            if dev == mine:
                continue
            for ip in defn.ips:
                if _dnsmasq.ipv4_network(ip) == route:
                    raise _err(ErrorCode.INTERNAL_ERROR, f"Network is already in use by interface {dev}")

    @staticmethod
    def _needs_dnsmasq(defn: NetworkDef) -> bool:
        """libvirt's networkStartDhcpDaemon: dnsmasq runs for a network with addresses,
        unless it serves neither DHCP (nor TFTP) nor DNS (``<dns enable='no'>``)."""
        if not defn.ips:
            return False
        return (_dnsmasq.dhcp_active(defn) or any(ip.tftp for ip in defn.ips)
                or _dnsmasq.dns_wanted(defn))  # fmt: skip

    # -- lifecycle -------------------------------------------------------------------------
    def start(self, net: QemuNetwork) -> None:
        """Bring *net* up; anything half made is removed again when a step fails."""
        if net.active:
            raise _err(ErrorCode.OPERATION_INVALID, "network is already active")
        live = net.defn.copy()
        self._check_collision(live)
        bridge = live.bridge_name or ""
        _netdev.create_bridge(bridge, live.mac, stp=live.bridge_stp, delay=live.bridge_delay)
        try:
            for ip in live.ips:
                _netdev.add_address(bridge, str(ip.address), _dnsmasq.ipv4_network(ip).prefixlen)
            _netdev.set_up(bridge)
            if live.forward_mode in ("nat", "route"):
                _netdev.set_ip_forward()
            subnets = [_dnsmasq.ipv4_network(ip) for ip in live.ips]
            _firewall.install_rules(bridge, live.forward_mode, subnets)
            if self._needs_dnsmasq(live):
                _dnsmasq.start_dnsmasq(live, bridge, self.files(live.name))
            self._save_status(live)
        except BaseException:
            self._teardown(live)
            raise
        net.live = live
        self.emit(net, NetworkEventType.STARTED)

    def apply_live_update(self, net: QemuNetwork, live: NetworkDef, section: int) -> None:
        """Make the host follow *net*'s live definition after virNetworkUpdate changed
        *section* of it (libvirt's networkUpdate): the static DHCP hosts are a file dnsmasq
        re-reads on SIGHUP, unless DHCP was switched on or off by the change; what dnsmasq
        takes from its .conf (ranges, DNS TXT and SRV records, the domain) needs it
        restarted.  Then the status file records the new live definition."""
        old = net.live
        assert old is not None
        net.live = live
        if not net.persistent:
            net.defn = live.copy()  # a transient network's inactive XML is its live one
        bridge = live.bridge_name or ""
        files = self.files(live.name)
        if section in _RESTART_SECTIONS or (
            section == _SECTION_DHCP_HOST and _dnsmasq.dhcp_active(old) != _dnsmasq.dhcp_active(live)
        ):
            _dnsmasq.stop_dnsmasq(files)
            if self._needs_dnsmasq(live):
                _dnsmasq.start_dnsmasq(live, bridge, files)
        elif section in (_SECTION_DHCP_HOST, _SECTION_DNS_HOST) and self._needs_dnsmasq(live):
            _dnsmasq.refresh_dnsmasq(live, bridge, files)
        self._save_status(live)

    def _teardown(self, live: NetworkDef) -> None:
        """Remove everything an active network has on the host, whatever is left of it."""
        files = self.files(live.name)
        with contextlib.suppress(VirtError):
            _dnsmasq.stop_dnsmasq(files)
        files.remove(leases=False)
        bridge = live.bridge_name or ""
        with contextlib.suppress(VirtError):
            _firewall.remove_rules(bridge)
        with contextlib.suppress(VirtError):
            _netdev.delete_link(bridge)
        with contextlib.suppress(VirtError):
            remove_file(self._status_path(live.name))

    def stop(self, net: QemuNetwork) -> None:
        live = net.live
        if live is None:
            raise _err(ErrorCode.OPERATION_INVALID, f"network '{net.name}' is not active")
        self._teardown(live)
        self.files(live.name).leases.unlink(missing_ok=True)
        net.live = None
        self.emit(net, NetworkEventType.STOPPED)
        if not net.persistent:
            self.nets.remove(net)

    # -- guests ----------------------------------------------------------------------------
    def bridge_of(self, name: str) -> str:
        """The bridge a guest's ``<source network=NAME>`` plugs into (the network active)."""
        with self.lock:
            net = self.nets.lookup_by_name(name)
            if net.live is None or not net.live.bridge_name:
                raise _err(ErrorCode.OPERATION_INVALID, f"network '{name}' is not active")
            return net.live.bridge_name

    def leases(self, net: QemuNetwork) -> list[tuple[_dnsmasq.Lease, int, str]]:
        """(lease, prefix, bridge) of every current lease of an active network."""
        live = net.live
        if live is None:
            return []
        nets = [_dnsmasq.ipv4_network(ip) for ip in live.ips]
        out = []
        for lease in _dnsmasq.read_leases(self.files(live.name).leases):
            addr = ipaddress.IPv4Address(lease.ip)
            prefix = next((n.prefixlen for n in nets if addr in n), 0)
            out.append((lease, prefix, live.bridge_name or ""))
        return out
