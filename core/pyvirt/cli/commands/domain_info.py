"""virsh's domain information commands: ``schedinfo``, ``domblkinfo``, ``domcontrol`` and
``domhostname``, printing what virsh 9.0 prints (virsh-domain.c, virsh-domain-monitor.c).
"""

from __future__ import annotations

import datetime
import time

from pyvirt import typed_param_from_string
from pyvirt.cli._control import Control, Failure
from pyvirt.cli._format import pretty_size, to_int
from pyvirt.cli._parser import Cmd, Opt, Parsed, T
from pyvirt.cli.commands._common import dom_opt, domain, exclusive, opt_int

# Not typing.TYPE_CHECKING: importing typing costs more than pyvirsh's own start-up.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import TypeVar

    from pyvirt import Domain, TypedParameter
    from pyvirt._typed_params import TypedValue

    _R = TypeVar("_R")

_AFFECT_LIVE, _AFFECT_CONFIG = 1, 2
_TIME_SYNC = 1  # VIR_DOMAIN_TIME_SYNC


# -- schedinfo -----------------------------------------------------------------------------
def typed_value_text(value: TypedValue) -> str:
    """vshGetTypedParamValue: numbers as printf prints them, booleans as yes/no."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:f}"
    return str(value)


def cmd_schedinfo(ctl: Control, p: Parsed) -> bool:
    exclusive(p, "current", "live")
    exclusive(p, "current", "config")
    live, config, current = p.bool("live"), p.bool("config"), p.bool("current")
    flags = (_AFFECT_LIVE if live else 0) | (_AFFECT_CONFIG if config else 0)
    dom, _name = domain(ctl, p)
    try:
        scheduler, nparams = dom.scheduler_type()
    except Exception as e:
        ctl.print(f"{'Scheduler':<15}: Unknown\n")
        raise Failure(cause=e) from None
    ctl.print(f"{'Scheduler':<15}: {scheduler}\n")
    if not nparams:
        return True
    with_flags = bool(flags) or current
    if live and config:
        # one query cannot ask both: virsh settles on "current"
        flags = 0
    ask = flags if with_flags else None
    params = _call(lambda: dom.scheduler_parameter_list(ask))
    updates = _updates(p, params)
    if updates:
        _call(lambda: dom.set_scheduler_parameters(updates, ask))
        params = _call(lambda: dom.scheduler_parameter_list(ask))
    elif live and config:
        raise Failure("cannot query both live and config at once")
    for param in params:
        ctl.print(f"{param.field:<15}: {typed_value_text(param.value)}\n")
    return True


def _call(call: Callable[[], _R]) -> _R:
    """Run a library call; its error is the command's only error line, as in virsh."""
    try:
        return call()
    except Exception as e:
        raise Failure(cause=e) from None


def _updates(p: Parsed, current: list[TypedParameter]) -> list[TypedParameter]:
    """cmdSchedInfoUpdate: each --set name=value, then --cap and --weight (Xen's credit
    scheduler's names), typed as the scheduler's parameter of that name."""
    wanted: list[tuple[str, str]] = []
    for item in p.values.get("set", []):
        field, eq, value = str(item).partition("=")
        if not eq:
            raise Failure("Invalid syntax for --set, expecting name=value")
        wanted.append((field, value))
    for name in ("cap", "weight"):
        option = p.str(name)
        if option is not None:
            wanted.append((name, option))
    out = []
    types = {param.field: param.type for param in current}
    for field, value in wanted:
        if field not in types:
            raise Failure(f"invalid scheduler option: {field}")
        try:
            out.append(typed_param_from_string(field, types[field], value))
        except Exception as e:
            raise Failure(cause=e) from None
    return out


