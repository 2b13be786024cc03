"""The interactive shell on a terminal: readline history kept in $XDG_STATE_HOME/pyvirsh/history
between sessions, and Tab completion of commands and names."""

from __future__ import annotations

import os
import pty
import select
import subprocess
from pathlib import Path

from cli_helpers import PYVIRSH, URI


class Terminal:
    """pyvirsh's shell on a pseudo-terminal, typed at as a user types."""

    def __init__(self, state_home: Path, *args: str) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYVIRT_")}
        env.update(XDG_STATE_HOME=str(state_home), TERM="dumb", LC_ALL="C")
        self.master, slave = pty.openpty()
        self.proc = subprocess.Popen(
            [PYVIRSH, *args], stdin=slave, stdout=slave, stderr=slave, env=env
        )
        os.close(slave)
        self.seen = b""

    def read_until(self, marker: bytes, timeout: float = 30) -> bytes:
        """Everything up to *marker* (the prompt), failing if it never comes."""
        while marker not in self.seen:
            ready, _, _ = select.select([self.master], [], [], timeout)
            assert ready, f"no {marker!r} after {self.seen!r}"
            try:
                chunk = os.read(self.master, 4096)
            except OSError:
                chunk = b""
            assert chunk, f"terminal closed before {marker!r}: {self.seen!r}"
            self.seen += chunk
        before, _, self.seen = self.seen.partition(marker)
        return before

    def type(self, keys: bytes) -> bytes:
        os.write(self.master, keys)
        return self.read_until(b"virsh # ")

    def quit(self) -> int:
        os.write(self.master, b"quit\n")
        code = self.proc.wait(timeout=30)
        os.close(self.master)
        return code


def test_history_is_saved_and_recalled_in_the_next_session(tmp_path: Path) -> None:
    term = Terminal(tmp_path, "-c", URI)
    term.read_until(b"virsh # ")
    term.type(b"uri\n")
    term.type(b"hostname\n")
    assert term.quit() == 0
    history = tmp_path / "pyvirsh" / "history"
    assert history.read_text().splitlines() == ["uri", "hostname", "quit"]
    assert oct(history.parent.stat().st_mode & 0o777) == "0o700"

    term = Terminal(tmp_path, "-c", URI)
    term.read_until(b"virsh # ")
    # Up three times: back to "uri", from the first session
    out = term.type(b"\x1b[A\x1b[A\x1b[A\n")
    assert b"test:///default" in out
    assert term.quit() == 0
    assert history.read_text().splitlines() == ["uri", "hostname", "quit", "uri", "quit"]


def test_a_state_home_that_is_not_absolute_falls_back_to_the_xdg_default(tmp_path: Path) -> None:
    from pyvirt.cli._shell import history_path

    env = dict(os.environ)
    try:
        os.environ["XDG_STATE_HOME"] = "relative/dir"
        os.environ["HOME"] = str(tmp_path)
        assert history_path() == str(tmp_path / ".local/state/pyvirsh/history")
    finally:
        os.environ.clear()
        os.environ.update(env)


def test_an_unwritable_history_is_reported_not_fatal(tmp_path: Path) -> None:
    (tmp_path / "pyvirsh").write_text("a file where the directory should be")
    term = Terminal(tmp_path, "-c", URI)
    term.read_until(b"virsh # ")
    term.type(b"uri\n")
    os.write(term.master, b"quit\n")
    rest = b""
    while True:
        try:
            chunk = os.read(term.master, 4096)
        except OSError:
            break
        if not chunk:
            break
        rest += chunk
    assert term.proc.wait(timeout=30) == 0
    assert b"error: Failed to save history file: '" in term.seen + rest


def test_tab_completes_commands_and_domain_names(tmp_path: Path) -> None:
    term = Terminal(tmp_path, "-c", URI)
    term.read_until(b"virsh # ")
    out = term.type(b"dominf\t te\t\n")
    assert b"dominfo test" in out and b"Name:           test" in out
    assert term.quit() == 0
