"""virsh's ``cpu-stats``, ``domjobinfo``, ``domjobabort``, ``domdirtyrate-calc``,
``domlaunchsecinfo`` and ``domsetlaunchsecstate``, with virsh 9.0's option checks, order,
output and words.

``cpu-stats`` prints libvirt's nanosecond counters as virsh does (``%9lld.%09lld seconds``);
``domjobinfo`` asks virDomainGetJobStats first and falls back to virDomainGetJobInfo only
when the driver lacks the first and no option needs it, as virsh does.
"""

from __future__ import annotations

from pyvirt._codes import ErrorCode
from pyvirt.cli._control import Control, Failure
from pyvirt.cli._parser import Cmd, Opt, Parsed, T
from pyvirt.cli.commands._common import dom_opt, domain, opt_int, read_file, require, string_req

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyvirt import TypedParameter

#: Counters virsh prints as seconds.
_SECONDS = ("cpu_time", "vcpu_time", "user_time", "system_time")


def _stat_lines(params: list[TypedParameter], seconds: tuple[str, ...]) -> str:
    from pyvirt import TypedParameterType
    from pyvirt.cli.commands.domain_info import typed_value_text

    out = []
    for param in params:
        line = f"\t{param.field:<12} "
        if param.field in seconds and param.type == TypedParameterType.ULLONG:
            whole, frac = divmod(int(param.value), 10**9)
            line += f"{whole:9d}.{frac:09d} seconds"
        else:
            line += typed_value_text(param.value)
        out.append(line + "\n")
    return "".join(out)


def cmd_cpu_stats(ctl: Control, p: Parsed) -> bool:
    from pyvirt import VirtError

    dom, name = domain(ctl, p)
    show_total = p.bool("total")
    show_per_cpu = False
    start = opt_int(p, "start")
    if start is not None:
        if start < 0:
            raise Failure("Invalid value for start CPU")
        show_per_cpu = True
    count = opt_int(p, "count")
    if count is not None:
        if count < 0:
            raise Failure("Invalid value for number of CPUs to show")
        show_per_cpu = True
    if not show_total and not show_per_cpu:
        show_total = show_per_cpu = True
    failed = f"Failed to retrieve CPU statistics for domain '{name}'"
    try:
        if show_per_cpu:
            cpu = start or 0
            max_id, _ = dom.cpu_stats_list(0, 0)
            if cpu >= max_id:
                raise Failure(f"Start CPU {cpu} is out of range (min: 0, max: {max_id - 1})")
            if count is None or count > max_id:
                if count is not None:
                    ctl.print(f"Only {max_id} CPUs available to show\n")
                count = max_id - cpu
            _, stats = dom.cpu_stats_list(cpu, count) if count else (0, [])
            for offset, params in enumerate(stats):
                ctl.print(f"CPU{cpu + offset}:\n" + _stat_lines(params, _SECONDS[:2]))
        if show_total:
            _, totals = dom.cpu_stats_list(-1, 1)
            ctl.print("Total:\n" + _stat_lines(totals[0], ("cpu_time", "user_time", "system_time")))
    except VirtError as e:
        raise Failure(failed, cause=e) from None
    return True


def cmd_domjobinfo(ctl: Control, p: Parsed) -> bool:
    from pyvirt import VirtError
    from pyvirt.cli.commands.domain_info import typed_value_text

    require(p, "completed", "keep-completed")
    flags = (1 if p.bool("completed") else 0) | (2 if p.bool("keep-completed") else 0)
    dom, _ = domain(ctl, p)
    rawstats = p.bool("rawstats")
    try:
        kind, params = dom.job_stats_list(flags)
    except VirtError as e:
        if e.code != ErrorCode.NO_SUPPORT:
            raise
        if flags or rawstats:
            raise Failure(
                "Optional flags or --rawstats are not supported by the daemon", cause=e
            ) from None
        info = dom.job_info()
        kind, params = info[0], []
    names = ("None", "Bounded", "Unbounded", "Completed", "Failed", "Cancelled")
    ctl.print(f"{'Job type:':<17} {names[kind] if 0 <= kind < len(names) else 'Unknown':<12}\n")
    for param in params:
        ctl.print(f"{param.field}: {typed_value_text(param.value)}\n")
    return True


def cmd_domjobabort(ctl: Control, p: Parsed) -> bool:
    dom, _ = domain(ctl, p)
    dom.abort_job(1 if p.bool("postcopy") else None)
    return True


#: domdirtyrate-calc's --mode: VIR_DOMAIN_DIRTYRATE_MODE_* bits.
_DIRTYRATE_MODES = {"page-sampling": 0, "dirty-bitmap": 1, "dirty-ring": 2}