# -- dommemstat ----------------------------------------------------------------------------
def cmd_dommemstat(ctl: Control, p: Parsed) -> bool:
    exclusive(p, "current", "live")
    exclusive(p, "current", "config")
    dom, name = domain(ctl, p)
    period = opt_int(p, "period")
    if period is not None:
        if period < 0:
            raise Failure(f"Invalid collection period value '{period}'")
        flags = (1 if p.bool("live") else 0) | (2 if p.bool("config") else 0)
        try:
            dom.set_memory_stats_period(period, flags)
        except Exception as e:
            raise Failure("Unable to change balloon collection period.", cause=e) from None
        return True
    try:
        stats = dom.memory_stats()
    except Exception as e:
        raise Failure(f"Failed to get memory statistics for domain {name}", cause=e) from None
    ctl.print("".join(f"{tag} {value}\n" for tag, value in stats.items()))
    return True


# -- domtime ------------------------------------------------------------------------------
def cmd_domtime(ctl: Control, p: Parsed) -> bool:
    exclusive(p, "time", "now")
    exclusive(p, "time", "sync")
    dom, _name = domain(ctl, p)
    text = p.str("time")
    seconds = None
    if text is not None:
        seconds = to_int(text, lo=-(2**63), hi=2**63 - 1)
        if seconds is None:
            raise Failure(f"Numeric value '{text}' for <time> option is malformed or out of range")
    if seconds is not None or p.bool("now") or p.bool("sync"):
        if p.bool("now"):
            seconds = int(time.time())
        _call(lambda: dom.set_time(seconds or 0, 0, _TIME_SYNC if p.bool("sync") else 0))
        return True
    seconds, _nseconds = _call(dom.get_time)
    if p.bool("pretty"):
        try:
            shown = datetime.datetime.fromtimestamp(seconds, datetime.UTC)
        except (OverflowError, OSError, ValueError):
            raise Failure("Unable to format the domain's time") from None
        ctl.print(f"Time: {shown:%Y-%m-%d %H:%M:%S}")
    else:
        ctl.print(f"Time: {seconds}")
    return True


# -- domblkinfo ----------------------------------------------------------------------------
def _sizes_text(sizes: tuple[int, int, int], human: bool) -> list[str]:
    """cmdDomblkinfoGet: "-" for a disk with no sizes at all, else bytes or "%.3lf unit"."""
    if not any(sizes):
        return ["-", "-", "-"]
    if not human:
        return [str(size) for size in sizes]
    return ["{:.3f} {}".format(*pretty_size(size)) for size in sizes]


def _all_disks(ctl: Control, dom: Domain, human: bool) -> None:
    from lxml import etree

    from pyvirt.cli._table import render

    try:
        root = etree.fromstring(dom.xml_desc(0).encode())
    except Exception as e:
        raise Failure(cause=e) from None
    rows = []
    for disk in root.iterfind(".//disk"):
        target_elem = disk.find("target")
        target = "" if target_elem is None else target_elem.get("dev", "")
        sizes = (0, 0, 0)
        if disk.find("source") is not None:
            try:
                sizes = dom.block_info(target)
            except Exception as e:
                raise Failure(cause=e) from None
        rows.append([target, *_sizes_text(sizes, human)])
    header = ["Target", "Capacity", "Allocation", "Physical"]
    ctl.print(render(header, rows, with_header=not ctl.quiet))


def cmd_domblkinfo(ctl: Control, p: Parsed) -> bool:
    exclusive(p, "all", "device")
    device = p.str("device")
    if not p.bool("all") and device is None:
        raise Failure("command 'domblkinfo' requires <device> option")
    dom, _name = domain(ctl, p)
    human = p.bool("human")
    if p.bool("all"):
        _all_disks(ctl, dom, human)
        return True
    assert device is not None
    try:
        sizes = dom.block_info(device)
    except Exception as e:
        raise Failure(cause=e) from None
    for label, text in zip(
        ("Capacity:", "Allocation:", "Physical:"), _sizes_text(sizes, human), strict=True
    ):
        ctl.print(f"{label:<15} {text}\n")
    return True


# -- domcontrol ----------------------------------------------------------------------------
#: VIR_DOMAIN_CONTROL_* and VIR_DOMAIN_CONTROL_ERROR_REASON_* as virsh names them.
_CONTROL_STATES = ("ok", "background job", "occupied", "error")
_CONTROL_ERRORS = ("none", "unknown", "monitor failure", "internal (locking) error")


