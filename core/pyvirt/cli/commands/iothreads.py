"""virsh's IOThread commands: ``iothreadinfo``, ``iothreadadd``, ``iothreaddel``,
``iothreadpin`` and ``iothreadset``, with virsh 9.0's option checks, order and words.

Each looks the domain up first, then checks ``--current`` against ``--live``/``--config``
(``--live --config`` together is left to libvirt, which answers in its own words); ids must
be positive ("Invalid IOThread id value"), and ``iothreadset`` needs one tunable at least.
"""

from __future__ import annotations

from pyvirt.cli._control import Control, Failure
from pyvirt.cli._parser import Cmd, Opt, Parsed, T
from pyvirt.cli.commands._common import dom_opt, domain, exclusive, opt_int, opt_uint, string_req

_LIVE, _CONFIG = 1, 2  # VIR_DOMAIN_AFFECT_*


def _impact(p: Parsed) -> int:
    """VSH_EXCLUSIVE_OPTIONS for --current, then the LIVE/CONFIG bits."""
    exclusive(p, "current", "live")
    exclusive(p, "current", "config")
    return (_CONFIG if p.bool("config") else 0) | (_LIVE if p.bool("live") else 0)


def _positive_id(p: Parsed, name: str) -> int:
    value = opt_int(p, name)
    assert value is not None  # a required option
    if value <= 0:
        raise Failure(f"Invalid IOThread id value: '{value}'")
    return value


def cmd_iothreadinfo(ctl: Control, p: Parsed) -> bool:
    from pyvirt import VirtError
    from pyvirt.cli._table import render
    from pyvirt.cli.commands.hostinfo import cpu_list

    flags = _impact(p)
    dom, _ = domain(ctl, p)
    try:
        infos = dom.iothread_info(flags)
    except VirtError as e:
        raise Failure("Unable to get domain IOThreads information", cause=e) from None
    if not infos:
        ctl.print_extra("No IOThreads found for the domain")
        return True
    ctl.conn.cpu_map()  # virsh asks the host's CPU count before the table (its errors too)
    rows = [
        [str(iothread_id), cpu_list([cpu in cpus for cpu in range(max(cpus, default=-1) + 1)])]
        for iothread_id, cpus in infos
    ]
    ctl.print(render(["IOThread ID", "CPU Affinity"], rows, with_header=not ctl.quiet))
    return True


def cmd_iothreadadd(ctl: Control, p: Parsed) -> bool:
    flags = _impact(p)
    dom, _ = domain(ctl, p)
    dom.add_iothread(_positive_id(p, "id"), flags)
    return True


def cmd_iothreaddel(ctl: Control, p: Parsed) -> bool:
    flags = _impact(p)
    dom, _ = domain(ctl, p)
    dom.del_iothread(_positive_id(p, "id"), flags)
    return True


def cmd_iothreadpin(ctl: Control, p: Parsed) -> bool:
    from pyvirt.cli.commands.vcpu import _cpumap

    flags = _impact(p)
    dom, _ = domain(ctl, p)
    iothread_id = opt_uint(p, "iothread")
    cpulist = string_req(p, "cpulist")
    assert iothread_id is not None and cpulist is not None  # required options
    cpumap = _cpumap(ctl, cpulist, len(ctl.conn.cpu_map()))
    dom.pin_iothread(iothread_id, cpumap, flags)
    return True


#: iothreadset's tunables: option, typed-parameter field, how virsh reads the number.
_TUNABLES = (
    ("poll-max-ns", "poll_max_ns", "ullong"),
    ("poll-grow", "poll_grow", "uint"),
    ("poll-shrink", "poll_shrink", "uint"),
    ("thread-pool-min", "thread_pool_min", "int"),
    ("thread-pool-max", "thread_pool_max", "int"),
)


def cmd_iothreadset(ctl: Control, p: Parsed) -> bool:
    from pyvirt import TypedParameterType, typed_param
    from pyvirt.cli._format import to_uint

    flags = _impact(p)
    dom, _ = domain(ctl, p)
    iothread_id = _positive_id(p, "id")
    params = []
    for option, field, kind in _TUNABLES:
        text = p.str(option)
        if text is None:
            continue
        if kind == "ullong":
            value = to_uint(text, 2**64 - 1)
            if value is None:
                raise Failure(
                    f"Numeric value '{text}' for <{option}> option is malformed or out of range"
                )
            params.append(typed_param(field, TypedParameterType.ULLONG, value))
        elif kind == "uint":
            params.append(typed_param(field, TypedParameterType.UINT, opt_uint(p, option) or 0))
        else:
            params.append(typed_param(field, TypedParameterType.INT, opt_int(p, option) or 0))
    if not params:
        raise Failure("Not enough arguments passed, nothing to set")
    dom.set_iothread_params(iothread_id, params, flags)
    return True


_IMPACT = (
    Opt("config", T.BOOL, "affect next boot"),
    Opt("live", T.BOOL, "affect running domain"),
    Opt("current", T.BOOL, "affect current domain"),
)

COMMANDS = [
    Cmd(
        "iothreadinfo",
        "domain",
        "view domain IOThreads",
        "Returns basic information about the domain IOThreads.",
        (dom_opt(), *_IMPACT),
        cmd_iothreadinfo,
    ),
    Cmd(
        "iothreadpin",
        "domain",
        "control domain IOThread affinity",
        "Pin domain IOThreads to host physical CPUs.",
        (
            dom_opt(),
            Opt("iothread", T.INT, "IOThread ID number", req=True),
            Opt("cpulist", T.DATA, "host cpu number(s) to set", req=True),
            *_IMPACT,
        ),
        cmd_iothreadpin,
    ),
    Cmd(
        "iothreadadd",
        "domain",
        "add an IOThread to the guest domain",
        "Add an IOThread to the guest domain.",
        (dom_opt(), Opt("id", T.INT, "iothread for the new IOThread", req=True), *_IMPACT),
        cmd_iothreadadd,
    ),
    Cmd(
        "iothreadset",
        "domain",
        "modifies an existing IOThread of the guest domain",
        "Modifies an existing IOThread of the guest domain.",
        (
            dom_opt(),
            Opt("id", T.INT, "iothread id of existing IOThread", req=True),
            Opt("poll-max-ns", T.INT, "set the maximum IOThread polling time in ns"),
            Opt("poll-grow", T.INT, "set the value to increase the IOThread polling time"),
            Opt(
                "poll-shrink", T.INT, "set the value for reduction of the IOThread polling time"
            ),
            Opt("thread-pool-min", T.INT, "lower boundary for worker thread pool"),
            Opt("thread-pool-max", T.INT, "upper boundary for worker thread pool"),
            *_IMPACT,
        ),
        cmd_iothreadset,
    ),
    Cmd(
        "iothreaddel",
        "domain",
        "delete an IOThread from the guest domain",
        "Delete an IOThread from the guest domain.",
        (dom_opt(), Opt("id", T.INT, "iothread_id for the IOThread to delete", req=True), *_IMPACT),
        cmd_iothreaddel,
    ),
]
