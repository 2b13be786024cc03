"""A client's open connection inside a worker: the driver connection plus what the RPC layer
needs to know about it (read-only or not, who the client is, where its events go, how many calls
it has running)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from pyvirt.acl import Identity
from pyvirt.driver import DriverConnection


@dataclass(eq=False)
class Session:
    conn: DriverConnection
    read_only: bool
    #: 128-bit secret naming the session, so a second socket (the client's event channel) can
    #: attach to it without any other client being able to.
    token: bytes = field(default_factory=lambda: secrets.token_bytes(16))
    inflight: int = 0
    event_peer: tuple[str, bytes] | None = None
    event_subscription: int | None = None
    event_seq: int = 0
    #: Who the client is (the kernel's credentials, what it proved to the daemon): what the
    #: access rules decide on (pyvirtd._guard).
    identity: Identity = field(default_factory=Identity)
    #: The client id the admin server names it by, and when it connected (seconds since the
    #: epoch); set by pyvirtd._worker_admin.
    id: int = 0
    since: int = 0
