"""Shell completion: virsh's hidden ``complete`` command, and ``completion`` printing the scripts.

Both are hidden from ``help`` listings (``help complete`` still answers, as in virsh), so the
listings stay virsh's.  The scripts (``pyvirt/cli/shells``) only pass the words typed so far
to ``pyvirsh complete --``; the candidates come from the command tables and the connection
(``pyvirt.cli._complete``).
"""

from __future__ import annotations

from pyvirt.cli._control import Control, Failure
from pyvirt.cli._parser import Cmd, Opt, Parsed, T

# Not typing.TYPE_CHECKING: importing typing costs more than pyvirsh's own start-up.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyvirt import Connection

#: shell name -> the script's file in pyvirt/cli/shells
SCRIPTS = {"bash": "pyvirsh.bash", "zsh": "pyvirsh.zsh"}


def cmd_complete(ctl: Control, p: Parsed) -> bool:
    from pyvirt.cli._complete import candidates

    def connection() -> Connection | None:
        try:
            return ctl.conn
        except Failure:  # completion prints candidates or nothing, never an error
            return None

    words: list[str] = p.values.get("string", [])
    if not words:
        return False  # virsh completes nothing without a word
    found = candidates(" ".join(words), words[-1], connection, ctl.error)
    for name in found:
        ctl.print(name + "\n")
    return bool(found)


def cmd_completion(ctl: Control, p: Parsed) -> bool:
    from pathlib import Path

    shell = p.str("shell") or ""
    script = SCRIPTS.get(shell)
    if script is None:
        raise Failure(f"unsupported shell '{shell}': expected one of {', '.join(SCRIPTS)}")
    ctl.print((Path(__file__).parent.parent / "shells" / script).read_text(encoding="utf-8"))
    return True


COMMANDS = [
    Cmd(
        "complete",
        "",
        "internal command for autocompletion",
        "internal use only",
        (Opt("string", T.ARGV, "partial string to autocomplete"),),
        cmd_complete,
        noconnect=True,
    ),
    Cmd(
        "completion",
        "",
        "print a shell completion script for pyvirsh",
        "Prints the bash or zsh script that completes pyvirsh's commands, options and the\n"
        "    names of domains, networks, pools and volumes; see the script's first lines for\n"
        "    where to install it.",
        (Opt("shell", T.DATA, "bash or zsh", req=True),),
        cmd_completion,
        noconnect=True,
    ),
]
