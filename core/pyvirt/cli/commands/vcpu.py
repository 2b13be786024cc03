"""virsh's vCPU commands: ``vcpucount`` (all its option combinations and its table).

virsh 9.0's rules are kept: the old ``--current --live`` meaning ``--active --live`` is
translated first, then the exclusive pairs are checked in virsh's order; with no option the
four counts are asked, skipping live ones for an inactive domain and config ones for a
transient domain, and each found count prints as ``%-12s %-12s %3d``.
"""

from __future__ import annotations

from pyvirt.cli._control import Control, Failure
from pyvirt.cli._parser import Cmd, Opt, Parsed, T
from pyvirt.cli.commands._common import dom_opt, domain

_LIVE, _CONFIG, _MAXIMUM, _GUEST = 1, 2, 4, 8  # VIR_DOMAIN_AFFECT_*, VIR_DOMAIN_VCPU_*
_INVALID_ARG, _NO_SUPPORT = 8, 3  # virsh falls back (or, for --guest, gives up) on these


def _exclusive(given: dict[str, bool], a: str, b: str) -> None:
    if given[a] and given[b]:
        raise Failure(f"Options --{a} and --{b} are mutually exclusive")


def _count(dom: object, flags: int) -> int:
    """virshCPUCountCollect for one count (errors are reported as they come)."""
    from pyvirt import VirtError

    try:
        return dom.vcpus(flags)  # type: ignore[attr-defined,no-any-return]
    except VirtError as e:
        if flags & _GUEST and e.code in (_INVALID_ARG, _NO_SUPPORT):
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
]
