"""Where a remote URI leads: transport, the daemon's socket, and the name sent to the server.

The checks and messages are libvirt's remote driver's (``remote_open: transport in URL not
recognised``, ``using unix socket and remote server ... is not supported.``), and so is the
rule for the server-side name: the client URI without transport, user, host, port and the
parameters the client consumes, unless ``?name=`` says otherwise.
"""

from __future__ import annotations

import os

from pyvirt._codes import ErrorCode, ErrorDomain
from pyvirt._errors import make_error
from pyvirt._record import record
from pyvirt._uri import URI
from pyvirt.rpc._paths import daemon_socket, default_rundir

TRANSPORTS = ("tls", "unix", "ssh", "ext", "tcp", "libssh2", "libssh")
#: Parameters the client consumes; any other stays in the name sent to the daemon.
CLIENT_PARAMS = frozenset(
    {
        "name",
        "socket",
        "mode",
        "proxy",
        "command",
        "netcat",
        "keyfile",
        "sshauth",
        "known_hosts",
        "known_hosts_verify",
        "no_verify",
        "no_tty",
        "no_sanity",
        "pkipath",
        "tls_priority",
        "auth",
        "authfile",
    }
)
DEFAULT_TCP_PORT = 16509


@record
class Target:
    """Where a connection goes, and what the daemon is asked to open there."""

    transport: str
    endpoint: str  # ZeroMQ endpoint of the daemon's control socket
    socket_path: str | None  # for unix: the file that must exist
    name: str  # URI the daemon opens ("" lets the daemon probe)
    client_uri: str  # what virConnectGetURI reports on this side


def _server_name(uri: URI) -> str:
    explicit = uri.param("name")
    if explicit is not None:
        return explicit
    kept = [(k, v) for k, v in uri.params if k not in CLIENT_PARAMS]
    text = f"{uri.driver}://{uri.path}"
    if kept:
        from urllib.parse import quote

        text += "?" + "&".join(f"{quote(k)}={quote(v, safe='/:')}" for k, v in kept)
    return text


def resolve(uri: URI | None, *, read_only: bool) -> Target:
    """Decide transport and endpoint for *uri* (None: the local daemon, which probes)."""
    if uri is None:
        path = daemon_socket(default_rundir(), read_only and os.geteuid() == 0)
        return Target("unix", f"ipc://{path}", path, "", "")
    transport = uri.transport
    if transport is None:
        transport = "tls" if uri.server else "unix"
    transport = transport.lower()
    if transport not in TRANSPORTS:
        raise make_error(
            ErrorCode.INVALID_ARG,
            ErrorDomain.REMOTE,
            "remote_open: transport in URL not recognised "
            "(should be tls|unix|ssh|ext|tcp|libssh2|libssh)",
        )
    if transport == "unix" and uri.server:
        raise make_error(
            ErrorCode.INVALID_ARG,
            ErrorDomain.REMOTE,
            f"using unix socket and remote server '{uri.server}' is not supported.",
        )
    name = _server_name(uri)
    if transport == "unix":
        path = uri.param("socket") or daemon_socket(
            default_rundir(), read_only and os.geteuid() == 0
        )
        return Target("unix", f"ipc://{path}", path, name, str(uri))
    if transport == "tcp":
        host = uri.server or "localhost"
        if ":" in host:
            host = f"[{host}]"
        return Target("tcp", f"tcp://{host}:{uri.port or DEFAULT_TCP_PORT}", None, name, str(uri))
    if transport == "ssh":
        from pyvirt.rpc._ssh import ssh_endpoint

        return Target("ssh", ssh_endpoint(uri, name, read_only), None, name, str(uri))
    raise make_error(ErrorCode.NO_SUPPORT, ErrorDomain.REMOTE, f"remote transport '{transport}'")
