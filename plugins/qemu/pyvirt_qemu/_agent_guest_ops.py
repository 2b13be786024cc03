"""The guest calls of the driver contract's "guest" family (pyvirt._guest_driver) that the
QEMU driver answers through the guest agent: filesystem freeze and thaw, a user's password,
the agent's response timeout and ``guestinfo``.

Why a module of its own: these are the calls another branch adds to the procedure table
(domfsfreeze, set-user-password, guest-agent-timeout, guestinfo); the methods carry that
contract's names and signatures, so they serve the calls once both are merged.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

from pyvirt import (
    DomainRef,
    ErrorCode,
    ErrorDomain,
    TypedParameter,
    TypedParameterType,
    make_error,
    typed_param,
)
from pyvirt.driver import unsupported_flags

from pyvirt_qemu._agent import BLOCK
from pyvirt_qemu._agent_state import agent_of

if TYPE_CHECKING:
    from pyvirt_qemu._agent import Agent
    from pyvirt_qemu._qemudriver import QemuDriver

__all__ = ["AgentGuestOps"]

_Q = ErrorDomain.QEMU
_S, _U, _I, _ULL = (TypedParameterType.STRING, TypedParameterType.UINT, TypedParameterType.INT,
                    TypedParameterType.ULLONG)  # fmt: skip
_PASSWORD_ENCRYPTED = 1  # VIR_DOMAIN_PASSWORD_ENCRYPTED
#: VIR_DOMAIN_GUEST_INFO_USERS, _OS, _TIMEZONE, _HOSTNAME, _FILESYSTEM, _DISKS, _INTERFACES.
_USERS, _OS, _TIMEZONE, _HOSTNAME, _FILESYSTEM, _DISKS, _INTERFACES = (1, 2, 4, 8, 16, 32, 64)
_ALL_INFO = 127
#: guest-get-osinfo's fields, in the order libvirt lists them as os.* parameters.
_OS_FIELDS = ("id", "name", "pretty-name", "version", "version-id", "machine", "variant",
              "variant-id", "kernel-release", "kernel-version")  # fmt: skip


def _users(agent: Agent) -> list[TypedParameter]:
    users = agent.execute("guest-get-users") or []
    out = [typed_param("user.count", _U, len(users))]
    for i, u in enumerate(users):
        out.append(typed_param(f"user.{i}.name", _S, str(u.get("user", ""))))
        if u.get("domain"):
            out.append(typed_param(f"user.{i}.domain", _S, str(u["domain"])))
        out.append(typed_param(f"user.{i}.login-time", _ULL, int(float(u.get("login-time", 0)) * 1000)))
    return out


def _os(agent: Agent) -> list[TypedParameter]:
    info = agent.execute("guest-get-osinfo") or {}
    return [typed_param(f"os.{f}", _S, str(info[f])) for f in _OS_FIELDS if info.get(f)]


def _timezone(agent: Agent) -> list[TypedParameter]:
    tz = agent.execute("guest-get-timezone") or {}
    out = [typed_param("timezone.name", _S, str(tz["zone"]))] if tz.get("zone") else []
    return out + [typed_param("timezone.offset", _I, int(tz.get("offset", 0)))]


def _hostname(agent: Agent) -> list[TypedParameter]:
    name = (agent.execute("guest-get-host-name") or {}).get("host-name")
    return [typed_param("hostname", _S, str(name))] if name else []


def _interfaces(agent: Agent) -> list[TypedParameter]:
    ifaces = agent.execute("guest-network-get-interfaces") or []
    out = [typed_param("if.count", _U, len(ifaces))]
    for i, iface in enumerate(ifaces):
        out.append(typed_param(f"if.{i}.name", _S, str(iface.get("name", ""))))
        if iface.get("hardware-address"):
            out.append(typed_param(f"if.{i}.hwaddr", _S, str(iface["hardware-address"])))
        addrs = iface.get("ip-addresses") or []
        out.append(typed_param(f"if.{i}.addr.count", _U, len(addrs)))
        for j, a in enumerate(addrs):
            out += [typed_param(f"if.{i}.addr.{j}.type", _S, str(a.get("ip-address-type", ""))),
                    typed_param(f"if.{i}.addr.{j}.addr", _S, str(a.get("ip-address", ""))),
                    typed_param(f"if.{i}.addr.{j}.prefix", _U, int(a.get("prefix", 0)))]  # fmt: skip
    return out


def _listed(agent: Agent, command: str, key: str) -> list[TypedParameter]:
    """fs.count / disk.count: libvirt 9.0 leaves the group out when the guest has none
    (what it printed for this guest); the details of each are not reported here yet."""
    found: list[Any] = agent.execute(command) or []
    return [typed_param(f"{key}.count", _U, len(found))] if found else []


class AgentGuestOps:
    """Mixin for :class:`~pyvirt_qemu._driver.QemuConnection`."""

    driver: QemuDriver

    def _guest_agent(self, dom_ref: DomainRef) -> Agent:
        return agent_of(self.driver, self.driver.domains.from_ref(dom_ref))

    def domain_fsfreeze(self, dom: DomainRef, mountpoints: list[str], flags: int) -> int:
        unsupported_flags(flags, 0, "qemuDomainFSFreeze", _Q)
        agent = self._guest_agent(dom)
        if mountpoints:
            return int(agent.execute("guest-fsfreeze-freeze-list", {"mountpoints": mountpoints}))
        return int(agent.execute("guest-fsfreeze-freeze"))

    def domain_fsthaw(self, dom: DomainRef, mountpoints: list[str], flags: int) -> int:
        unsupported_flags(flags, 0, "qemuDomainFSThaw", _Q)
        if mountpoints:
            raise make_error(ErrorCode.ARGUMENT_UNSUPPORTED, _Q,
                             "specifying mountpoints is not supported")  # fmt: skip
        return int(self._guest_agent(dom).execute("guest-fsfreeze-thaw"))

    def domain_set_user_password(self, dom: DomainRef, user: str, password: str, flags: int) -> None:
        unsupported_flags(flags, _PASSWORD_ENCRYPTED, "qemuDomainSetUserPassword", _Q)
        self._guest_agent(dom).execute("guest-set-user-password", {
            "username": user, "password": base64.b64encode(password.encode()).decode(),
            "crypted": bool(flags & _PASSWORD_ENCRYPTED)})  # fmt: skip

    def domain_agent_set_response_timeout(self, dom: DomainRef, timeout: int, flags: int) -> None:
        """Kept with the domain (libvirt keeps it in the domain's private data) and used by
        every later agent call, of this run and the next."""
        unsupported_flags(flags, 0, "qemuDomainAgentSetResponseTimeout", _Q)
        if timeout < BLOCK:
            raise make_error(ErrorCode.INVALID_ARG, _Q,
                             f"guest agent timeout '{timeout}' is less than the minimum "
                             f"'{BLOCK}'")  # fmt: skip
        obj = self.driver.domains.from_ref(dom)
        with self.driver.lock:
            obj.agent_timeout = timeout

    def domain_get_guest_info(self, dom: DomainRef, types: int, flags: int) -> list[TypedParameter]:
        unsupported_flags(flags, 0, "qemuDomainGetGuestInfo", _Q)
        if types & ~_ALL_INFO:
            raise make_error(ErrorCode.INVALID_ARG, ErrorDomain.NONE,
                             f"unsupported flags (0x{types & ~_ALL_INFO:x}) in function "
                             "qemuDomainGetGuestInfo")  # fmt: skip
        agent = self._guest_agent(dom)
        wanted = types or _ALL_INFO
        out: list[TypedParameter] = []
        for bit, fn in ((_USERS, _users), (_OS, _os), (_TIMEZONE, _timezone),
                        (_HOSTNAME, _hostname)):  # fmt: skip
            if wanted & bit:
                out += fn(agent)
        if wanted & _FILESYSTEM:
            out += _listed(agent, "guest-get-fsinfo", "fs")
        if wanted & _DISKS:
            out += _listed(agent, "guest-get-disks", "disk")
        if wanted & _INTERFACES:
            out += _interfaces(agent)
        return out
