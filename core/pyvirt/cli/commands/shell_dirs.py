"""virsh's directory commands of the shell, ``cd`` and ``pwd`` (group "Virsh itself"): they
need no connection; ``cd`` works only in the interactive shell, as virsh's does."""

from __future__ import annotations

import os

from pyvirt.cli._control import Control, Failure
from pyvirt.cli._parser import Cmd, Opt, Parsed, T


def cmd_cd(ctl: Control, p: Parsed) -> bool:
    if not ctl.imode:
        raise Failure("cd: command valid only in interactive mode")
    target = p.str("dir") or os.environ.get("HOME") or "/"
    try:
        os.chdir(target)
    except OSError as e:
        raise Failure(f"cd: {os.strerror(e.errno or 0)}: {target}") from None
    return True


def cmd_pwd(ctl: Control, p: Parsed) -> bool:
    ctl.print(os.getcwd() + "\n")
    return True


COMMANDS = [
    Cmd(
        "cd",
        "virsh",
        "change the current directory",
        "Change the current directory.",
        (Opt("dir", T.STRING, "directory to switch to (default: home or else root)"),),
        cmd_cd,
        noconnect=True,
    ),
    Cmd(
        "pwd",
        "virsh",
        "print the current directory",
        "Print the current directory.",
        (),
        cmd_pwd,
        noconnect=True,
    ),
]
