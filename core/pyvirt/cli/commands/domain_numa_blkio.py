"""virsh's ``numatune`` and ``blkiotune``: a domain's NUMA memory placement and block I/O
weights, with virsh 9.0's option parsing, messages and ``%-15s: %s`` listing
(virsh-domain.c).  The shared pieces (impact flags, the listing) are domain_tune's.
"""

from __future__ import annotations

from pyvirt.cli._control import Control, Failure
from pyvirt.cli._format import to_int
from pyvirt.cli._parser import Cmd, Opt, Parsed, T
from pyvirt.cli.commands._common import dom_opt, domain, opt_int, string_req
from pyvirt.cli.commands.domain_tune import IMPACT_OPTS, impact_flags, print_params, set_or_get

#: VIR_DOMAIN_NUMATUNE_MEM_*, by number.
_NUMA_MODES = ("strict", "preferred", "interleave", "restrictive")


# -- numatune ------------------------------------------------------------------------------
def cmd_numatune(ctl: Control, p: Parsed) -> bool:
    from pyvirt import TypedParameterType, typed_param

    flags = impact_flags(p)
    dom, _ = domain(ctl, p)
    params = []
    nodeset = string_req(p, "nodeset")
    if nodeset is not None:
        params.append(typed_param("numa_nodeset", TypedParameterType.STRING, nodeset))
    mode = string_req(p, "mode")
    if mode is not None:
        number = _NUMA_MODES.index(mode) if mode in _NUMA_MODES else to_int(mode, base=0)
        if number is None:
            raise Failure(f"Invalid mode: {mode}")
        params.append(typed_param("numa_mode", TypedParameterType.INT, number))
    current = set_or_get(
        params,
        ("Unable to change numa parameters", lambda ps: dom.set_numa_parameters(ps, flags)),
        ("Unable to get numa parameters", lambda: dom.numa_parameter_list(flags)),
    )
    for param in current or []:
        if param.field == "numa_mode" and param.type == TypedParameterType.INT:
            value = param.value
            name = _NUMA_MODES[value] if isinstance(value, int) and 0 <= value < 4 else "(null)"
            ctl.print(f"{param.field:<15}: {name}\n")
        else:
            print_params(ctl, [param])
    return True


# -- blkiotune -----------------------------------------------------------------------------
#: (option, typed-parameter field) of the per-device lists, in the order virsh reads them.
_DEVICE_LISTS = (
    ("device-weights", "device_weight"),
    ("device-read-iops-sec", "device_read_iops_sec"),
    ("device-write-iops-sec", "device_write_iops_sec"),
    ("device-read-bytes-sec", "device_read_bytes_sec"),
    ("device-write-bytes-sec", "device_write_bytes_sec"),
)


def cmd_blkiotune(ctl: Control, p: Parsed) -> bool:
    from pyvirt import TypedParameterType, typed_param

    flags = impact_flags(p)
    dom, _ = domain(ctl, p)
    params = []
    weight = opt_int(p, "weight")
    if weight is not None:
        if weight <= 0:
            raise Failure(f"Invalid value of {weight} for I/O weight")
        params.append(typed_param("weight", TypedParameterType.UINT, weight))
    for option, field in _DEVICE_LISTS:
        text = p.str(option)
        if text == "":
            raise Failure("Unable to parse string parameter")
        if text is not None:
            params.append(typed_param(field, TypedParameterType.STRING, text))
    current = set_or_get(
        params,
        ("Unable to change blkio parameters", lambda ps: dom.set_blkio_parameters(ps, flags)),
        ("Unable to get blkio parameters", lambda: dom.blkio_parameter_list(flags)),
        counted=True,
        flags=flags,
    )
    if current is not None:
        print_params(ctl, current)
    return True


_DEVICE_HELP = (
    "per-device IO Weights, in the form of /path/to/device,weight,...",
    "per-device read I/O limit per second, in the form of /path/to/device,read_iops_sec,...",
    "per-device write I/O limit per second, in the form of /path/to/device,write_iops_sec,...",
    "per-device bytes read per second, in the form of /path/to/device,read_bytes_sec,...",
    "per-device bytes wrote per second, in the form of /path/to/device,write_bytes_sec,...",
)

COMMANDS = [
    Cmd(
        "blkiotune",
        "domain",
        "Get or set blkio parameters",
        "Get or set the current blkio parameters for a guest domain.\n"
        "    To get the blkio parameters use following command: \n\n"
        "    virsh # blkiotune <domain>",
        (
            dom_opt(),
            Opt("weight", T.INT, "IO Weight"),
            *(
                Opt(option, T.STRING, help)
                for (option, _field), help in zip(_DEVICE_LISTS, _DEVICE_HELP, strict=True)
            ),
            *IMPACT_OPTS,
        ),
        cmd_blkiotune,
    ),
    Cmd(
        "numatune",
        "domain",
        "Get or set numa parameters",
        "Get or set the current numa parameters for a guest domain.\n"
        "    To get the numa parameters use following command: \n\n"
        "    virsh # numatune <domain>",
        (
            dom_opt(),
            Opt(
                "mode",
                T.STRING,
                "NUMA mode, one of strict, preferred and interleave \n"
                "or a number from the virDomainNumatuneMemMode enum",
            ),
            Opt("nodeset", T.STRING, "NUMA node selections to set"),
            *IMPACT_OPTS,
        ),
        cmd_numatune,
    ),
]
