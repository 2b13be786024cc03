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

from pyvirt import ErrorCode, ErrorDomain, make_error
from pyvirt.conf import IPDef, NetworkDef, ip_prefix

__all__ = [
    "DNSMASQ",
    "DnsmasqFiles",
    "Lease",
    "config_text",
    "dnsmasq_pid",
    "dhcp_active",
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


def dhcp_active(defn: NetworkDef) -> bool:
    """dnsmasq serves DHCP for *defn*: an IPv4 ``<ip>`` has a range or a static host (its
    .conf then has ``dhcp-range`` lines; libvirt's test in networkUpdate)."""
    return any(ip.dhcp_ranges or ip.dhcp_hosts for ip in defn.ips if ip.family in (None, "ipv4"))


def config_text(defn: NetworkDef, bridge: str, files: DnsmasqFiles) -> str:
    """The dnsmasq.conf of a network, in the order libvirt writes it."""
    lines = ["strict-order", f"pid-file={files.pid}", "except-interface=lo", "bind-dynamic",
             f"interface={bridge}"]  # fmt: skip
    if defn.domain is not None and defn.domain.get("name"):
        dom = defn.domain.get("name")
        lines += [f"local=/{dom}/", f"domain={dom}", "expand-hosts"]
    lease_max = 0
    for ip in _dhcp_ips(defn):
        net = ipv4_network(ip)
        for r in ip.dhcp_ranges:
            lines.append(f"dhcp-range={r.start},{r.end},{net.netmask}")
            lease_max += int(ipaddress.IPv4Address(r.end)) - int(ipaddress.IPv4Address(r.start)) + 1
        if not ip.dhcp_ranges:
            lines.append(f"dhcp-range={net.network_address},static")
        lease_max += len(ip.dhcp_hosts)
    if lease_max:
        lines += ["dhcp-no-override", "dhcp-authoritative", f"dhcp-lease-max={lease_max}",
                  f"dhcp-hostsfile={files.hosts}"]  # fmt: skip
    lines += [f"addn-hosts={files.addn_hosts}", f"dhcp-leasefile={files.leases}"]
    return _HEADER.format(name=defn.name) + "\n".join(lines) + "\n"


def hosts_text(defn: NetworkDef) -> str:
    """dhcp-hostsfile lines for the static leases (``mac,ip,name`` as libvirt writes them)."""
    out = []
    for ip in _dhcp_ips(defn):
        for h in ip.dhcp_hosts:
            fields = [f for f in (h.mac, h.ip, h.name) if f]
            if fields:
                out.append(",".join(fields))
    return "".join(f"{line}\n" for line in out)


def addn_hosts_text(defn: NetworkDef) -> str:
    """The addn-hosts file: one line per ``<dns><host>``, its address then each host name,
    each followed by a tab (libvirt's dnsmasqAddnHostsWrite)."""
    out = []
    for dns in (el for el in defn.extra if el.tag == "dns"):
        for host in dns.findall("host"):
            names = [(h.text or "").strip() for h in host.findall("hostname")]
            out.append("".join(f"{field}\t" for field in [host.get("ip", ""), *names]) + "\n")
    return "".join(out)


def _is_ours(pid: int, conf: Path) -> bool:
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X") and f"--conf-file={conf}".encode() in argv


def _running(pid: int) -> bool:
    """*pid* has not exited yet.  Not :func:`_is_ours`: an exiting process loses its command
    line before its sockets, and a dnsmasq started on the same addresses at that moment
    fails with "Address already in use" (a restart keeps the bridge and its addresses)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


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
    records again and SIGHUP dnsmasq, which re-reads both files (its .conf stays as dnsmasq started with it: a change there
    needs a restart).  A network whose dnsmasq is gone gets one started."""
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
