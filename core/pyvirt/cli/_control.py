"""The running CLI's state (virsh's vshControl): options, output, the lazy connection.

Commands report failures by raising :class:`Failure`: its lines are virsh's own context
messages, and ``cause`` is the libvirt-style error printed after them (virsh's "last error").
"""

from __future__ import annotations

import os
import sys

# Not typing.TYPE_CHECKING: importing typing costs more than pyvirsh's own start-up.
TYPE_CHECKING = False

if TYPE_CHECKING:
    from typing import TextIO

    from pyvirt import Connection


class Failure(Exception):
    """A command failed: print ``error: <line>`` for each line, then the cause if any."""

    def __init__(self, *lines: str, cause: BaseException | None = None) -> None:
        super().__init__(*lines)
        self.lines = lines
        self.cause = cause

    def report(self, ctl: Control) -> None:
        """Say it as virsh does: each line, then the cause."""
        for line in self.lines:
            ctl.error(line)
        if self.cause is not None:
            ctl.error(str(self.cause))


#: virsh's log levels (vshErrorLevel): ``-d N`` shows messages of level N and above
DEBUG, INFO, NOTICE, WARNING, ERROR = range(5)
_LEVEL_NAMES = ("DEBUG", "INFO", "NOTICE", "WARNING", "ERROR")


class Control:
    """Global options and the connection, shared by every command of one run."""

    def __init__(self) -> None:
        self.uri: str | None = None  # -c; opened eagerly, as virsh does
        self.readonly = False
        self.quiet = False
        self.timing = False
        self.debug = ERROR
        self.logfile: str | None = None
        self._log: TextIO | None = None
        self.prog = "pyvirsh"
        self.imode = False
        self.escape = "^]"  # -e: the console's escape sequence
        self.out: TextIO = sys.stdout
        self.err: TextIO = sys.stderr
        self._conn: Connection | None = None
        self.disconnected = 0
        self.keepalive_interval = 5
        self.keepalive_count = 6
        self.keepalive_forced = False

    # -- output ---------------------------------------------------------------------------
    def print(self, text: str) -> None:
        self.out.write(text)

    def print_extra(self, text: str) -> None:
        """Output that ``-q`` suppresses (messages, headers, blank lines), as vshPrintExtra."""
        if not self.quiet:
            self.out.write(text)

    def error(self, text: str) -> None:
        """vshError: ``error: TEXT`` on stderr, and an ERROR line in the ``-l`` log."""
        self.out.flush()
        self.err.write(f"error: {text}\n")
        self.err.flush()
        self._write_log(ERROR, text)

    # -- logging (virsh's -d LEVEL and -l FILE) --------------------------------------------
    def open_log(self, path: str) -> bool:
        """Open the ``-l`` file for appending, as vshOpenLogFile (created mode 0600)."""
        try:
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        except OSError:
            return False
        self.logfile = path
        self._log = open(fd, "a", encoding="utf-8", errors="surrogateescape")
        return True

    def log(self, level: int, text: str) -> None:
        """vshDebug: a message of *level* shown when ``-d`` allows it, on stdout and in the
        ``-l`` file, e.g. ``commands: "list"`` (INFO) or ``<domain> trying as domain NAME``
        (DEBUG)."""
        if level < self.debug:
            return
        self._write_log(level, text)
        self.out.write(text + "\n")

    def _write_log(self, level: int, text: str) -> None:
        """One line of virsh's log format: ``[2026.12.05 05:54:29 virsh 7098] INFO text``."""
        if self._log is None:
            return
        import time

        stamp = time.strftime("%Y.%m.%d %H:%M:%S")
        try:
            self._log.write(f"[{stamp} {self.prog} {os.getpid()}] {_LEVEL_NAMES[level]} {text}\n")
            self._log.flush()
        except OSError:
            pass

    # -- connection -----------------------------------------------------------------------
    def connect(self) -> None:
        """Open the connection, reporting failure as virsh does; raises Failure on error."""
        import pyvirt

        try:
            uri = self.uri or os.environ.get("VIRSH_DEFAULT_CONNECT_URI") or None
            self._conn = pyvirt.open(uri, read_only=self.readonly, auth=_ask_credentials)
        except pyvirt.VirtError as e:
            self._conn = None
            first = (
                "Failed to reconnect to the hypervisor"
                if self.disconnected
                else "failed to connect to the hypervisor"
            )
            raise Failure(first, cause=e) from None
        if self.keepalive_interval > 0:
            self._set_keepalive()
        self.disconnected = 0

    def _set_keepalive(self) -> None:
        """As virsh: keepalive is always asked for; a driver that refuses it (libvirt's test
        driver, every local one) only matters when -k/-K asked for it explicitly, and then
        virsh disconnects."""
        import pyvirt

        assert self._conn is not None
        try:
            self._conn.set_keepalive(self.keepalive_interval, self.keepalive_count)
        except pyvirt.VirtError as error:
            if not self.keepalive_forced:
                self.log(INFO, "Failed to setup keepalive on connection")
                return
            self.error("Cannot setup keepalive on connection as requested, disconnecting")
            self.close()
            raise Failure("failed to connect to the hypervisor", cause=error) from None

    @property
    def conn(self) -> Connection:
        if self._conn is None:
            self.connect()
        assert self._conn is not None
        return self._conn

    def close(self) -> None:
        """Close the connection (the ``-l`` log stays open: see :meth:`close_log`)."""
        if self._conn is not None:
            try:
                self._conn.close()
            except Exception:
                pass
            self._conn = None

    def close_log(self) -> None:
        """Close the ``-l`` log when pyvirsh exits, as virsh does: errors after a connection
        was closed (a refused keepalive, a reconnect) still belong in it."""
        if self._log is not None:
            self._log.close()
            self._log = None


def _ask_credentials(requests: list[tuple[int, str]]) -> list[str]:
    """The auth callback pyvirsh passes (virsh's prompt), loaded only when a daemon asks."""
    from pyvirt.cli._auth_prompt import prompt_credentials

    return prompt_credentials(requests)
