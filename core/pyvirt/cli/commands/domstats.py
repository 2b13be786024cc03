"""virsh's ``domstats``: every domain's statistics (or the named ones') in one call,
virConnectGetAllDomainStats or virDomainListGetStats, printed as virsh 9.0 prints them:
``Domain: 'NAME'`` then ``  field=value`` lines, a blank line between domains.  ``--raw``
changes nothing (virsh has no pretty-printing yet either)."""

from __future__ import annotations

from pyvirt.cli._control import Control
from pyvirt.cli._parser import Cmd, Opt, Parsed, T
from pyvirt.cli.commands._common import flag_bits, lookup_domain
from pyvirt.cli.commands.domain_info import typed_value_text

#: (option, VIR_DOMAIN_STATS_* bit, help) in virsh's order.
_GROUPS = (
    ("state", 1, "report domain state"),
    ("cpu-total", 2, "report domain physical cpu usage"),
    ("balloon", 4, "report domain balloon statistics"),
    ("vcpu", 8, "report domain virtual cpu information"),
    ("interface", 16, "report domain network interface information"),
    ("block", 32, "report domain block device statistics"),
    ("perf", 64, "report domain perf event statistics"),
    ("iothread", 128, "report domain IOThread information"),
    ("memory", 256, "report domain memory usage"),
    ("dirtyrate", 512, "report domain dirty rate information"),
    ("vm", 1024, "report hypervisor-specific statistics"),
)
#: (option, VIR_CONNECT_GET_ALL_DOMAINS_STATS_* bit, help) in virsh's order.
_FLAGS = (
    ("list-active", 1, "list only active domains"),
    ("list-inactive", 2, "list only inactive domains"),
    ("list-persistent", 4, "list only persistent domains"),
    ("list-transient", 8, "list only transient domains"),
    ("list-running", 16, "list only running domains"),
    ("list-paused", 32, "list only paused domains"),
    ("list-shutoff", 64, "list only shutoff domains"),
    ("list-other", 128, "list only domains in other states"),
    ("raw", 0, "do not pretty-print the fields"),
    ("enforce", 1 << 31, "enforce requested stats parameters"),
    ("backing", 1 << 30, "add backing chain information to block stats"),
    ("nowait", 1 << 29, "report only stats that are accessible instantly"),
)


def cmd_domstats(ctl: Control, p: Parsed) -> bool:
    stats = flag_bits(p, {name: bit for name, bit, _ in _GROUPS})
    flags = flag_bits(p, {name: bit for name, bit, _ in _FLAGS})
    names: list[str] = p.values.get("domain", [])
    if names:
        doms = [lookup_domain(ctl, name, p.cmd.name) for name in names]
        records = ctl.conn.domain_list_get_stats(doms, stats, flags)
    else:
        records = ctl.conn.get_all_domain_stats(stats, flags)
    blocks = []
    for dom, params in records:
        lines = [f"Domain: '{dom.name}'\n"]
        lines += [f"  {field}={typed_value_text(value)}\n" for field, value in params.items()]
        blocks.append("".join(lines))
    ctl.print("\n".join(blocks))
    return True


COMMANDS = [
    Cmd(
        "domstats",
        "monitor",
        "get statistics about one or multiple domains",
        "Gets statistics about one or more (or all) domains",
        (
            *(Opt(name, T.BOOL, help) for name, _, help in _GROUPS),
            *(Opt(name, T.BOOL, help) for name, _, help in _FLAGS),
            Opt("domain", T.ARGV, "list of domains to get stats for"),
        ),
        cmd_domstats,
    ),
]
