"""Connections that have not proven themselves yet: counted, capped and timed out.

libvirt's ``max_anonymous_clients`` caps the clients that have not authenticated, and when
the cap is reached libvirtd stops accepting connections until one of them finishes: 20 idle
connections on libvirtd 9.0's read-only socket lock out every client for as long as they stay
open.  pyvirtd counts the same connections (on the daemon: those that have neither
authenticated nor, on a socket without authentication, made their first call; on a worker:
those without an open session) but never stops accepting:

* a connection pending longer than ``auth_timeout`` is dropped;
* past the cap, the oldest pending connection that has said nothing yet and has had its
  grace (one second, or the timeout if shorter) is dropped to make room.  A real client
  speaks at once and finishes its handshake in a few round trips, so a burst of genuine
  clients all get in, and one slowed down in mid-login is not pushed out, while idle
  connections only ever push each other out.

The owner (the daemon or a worker) feeds this book from its loop and drops what it is told to.
"""

from __future__ import annotations

import time

GRACE = 1.0


class PendingConnections:
    """Accept time of each connection still in its handshake, oldest first: those that
    have said nothing yet (*idle*) apart from those that have begun (*started*)."""

    def __init__(self, limit: int, timeout: float) -> None:
        self.limit = limit
        self.timeout = timeout
        self.grace = min(GRACE, timeout)
        # insertion order = age order
        self._idle: dict[bytes, float] = {}
        self._started: dict[bytes, float] = {}

    def __len__(self) -> int:
        return len(self._idle) + len(self._started)

    def __contains__(self, ident: bytes) -> bool:
        return ident in self._idle or ident in self._started

    def add(self, ident: bytes, now: float | None = None) -> list[bytes]:
        """Start *ident*'s clock; return the connections to drop to stay within the cap.

        Only connections that have said nothing are dropped for the cap: one that is in
        the middle of its login (a slow client, a loaded machine) is left to finish, and
        only the timeout ends it."""
        now = time.monotonic() if now is None else now
        self._idle[ident] = now
        evict: list[bytes] = []
        if self.limit:  # 0: no cap, as libvirt's max_anonymous_clients = 0
            for old, since in self._idle.items():
                if len(self) - len(evict) <= self.limit or now - since < self.grace:
                    break  # within the cap, or the oldest left is still in its grace
                evict.append(old)
        for old in evict:
            del self._idle[old]
        return evict

    def started(self, ident: bytes) -> None:
        """*ident* sent its first message: it keeps its clock, but the cap spares it."""
        since = self._idle.pop(ident, None)
        if since is not None:
            self._started[ident] = since

    def done(self, ident: bytes) -> None:
        """*ident* finished its handshake (or is gone)."""
        self._idle.pop(ident, None)
        self._started.pop(ident, None)

    def expired(self, now: float | None = None) -> list[bytes]:
        """Remove and return the connections pending longer than the timeout."""
        now = time.monotonic() if now is None else now
        out: list[bytes] = []
        for book in (self._idle, self._started):
            for ident, since in book.items():
                if now - since < self.timeout:
                    break
                out.append(ident)
        for ident in out:
            self.done(ident)
        return out
