"""The worker's side of the login hand-over: the one-time tickets the daemon issues.

A client logs in once, on the daemon (pyvirtd._clients); the daemon then writes a
:class:`pyvirtd._control.WorkerTicket` to the worker's stdin and gives the same random ticket
to the client with its route.  The worker opens a session on a socket that requires a login
only for a ticket it holds, of that socket's kind, presented within ``auth_timeout``, once.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable

from pyvirtd._control import ControlError, ControlReader, ControlRecord, WorkerTicket

log = logging.getLogger("pyvirtd.worker")

Watch = Callable[[int, Callable[[], None]], None]
Unwatch = Callable[[int], None]


class TicketBook:
    """Tickets read from the daemon, each good for one CONNECT_OPEN until its deadline."""

    def __init__(self, lifetime: float) -> None:
        self.lifetime = lifetime
        self.tickets: dict[bytes, tuple[WorkerTicket, float]] = {}
        self.fd: int | None = None
        self.reader = ControlReader()
        self._unwatch: Unwatch | None = None
        #: Where the other records on the same pipe go (the admin server's requests).
        self.on_record: Callable[[ControlRecord], None] | None = None

    def watch(self, fd: int, watch: Watch, unwatch: Unwatch) -> None:
        """Read tickets from *fd* (the worker's stdin) whenever the loop sees it readable."""
        os.set_blocking(fd, False)
        self.fd = fd
        self._unwatch = unwatch
        watch(fd, self.read)

    def _stop(self, why: str | None) -> None:
        if why is not None:
            log.error("the daemon's ticket stream broke (%s): no more tickets", why)
        if self.fd is not None and self._unwatch is not None:
            self._unwatch(self.fd)
        self.fd = None

    def read(self) -> None:
        """Take every ticket waiting on the pipe (non-blocking)."""
        while self.fd is not None:
            try:
                chunk = os.read(self.fd, 65536)
            except BlockingIOError:
                return
            except OSError:
                chunk = b""
            if not chunk:  # the daemon is gone: the worker follows it (see serve)
                self._stop(None)
                return
            try:
                records = self.reader.feed(chunk)
            except ControlError as exc:
                self._stop(str(exc))
                return
            deadline = time.monotonic() + self.lifetime
            for record in records:
                if isinstance(record, WorkerTicket):
                    self.tickets[record.ticket] = (record, deadline)
                elif self.on_record is not None:
                    self.on_record(record)

    def take(self, ticket: bytes | None, kind: str) -> WorkerTicket | None:
        """The proof behind *ticket* for a socket of *kind*, used up; None if it is not one."""
        if ticket is None:
            return None
        if ticket not in self.tickets:
            self.read()  # written before the client got it: it may still be in the pipe
        granted = self.tickets.pop(ticket, None)
        if granted is None or granted[0].socket != kind or granted[1] < time.monotonic():
            return None
        return granted[0]

    def prune(self) -> None:
        """Forget tickets nobody presented in time."""
        if self.tickets:
            now = time.monotonic()
            self.tickets = {t: v for t, v in self.tickets.items() if v[1] > now}
