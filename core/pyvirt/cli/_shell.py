"""The interactive shell: virsh's banner, ``virsh # `` prompt (``virsh > `` read-only) and loop.

When stdin is not a terminal virsh's readline still echoes each line after the prompt, so we
echo it too; that keeps piped sessions byte-identical.
"""

from __future__ import annotations

import sys

from pyvirt.cli._control import Control
from pyvirt.cli._parser import StringTokens


def _read(ctl: Control, prompt: str, tty: bool) -> str | None:
    if tty:
        try:
            import readline  # noqa: F401  (line editing and history, as virsh)
        except ImportError:
            pass
        try:
            return input(prompt)
        except EOFError:
            return None
    ctl.print(prompt)
    line = sys.stdin.readline()
    if not line:
        return None
    line = line.removesuffix("\n")
    ctl.print(line + "\n")
    return line


def shell(ctl: Control, prog: str) -> None:
    from pyvirt.cli._main import parse_commands, run_commands

    if not ctl.quiet:
        ctl.print(
            f"Welcome to {prog}, the virtualization interactive terminal.\n\n"
            "Type:  'help' for help with commands\n"
            "       'quit' to quit\n\n"
        )
    prompt = "virsh > " if ctl.readonly else "virsh # "
    tty = sys.stdin.isatty()
    while ctl.imode:
        ctl.out.flush()
        line = _read(ctl, prompt, tty)
        if line is None:
            break
        if line:
            cmds = parse_commands(ctl, StringTokens(line, ctl.error))
            if cmds:
                run_commands(ctl, cmds)
    ctl.print("\n")
