"""SCRAM-SHA-256 authentication: the credentials file, and one exchange on the daemon's side.

libvirt authenticates tcp clients with SASL (usually SCRAM-SHA-256 or GSSAPI) against a
``saslpasswd2`` database.  pyvirtd speaks the SCRAM-SHA-256 mechanism itself (RFC 7677, with
the ``scramp`` library) against a file of *salted verifiers* that ``pyvirt-passwd`` manages:
per user the salt, iteration count, StoredKey and ServerKey, from which the server can check
a proof but never recover the password, and the password never crosses the wire (the client
sends a proof bound to both sides' nonces).

The exchange takes two round trips on the daemon's control socket, before ROUTE (program
DAEMON, ``AUTH_SCRAM_START`` then ``AUTH_SCRAM_FINISH``; docs/protocol.md).  A failure, for an
unknown user and a wrong password alike, is libvirt's "authentication failed: authentication
failed": an unknown user gets a made-up verifier, so the answers do not tell which it was.

File format: one user per line, ``name:SCRAM-SHA-256:iterations:salt:stored_key:server_key``
(base64), ``#`` comments; written mode 0600, replaced atomically.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
import tempfile
from dataclasses import dataclass

from pyvirt import ErrorCode, ErrorDomain, VirtError, make_error

MECHANISM = "SCRAM-SHA-256"
#: RFC 7677 asks for at least 4096; more costs every login that much more CPU.
ITERATIONS = 4096


class CredentialsError(Exception):
    """The credentials file is unreadable or malformed (the message names the line)."""


@dataclass(frozen=True)
class Verifier:
    """What the server keeps of a password: enough to check a SCRAM proof, never to log in."""

    salt: bytes
    stored_key: bytes
    server_key: bytes
    iterations: int

    def line(self, user: str) -> str:
        parts = [base64.b64encode(v).decode() for v in (self.salt, self.stored_key, self.server_key)]
        return f"{user}:{MECHANISM}:{self.iterations}:{':'.join(parts)}"


def make_verifier(password: str, iterations: int = ITERATIONS) -> Verifier:
    from scramp import ScramMechanism

    salt, stored, server, count = ScramMechanism(MECHANISM).make_auth_info(
        password, iteration_count=iterations
    )
    return Verifier(salt, stored, server, count)


def check_user_name(user: str) -> None:
    """A user name the file (and SCRAM's ``n=`` attribute, after SASLprep) can hold."""
    if not user or ":" in user or any(c in user for c in "\n\r#") or user != user.strip():
        raise CredentialsError(f"invalid user name {user!r}: no ':', '#', line breaks or edge spaces")


def parse_credentials(text: str, origin: str) -> dict[str, Verifier]:
    users: dict[str, Verifier] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(":")
        if len(parts) != 6 or parts[1] != MECHANISM:
            raise CredentialsError(f"{origin}:{number}: not a {MECHANISM} verifier line")
        try:
            iterations = int(parts[2])
            salt, stored, server = (base64.b64decode(p, validate=True) for p in parts[3:])
        except (ValueError, binascii.Error):
            raise CredentialsError(f"{origin}:{number}: malformed verifier") from None
        if iterations < 1:
            raise CredentialsError(f"{origin}:{number}: iteration count must be positive")
        users[parts[0]] = Verifier(salt, stored, server, iterations)
    return users


def load_credentials(path: str) -> dict[str, Verifier]:
    """The users of the credentials file at *path* (none if it does not exist)."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise CredentialsError(f"cannot read {path}: {exc}") from None
    return parse_credentials(text, path)


def save_credentials(path: str, users: dict[str, Verifier]) -> None:
    """Write *users* to *path*: readable by its owner only, replaced in one rename."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, mode=0o755, exist_ok=True)
    body = "# pyvirt SCRAM credentials: managed by pyvirt-passwd (salted verifiers only)\n"
    body += "".join(v.line(u) + "\n" for u, v in sorted(users.items()))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".passwd.")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(body)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def auth_failed() -> VirtError:
    """libvirt's answer to a wrong user name or password."""
    return make_error(ErrorCode.AUTH_FAILED, ErrorDomain.RPC, "authentication failed")


def auth_required() -> VirtError:
    """libvirt's answer to a call before authentication (VIR_ERR_RPC, so that old clients
    that know no AUTH_FAILED still show it)."""
    return make_error(ErrorCode.RPC, ErrorDomain.RPC, "authentication required")


class ScramExchange:
    """The server side of one SCRAM-SHA-256 login, step by step."""

    def __init__(self, users: dict[str, Verifier]) -> None:
        from scramp import ScramMechanism

        self.users = users
        self.user: str | None = None
        # An unknown user gets a fresh random verifier: the exchange runs to its end and
        # fails there, exactly as for a wrong password.
        self._decoy = Verifier(secrets.token_bytes(32), secrets.token_bytes(32),
                               secrets.token_bytes(32), ITERATIONS)
        self._server = ScramMechanism(MECHANISM).make_server(self._lookup)

    def _lookup(self, user: str) -> tuple[bytes, bytes, bytes, int]:
        self.user = user
        v = self.users.get(user, self._decoy)
        return v.salt, v.stored_key, v.server_key, v.iterations

    def start(self, client_first: str) -> str:
        """Take the client's first message; the server-first message (salt, nonce, count)."""
        from scramp import ScramException

        try:
            self._server.set_client_first(client_first)
            return str(self._server.get_server_first())
        except (ScramException, ValueError, TypeError, KeyError):
            raise auth_failed() from None

    def finish(self, client_final: str) -> tuple[str, str]:
        """Check the client's proof; (the user name, the server-final message) if it holds."""
        from scramp import ScramException

        try:
            self._server.set_client_final(client_final)
            server_final = str(self._server.get_server_final())
        except (ScramException, ValueError, TypeError, KeyError):
            raise auth_failed() from None
        if self.user is None or self.user not in self.users:
            raise auth_failed()
        return self.user, server_final
