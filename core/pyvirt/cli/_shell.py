"""The interactive shell: virsh's banner, ``virsh # `` prompt (``virsh > `` read-only) and loop.

When stdin is not a terminal virsh's readline still echoes each line after the prompt, so we
echo it too; that keeps piped sessions byte-identical.

On a terminal, lines are read with readline, as virsh reads them: Tab completes commands,
options and object names (the same candidates as ``pyvirsh complete``), and the history is
kept between sessions in ``$XDG_STATE_HOME/pyvirsh/history`` (``~/.local/state/...``; virsh
keeps its own in ``~/.cache/virsh/history``), the last :data:`HISTORY_LENGTH` lines.
"""

from __future__ import annotations

import os
import sys

from pyvirt.cli._control import Control, Failure
from pyvirt.cli._parser import Parsed, StringTokens

# Not typing.TYPE_CHECKING: importing typing costs more than pyvirsh's own start-up.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

    from pyvirt import Connection

#: lines kept in the history file (virsh's default VIRSH_HISTSIZE)
HISTORY_LENGTH = 500


def history_path() -> str:
    """``$XDG_STATE_HOME/pyvirsh/history``; XDG's default state home when the variable is unset
    or not absolute (the XDG base directory rules)."""
    state = os.environ.get("XDG_STATE_HOME", "")
    if not os.path.isabs(state):
        state = os.path.join(os.path.expanduser("~"), ".local", "state")
    return os.path.join(state, "pyvirsh", "history")


class _Readline:
    """readline set up for one session: completion, and the history loaded now, saved at end."""

    def __init__(self, ctl: Control) -> None:
        import readline

        self.readline = readline
        self.ctl = ctl
        self.path = history_path()
        self._found: list[str] = []
        readline.set_history_length(HISTORY_LENGTH)
        try:
            readline.read_history_file(self.path)
        except OSError:
            pass  # first session, or unreadable: start empty as virsh does
        readline.set_completer_delims(" \t\n;")
        readline.set_completer(self._complete)
        readline.parse_and_bind("tab: complete")

    def _complete(self, text: str, state: int) -> str | None:
        if state == 0:
            from pyvirt.cli._complete import candidates

            line = self.readline.get_line_buffer()[: self.readline.get_endidx()]
            try:
                self._found = candidates(line, text, self._connection)
            except Exception:  # a completer must never break the line being edited
                self._found = []
        return self._found[state] if state < len(self._found) else None

    def _connection(self) -> Connection | None:
        try:
            return self.ctl.conn
        except Failure:
            return None

    def save(self) -> None:
        try:
            os.makedirs(os.path.dirname(self.path), mode=0o700, exist_ok=True)
            self.readline.write_history_file(self.path)
        except OSError as e:
            self.ctl.error(f"Failed to save history file: '{self.path}': {e.strerror}")


def _read(ctl: Control, prompt: str, tty: bool) -> str | None:
    if tty:
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


def shell(
    ctl: Control,
    prog: str,
    *,
    kind: str = "virtualization",
    prompt: str | None = None,
    parse: Callable[[Control, StringTokens], list[Parsed] | None] | None = None,
    complete: bool = True,
) -> None:
    """The loop.  pyvirt-admin runs it too, with virt-admin's banner (*kind* "administrating
    virtualization"), its own *prompt* and command table (*parse*), and no completion of
    object names (*complete*)."""
    from pyvirt.cli._main import parse_commands, run_commands

    parse = parse or parse_commands
    if not ctl.quiet:
        ctl.print(
            f"Welcome to {prog}, the {kind} interactive terminal.\n\n"
            "Type:  'help' for help with commands\n"
            "       'quit' to quit\n\n"
        )
    if prompt is None:
        prompt = "virsh > " if ctl.readonly else "virsh # "
    tty = sys.stdin.isatty()
    editing: _Readline | None = None
    if tty and complete:
        try:
            editing = _Readline(ctl)
        except ImportError:  # a Python built without readline: plain input()
            pass
    try:
        while ctl.imode:
            ctl.out.flush()
            line = _read(ctl, prompt, tty)
            if line is None:
                break
            if line:
                cmds = parse(ctl, StringTokens(line, ctl.error))
                if cmds:
                    run_commands(ctl, cmds)
    finally:
        if editing is not None:
            editing.save()
    ctl.print("\n")
