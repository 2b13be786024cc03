"""The daemon's book of its control-socket clients: who each is, and whether it may route.

A client on a socket whose ``auth_*`` setting is "scram" must finish a SCRAM-SHA-256 login
(pyvirtd._auth) before ROUTE; one on a socket without authentication is known by the kernel's
credentials at once.  Either way a connection is *pending* (pyvirtd._handshake) until it has
authenticated or made its first route, and dropped if it stays so.

The proof reaches the worker as a one-time ticket: when an authenticated client routes to a
socket that requires authentication, the daemon writes a :class:`pyvirtd._control.WorkerTicket`
(random, 256 bits, valid ``auth_timeout`` seconds, good for one CONNECT_OPEN) to that worker's
control pipe and gives the same ticket to the client with the route; the worker opens a
session on such a socket only for a ticket it holds.  So nothing reaches a driver without
having authenticated once, on the daemon.
"""

from __future__ import annotations

import dataclasses
import logging
import secrets
import socket
from dataclasses import dataclass
from typing import Any

from pyvirt import ErrorCode, ErrorDomain, VirtError, make_error
from pyvirt.acl import Identity

from pyvirtd._auth import (
    CredentialsError,
    ScramExchange,
    auth_failed,
    auth_required,
    load_credentials,
)
from pyvirtd._config import Config
from pyvirtd._control import WorkerTicket
from pyvirtd._handshake import PendingConnections
from pyvirtd._identity import peer_identity

log = logging.getLogger("pyvirtd.auth")

#: Failed logins after which a connection is dropped (a client may mistype; a guesser must
#: reconnect, and count against max_anonymous_clients, for every few guesses).
MAX_FAILURES = 3


@dataclass
class ClientState:
    identity: Identity
    authenticated: bool
    exchange: ScramExchange | None = None
    failures: int = 0


class DaemonClients:
    """Identity and authentication state of each connection on the daemon's sockets."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.clients: dict[bytes, ClientState] = {}
        self.pending = PendingConnections(config.max_anonymous_clients, config.auth_timeout)
        self.logins = 0
        self.failed_logins = 0

    def needs_auth(self, kind: str) -> bool:
        return self.config.auth_method(kind) != "none"

    # -- connections -------------------------------------------------------------------
    def accept(self, kind: str, ident: bytes, sock: socket.socket) -> list[bytes]:
        """A new connection: note who it is and start its clock; connections to drop."""
        identity = peer_identity(sock, kind)
        self.clients[ident] = ClientState(identity, authenticated=not self.needs_auth(kind))
        return self.pending.add(ident)

    def started(self, ident: bytes) -> None:
        """*ident* sent a message: still pending, but no longer idle."""
        self.pending.started(ident)

    def forget(self, ident: bytes) -> None:
        self.clients.pop(ident, None)
        self.pending.done(ident)

    def expired(self) -> list[bytes]:
        return self.pending.expired()

    # -- authentication ------------------------------------------------------------------
    def scram_start(self, ident: bytes, args: Any) -> str:
        """AUTH_SCRAM_START [mechanism, client-first] -> server-first."""
        state = self._state(ident)
        if not self.needs_auth(state.identity.socket):
            raise make_error(ErrorCode.AUTH_FAILED, ErrorDomain.RPC, "no authentication needed here")
        if state.authenticated:
            raise make_error(ErrorCode.AUTH_FAILED, ErrorDomain.RPC, "already authenticated")
        if (
            not isinstance(args, list)
            or len(args) != 2
            or args[0] != "SCRAM-SHA-256"
            or not isinstance(args[1], str)
        ):
            raise self._failed(state, ident, "malformed SCRAM start")
        try:
            users = load_credentials(self.config.credentials_path())
        except CredentialsError as exc:
            log.error("cannot authenticate: %s", exc)
            raise self._failed(state, ident, "credentials file unusable") from None
        state.exchange = ScramExchange(users)
        try:
            return state.exchange.start(args[1])
        except VirtError:
            raise self._failed(state, ident, "bad SCRAM client-first message") from None

    def scram_finish(self, ident: bytes, args: Any) -> str:
        """AUTH_SCRAM_FINISH [client-final] -> server-final; the client is then authenticated."""
        state = self._state(ident)
        exchange, state.exchange = state.exchange, None
        if exchange is None or state.authenticated:
            raise make_error(ErrorCode.AUTH_FAILED, ErrorDomain.RPC, "no SCRAM exchange started")
        if not isinstance(args, list) or len(args) != 1 or not isinstance(args[0], str):
            raise self._failed(state, ident, "malformed SCRAM finish")
        try:
            user, server_final = exchange.finish(args[0])
        except VirtError:
            raise self._failed(state, ident, f"wrong password for {exchange.user!r}") from None
        state.authenticated = True
        state.identity = dataclasses.replace(state.identity, scram_user=user)
        self.pending.done(ident)
        self.logins += 1
        log.info("authenticated %s", state.identity.describe())
        return server_final

    def _failed(self, state: ClientState, ident: bytes, why: str) -> VirtError:
        state.failures += 1
        self.failed_logins += 1
        log.warning("authentication failed (%s): %s", why, state.identity.describe())
        return auth_failed()

    def over_failures(self, ident: bytes) -> bool:
        state = self.clients.get(ident)
        return state is not None and state.failures >= MAX_FAILURES

    def _state(self, ident: bytes) -> ClientState:
        state = self.clients.get(ident)
        if state is None:  # never: every connection is accepted through accept()
            raise auth_required()
        return state

    # -- routing -------------------------------------------------------------------------
    def may_route(self, ident: bytes) -> None:
        """Refuse ROUTE before authentication; a route ends the handshake."""
        state = self._state(ident)
        if not state.authenticated:
            raise auth_required()
        self.pending.done(ident)

    def ticket(self, ident: bytes) -> WorkerTicket | None:
        """A one-time ticket for the worker, when the client's socket kind requires it."""
        state = self._state(ident)
        if not self.needs_auth(state.identity.socket):
            return None
        return WorkerTicket(
            ticket=secrets.token_bytes(32),
            socket=state.identity.socket,
            scram_user=state.identity.scram_user,
            x509_dn=state.identity.x509_dn,
        )
