"""virsh's vCPU commands: ``vcpucount`` (all its option combinations and its table),
``vcpuinfo``, ``vcpupin`` and ``emulatorpin``.

virsh 9.0's rules are kept: the old ``--current --live`` meaning ``--active --live`` is
translated first, then the exclusive pairs are checked in virsh's order; with no option the
four counts are asked, skipping live ones for an inactive domain and config ones for a
transient domain, and each found count prints as ``%-12s %-12s %3d``.
"""

from __future__ import annotations

from pyvirt._codes import ErrorCode
from pyvirt.cli._control import Control, Failure
from pyvirt.cli._parser import Cmd, Opt, Parsed, T
from pyvirt.cli.commands._common import dom_opt, domain, exclusive, opt_uint, string_req
from pyvirt.cli.commands.hostinfo import cpu_list

_LIVE, _CONFIG, _MAXIMUM, _GUEST = 1, 2, 4, 8  # VIR_DOMAIN_AFFECT_*, VIR_DOMAIN_VCPU_*


def _exclusive(given: dict[str, bool], a: str, b: str) -> None:
    if given[a] and given[b]:
        raise Failure(f"Options --{a} and --{b} are mutually exclusive")


def _count(dom: object, flags: int) -> int:
    """virshCPUCountCollect for one count (errors are reported as they come)."""
    from pyvirt import VirtError

    try:
        return dom.vcpus(flags)  # type: ignore[attr-defined,no-any-return]
    except VirtError as e:
        if flags & _GUEST and e.code in (ErrorCode.INVALID_ARG, ErrorCode.NO_SUPPORT):
            raise Failure("Failed to retrieve vCPU count from the guest", cause=e) from None
        raise


def cmd_vcpucount(ctl: Control, p: Parsed) -> bool:
    names = ("maximum", "active", "live", "config", "current", "guest")
    given = {name: p.bool(name) for name in names}
    show_all = not any(given.values())
    if given["current"] and not given["maximum"] and not given["active"]:
        # Before libvirt 0.9.4 --current meant the opposite of --maximum.
        if given["live"] or given["config"]:
            given["current"] = False
    _exclusive(given, "current", "live")
    _exclusive(given, "current", "config")
    _exclusive(given, "live", "config")
    _exclusive(given, "active", "maximum")
    _exclusive(given, "guest", "config")
    flags = (
        (_LIVE if given["live"] else 0)
        | (_CONFIG if given["config"] else 0)
        | (_MAXIMUM if given["maximum"] else 0)
        | (_GUEST if given["guest"] else 0)
    )
    dom, _ = domain(ctl, p)
    if not show_all:
        ctl.print(f"{_count(dom, flags)}\n")
        return True
    active, persistent = dom.is_active(), dom.is_persistent()
    rows = (
        ("maximum", "config", _CONFIG | _MAXIMUM),
        ("maximum", "live", _LIVE | _MAXIMUM),
        ("current", "config", _CONFIG),
        ("current", "live", _LIVE),
    )
    counts = [
        (which, state, _count(dom, bits))
        for which, state, bits in rows
        if (active or not bits & _LIVE) and (persistent or not bits & _CONFIG)
    ]
    ctl.print("".join(f"{w:<12} {s:<12} {n:3d}\n" for w, s, n in counts if n > 0))
    return True


# -- CPU lists -----------------------------------------------------------------------------
def _bitmap_error(text: str) -> Failure:
    from pyvirt import ErrorCode, ErrorDomain, make_error

    cause = make_error(ErrorCode.INVALID_ARG, ErrorDomain.NONE, f"Failed to parse bitmap '{text}'")
    return Failure(f"Invalid cpulist '{text}'", cause=cause)