def _name_of(names: tuple[str, ...], number: int) -> str:
    return names[number] if 0 <= number < len(names) else "unknown"


def cmd_domcontrol(ctl: Control, p: Parsed) -> bool:
    dom, _name = domain(ctl, p)
    try:
        state, details, state_time = dom.control_info()
    except Exception as e:
        raise Failure(cause=e) from None
    text = _name_of(_CONTROL_STATES, state)
    if state not in (0, 3):  # neither OK nor ERROR: how long it has been so
        ctl.print(f"{text} ({state_time / 1000:0.3f}s)\n")
    elif state == 3 and details > 0:
        ctl.print(f"{text}: {_name_of(_CONTROL_ERRORS, details)}\n")
    else:
        ctl.print(f"{text}\n")
    return True


# -- domhostname ---------------------------------------------------------------------------
#: VIR_DOMAIN_GET_HOSTNAME_* by virsh's --source names.
_HOSTNAME_SOURCES = {"lease": 1, "agent": 2}


def cmd_domhostname(ctl: Control, p: Parsed) -> bool:
    dom, _name = domain(ctl, p)
    source = p.str("source")
    flags = 0
    if source is not None:
        if source not in _HOSTNAME_SOURCES:
            raise Failure(f"Unknown data source '{source}'")
        flags = _HOSTNAME_SOURCES[source]
    try:
        hostname = dom.hostname(flags)
    except Exception as e:
        raise Failure("failed to get hostname", cause=e) from None
    ctl.print(hostname + "\n")
    return True


COMMANDS = [
    Cmd(
        "schedinfo",
        "domain",
        "show/set scheduler parameters",
        "Show/Set scheduler parameters.",
        (
            dom_opt(),
            Opt("weight", T.INT, "weight for XEN_CREDIT", req_opt=True),
            Opt("cap", T.INT, "cap for XEN_CREDIT", req_opt=True),
            Opt("current", T.BOOL, "get/set current scheduler info"),
            Opt("config", T.BOOL, "get/set value to be used on next boot"),
            Opt("live", T.BOOL, "get/set value from running domain"),
            Opt("set", T.ARGV, "parameter=value"),
        ),
        cmd_schedinfo,
    ),
    Cmd(
        "dommemstat",
        "monitor",
        "get memory statistics for a domain",
        "Get memory statistics for a running domain.",
        (
            dom_opt(),
            Opt("period", T.INT, "period in seconds to set collection", req_opt=True),
            Opt("config", T.BOOL, "affect next boot"),
            Opt("live", T.BOOL, "affect running domain"),
            Opt("current", T.BOOL, "affect current domain"),
        ),
        cmd_dommemstat,
    ),
    Cmd(
        "domtime",
        "monitor",
        "domain time",
        "Gets or sets the domain's system time",
        (
            dom_opt(),
            Opt("now", T.BOOL, "set to the time of the host running virsh"),
            Opt("pretty", T.BOOL, "print domain's time in human readable form"),
            Opt("sync", T.BOOL, "instead of setting given time, synchronize from domain's RTC"),
            Opt("time", T.INT, "time to set", req_opt=True),
        ),
        cmd_domtime,
    ),
    Cmd(
        "domblkinfo",
        "monitor",
        "domain block device size information",
        "Get block device size info for a domain.",
        (
            dom_opt(),
            Opt("device", T.STRING, "block device"),
            Opt("human", T.BOOL, "Human readable output"),
            Opt("all", T.BOOL, "display all block devices info"),
        ),
        cmd_domblkinfo,
    ),
    Cmd(
        "domcontrol",
        "monitor",
        "domain control interface state",
        "Returns state of a control interface to the domain.",
        (dom_opt(),),
        cmd_domcontrol,
    ),
    Cmd(
        "domhostname",
        "domain",
        "print the domain's hostname",
        None,
        (dom_opt(), Opt("source", T.STRING, "address source: 'lease' or 'agent'")),
        cmd_domhostname,
    ),
]
