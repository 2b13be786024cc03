"""Connections that have not proven themselves yet: counted, capped and timed out.

libvirt's ``max_anonymous_clients`` caps the clients that have not authenticated, and when
the cap is reached libvirtd stops accepting connections until one of them finishes: 20 idle
connections on libvirtd 9.0's read-only socket lock out every client for as long as they stay
open.  pyvirtd counts the same connections (on the daemon: those that have neither
authenticated nor, on a socket without authentication, made their first call; on a worker:
those without an open session) but never stops accepting:

* a connection pending longer than ``auth_timeout`` is dropped;
* past the cap, the oldest pending connection that has had its grace (one second, or the
  timeout if shorter) is dropped to make room.  A real client finishes its handshake in a few
  round trips, well inside the grace, so a burst of genuine clients all get in, while idle
  ones only ever push each other out.

The owner (the daemon or a worker) feeds this book from its loop and drops what it is told to.
"""

from __future__ import annotations

import time

GRACE = 1.0


class PendingConnections:
    """Accept time of each connection still in its handshake, oldest first."""

    def __init__(self, limit: int, timeout: float) -> None:
        self.limit = limit
        self.timeout = timeout
        self.grace = min(GRACE, timeout)
        self._since: dict[bytes, float] = {}  # insertion order = age order

    def __len__(self) -> int:
        return len(self._since)

    def __contains__(self, ident: bytes) -> bool:
        return ident in self._since

    def add(self, ident: bytes, now: float | None = None) -> list[bytes]:
        """Start *ident*'s clock; return the connections to drop to stay within the cap."""
        now = time.monotonic() if now is None else now
        self._since[ident] = now
        evict: list[bytes] = []
        for old, since in self._since.items():
            if not self.limit:
                break  # 0: no cap, as libvirt's max_anonymous_clients = 0
            if len(self._since) - len(evict) <= self.limit or now - since < self.grace:
                break  # within the cap, or the oldest left is still in its grace
            evict.append(old)
        for old in evict:
            del self._since[old]
        return evict

    def done(self, ident: bytes) -> None:
        """*ident* finished its handshake (or is gone)."""
        self._since.pop(ident, None)

    def expired(self, now: float | None = None) -> list[bytes]:
        """Remove and return the connections pending longer than the timeout."""
        now = time.monotonic() if now is None else now
        out: list[bytes] = []
        for ident, since in self._since.items():
            if now - since < self.timeout:
                break
            out.append(ident)
        for ident in out:
            del self._since[ident]
        return out