def _parse_bitmap(text: str, limit: int = 1024) -> set[int]:
    """virBitmapParse: "0-3,^2,5" (spaces around the parts allowed); *text* names itself in
    the error, as virsh's "Invalid cpulist" does."""
    from pyvirt.cli._format import to_int

    cpus: set[int] = set()
    parts = text.split(",")
    for part in parts:
        part = part.strip()
        drop = part.startswith("^")
        first, dash, last = part.lstrip("^").partition("-")
        start = to_int(first.strip()) if first.strip() else None
        end = to_int(last.strip()) if dash and last.strip() else (None if dash else start)
        if start is None or end is None or not 0 <= start <= end < limit or (drop and dash):
            raise _bitmap_error(text)
        span = set(range(start, end + 1))
        cpus = cpus - span if drop else cpus | span
    return cpus


def _cpumap(ctl: Control, text: str, maxcpu: int) -> bytes:
    """virshParseCPUList: "r" for every host CPU, else a CPU list within the host's CPUs."""
    cpus = set(range(maxcpu)) if text.startswith("r") else _parse_bitmap(text)
    if not cpus:
        raise Failure(f"Invalid cpulist '{text}'")
    last = max(cpus)
    if last >= maxcpu:
        raise Failure(f"CPU {last} in cpulist '{text}' exceed the maxcpu {maxcpu}")
    data = bytearray(last // 8 + 1)
    for cpu in cpus:
        data[cpu // 8] |= 1 << (cpu % 8)
    return bytes(data)


def _used(cpumap: bytes, maxcpu: int) -> list[bool]:
    return [bool(cpumap[i // 8] >> (i % 8) & 1) if i // 8 < len(cpumap) else False
            for i in range(maxcpu)]  # fmt: skip


def _host_cpus(ctl: Control) -> int:
    return len(ctl.conn.cpu_map())


# -- vcpuinfo -------------------------------------------------------------------------------
def cmd_vcpuinfo(ctl: Control, p: Parsed) -> bool:
    from pyvirt import DomainState, VirtError

    dom, _ = domain(ctl, p)
    info = dom.info()
    maxcpu = _host_cpus(ctl)
    maplen = (maxcpu + 7) // 8
    infos: list[tuple[int, int, int, int]] | None
    try:
        infos, maps = dom.vcpu_info(info.nr_virt_cpu, maplen)
    except VirtError:
        if info.state != DomainState.SHUTOFF:
            raise
        infos, maps = None, dom.vcpu_pin_info(info.nr_virt_cpu, maplen, _CONFIG)
    blocks = []
    states = {0: "offline", 1: "running", 2: "idle"}
    for n, cpumap in enumerate(maps):
        if infos is not None:
            number, state, cpu_time, cpu = infos[n]
            lines = [f"{'VCPU:':<15} {number}", f"{'CPU:':<15} {cpu}"]
            lines.append(f"{'State:':<15} {states.get(state, 'no state')}")
            if cpu_time:
                lines.append(f"{'CPU time:':<15} {cpu_time / 1e9:.1f}s")
        else:
            lines = [f"{'VCPU:':<15} {n}", f"{'CPU:':<15} N/A", f"{'State:':<15} N/A"]
            lines.append(f"{'CPU time':<15} N/A")
        used = _used(cpumap, maxcpu)
        if p.bool("pretty"):
            affinity = f"{cpu_list(used)} (out of {maxcpu})"
        else:
            affinity = "".join("y" if u else "-" for u in used)
        lines.append(f"{'CPU Affinity:':<15} {affinity}")
        blocks.append("\n".join(lines) + "\n")
    ctl.print("\n".join(blocks))
    return True


# -- vcpupin --------------------------------------------------------------------------------
def cmd_vcpupin(ctl: Control, p: Parsed) -> bool:
    from pyvirt.cli._table import render

    exclusive(p, "current", "live")
    exclusive(p, "current", "config")
    flags = (_CONFIG if p.bool("config") else 0) | (_LIVE if p.bool("live") else 0)
    dom, _ = domain(ctl, p)
    vcpu = opt_uint(p, "vcpu")
    cpulist = p.str("cpulist")
    if cpulist is None:
        exclusive(p, "live", "config")
    maxcpu = _host_cpus(ctl)
    if cpulist is not None:
        if vcpu is None:
            raise Failure("vcpupin: Missing vCPU number in pin mode.")
        cpumap = _cpumap(ctl, cpulist, maxcpu)
        dom.pin_vcpu(vcpu, cpumap, None if flags == 0 and not p.bool("current") else flags)
        return True
    active = dom.is_active()
    if (flags & _LIVE and not active) or (flags & _CONFIG and not dom.is_persistent()):
        what = "offline" if flags & _LIVE else "transient"
        raise Failure(f"cannot get vcpupin for {what} domain")
    ncpus = dom.vcpus(flags | _MAXIMUM)  # every vCPU the domain may have
    if vcpu is not None and vcpu >= ncpus:
        live = flags & _LIVE or (not flags & _CONFIG and active)
        which = "live" if live else "persistent"
        raise Failure(f"vcpu {vcpu} is out of range of {which} cpu count {ncpus}")
    maps = dom.vcpu_pin_info(ncpus, (maxcpu + 7) // 8, flags)
    rows = [
        [str(i), cpu_list(_used(cpumap, maxcpu))]
        for i, cpumap in enumerate(maps)
        if vcpu is None or i == vcpu
    ]
    ctl.print(render(["VCPU", "CPU Affinity"], rows))
    return True


# -- emulatorpin ----------------------------------------------------------------------------
def cmd_emulatorpin(ctl: Control, p: Parsed) -> bool:
    exclusive(p, "current", "live")
    exclusive(p, "current", "config")
    chosen = p.bool("current") or p.bool("live") or p.bool("config")
    flags = (_CONFIG if p.bool("config") else 0) | (_LIVE if p.bool("live") else 0)
    dom, _ = domain(ctl, p)
    cpulist = string_req(p, "cpulist")
    maxcpu = _host_cpus(ctl)
    if cpulist is None:
        cpumap = dom.emulator_pin_info((maxcpu + 7) // 8, flags)
        ctl.print_extra("emulator: CPU Affinity\n")
        ctl.print_extra("----------------------------------\n")
        ctl.print_extra("       *: ")
        ctl.print(cpu_list(_used(cpumap, maxcpu)) + "\n")
        return True
    cpumap = _cpumap(ctl, cpulist, maxcpu)
    # Pinning without --live/--config/--current acts on the running domain.
    dom.pin_emulator(cpumap, flags if chosen else _LIVE)
    return True


_PIN_IMPACT = (
    Opt("config", T.BOOL, "affect next boot"),
    Opt("live", T.BOOL, "affect running domain"),
    Opt("current", T.BOOL, "affect current domain"),
)
_CPULIST = Opt("cpulist", T.STRING, "host cpu number(s) to set, or omit option to query")

COMMANDS = [
    Cmd(
        "vcpucount",
        "domain",
        "domain vcpu counts",
        "Returns the number of virtual CPUs used by the domain.",
        (
            dom_opt(),
            Opt("maximum", T.BOOL, "get maximum count of vcpus"),
            Opt("active", T.BOOL, "get number of currently active vcpus"),
            Opt("live", T.BOOL, "get value from running domain"),
            Opt("config", T.BOOL, "get value to be used on next boot"),
            Opt("current", T.BOOL, "get value according to current domain state"),
            Opt(
                "guest",
                T.BOOL,
                "retrieve vcpu count from the guest instead of the hypervisor",
            ),
        ),
        cmd_vcpucount,
    ),
    Cmd(
        "vcpuinfo",
        "domain",
        "detailed domain vcpu information",
        "Returns basic information about the domain virtual CPUs.",
        (dom_opt(), Opt("pretty", T.BOOL, "return human readable output")),
        cmd_vcpuinfo,
    ),
    Cmd(
        "vcpupin",
        "domain",
        "control or query domain vcpu affinity",
        "Pin domain VCPUs to host physical CPUs.",
        (dom_opt(), Opt("vcpu", T.INT, "vcpu number"), _CPULIST, *_PIN_IMPACT),
        cmd_vcpupin,
    ),
    Cmd(
        "emulatorpin",
        "domain",
        "control or query domain emulator affinity",
        "Pin domain emulator threads to host physical CPUs.",
        (dom_opt(), _CPULIST, *_PIN_IMPACT),
        cmd_emulatorpin,
    ),
]
