"""virsh's "Virsh itself" commands that make sense for pyvirsh: help, quit, exit."""

from __future__ import annotations

from pyvirt.cli._control import Control, Failure
from pyvirt.cli._parser import Cmd, Opt, Parsed, T


def cmd_help(ctl: Control, p: Parsed) -> bool:
    from pyvirt.cli._help import command_help, global_help, group_help
    from pyvirt.cli._registry import lookup

    name = p.str("command")
    if not name:
        ctl.print(global_help())
        return True
    cmd = lookup(name)
    if cmd is not None:
        ctl.print(command_help(cmd))
        return True
    text = group_help(name)
    if text is None:
        raise Failure(f"command or command group '{name}' doesn't exist")
    ctl.print(text)
    return True


def cmd_quit(ctl: Control, p: Parsed) -> bool:
    ctl.imode = False
    return True


_HELP_DESC = "Prints global help, command specific help, or help for a\n    group of related commands"

COMMANDS = [
    Cmd("exit", "virsh", "quit this interactive terminal", None, (), cmd_quit, noconnect=True),
    Cmd(
        "help",
        "virsh",
        "print help",
        _HELP_DESC,
        (Opt("command", T.STRING, _HELP_DESC.replace("\n    ", " ")),),
        cmd_help,
        noconnect=True,
    ),
    Cmd("quit", "virsh", "quit this interactive terminal", None, (), cmd_quit, noconnect=True),
]
