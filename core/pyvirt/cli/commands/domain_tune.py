"""virsh's tunable commands: ``memtune``, ``domiftune`` and ``blkdeviotune``, with virsh 9.0's option parsing,
messages and ``%-15s: %s`` listing (virsh-domain.c).

Each asks the domain's current parameters when no value is given, and otherwise sends only
the parameters given; ``--live``/``--config``/``--current`` become VIR_DOMAIN_AFFECT_* flags.
"""

from __future__ import annotations

from pyvirt.cli._control import Control, Failure
from pyvirt.cli._format import ScaleError, scaled, strtol, to_uint
from pyvirt.cli._parser import Cmd, Opt, Parsed, T
from pyvirt.cli.commands._common import dom_opt, domain, exclusive, flag_bits, string_req
from pyvirt.cli.commands.domain_info import typed_value_text

# Not typing.TYPE_CHECKING: importing typing costs more than pyvirsh's own start-up.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import TypeVar

    from pyvirt import TypedParameter

    _R = TypeVar("_R")

LIVE, CONFIG = 1, 2  # VIR_DOMAIN_AFFECT_*
_LLONG_MAX = 2**63 - 1
_UINT_MAX = 2**32 - 1
#: VIR_DOMAIN_MEMORY_PARAM_UNLIMITED
_UNLIMITED = 2**53 - 1


def impact_flags(p: Parsed) -> int:
    """--current excludes --live and --config; those two together are left to libvirt."""
    exclusive(p, "current", "live")
    exclusive(p, "current", "config")
    return flag_bits(p, {"live": LIVE, "config": CONFIG})


def call(what: str, call: Callable[[], _R]) -> _R:
    """A library call whose failure virsh reports as *what* followed by libvirt's error."""
    try:
        return call()
    except Exception as e:
        raise Failure(what, cause=e) from None


def print_params(ctl: Control, params: list[TypedParameter], unlimited: bool = False) -> None:
    """virsh's ``%-15s: %s`` lines; *unlimited*: memtune's word for the no-limit value."""
    from pyvirt import TypedParameterType

    for param in params:
        if unlimited and param.type == TypedParameterType.ULLONG and param.value == _UNLIMITED:
            text = "unlimited"
        else:
            text = typed_value_text(param.value)
        ctl.print(f"{param.field:<15}: {text}\n")


def set_or_get(
    params: list[TypedParameter],
    change: tuple[str, Callable[[list[TypedParameter]], None]],
    read: tuple[str, Callable[[], list[TypedParameter]]],
    counted: bool = False,
    flags: int = 0,
    after_count: Callable[[Exception], bool] | None = None,
) -> list[TypedParameter] | None:
    """virsh's tunables: with values, *change* (its failure line and call) and answer None;
    without, *read* them.  *counted*: virsh asks the count first, with the public API's
    LIVE-with-CONFIG refusal, so that failure says "number of"; with *after_count*, every
    failure but those it names is the count's (the driver checks the domain before it
    answers the count, the device only after)."""
    if params:
        call(change[0], lambda: change[1](params))
        return None
    what = read[0]
    counting = what.replace("Unable to get ", "Unable to get number of ")
    if counted and flags == LIVE | CONFIG:
        what = counting
    try:
        return read[1]()
    except Exception as e:
        if counted and after_count is not None and not after_count(e):
            what = counting
        raise Failure(what, cause=e) from None


# -- memtune -------------------------------------------------------------------------------
#: (option, typed-parameter field) in the order virsh reads them.
_LIMITS = (
    ("hard-limit", "hard_limit"),
    ("soft-limit", "soft_limit"),
    ("swap-hard-limit", "swap_hard_limit"),
    ("min-guarantee", "min_guarantee"),
)


