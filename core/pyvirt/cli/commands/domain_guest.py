"""virsh's commands that reach into the guest through its agent: ``domfsfreeze``,
``domfsthaw``, ``domfsinfo``, ``domfstrim``, ``dompmsuspend``, ``dompmwakeup``,
``get-user-sshkeys``, ``set-user-sshkeys``, ``set-user-password``, ``guest-agent-timeout`` and
``guestinfo``, with virsh 9.0's options, messages and checks in its order.
"""

from __future__ import annotations

from pyvirt.cli._control import Control, Failure
from pyvirt.cli._format import to_int, to_uint
from pyvirt.cli._parser import Cmd, Opt, Parsed, T
from pyvirt.cli.commands._common import (
    _opt_number,
    dom_opt,
    domain,
    exclusive,
    flag_bits,
    read_file,
    require,
    string_req,
)

_ULLONG_MAX = 2**64 - 1
#: dompmsuspend's targets: VIR_NODE_SUSPEND_TARGET_MEM, _DISK, _HYBRID.
_TARGETS = {"mem": 0, "disk": 1, "hybrid": 2}
#: guestinfo's options: VIR_DOMAIN_GUEST_INFO_* bits.
_INFO_TYPES = {
    "user": 1, "os": 2, "timezone": 4, "hostname": 8, "filesystem": 16, "disk": 32,
    "interface": 64,
}  # fmt: skip
_AGENT_TIMEOUT_BLOCK = -2  # VIR_DOMAIN_AGENT_RESPONSE_TIMEOUT_BLOCK, virsh's default
_SSH_APPEND, _SSH_REMOVE = 1, 2  # VIR_DOMAIN_AUTHORIZED_SSH_KEYS_SET_*


def _opt_ullong(p: Parsed, name: str) -> int | None:
    """vshCommandOptULongLong: an unsigned 64-bit number, None when absent."""
    return _opt_number(p, name, lambda text: to_uint(text, hi=_ULLONG_MAX))


def _mountpoints(p: Parsed) -> list[str]:
    value = p.values.get("mountpoint")
    return list(value) if isinstance(value, list) else []


# -- filesystems ------------------------------------------------------------------------------
def _freeze_or_thaw(ctl: Control, p: Parsed, thaw: bool) -> bool:
    """domfsfreeze and domfsthaw: one call, its failure line and its count."""
    dom, _ = domain(ctl, p)
    try:
        count = (dom.fs_thaw if thaw else dom.fs_freeze)(_mountpoints(p))
    except Exception as e:
        raise Failure(f"Unable to {'thaw' if thaw else 'freeze'} filesystems", cause=e) from None
    ctl.print_extra(f"{'Thawed' if thaw else 'Froze'} {count} filesystem(s)\n")
    return True


def cmd_domfsfreeze(ctl: Control, p: Parsed) -> bool:
    return _freeze_or_thaw(ctl, p, thaw=False)


def cmd_domfsthaw(ctl: Control, p: Parsed) -> bool:
    return _freeze_or_thaw(ctl, p, thaw=True)


def cmd_domfsinfo(ctl: Control, p: Parsed) -> bool:
    from pyvirt.cli._table import render

    dom, _ = domain(ctl, p)
    try:
        found = dom.fs_info()
    except Exception as e:
        raise Failure("Unable to get filesystem information", cause=e) from None
    if not found:
        ctl.print_extra("No filesystems are mounted in the domain")
        return True
    rows = [[fs.mountpoint, fs.name, fs.fstype, ",".join(fs.dev_aliases)] for fs in found]
    header = ["Mountpoint", "Name", "Type", "Target"]
    ctl.print(render(header, rows, with_header=not ctl.quiet))
    return True