def cmd_domdirtyrate_calc(ctl: Control, p: Parsed) -> bool:
    dom, _ = domain(ctl, p)
    seconds = opt_int(p, "seconds")
    mode = string_req(p, "mode")
    flags = 0
    if mode is not None:
        if mode not in _DIRTYRATE_MODES:
            raise Failure(f"Unknown calculation mode '{mode}'")
        flags = _DIRTYRATE_MODES[mode]
    dom.start_dirty_rate_calc(1 if seconds is None else seconds, flags)
    ctl.print_extra("Start to calculate domain's memory dirty rate successfully.\n")
    return True


def cmd_domlaunchsecinfo(ctl: Control, p: Parsed) -> bool:
    from pyvirt import VirtError
    from pyvirt.cli.commands.domain_tune import print_params

    dom, _ = domain(ctl, p)
    try:
        params = dom.launch_security_info_list()
    except VirtError as e:
        raise Failure("Unable to get launch security parameters", cause=e) from None
    print_params(ctl, params)
    return True


def cmd_domsetlaunchsecstate(ctl: Control, p: Parsed) -> bool:
    import base64

    from pyvirt import TypedParameterType, VirtError, typed_param
    from pyvirt.cli._format import to_uint

    dom, _ = domain(ctl, p)
    header_path, secret_path = string_req(p, "secrethdr"), string_req(p, "secret")
    address_text = p.str("set-address")
    address = None
    if address_text is not None:
        address = to_uint(address_text, 2**64 - 1)
        if address is None:
            raise Failure(
                f"Numeric value '{address_text}' for <set-address> option is malformed or "
                "out of range"
            )
    if header_path is None or secret_path is None:
        raise Failure("Both secret and the secret header are required")
    header = base64.b64encode(read_file(header_path).encode("utf-8", "surrogateescape"))
    secret = base64.b64encode(read_file(secret_path).encode("utf-8", "surrogateescape"))
    string = TypedParameterType.STRING
    params = [
        typed_param("sev-secret-header", string, header.decode()),
        typed_param("sev-secret", string, secret.decode()),
    ]
    if address is not None:
        params.append(typed_param("sev-secret-set-address", TypedParameterType.ULLONG, address))
    try:
        dom.set_launch_security_state(params)
    except VirtError as e:
        raise Failure("Unable to set launch security state", cause=e) from None
    return True


COMMANDS = [
    Cmd(
        "cpu-stats",
        "domain",
        "show domain cpu statistics",
        "Display per-CPU and total statistics about the domain's CPUs",
        (
            dom_opt(),
            Opt("total", T.BOOL, "Show total statistics only"),
            Opt("start", T.INT, "Show statistics from this CPU"),
            Opt("count", T.INT, "Number of shown CPUs at most"),
        ),
        cmd_cpu_stats,
    ),
    Cmd(
        "domjobinfo",
        "domain",
        "domain job information",
        "Returns information about jobs running on a domain.",
        (
            dom_opt(),
            Opt("completed", T.BOOL, "return statistics of a recently completed job"),
            Opt(
                "keep-completed",
                T.BOOL,
                "don't destroy statistics of a recently completed job when reading",
            ),
            Opt("anystats", T.BOOL, "print statistics for any kind of job (even failed ones)"),
            Opt("rawstats", T.BOOL, "print the raw data returned by libvirt"),
        ),
        cmd_domjobinfo,
    ),
    Cmd(
        "domjobabort",
        "domain",
        "abort active domain job",
        "Aborts the currently running domain job",
        (dom_opt(), Opt("postcopy", T.BOOL, "interrupt post-copy migration")),
        cmd_domjobabort,
    ),
    Cmd(
        "domdirtyrate-calc",
        "domain",
        "Calculate a vm's memory dirty rate",
        "Calculate memory dirty rate of a domain in order to decide whether it's proper to "
        "be migrated out or not.\nThe calculated dirty rate information is available by "
        "calling 'domstats --dirtyrate'.",
        (
            dom_opt(),
            Opt(
                "seconds",
                T.INT,
                "calculate memory dirty rate within specified seconds, the supported value "
                "range from 1 to 60, default to 1.",
            ),
            Opt(
                "mode",
                T.STRING,
                "dirty page rate calculation mode, either of these 3 options 'page-sampling, "
                "dirty-bitmap, dirty-ring' can be specified.",
            ),
        ),
        cmd_domdirtyrate_calc,
    ),
    Cmd(
        "domlaunchsecinfo",
        "domain",
        "Get domain launch security info",
        "Get the launch security parameters for a guest domain",
        (dom_opt(),),
        cmd_domlaunchsecinfo,
    ),
    Cmd(
        "domsetlaunchsecstate",
        "domain",
        "Set domain launch security state",
        "Set a secret in the guest domain's memory",
        (
            dom_opt(),
            Opt("secrethdr", T.STRING, "path to file containing the secret header", req_opt=True),
            Opt("secret", T.STRING, "path to file containing the secret", req_opt=True),
            Opt(
                "set-address",
                T.INT,
                "physical address within the guest domain's memory to set the secret",
            ),
        ),
        cmd_domsetlaunchsecstate,
    ),
]
