"""virsh's commands on the number and state of vCPUs: ``maxvcpus`` (the connection's
limit), ``setvcpu`` (plug or unplug single vCPUs) and ``guestvcpus`` (the guest agent's view),
with virsh 9.0's option checks in its order and its messages (virsh-domain.c, virsh-host.c).
"""

from __future__ import annotations

from pyvirt.cli._control import Control, Failure
from pyvirt.cli._parser import Cmd, Opt, Parsed, T
from pyvirt.cli.commands._common import dom_opt, domain, exclusive, require, string_req
from pyvirt.cli.commands.domain_tune import IMPACT_OPTS, impact_flags, print_params


def cmd_maxvcpus(ctl: Control, p: Parsed) -> bool:
    kind = string_req(p, "type")
    # virsh asks the domain capabilities of the type first (the QEMU driver's machine limit,
    # <vcpu max='255'/>); without them (the test driver has none, or the type is not a
    # virt type) it falls back to virConnectGetMaxVcpus.
    vcpus = _domcaps_max_vcpus(ctl, kind)
    ctl.print(f"{ctl.conn.max_vcpus(kind) if vcpus is None else vcpus}\n")
    return True


def _domcaps_max_vcpus(ctl: Control, kind: str | None) -> int | None:
    """``/domainCapabilities/vcpu/@max`` for virt type *kind*, or None where the driver has
    no domain capabilities for it (virsh drops that error)."""
    from lxml import etree

    from pyvirt import VirtError

    try:
        caps = ctl.conn.domain_capabilities(None, None, None, kind)
    except VirtError:
        return None
    found = etree.fromstring(caps.encode()).xpath("string(./vcpu[1]/@max)")
    return int(found) if isinstance(found, str) and found.isdigit() else None


def cmd_setvcpu(ctl: Control, p: Parsed) -> bool:
    exclusive(p, "enable", "disable")
    flags = impact_flags(p)
    if not (p.bool("enable") or p.bool("disable")):
        raise Failure("one of --enable, --disable is required")
    vcpulist = string_req(p, "vcpulist")
    assert vcpulist is not None
    dom, _ = domain(ctl, p)
    dom.set_vcpu(vcpulist, int(p.bool("enable")), flags)
    return True


def cmd_guestvcpus(ctl: Control, p: Parsed) -> bool:
    enable, disable = p.bool("enable"), p.bool("disable")
    exclusive(p, "enable", "disable")
    require(p, "cpulist", "enable")
    require(p, "cpulist", "disable")
    cpulist = string_req(p, "cpulist")
    if cpulist is not None and not (enable or disable):
        raise Failure("One of options --enable or --disable is required by option --cpulist")
    dom, _ = domain(ctl, p)
    if cpulist is not None:
        dom.set_guest_vcpus(cpulist, int(enable))
        return True
    print_params(ctl, dom.guest_vcpu_list())
    return True


COMMANDS = [
    Cmd(
        "maxvcpus",
        "host",
        "connection vcpu maximum",
        "Show maximum number of virtual CPUs for guests on this connection.",
        (Opt("type", T.STRING, "domain type"),),
        cmd_maxvcpus,
    ),
    Cmd(
        "setvcpu",
        "domain",
        "attach/detach vcpu or groups of threads",
        "Add or remove vcpus",
        (
            dom_opt(),
            Opt("vcpulist", T.DATA, "ids of vcpus to manipulate", req=True),
            Opt("enable", T.BOOL, "enable cpus specified by cpumap"),
            Opt("disable", T.BOOL, "disable cpus specified by cpumap"),
            *IMPACT_OPTS,
        ),
        cmd_setvcpu,
    ),
    Cmd(
        "guestvcpus",
        "domain",
        "query or modify state of vcpu in the guest (via agent)",
        "Use the guest agent to query or set cpu state from guest's point of view",
        (
            dom_opt(),
            Opt("cpulist", T.STRING, "list of cpus to enable or disable"),
            Opt("enable", T.BOOL, "enable cpus specified by cpulist"),
            Opt("disable", T.BOOL, "disable cpus specified by cpulist"),
        ),
        cmd_guestvcpus,
    ),
]
