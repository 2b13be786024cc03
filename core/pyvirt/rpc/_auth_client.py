"""The client's side of SCRAM-SHA-256: which credentials, and the messages of the exchange.

Credentials come as libvirt's remote driver gets them for SASL: first from an auth.conf
(``authfile=`` in the URI, else ``$LIBVIRT_AUTH_FILE``, ``$XDG_CONFIG_HOME/libvirt/auth.conf``,
``/etc/libvirt/auth.conf``; sections ``[auth-libvirt-HOST]`` or ``[auth-libvirt-default]``
naming a ``[credentials-NAME]`` with ``authname`` and ``password``), else from the caller's
auth callback (``pyvirt.open(uri, auth=...)``, libvirt-python's ``openAuth``, pyvirsh's
prompt), asked for VIR_CRED_AUTHNAME and VIR_CRED_PASSPHRASE.

The password never leaves this process: the server gets a proof bound to both nonces
(RFC 5802), and its own answer is checked too, so a server that does not know the verifier
cannot pretend it authenticated us.  Only imported when a daemon asks for authentication.
"""

from __future__ import annotations

import configparser
import os

from pyvirt._codes import ErrorCode, ErrorDomain
from pyvirt._errors import VirtError, make_error

# Not typing.TYPE_CHECKING (see pyvirt.rpc._async_client).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from scramp import ScramClient

    from pyvirt.driver import AuthCallback

MECHANISM = "SCRAM-SHA-256"
CRED_AUTHNAME = 2  # VIR_CRED_AUTHNAME
CRED_PASSPHRASE = 5  # VIR_CRED_PASSPHRASE
AUTHNAME_PROMPT = "Please enter your authentication name"
PASSPHRASE_PROMPT = "Please enter your password"


def _failed(detail: str) -> VirtError:
    return make_error(ErrorCode.AUTH_FAILED, ErrorDomain.RPC, detail)


def auth_file_path(explicit: str | None) -> str | None:
    """The auth.conf to read, by libvirt's rule (None when there is none)."""
    if explicit:
        return explicit
    env = os.environ.get("LIBVIRT_AUTH_FILE")
    if env:
        return env
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    for path in (os.path.join(base, "libvirt", "auth.conf"), "/etc/libvirt/auth.conf"):
        if os.path.exists(path):
            return path
    return None


def from_auth_file(path: str | None, host: str) -> tuple[str | None, str | None]:
    """(authname, password) the auth.conf at *path* gives for the libvirt service on *host*."""
    if path is None:
        return None, None
    parser = configparser.RawConfigParser()
    try:
        with open(path, encoding="utf-8") as handle:
            parser.read_file(handle)
    except (OSError, UnicodeDecodeError, configparser.Error) as exc:
        raise _failed(f"cannot read auth file {path}: {exc}") from None
    for section in (f"auth-libvirt-{host}", "auth-libvirt-default"):
        if parser.has_section(section) and parser.has_option(section, "credentials"):
            creds = f"credentials-{parser.get(section, 'credentials')}"
            if parser.has_section(creds):
                return (
                    parser.get(creds, "authname", fallback=None),
                    parser.get(creds, "password", fallback=None),
                )
    return None, None


def credentials(auth: AuthCallback | None, authfile: str | None, host: str) -> tuple[str, str]:
    """The user name and password to log in with, from the auth file or the callback."""
    name, password = from_auth_file(auth_file_path(authfile), host)
    wanted = []
    if name is None:
        wanted.append((CRED_AUTHNAME, AUTHNAME_PROMPT))
    if password is None:
        wanted.append((CRED_PASSPHRASE, PASSPHRASE_PROMPT))
    if wanted:
        if auth is None:
            raise _failed("No authentication callback available")
        answers = auth(wanted)
        if not isinstance(answers, list) or len(answers) != len(wanted):
            raise _failed("Failed to collect auth credentials")
        for (cred, _prompt), answer in zip(wanted, answers, strict=True):
            if not isinstance(answer, str):
                raise _failed("Failed to collect auth credentials")
            if cred == CRED_AUTHNAME:
                name = answer
            else:
                password = answer
    assert name is not None and password is not None
    return name, password


def start(name: str, password: str) -> tuple[ScramClient, str]:
    """A SCRAM client for *name*; and its client-first message."""
    from scramp import ScramClient, ScramException

    try:
        client = ScramClient([MECHANISM], name, password)
        return client, client.get_client_first()
    except (ScramException, ValueError) as exc:  # SASLprep refuses the name or password
        raise _failed(str(exc)) from None


def step(client: ScramClient, server_first: object) -> str:
    """The client-final message (the proof) for the server's first message."""
    from scramp import ScramException

    if not isinstance(server_first, str):
        raise _failed("malformed SCRAM server-first message")
    try:
        client.set_server_first(server_first)
        return str(client.get_client_final())
    except (ScramException, ValueError) as exc:
        raise _failed(str(exc)) from None


def verify(client: ScramClient, server_final: object) -> None:
    """Check the server's signature: it knew our verifier."""
    from scramp import ScramException

    if not isinstance(server_final, str):
        raise _failed("malformed SCRAM server-final message")
    try:
        client.set_server_final(server_final)
    except (ScramException, ValueError):
        raise _failed("the server's SCRAM signature does not match") from None


def is_auth_required(exc: VirtError) -> bool:
    """Whether *exc* is the daemon's "authentication required" (ROUTE before a login)."""
    return exc.code == ErrorCode.RPC and "authentication required" in str(exc)