def cmd_domfstrim(ctl: Control, p: Parsed) -> bool:
    dom, _ = domain(ctl, p)
    minimum = _opt_ullong(p, "minimum") or 0
    mountpoint = string_req(p, "mountpoint")
    try:
        dom.fs_trim(mountpoint, minimum)
    except Exception as e:
        raise Failure("Unable to invoke fstrim", cause=e) from None
    return True


# -- power management -------------------------------------------------------------------------
def cmd_dompmsuspend(ctl: Control, p: Parsed) -> bool:
    dom, name = domain(ctl, p)
    duration = _opt_ullong(p, "duration") or 0
    target = _TARGETS.get(string_req(p, "target") or "")
    if target is None:
        raise Failure("Invalid target")
    try:
        dom.pm_suspend_for_duration(target, duration)
    except Exception as e:
        raise Failure(f"Domain '{name}' could not be suspended", cause=e) from None
    ctl.print_extra(f"Domain '{name}' successfully suspended")
    return True


def cmd_dompmwakeup(ctl: Control, p: Parsed) -> bool:
    dom, name = domain(ctl, p)
    try:
        dom.pm_wakeup()
    except Exception as e:
        raise Failure(f"Domain '{name}' could not be woken up", cause=e) from None
    ctl.print_extra(f"Domain '{name}' successfully woken up")
    return True


# -- users and the agent ----------------------------------------------------------------------
def cmd_get_user_sshkeys(ctl: Control, p: Parsed) -> bool:
    dom, _ = domain(ctl, p)
    user = string_req(p, "user") or ""
    for key in dom.authorized_ssh_keys(user):
        ctl.print(key)  # (virsh prints each with "%s": no newline between them)
    return True


def cmd_set_user_sshkeys(ctl: Control, p: Parsed) -> bool:
    """Without --reset or --remove the keys are appended, and a --file is needed; one without
    keys is refused (virsh splits the file at newlines, so only an empty one has none)."""
    require(p, "file", "remove")
    exclusive(p, "reset", "remove")
    dom, _ = domain(ctl, p)
    user = string_req(p, "user") or ""
    flags = 0 if p.bool("reset") else _SSH_REMOVE if p.bool("remove") else _SSH_APPEND
    path = string_req(p, "file")
    keys: list[str] = []
    if path is None and not p.bool("reset"):
        raise Failure("Option --file is required")
    if path is not None:
        text = read_file(path)
        keys = text.split("\n") if text else []
        if not keys:
            raise Failure(f"File {path} contains no keys")
    dom.set_authorized_ssh_keys(user, keys, flags)
    return True


def cmd_set_user_password(ctl: Control, p: Parsed) -> bool:
    dom, name = domain(ctl, p)
    user = string_req(p, "user") or ""
    password = string_req(p, "password") or ""
    dom.set_user_password(user, password, 1 if p.bool("encrypted") else 0)
    ctl.print_extra(f"Password set successfully for {user} in {name}")
    return True


def cmd_guest_agent_timeout(ctl: Control, p: Parsed) -> bool:
    dom, _ = domain(ctl, p)
    timeout = _opt_number(p, "timeout", to_int)
    dom.agent_set_response_timeout(_AGENT_TIMEOUT_BLOCK if timeout is None else timeout)
    return True


def cmd_guestinfo(ctl: Control, p: Parsed) -> bool:
    dom, _ = domain(ctl, p)
    for field, value in dom.guest_info(flag_bits(p, _INFO_TYPES)).items():
        shown = ("yes" if value else "no") if isinstance(value, bool) else value
        ctl.print(f"{field:<20}: {shown}\n")
    return True


_I, _S, _B = T.INT, T.STRING, T.BOOL

