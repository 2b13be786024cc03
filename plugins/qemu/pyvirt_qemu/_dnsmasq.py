"""dnsmasq, the DHCP and DNS server of a virtual network: its configuration, its process
and its lease file.

Why dnsmasq is left to daemonize and is found by its pid file: it must outlive pyvirtd (the
guests keep their leases across a daemon restart), so it is nobody's child.  A restarted
driver re-adopts it when the pid in the file is still a dnsmasq whose command line names
this network's configuration file, so a recycled pid is never taken for it.

The configuration file has the content and order libvirt 9.0 writes to
``/var/lib/libvirt/dnsmasq/NAME.conf``, under the driver's own state directory; the one
addition is ``dhcp-leasefile``, because pyvirt reads dnsmasq's own lease file instead of
running a lease helper script.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from lxml import etree
from pyvirt import ErrorCode, ErrorDomain, make_error
from pyvirt.conf import IPDef, NetworkDef, ip_prefix

__all__ = [
    "DNSMASQ",
    "DnsmasqFiles",
    "Lease",
    "config_text",
    "dnsmasq_pid",
    "dhcp_active",
    "dns_wanted",
    "read_leases",
    "refresh_dnsmasq",
    "start_dnsmasq",
    "stop_dnsmasq",
]

DNSMASQ = "dnsmasq"
_HEADER = """##WARNING:  THIS IS AN AUTO-GENERATED FILE. CHANGES TO IT ARE LIKELY TO BE
##OVERWRITTEN AND LOST.  Changes to this configuration should be made using:
##    virsh net-edit {name}
## or other application using the libvirt API.
##
## dnsmasq conf file created by libvirt
"""


@dataclass(frozen=True)
class DnsmasqFiles:
    """Where one network's dnsmasq keeps its files (libvirt: /var/lib/libvirt/dnsmasq and
    /run/libvirt/network)."""

    conf: Path
    pid: Path
    leases: Path
    hosts: Path
    addn_hosts: Path

    @classmethod
    def for_network(cls, state_dir: Path, run_dir: Path, name: str) -> DnsmasqFiles:
        return cls(state_dir / f"{name}.conf", run_dir / f"{name}.pid",
                   state_dir / f"{name}.leases", state_dir / f"{name}.hostsfile",
                   state_dir / f"{name}.addnhosts")  # fmt: skip

    def remove(self, *, leases: bool) -> None:
        for path in (self.conf, self.pid, self.hosts, self.addn_hosts) + ((self.leases,) if leases else ()):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()


def ipv4_network(ip: IPDef) -> ipaddress.IPv4Network:
    """The subnet an ``<ip>`` element describes (netmask or prefix, else the natural prefix
    of its address's class, as libvirt derives it: /8 for 10.0.0.1)."""
    mask = ip.netmask or str(ip.prefix if ip.prefix is not None else ip_prefix(ip))
    return ipaddress.IPv4Network(f"{ip.address}/{mask}", strict=False)


def _dhcp_ips(defn: NetworkDef) -> list[IPDef]:
    return [ip for ip in defn.ips if ip.family in (None, "ipv4") and ip.has_dhcp
            and (ip.dhcp_ranges or ip.dhcp_hosts)]  # fmt: skip


def _dhcp_ip(defn: NetworkDef) -> IPDef | None:
    """The IPv4 ``<ip>`` dnsmasq serves DHCP on; libvirt refuses more than one."""
    found = _dhcp_ips(defn)
    if len(found) > 1:
        raise make_error(ErrorCode.CONFIG_UNSUPPORTED, ErrorDomain.NETWORK,
                         "unsupported configuration: For IPv4, multiple DHCP definitions "
                         "cannot be specified.")  # fmt: skip
    return found[0] if found else None


def dhcp_active(defn: NetworkDef) -> bool:
    """dnsmasq serves DHCP for *defn*: an IPv4 ``<ip>`` has a range or a static host (its
    .conf then has ``dhcp-range`` lines; libvirt's test in networkUpdate)."""
    return any(ip.dhcp_ranges or ip.dhcp_hosts for ip in defn.ips if ip.family in (None, "ipv4"))


def _dns(defn: NetworkDef) -> etree._Element | None:
    return next((el for el in defn.extra if el.tag == "dns"), None)


def dns_wanted(defn: NetworkDef) -> bool:
    """dnsmasq answers DNS for *defn* (not ``<dns enable='no'>``)."""
    dns = _dns(defn)
    return dns is None or dns.get("enable") != "no"


def _dns_lines(dns: etree._Element | None) -> tuple[list[str], list[str], list[str]]:
    """(forwarders, plain-name lines, records) of ``<dns>`` as libvirt writes them: each
    ``<forwarder>`` a ``server=`` line (``#`` for a domain not forwarded at all), then
    ``no-resolv`` when one forwards everything; ``domain-needed`` and ``local=//`` for
    forwardPlainNames='no'; TXT and SRV records."""
    if dns is None:
        return [], [], []
    servers, no_resolv = [], False
    for fwd in dns.findall("forwarder"):
        domain, addr = fwd.get("domain"), fwd.get("addr")
        servers.append("server=" + (f"/{domain}/" if domain else "") + (addr or "#"))
        no_resolv = no_resolv or bool(addr and not domain)
    if no_resolv:
        servers.append("no-resolv")
    plain = ["domain-needed", "local=//"] if dns.get("forwardPlainNames") == "no" else []
    records = [f"txt-record={t.get('name')},{t.get('value')}" for t in dns.findall("txt")]
    for srv in dns.findall("srv"):
        line = f"srv-host=_{srv.get('service')}._{srv.get('protocol')}"
        if srv.get("domain"):
            line += f".{srv.get('domain')}"
        target = srv.get("target")
        if target and target != ".":
            port, priority, weight = (int(srv.get(k) or 0) for k in ("port", "priority", "weight"))
            line += f",{target}"
            if port or priority or weight:
                line += f",{port or 1}"
            if priority or weight:
                line += f",{priority}"
            if weight:
                line += f",{weight}"
        records.append(line)
    return servers, plain, records


def _ptr_domains(defn: NetworkDef) -> list[str]:
    """``local=`` lines for the ``<ip localPtr='yes'>`` of *defn* (their reverse zones)."""
    out = []
    for ip in defn.ips:
        if ip.local_ptr != "yes":
            continue
        net = ipv4_network(ip)
        if net.prefixlen % 8:
            raise make_error(ErrorCode.CONFIG_UNSUPPORTED, ErrorDomain.NETWORK,
                             f"unsupported configuration: PTR domain for IPv4 network with "
                             f"prefix {net.prefixlen} cannot be automatically created")  # fmt: skip
        octets = str(net.network_address).split(".")[: net.prefixlen // 8]
        out.append(f"local=/{'.'.join(reversed(octets))}.in-addr.arpa/")
    return out


def config_text(defn: NetworkDef, bridge: str, files: DnsmasqFiles) -> str:
    """The dnsmasq.conf of a network: libvirt 9.0's lines in its order (compared byte for
    byte with libvirtd's, tests/test_qemu_dnsmasq_conf.py), then ``dhcp-leasefile``."""
    want_dns = dns_wanted(defn)
    servers, plain, records = _dns_lines(_dns(defn) if want_dns else None)
    lines = ["strict-order"]
    if not want_dns:
        lines.append("port=0")
    lines += servers
    if defn.domain is not None and defn.domain.get("name"):
        dom = defn.domain.get("name")
        if defn.domain.get("localOnly") == "yes":
            lines.append(f"local=/{dom}/")
        lines += [f"domain={dom}", "expand-hosts"]
    if want_dns:
        lines += _ptr_domains(defn)
    lines += plain
    lines += [f"pid-file={files.pid}", "except-interface=lo", "bind-dynamic",
              f"interface={bridge}"]  # fmt: skip
    if defn.forward_mode is None:  # isolated: no default route, nothing forwarded out
        lines += ["dhcp-option=3", "no-resolv", "ra-param=*,0,0"]
    lines += records
    ip = _dhcp_ip(defn)
    lease_max = 0
    if ip is not None:
        net = ipv4_network(ip)
        for r in ip.dhcp_ranges:
            lines.append(f"dhcp-range={r.start},{r.end},{net.netmask}")
            lease_max += int(ipaddress.IPv4Address(r.end)) - int(ipaddress.IPv4Address(r.start)) + 1
        if not ip.dhcp_ranges:
            lines.append(f"dhcp-range={ip.address},static")
        lines += ["dhcp-no-override", "dhcp-authoritative"]
    if lease_max:
        lines.append(f"dhcp-lease-max={lease_max}")
    if ip is not None:
        lines.append(f"dhcp-hostsfile={files.hosts}")
    if want_dns:
        lines.append(f"addn-hosts={files.addn_hosts}")
    mtu = next((el.get("size") for el in defn.extra if el.tag == "mtu"), None)
    if mtu and mtu.isdigit() and int(mtu) > 0:
        lines.append(f"dhcp-option=option:mtu,{int(mtu)}")
    lines.append(f"dhcp-leasefile={files.leases}")
    return _HEADER.format(name=defn.name) + "\n".join(lines) + "\n"


def hosts_text(defn: NetworkDef) -> str:
    """dhcp-hostsfile lines for the static leases, as libvirt writes them for IPv4:
    ``mac,ip[,name]``, or ``name,ip`` for a host without a MAC."""
    out = []
    for ip in _dhcp_ips(defn):
        for h in ip.dhcp_hosts:
            if not h.ip:
                continue
            fields = [h.mac, h.ip, h.name] if h.mac else [h.name, h.ip]
            if all(fields[:2]):
                out.append(",".join(f for f in fields if f))
    return "".join(f"{line}\n" for line in out)


def addn_hosts_text(defn: NetworkDef) -> str:
    """The addn-hosts file: one line per ``<dns><host>``, its address then each host name,
    each followed by a tab (libvirt's dnsmasqAddnHostsWrite)."""
    dns = _dns(defn)
    out = []
    for host in dns.findall("host") if dns is not None else ():
        names = [(h.text or "").strip() for h in host.findall("hostname")]
        out.append("".join(f"{field}\t" for field in [host.get("ip", ""), *names]) + "\n")
    return "".join(out)


def _running(pid: int) -> bool:
    """*pid* has not exited yet.  Waiting for a dnsmasq to stop asks this, not
    :func:`_is_ours`: an exiting process loses its command line before its sockets, and a
    dnsmasq started on the same addresses at that moment fails with "Address already in
    use" (a restart keeps the bridge and its addresses)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def _is_ours(pid: int, conf: Path) -> bool:
    """*pid* is a running dnsmasq started with *conf* (never a recycled pid)."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return f"--conf-file={conf}".encode() in argv and _running(pid)


def dnsmasq_pid(files: DnsmasqFiles) -> int | None:
    """The pid of the network's running dnsmasq, or None."""
    try:
        pid = int(files.pid.read_text().strip() or "0")
    except (OSError, ValueError):
        return None
    return pid if pid > 0 and _is_ours(pid, files.conf) else None


def start_dnsmasq(defn: NetworkDef, bridge: str, files: DnsmasqFiles) -> int:
    """Write the configuration and start dnsmasq; its pid once it has daemonized."""
    for path, text in ((files.conf, config_text(defn, bridge, files)),
                       (files.hosts, hosts_text(defn)),
                       (files.addn_hosts, addn_hosts_text(defn))):  # fmt: skip
        path.write_text(text)
    files.conf.chmod(0o600)  # read once, as root (libvirt's mode for it)
    files.leases.touch()
    with contextlib.suppress(FileNotFoundError):
        files.pid.unlink()
    try:
        proc = subprocess.run([DNSMASQ, f"--conf-file={files.conf}"], capture_output=True,
                              text=True, timeout=30, stdin=subprocess.DEVNULL)  # fmt: skip
    except OSError as exc:
        raise make_error(ErrorCode.SYSTEM_ERROR, ErrorDomain.NETWORK,
                         f"Cannot run {DNSMASQ}: {exc.strerror or exc}") from exc  # fmt: skip
    if proc.returncode != 0:
        raise make_error(ErrorCode.INTERNAL_ERROR, ErrorDomain.NETWORK,
                         f"Child process ({DNSMASQ} --conf-file={files.conf}) unexpected "
                         f"exit status {proc.returncode}: {proc.stderr.strip()}")  # fmt: skip
    # The parent exits after the daemon wrote its pid file.
    for _ in range(200):
        pid = dnsmasq_pid(files)
        if pid is not None:
            return pid
        time.sleep(0.01)
    raise make_error(ErrorCode.INTERNAL_ERROR, ErrorDomain.NETWORK,
                     f"dnsmasq of network '{defn.name}' did not write {files.pid}")  # fmt: skip


def refresh_dnsmasq(defn: NetworkDef, bridge: str, files: DnsmasqFiles) -> None:
    """libvirt's networkRefreshDhcpDaemon: write the static DHCP hosts and the DNS host
    records again and SIGHUP dnsmasq, which re-reads both files (its .conf stays as dnsmasq
    started with it: a change there needs a restart).  A network whose dnsmasq is gone gets
    one started."""
    pid = dnsmasq_pid(files)
    if pid is None:
        start_dnsmasq(defn, bridge, files)
        return
    for path, text in ((files.hosts, hosts_text(defn)), (files.addn_hosts, addn_hosts_text(defn))):
        tmp = path.with_name(path.name + ".new")
        tmp.write_text(text)
        tmp.replace(path)  # dnsmasq never reads half a file
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGHUP)


def stop_dnsmasq(files: DnsmasqFiles) -> None:
    """SIGTERM the network's dnsmasq and wait until it is gone (SIGKILL after 5 s)."""
    pid = dnsmasq_pid(files)
    if pid is None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 5.0
    while _running(pid):
        if time.monotonic() > deadline:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            deadline += 5.0
        time.sleep(0.01)


@dataclass(frozen=True)
class Lease:
    """One line of dnsmasq's lease file."""

    expiry: int
    mac: str
    ip: str
    hostname: str | None
    client_id: str | None


def read_leases(path: Path, now: float | None = None) -> list[Lease]:
    """The unexpired IPv4 leases in dnsmasq's lease file (``expiry mac ip name clientid``;
    ``*`` is an unknown field, expiry 0 an infinite lease)."""
    try:
        lines = path.read_text().splitlines()
    except FileNotFoundError:
        return []
    now = time.time() if now is None else now
    out = []
    for line in lines:
        f = line.split()
        if len(f) < 5 or f[0] == "duid" or ":" in f[2]:
            continue
        expiry = int(f[0]) if f[0].isdigit() else 0
        if expiry and expiry < now:
            continue
        out.append(Lease(expiry, f[1].lower(), f[2], None if f[3] == "*" else f[3],
                         None if f[4] == "*" else f[4]))  # fmt: skip
    return out
