"""virsh's commands that act on the guest from outside: ``inject-nmi``, ``send-key`` (key
names and codesets as virsh reads them), ``send-process-signal`` (signal names or numbers)
and ``set-lifecycle-action``, with virsh 9.0's options, messages and checks in its order.
"""

from __future__ import annotations

from pyvirt.cli._control import Control, Failure
from pyvirt.cli._format import strtol, to_int, to_uint
from pyvirt.cli._parser import Cmd, Opt, Parsed, T
from pyvirt.cli.commands._common import (
    _opt_number,
    dom_opt,
    domain,
    exclusive,
    flag_bits,
    string_req,
)

#: ``--codeset`` names: VIR_KEYCODE_SET_* in order; "rfb" is virsh's name for qnum.
_CODESETS = ("linux", "xt", "atset1", "atset2", "atset3", "os_x", "xt_kbd", "usb", "win32", "qnum")
_MAX_KEYS = 16  # VIR_DOMAIN_SEND_KEY_MAX_KEYS
#: VIR_DOMAIN_PROCESS_SIGNAL_* names (virDomainProcessSignal's strings), in number order.
_SIGNALS = (
    "nop hup int quit ill trap abrt bus fpe kill usr1 segv usr2 pipe alrm term stkflt chld "
    "cont stop tstp ttin ttou urg xcpu xfsz vtalrm prof winch poll pwr sys"
).split() + [f"rt{n}" for n in range(33)]
_LIFECYCLE_TYPES = ("poweroff", "reboot", "crash")
_LIFECYCLE_ACTIONS = (
    "destroy", "restart", "rename-restart", "preserve", "coredump-destroy", "coredump-restart",
)  # fmt: skip
_AFFECT = {"live": 1, "config": 2}


def cmd_inject_nmi(ctl: Control, p: Parsed) -> bool:
    dom, _ = domain(ctl, p)
    dom.inject_nmi()
    return True


def _keycode_number(text: str) -> int | None:
    """virsh's virshKeyCodeGetInt: an unsigned number in C notation (0x.., 0..), whole
    string, at most 0xffff."""
    parsed = strtol(text, 0)
    if parsed is None or parsed[1] or parsed[0] > 0xFFFF:
        return None
    if parsed[0] and "-" in text:
        return None
    return abs(parsed[0])


def cmd_send_key(ctl: Control, p: Parsed) -> bool:
    from pyvirt.cli._keynames import key_code

    dom, _ = domain(ctl, p)
    holdtime = _opt_number(p, "holdtime", to_uint) or 0
    codeset_name = string_req(p, "codeset") or "linux"
    if codeset_name == "rfb":
        codeset_name = "qnum"
    if codeset_name not in _CODESETS:
        raise Failure(f"unknown codeset: '{codeset_name}'")
    codes: list[int] = []
    for word in p.values.get("keycode") or ():
        if len(codes) == _MAX_KEYS:
            raise Failure("too many keycodes")
        code = _keycode_number(word)
        if code is None:
            code = key_code(codeset_name, word)
        if code is None:
            raise Failure(f"invalid keycode: '{word}'")
        codes.append(code)
    dom.send_key(_CODESETS.index(codeset_name), holdtime, codes)
    return True


def _signal_number(name: str) -> int:
    """virsh's getSignalNumber: a decimal int, else a name (any case, with or without
    ``sig``/``sig_``); -1 when neither."""
    text = name.lower()
    number = to_int(text)
    if number is not None:
        return number
    for prefix in ("sig_", "sig"):
        if text.startswith(prefix):
            text = text[len(prefix) :]
            break
    return _SIGNALS.index(text) if text in _SIGNALS else -1


def cmd_send_process_signal(ctl: Control, p: Parsed) -> bool:
    dom, _ = domain(ctl, p)
    pid = _opt_number(p, "pid", lambda text: to_int(text, lo=-(2**63), hi=2**63 - 1))
    signame = string_req(p, "signame") or ""
    signum = _signal_number(signame)
    if signum < 0:
        raise Failure(f"malformed signal name: {signame}")
    dom.send_process_signal(pid or 0, signum)
    return True


def cmd_set_lifecycle_action(ctl: Control, p: Parsed) -> bool:
    exclusive(p, "current", "live")
    exclusive(p, "current", "config")
    kind = string_req(p, "type") or ""
    action = string_req(p, "action") or ""
    if kind not in _LIFECYCLE_TYPES:
        raise Failure(f"Invalid lifecycle type '{kind}'.")
    if action not in _LIFECYCLE_ACTIONS:
        raise Failure(f"Invalid lifecycle action '{action}'.")
    dom, _ = domain(ctl, p)
    try:
        dom.set_lifecycle_action(
            _LIFECYCLE_TYPES.index(kind), _LIFECYCLE_ACTIONS.index(action), flag_bits(p, _AFFECT)
        )
    except Exception as e:
        raise Failure("Unable to change lifecycle action.", cause=e) from None
    return True


COMMANDS = [
    Cmd(
        "inject-nmi",
        "domain",
        "Inject NMI to the guest",
        "Inject NMI to the guest domain.",
        (dom_opt(),),
        cmd_inject_nmi,
    ),
    Cmd(
        "send-key",
        "domain",
        "Send keycodes to the guest",
        "Send keycodes (integers or symbolic names) to the guest",
        (
            dom_opt(),
            Opt("codeset", T.STRING, "the codeset of keycodes, default:linux", req_opt=True),
            Opt(
                "holdtime",
                T.INT,
                "the time (in milliseconds) how long the keys will be held",
                req_opt=True,
            ),
            Opt("keycode", T.ARGV, "the key code", req=True),
        ),
        cmd_send_key,
    ),
    Cmd(
        "send-process-signal",
        "domain",
        "Send signals to processes",
        "Send signals to processes in the guest",
        (
            dom_opt(),
            Opt("pid", T.DATA, "the process ID", req=True),
            Opt("signame", T.DATA, "the signal number or name", req=True),
        ),
        cmd_send_process_signal,
    ),
    Cmd(
        "set-lifecycle-action",
        "domain",
        "change lifecycle actions",
        "Change lifecycle actions for the guest domain.",
        (
            dom_opt(),
            Opt("type", T.DATA, "lifecycle type to modify", req=True),
            Opt("action", T.DATA, "lifecycle action to set", req=True),
            Opt("config", T.BOOL, "affect next boot"),
            Opt("live", T.BOOL, "affect running domain"),
            Opt("current", T.BOOL, "affect current domain"),
        ),
        cmd_set_lifecycle_action,
    ),
]
