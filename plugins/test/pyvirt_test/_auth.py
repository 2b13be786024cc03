"""Credential checks for node files with ``<auth>``: libvirt's test driver asks the client's
credential callback for a username, then that user's password, and compares them with the
file.  The callback receives ``[(credential type, prompt)]`` and returns the answers."""

from __future__ import annotations

from pyvirt import ErrorCode, ErrorDomain, make_error
from pyvirt.driver import AuthCallback

CRED_AUTHNAME = 2
CRED_PASSPHRASE = 5


def _ask(auth: AuthCallback, cred: int, prompt: str, what: str) -> str:
    try:
        answers = auth([(cred, prompt)])
    except Exception:  # noqa: BLE001 - any failure of the caller's callback is a refusal
        answers = []
    if not answers or answers[0] is None:
        raise make_error(ErrorCode.AUTH_FAILED, ErrorDomain.AUTH, f"{what} request failed")
    return str(answers[0])


def authenticate(users: dict[str, str | None], auth: AuthCallback | None) -> None:
    """Raise unless the callback names a user from *users* with the right password."""
    if auth is None:
        raise make_error(
            ErrorCode.INVALID_ARG, ErrorDomain.AUTH, "Missing authentication credentials"
        )
    username = _ask(auth, CRED_AUTHNAME, "Enter username for localhost", "Username")
    known = username in users
    expected = users.get(username)
    if not known or expected is not None:
        password = _ask(
            auth, CRED_PASSPHRASE, f"Enter {username}'s password for localhost", "Password"
        )
        if known and password == expected:
            return
        raise make_error(
            ErrorCode.AUTH_FAILED,
            ErrorDomain.TEST,
            "authentication failed, see test XML for the correct username/password",
        )
