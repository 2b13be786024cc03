"""The QEMU driver's calls answered by the guest agent (libvirt's qemuDomain* functions that
take an agent job): the guest's clock and host name, its own view of its vCPUs, its
interfaces, and shutdown or reboot from inside.

Why here and not in the monitor's mixins: these talk to the guest, not to QEMU, and take
only the agent's lock (pyvirt_qemu._agent), never the domain's job, as libvirt's agent job
runs beside a monitor job: a guest that does not answer cannot hold up ``destroy``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyvirt import (
    DomainInterface,
    DomainIPAddress,
    DomainRef,
    ErrorCode,
    ErrorDomain,
    TypedParameter,
    TypedParameterType,
    make_error,
    typed_param,
)
from pyvirt.driver import format_cpuset, parse_cpuset, unsupported_flags

from pyvirt_qemu._agent import Agent
from pyvirt_qemu._agent_state import agent_of

if TYPE_CHECKING:
    from pyvirt_qemu._qemudriver import QemuDriver

__all__ = ["AgentOps", "agent_interfaces", "guest_online_vcpus", "set_guest_online_vcpus"]

_Q = ErrorDomain.QEMU
_TIME_SYNC = 1  # VIR_DOMAIN_TIME_SYNC
#: VIR_DOMAIN_GET_HOSTNAME_LEASE, _AGENT.
_HOSTNAME_LEASE, _HOSTNAME_AGENT = 1, 2
#: libvirt's limit: the agent takes nanoseconds in a signed 64-bit number.
_MAX_SECONDS = (2**63 - 1) // 1_000_000_000
_IP_TYPES = {"ipv4": 0, "ipv6": 1}  # VIR_IP_ADDR_TYPE_*


def _vcpu_info(agent: Agent) -> list[dict[str, Any]]:
    return [dict(v) for v in agent.execute("guest-get-vcpus") or []]


def guest_online_vcpus(agent: Agent) -> int:
    """vcpucount --guest: how many vCPUs the guest has online."""
    return sum(1 for v in _vcpu_info(agent) if v.get("online"))


def set_guest_online_vcpus(agent: Agent, count: int) -> None:
    """setvcpus --guest: take vCPUs on or offline in the guest until *count* are online
    (libvirt's qemuAgentUpdateCPUInfo: the highest offlinable ones go first)."""
    info = _vcpu_info(agent)
    if count > len(info):
        raise make_error(ErrorCode.INVALID_ARG, _Q,
                         "guest agent reports less cpu than requested")  # fmt: skip
    online = [v for v in info if v.get("online")]
    changes: list[dict[str, Any]] = []
    if count > len(online):
        for v in info:
            if len(online) + len(changes) >= count:
                break
            if not v.get("online"):
                changes.append({"logical-id": v["logical-id"], "online": True})
    else:
        for v in sorted(online, key=lambda v: -int(v["logical-id"])):
            if len(online) - len(changes) <= count:
                break
            if v.get("can-offline"):
                changes.append({"logical-id": v["logical-id"], "online": False})
        if len(online) - len(changes) > count:
            raise make_error(ErrorCode.INVALID_ARG, _Q,
                             "guest agent reports less cpu than requested")  # fmt: skip
    _apply_vcpus(agent, changes)


def _apply_vcpus(agent: Agent, changes: list[dict[str, Any]]) -> None:
    """guest-set-vcpus until every change is done (the agent stops at the first failure
    and says how many it did)."""
    while changes:
        done = int(agent.execute("guest-set-vcpus", {"vcpus": changes}) or 0)
        if done <= 0:
            raise make_error(ErrorCode.OPERATION_FAILED, _Q,
                             "guest agent didn't manage to offline/online any vCPU")  # fmt: skip
        changes = changes[done:]


def agent_interfaces(agent: Agent) -> list[DomainInterface]:
    """virDomainInterfaceAddresses with the agent source: every interface the guest
    reports with a hardware address, and its addresses (libvirt keeps lo)."""
    out = []
    for iface in agent.execute("guest-network-get-interfaces") or []:
        addrs = [DomainIPAddress(_IP_TYPES[str(a.get("ip-address-type"))],
                                 str(a.get("ip-address")), int(a.get("prefix", 0)))
                 for a in iface.get("ip-addresses") or []
                 if str(a.get("ip-address-type")) in _IP_TYPES]  # fmt: skip
        out.append(DomainInterface(str(iface.get("name", "")),
                                   iface.get("hardware-address"), addrs))  # fmt: skip
    return out


class AgentOps:
    """Mixin for :class:`~pyvirt_qemu._driver.QemuConnection`."""

    driver: QemuDriver

    def _agent(self, dom_ref: DomainRef) -> Agent:
        return agent_of(self.driver, self.driver.domains.from_ref(dom_ref))

    # -- the guest's clock -----------------------------------------------------------------
    def domain_get_time(self, dom_ref: DomainRef, flags: int) -> tuple[int, int]:
        unsupported_flags(flags, 0, "qemuDomainGetTime", _Q)
        ns = int(self._agent(dom_ref).execute("guest-get-time"))
        return ns // 1_000_000_000, ns % 1_000_000_000

    def domain_set_time(self, dom_ref: DomainRef, seconds: int, nseconds: int, flags: int) -> None:
        """With VIR_DOMAIN_TIME_SYNC the agent reads the guest's RTC (no time given);
        else the clock is set to *seconds* and *nseconds*."""
        unsupported_flags(flags, _TIME_SYNC, "qemuDomainSetTime", _Q)
        agent = self._agent(dom_ref)
        if flags & _TIME_SYNC:
            agent.execute("guest-set-time")
            return
        if seconds > _MAX_SECONDS:
            raise make_error(ErrorCode.INVALID_ARG, _Q,
                             f"Time '{seconds}' is too big for guest agent")  # fmt: skip
        agent.execute("guest-set-time", {"time": seconds * 1_000_000_000 + nseconds})

    # -- the guest's name ------------------------------------------------------------------
    def domain_get_hostname(self, dom_ref: DomainRef, flags: int) -> str:
        """The agent's answer (the default source of libvirt's QEMU driver)."""
        unsupported_flags(flags, _HOSTNAME_LEASE | _HOSTNAME_AGENT, "qemuDomainGetHostname", _Q)
        if flags & _HOSTNAME_LEASE and flags & _HOSTNAME_AGENT:
            raise make_error(ErrorCode.INVALID_ARG, ErrorDomain.NONE,
                             "Flags 'VIR_DOMAIN_GET_HOSTNAME_LEASE' and "
                             "'VIR_DOMAIN_GET_HOSTNAME_AGENT' are mutually exclusive")  # fmt: skip
        if flags & _HOSTNAME_LEASE:
            return self._lease_hostname(dom_ref)
        reply = self._agent(dom_ref).execute("guest-get-host-name") or {}
        name = reply.get("host-name")
        if not isinstance(name, str):
            raise make_error(ErrorCode.INTERNAL_ERROR, _Q,
                             "'host-name' missing in guest-get-host-name reply")  # fmt: skip
        return name

    def _lease_hostname(self, dom_ref: DomainRef) -> str:
        """The host name a DHCP lease of one of the guest's network NICs carries (libvirt
        asks the network's dnsmasq leases the same way)."""
        dom = self.driver.domains.from_ref(dom_ref)
        with self.driver.lock:
            live = dom.live
        if live is None:
            raise make_error(ErrorCode.OPERATION_INVALID, ErrorDomain.DOMAIN,
                             "domain is not running")  # fmt: skip
        networks = self.driver.networks
        for nic in live.interfaces:
            name = nic.source.get("network")
            if nic.type != "network" or networks is None or not name or not nic.mac:
                continue
            with networks.lock:
                net = networks.nets.find_by_name(name)
                leases = networks.leases(net) if net is not None else []
            for lease, _prefix, _bridge in leases:
                if lease.mac == nic.mac.lower() and lease.hostname:
                    return lease.hostname
        raise make_error(ErrorCode.NO_HOSTNAME, _Q, f"no hostname found for domain {dom.name}")

    # -- the guest's vCPUs -----------------------------------------------------------------
    def domain_get_guest_vcpus(self, dom_ref: DomainRef, flags: int) -> list[TypedParameter]:
        unsupported_flags(flags, 0, "qemuDomainGetGuestVcpus", _Q)
        info = _vcpu_info(self._agent(dom_ref))
        ids = {int(v["logical-id"]) for v in info}
        online = {int(v["logical-id"]) for v in info if v.get("online")}
        offlinable = {int(v["logical-id"]) for v in info if v.get("can-offline")}
        return [typed_param("vcpus", TypedParameterType.STRING, format_cpuset(ids)),
                typed_param("online", TypedParameterType.STRING, format_cpuset(online)),
                typed_param("offlinable", TypedParameterType.STRING,
                            format_cpuset(offlinable))]  # fmt: skip

    def domain_set_guest_vcpus(self, dom_ref: DomainRef, cpumap: str, state: int, flags: int) -> None:
        unsupported_flags(flags, 0, "qemuDomainSetGuestVcpus", _Q)
        wanted = parse_cpuset(cpumap)
        agent = self._agent(dom_ref)
        info = {int(v["logical-id"]): v for v in _vcpu_info(agent)}
        missing = wanted - set(info)
        if missing:
            raise make_error(ErrorCode.INVALID_ARG, _Q,
                             f"guest is missing vCPUs '{format_cpuset(missing)}'")  # fmt: skip
        changes = []
        for cpu in sorted(wanted):
            v = info[cpu]
            if not state and not v.get("can-offline"):
                raise make_error(ErrorCode.OPERATION_UNSUPPORTED, _Q,
                                 f"vCPU '{cpu}' is not offlinable")  # fmt: skip
            if bool(v.get("online")) != bool(state):
                changes.append({"logical-id": cpu, "online": bool(state)})
        _apply_vcpus(agent, changes)
