"""The command table: virsh's groups in virsh's order, and every command pyvirsh implements.

Commands are declared as data next to their handlers (``commands/*.py``); this module only
collects them, so parsing needs no connection and no driver.
"""

from __future__ import annotations

from functools import cache

from pyvirt.cli._parser import Cmd

#: (keyword, title) in virsh's order; only groups with pyvirsh commands are listed.
GROUPS: tuple[tuple[str, str], ...] = (
    ("domain", "Domain Management"),
    ("monitor", "Domain Monitoring"),
    ("events", "Domain Events"),
    ("host", "Host and Hypervisor"),
    ("network", "Networking"),
    ("pool", "Storage Pool"),
    ("volume", "Storage Volume"),
    ("virsh", "Virsh itself"),
)


@cache
def commands() -> dict[str, Cmd]:
    """All commands by name, in virsh's listing order within each group."""
    from pyvirt.cli.commands import domain, events, host, monitor, network, storage, virsh

    table: dict[str, Cmd] = {}
    for module in (domain, monitor, events, host, network, storage, virsh):
        for cmd in module.COMMANDS:
            table[cmd.name] = cmd
    return table


def lookup(name: str) -> Cmd | None:
    return commands().get(name)


def group_commands(keyword: str) -> list[Cmd]:
    return [c for c in commands().values() if c.group == keyword]
