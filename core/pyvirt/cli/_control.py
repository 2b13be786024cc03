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


class Control:
    """Global options and the connection, shared by every command of one run."""

    def __init__(self) -> None:
        self.uri: str | None = None  # -c; opened eagerly, as virsh does
        self.readonly = False
        self.quiet = False
        self.timing = False
        self.debug = 4
        self.logfile: str | None = None
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
        self.out.flush()
        self.err.write(f"error: {text}\n")
        self.err.flush()
        if self.logfile:
            try:
                with open(self.logfile, "a", encoding="utf-8") as f:
                    f.write(f"error: {text}\n")
            except OSError:
                pass

    # -- connection -----------------------------------------------------------------------
    def connect(self) -> None:
        """Open the connection, reporting failure as virsh does; raises Failure on error."""
        import pyvirt

        try:
            uri = self.uri or os.environ.get("VIRSH_DEFAULT_CONNECT_URI") or None
            self._conn = pyvirt.open(uri, read_only=self.readonly)
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
        if self._conn is not None:
            try:
                self._conn.close()
            except Exception:
                pass
            self._conn = None