COMMANDS = [
    Cmd(
        "domfsfreeze",
        "domain",
        "Freeze domain's mounted filesystems.",
        "Freeze domain's mounted filesystems.",
        (dom_opt(), Opt("mountpoint", T.ARGV, "mountpoint path to be frozen")),
        cmd_domfsfreeze,
    ),
    Cmd(
        "domfsthaw",
        "domain",
        "Thaw domain's mounted filesystems.",
        "Thaw domain's mounted filesystems.",
        (dom_opt(), Opt("mountpoint", T.ARGV, "mountpoint path to be thawed")),
        cmd_domfsthaw,
    ),
    Cmd(
        "domfsinfo",
        "domain",
        "Get information of domain's mounted filesystems.",
        "Get information of domain's mounted filesystems.",
        (dom_opt(),),
        cmd_domfsinfo,
    ),
    Cmd(
        "domfstrim",
        "domain",
        "Invoke fstrim on domain's mounted filesystems.",
        "Invoke fstrim on domain's mounted filesystems.",
        (
            dom_opt(),
            Opt(
                "minimum",
                _I,
                "Just a hint to ignore contiguous free ranges smaller than this (Bytes)",
            ),
            Opt("mountpoint", _S, "which mount point to trim"),
        ),
        cmd_domfstrim,
    ),
    Cmd(
        "dompmsuspend",
        "domain",
        "suspend a domain gracefully using power management functions",
        "Suspends a running domain using guest OS's power management. (Note: This requires "
        "a guest agent configured and running in the guest OS).",
        (
            dom_opt(),
            Opt(
                "target",
                T.DATA,
                "mem(Suspend-to-RAM), disk(Suspend-to-Disk), hybrid(Hybrid-Suspend)",
                req=True,
            ),
            Opt("duration", _I, "duration in seconds", req_opt=True),
        ),
        cmd_dompmsuspend,
    ),
    Cmd(
        "dompmwakeup",
        "domain",
        "wakeup a domain from pmsuspended state",
        "Wakeup a domain that was previously suspended by power management.",
        (dom_opt(),),
        cmd_dompmwakeup,
    ),
    Cmd(
        "get-user-sshkeys",
        "domain",
        "list authorized SSH keys for given user (via agent)",
        "Use the guest agent to query authorized SSH keys for given user",
        (dom_opt(), Opt("user", T.DATA, "user to list authorized keys for", req=True)),
        cmd_get_user_sshkeys,
    ),
    Cmd(
        "set-user-sshkeys",
        "domain",
        "manipulate authorized SSH keys file for given user (via agent)",
        "Append, reset or remove specified key from the authorized keys file for given user",
        (
            dom_opt(),
            Opt("user", T.DATA, "user to set authorized keys for", req=True),
            Opt("file", _S, "optional file to read keys from"),
            Opt("reset", _B, "clear out authorized keys file before adding new keys"),
            Opt("remove", _B, "remove keys from the authorized keys file"),
        ),
        cmd_set_user_sshkeys,
    ),
    Cmd(
        "set-user-password",
        "domain",
        "set the user password inside the domain",
        "changes the password of the specified user inside the domain",
        (
            dom_opt(),
            Opt("user", T.DATA, "the username", req=True),
            Opt("password", T.DATA, "the new password", req=True),
            Opt("encrypted", _B, "the password is already encrypted"),
        ),
        cmd_set_user_password,
    ),
    Cmd(
        "guest-agent-timeout",
        "domain",
        "Set the guest agent timeout",
        "Set the number of seconds to wait for a response from the guest agent.",
        (dom_opt(), Opt("timeout", _I, "timeout seconds.", req_opt=True)),
        cmd_guest_agent_timeout,
    ),
    Cmd(
        "guestinfo",
        "domain",
        "query information about the guest (via agent)",
        "Use the guest agent to query various information from guest's point of view",
        (
            dom_opt(),
            Opt("user", _B, "report active users"),
            Opt("os", _B, "report operating system information"),
            Opt("timezone", _B, "report timezone information"),
            Opt("hostname", _B, "report hostname"),
            Opt("filesystem", _B, "report filesystem information"),
            Opt("disk", _B, "report disk information"),
            Opt("interface", _B, "report interface information"),
        ),
        cmd_guestinfo,
    ),
]
