"""Join tokens (Incus-style trust tokens): one-time, expiring, pinning the server's CA.

``pyvirt-pki token`` on the server files a token (id, secret, expiry, the name the client
certificate will carry) in the tokens file beside the CA key, and prints it for the client
as one string: base64url of JSON with the id, the secret, the CA certificate's SHA-256
fingerprint, the expiry and the server's addresses.  ``pyvirt-pki join`` proves it knows
the secret without sending it: an HMAC over the request and over the server certificate it
saw in the TLS handshake (:func:`request_mac`), so a request relayed by someone in the
middle, whose certificate the client saw instead, does not verify.  The server consumes the
token at the first request that verifies: a second use, or a use after expiry, is refused.
"""

from __future__ import annotations

import base64
import binascii
import fcntl
import hashlib
import hmac
import json
import os
import secrets
import time

from pyvirt._codes import ErrorCode, ErrorDomain
from pyvirt._errors import VirtError, make_error
from pyvirt._record import record


@record
class Token:
    id: str
    secret: str  # hex
    ca: str  # SHA-256 fingerprint (hex) of the CA certificate's DER form
    name: str  # the client certificate's common name
    expires: int  # Unix time
    addresses: tuple[str, ...] = ()


class TokenError(ValueError):
    """A token string that is not one of ours."""


def encode_token(token: Token) -> str:
    data = {
        "id": token.id,
        "secret": token.secret,
        "ca": token.ca,
        "name": token.name,
        "expires": token.expires,
        "addresses": list(token.addresses),
    }
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(text: str) -> Token:
    try:
        raw = base64.urlsafe_b64decode(text.strip() + "=" * (-len(text.strip()) % 4))
        data = json.loads(raw)
        return Token(
            str(data["id"]),
            str(data["secret"]),
            str(data["ca"]),
            str(data["name"]),
            int(data["expires"]),
            tuple(str(a) for a in data.get("addresses", [])),
        )
    except (binascii.Error, ValueError, KeyError, TypeError, AttributeError):
        raise TokenError("not a pyvirt-pki join token") from None


def request_mac(secret: str, csr_pem: bytes, server_cert_sha256: str) -> bytes:
    """What proves the joining client holds the token: HMAC-SHA256 keyed by its secret over
    the request (the CSR) and the server certificate the client saw."""
    message = b"pyvirt-join\0" + csr_pem + b"\0" + server_cert_sha256.encode()
    return hmac.new(bytes.fromhex(secret), message, hashlib.sha256).digest()


def _refused(detail: str) -> VirtError:
    return make_error(ErrorCode.AUTH_FAILED, ErrorDomain.RPC, detail)


class TokenStore:
    """The server's tokens file (JSON, mode 0600), read and written under an exclusive lock."""

    def __init__(self, path: str) -> None:
        self.path = path

    def _locked(self) -> int:
        os.makedirs(os.path.dirname(self.path) or ".", exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        return fd

    @staticmethod
    def _load(fd: int) -> dict[str, dict[str, object]]:
        os.lseek(fd, 0, os.SEEK_SET)
        chunks = []
        while chunk := os.read(fd, 65536):
            chunks.append(chunk)
        text = b"".join(chunks)
        if not text.strip():
            return {}
        try:
            data = json.loads(text)
        except ValueError:
            raise _refused("the join tokens file is corrupt") from None
        return data if isinstance(data, dict) else {}

    @staticmethod
    def _save(fd: int, data: dict[str, dict[str, object]]) -> None:
        raw = json.dumps(data, indent=1, sort_keys=True).encode()
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, raw)

    def add(self, ca: str, name: str, ttl: int, addresses: tuple[str, ...]) -> Token:
        """File a new token valid for *ttl* seconds; expired ones are dropped meanwhile."""
        token = Token(
            secrets.token_hex(8),
            secrets.token_hex(32),
            ca,
            name,
            int(time.time()) + ttl,
            addresses,
        )
        fd = self._locked()
        try:
            data = self._load(fd)
            now = time.time()
            data = {k: v for k, v in data.items() if int(v.get("expires", 0)) > now}  # type: ignore[call-overload]
            data[token.id] = {"secret": token.secret, "name": name, "expires": token.expires}
            self._save(fd, data)
        finally:
            os.close(fd)
        return token

    def consume(self, token_id: str, csr_pem: bytes, mac: bytes, server_cert_sha256: str) -> str:
        """Check a join request against its token and use the token up; the client
        certificate's name.  VIR_ERR_AUTH_FAILED saying why when refused (unknown, used or
        expired token, or a MAC that does not verify - which leaves the token usable)."""
        fd = self._locked()
        try:
            data = self._load(fd)
            entry = data.get(token_id)
            if entry is None:
                raise _refused("unknown join token (never issued, or already used)")
            if entry.get("used"):
                raise _refused("join token already used")
            if int(entry["expires"]) <= time.time():  # type: ignore[call-overload]
                del data[token_id]
                self._save(fd, data)
                raise _refused("join token expired")
            expected = request_mac(str(entry["secret"]), csr_pem, server_cert_sha256)
            if not hmac.compare_digest(expected, mac):
                raise _refused("join token does not verify (wrong secret or a relayed request)")
            entry["used"] = True
            entry["secret"] = ""
            self._save(fd, data)
            return str(entry["name"])
        finally:
            os.close(fd)
