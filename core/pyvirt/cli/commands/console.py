"""virsh's ``console``: an interactive session on a running guest's serial console
(the terminal loop is :mod:`pyvirt.cli._console`)."""

from __future__ import annotations

import os

from pyvirt.cli._control import Control, Failure
from pyvirt.cli._parser import Cmd, Opt, Parsed, T
from pyvirt.cli.commands._common import dom_opt, domain

#: virDomainConsoleFlags
_CONSOLE_FORCE, _CONSOLE_SAFE = 1, 2


def cmd_console(ctl: Control, p: Parsed) -> bool:
    """virsh's cmdConsole: refuse a shut-off domain and a missing terminal, announce the
    escape character, then join the terminal to the console until it is typed."""
    from pyvirt.cli._console import escape_byte, run_console

    dom, name = domain(ctl, p)
    if not dom.is_active():
        raise Failure("The domain is not running")
    if not os.isatty(0):
        raise Failure("Cannot run interactive console without a controlling TTY")
    flags = (_CONSOLE_FORCE if p.bool("force") else 0) | (_CONSOLE_SAFE if p.bool("safe") else 0)
    ctl.print_extra(f"Connected to domain '{name}'\n")
    ctl.print_extra(f"Escape character is {ctl.escape}")
    if ctl.escape.startswith("^"):
        ctl.print_extra(f" (Ctrl + {ctl.escape[1]})")
    ctl.print_extra("\n")
    ctl.out.flush()
    fd = dom.open_console(p.str("devname") or None, flags)
    try:
        run_console(fd, escape_byte(ctl.escape))
    finally:
        os.close(fd)
    ctl.print("\n")
    return True


#: Declared in :mod:`pyvirt.cli.commands.domain`'s table (virsh lists it under Domain
#: Management, in alphabetical order).
CONSOLE = Cmd(
    "console",
    "domain",
    "connect to the guest console",
    "Connect the virtual serial console for the guest",
    (
        dom_opt(),
        Opt("devname", T.STRING, "character device name"),
        Opt("force", T.BOOL, "force console connection (disconnect already connected sessions)"),
        Opt("safe", T.BOOL, "only connect if safe console handling is supported"),
    ),
    cmd_console,
)