def _memory_limit(text: str, name: str) -> int:
    """virshMemtuneGetSize: a negative number is "unlimited", else a scaled size (default
    KiB, at most LLONG_MAX bytes) rounded up to KiB."""
    bad = f"Unable to parse integer parameter {name}"
    parsed = strtol(text)
    if parsed is None or not -(2**63) <= parsed[0] <= _LLONG_MAX:
        raise Failure(bad)
    if parsed[0] < 0:
        return _UNLIMITED
    try:
        size = scaled(text, 1024, _LLONG_MAX)
    except ValueError:
        raise Failure(bad) from None
    except ScaleError as e:
        from pyvirt import make_error

        raise Failure(bad, cause=make_error(e.code, 0, e.message.split(": ", 1)[1])) from None
    return -(-size // 1024)


def cmd_memtune(ctl: Control, p: Parsed) -> bool:
    from pyvirt import TypedParameterType, typed_param

    flags = impact_flags(p)
    dom, _ = domain(ctl, p)
    params = []
    for option, field in _LIMITS:
        text = p.str(option)
        if text is not None:
            value = _memory_limit(text, option)
            params.append(typed_param(field, TypedParameterType.ULLONG, value))
    current = set_or_get(
        params,
        ("Unable to change memory parameters", lambda ps: dom.set_memory_parameters(ps, flags)),
        ("Unable to get memory parameters", lambda: dom.memory_parameter_list(flags)),
        counted=True,
        flags=flags,
    )
    if current is not None:
        print_params(ctl, current, unlimited=True)
    return True


# -- domiftune -----------------------------------------------------------------------------
_RATE_FIELDS = ("average", "peak", "burst", "floor")


def _rate(text: str) -> dict[str, int]:
    """virshParseRateStr: up to four comma-separated non-negative numbers, empty ones 0."""
    parts = text.split(",")
    if len(parts) > len(_RATE_FIELDS):
        raise Failure(f"Rate string '{text}' has too many fields")
    rate = dict.fromkeys(_RATE_FIELDS, 0)
    for field, part in zip(_RATE_FIELDS, parts, strict=False):
        if not part:
            continue
        parsed = strtol(part)
        if parsed is None or parsed[1] or not 0 <= parsed[0] <= 2**64 - 1 or "-" in part:
            raise Failure(f"field '{field}' is malformed")
        rate[field] = parsed[0]
    return rate


def _bandwidth_params(direction: str, rate: dict[str, int]) -> list[TypedParameter]:
    """cmdDomIftune's checks of one direction, then its parameters: the average always,
    peak, burst (and inbound floor) when not 0."""
    from pyvirt import TypedParameterType, typed_param

    if any(rate[f] > _UINT_MAX for f in ("average", "peak", "burst")):
        raise Failure(f"{direction} rate larger than maximum {_UINT_MAX}")
    bursty = rate["peak"] or rate["burst"]
    if direction == "inbound" and not rate["average"] and bursty and not rate["floor"]:
        raise Failure("either inbound average or floor is mandatory")
    if direction == "outbound":
        if not rate["average"] and bursty:
            raise Failure("outbound average is mandatory")
        if rate["floor"]:
            raise Failure("outbound floor is unsupported yet")
    fields = ("average", "peak", "burst", "floor") if direction == "inbound" else _RATE_FIELDS[:3]
    return [
        typed_param(f"{direction}.{field}", TypedParameterType.UINT, rate[field] & _UINT_MAX)
        for field in fields
        if field == "average" or rate[field]
    ]


def cmd_domiftune(ctl: Control, p: Parsed) -> bool:
    flags = impact_flags(p)
    dom, _ = domain(ctl, p)
    device = string_req(p, "interface")
    assert device is not None
    params: list[TypedParameter] = []
    for direction in ("inbound", "outbound"):
        text = string_req(p, direction)
        if text is not None:
            params += _bandwidth_params(direction, _rate(text))
    current = set_or_get(
        params,
        (
            "Unable to set interface parameters",
            lambda ps: dom.set_interface_parameters(device, ps, flags),
        ),
        ("Unable to get interface parameters", lambda: dom.interface_parameter_list(device, flags)),
    )
    if current is not None:
        print_params(ctl, current)
    return True


# -- blkdeviotune ---------------------------------------------------------------------------
#: (option, kind) in the order virsh reads them: "scaled" sizes (default bytes), plain
#: counts, or the group's name; the typed-parameter field is the option's name with "_".
_IOTUNE_OPTIONS = (
    *((f"{w}-bytes-sec", "scaled") for w in ("total", "read", "write")),
    *((f"{w}-iops-sec", "count") for w in ("total", "read", "write")),
    *((f"{w}-bytes-sec-max", "scaled") for w in ("total", "read", "write")),
    *((f"{w}-iops-sec-max", "count") for w in ("total", "read", "write")),
    ("size-iops-sec", "count"),
    ("group-name", "string"),
    *(
        (f"{w}-{u}-sec-max-length", "count")
        for u in ("bytes", "iops")
        for w in ("total", "read", "write")
    ),
)
_ULLONG_MAX = 2**64 - 1


def _iotune_value(option: str, kind: str, text: str) -> int:
    """vshCommandOptScaledInt (scale 1) or vshCommandOptULongLong, with their messages."""
    from pyvirt import make_error

    bad_int = "Unable to parse integer parameter"
    if kind == "count":
        value = to_uint(text, _ULLONG_MAX)
        if value is None:
            raise Failure(
                f"Numeric value '{text}' for <{option}> option is malformed or out of range",
                bad_int,
            )
        return value
    malformed = f"Scaled numeric value '{text}' for <{option}> option is malformed or out of range"
    try:
        return scaled(text, 1, _ULLONG_MAX)
    except ValueError:
        raise Failure(malformed, bad_int) from None
    except ScaleError as e:
        cause = make_error(e.code, 0, e.message.split(": ", 1)[1])
        raise Failure(malformed, bad_int, cause=cause) from None


def cmd_blkdeviotune(ctl: Control, p: Parsed) -> bool:
    from pyvirt import TypedParameterType, typed_param

    flags = impact_flags(p)
    dom, _ = domain(ctl, p)
    disk = string_req(p, "device")
    assert disk is not None
    params = []
    for option, kind in _IOTUNE_OPTIONS:
        field = option.replace("-", "_")
        if kind == "string":
            try:
                name = string_req(p, option)
            except Failure as e:
                raise Failure(*e.lines, "Unable to parse group-name parameter") from None
            if name is not None:
                params.append(typed_param(field, TypedParameterType.STRING, name))
            continue
        text = p.str(option)
        if text is not None:
            value = _iotune_value(option, kind, text)
            params.append(typed_param(field, TypedParameterType.ULLONG, value))
    current = set_or_get(
        params,
        ("Unable to change block I/O throttle", lambda ps: dom.set_block_io_tune(disk, ps, flags)),
        (
            "Unable to get block I/O throttle parameters",
            lambda: dom.block_io_tune_list(disk, flags),
        ),
        counted=True,
        flags=flags,
        after_count=lambda e: _after_count(ctl, e),
    )
    if current is not None:
        print_params(ctl, current)
    return True


def _after_count(ctl: Control, e: Exception) -> bool:
    """Whether the driver had answered virsh's count call before it failed.  libvirt's
    test driver answers the count before any check; its QEMU driver checks the domain
    (running, persistent) first and looks the disk up only after the count, so an unknown
    disk, an invalid argument, is the only failure left then."""
    from pyvirt import ErrorCode, VirtError

    if not isinstance(e, VirtError) or e.code == ErrorCode.INVALID_ARG:
        return True
    try:
        return ctl.conn.get_type() != "QEMU"
    except Exception:  # the connection is gone: the count call could not have worked
        return False


IMPACT_OPTS = (
    Opt("config", T.BOOL, "affect next boot"),
    Opt("live", T.BOOL, "affect running domain"),
    Opt("current", T.BOOL, "affect current domain"),
)


# -- perf ----------------------------------------------------------------------------------
def _perf_params(text: str, state: bool) -> list[TypedParameter]:
    """virshParseEventStr: comma-separated event names, empty ones skipped."""
    from pyvirt import TypedParameterType, typed_param

    return [typed_param(n, TypedParameterType.BOOLEAN, state) for n in text.split(",") if n]


def _print_perf(ctl: Control, params: list[TypedParameter]) -> None:
    """virshPrintPerfStatus."""
    for param in params:
        state = "enabled" if param.value is True else "disabled"
        ctl.print(f"{param.field:<15}: {state}\n")


def cmd_perf(ctl: Control, p: Parsed) -> bool:
    flags = impact_flags(p)
    params: list[TypedParameter] = []
    for option, state in (("enable", True), ("disable", False)):
        text = string_req(p, option)
        if text is not None:
            params += _perf_params(text, state)
    dom, _ = domain(ctl, p)
    current = set_or_get(
        params,
        ("Unable to enable/disable perf events", lambda ps: dom.set_perf_events(ps, flags)),
        ("Unable to get perf events", lambda: dom.perf_event_list(flags)),
    )
    _print_perf(ctl, params if current is None else current)
    return True


_IOTUNE_HELP = (
    "total throughput limit, as scaled integer (default bytes)",
    "read throughput limit, as scaled integer (default bytes)",
    "write throughput limit, as scaled integer (default bytes)",
    "total I/O operations limit per second",
    "read I/O operations limit per second",
    "write I/O operations limit per second",
    "total max, as scaled integer (default bytes)",
    "read max, as scaled integer (default bytes)",
    "write max, as scaled integer (default bytes)",
    "total I/O operations max",
    "read I/O operations max",
    "write I/O operations max",
    "I/O size in bytes",
    "group name to share I/O quota between multiple drives",
    "duration in seconds to allow total max bytes",
    "duration in seconds to allow read max bytes",
    "duration in seconds to allow write max bytes",
    "duration in seconds to allow total I/O operations max",
    "duration in seconds to allow read I/O operations max",
    "duration in seconds to allow write I/O operations max",
)

COMMANDS = [
    Cmd(
        "memtune",
        "domain",
        "Get or set memory parameters",
        "Get or set the current memory parameters for a guest domain.\n"
        "    To get the memory parameters use following command: \n\n"
        "    virsh # memtune <domain>",
        (
            dom_opt(),
            Opt("hard-limit", T.INT, "Max memory, as scaled integer (default KiB)"),
            Opt(
                "soft-limit",
                T.INT,
                "Memory during contention, as scaled integer (default KiB)",
            ),
            Opt(
                "swap-hard-limit",
                T.INT,
                "Max memory plus swap, as scaled integer (default KiB)",
            ),
            Opt(
                "min-guarantee",
                T.INT,
                "Min guaranteed memory, as scaled integer (default KiB)",
            ),
            *IMPACT_OPTS,
        ),
        cmd_memtune,
    ),
    Cmd(
        "domiftune",
        "domain",
        "get/set parameters of a virtual interface",
        "Get/set parameters of a domain's virtual interface.",
        (
            dom_opt(),
            Opt("interface", T.DATA, "interface device (MAC Address)", req=True),
            Opt("inbound", T.STRING, "control domain's incoming traffics"),
            Opt("outbound", T.STRING, "control domain's outgoing traffics"),
            *IMPACT_OPTS,
        ),
        cmd_domiftune,
    ),
    Cmd(
        "blkdeviotune",
        "domain",
        "Set or query a block device I/O tuning parameters.",
        "Set or query disk I/O parameters such as block throttling.",
        (
            dom_opt(),
            Opt("device", T.DATA, "block device", req=True),
            *(
                Opt(name, T.INT if kind != "string" else T.STRING, help)
                for (name, kind), help in zip(_IOTUNE_OPTIONS, _IOTUNE_HELP, strict=True)
            ),
            *IMPACT_OPTS,
        ),
        cmd_blkdeviotune,
    ),
    Cmd(
        "perf",
        "domain",
        "Get or set perf event",
        "Get or set the current perf events for a guest domain.\n"
        "    To get the perf events list use following command: \n\n"
        "    virsh # perf <domain>",
        (
            dom_opt(),
            Opt("enable", T.STRING, "perf events which will be enabled"),
            Opt("disable", T.STRING, "perf events which will be disabled"),
            *IMPACT_OPTS,
        ),
        cmd_perf,
    ),
]
