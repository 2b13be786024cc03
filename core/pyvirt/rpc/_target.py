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
DEFAULT_TLS_PORT = 16514

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyvirt.rpc._tls import TlsClient


@record
class Target:
    """Where a connection goes, and what the daemon is asked to open there."""

    transport: str
    endpoint: str  # ZeroMQ endpoint of the daemon's control socket
    socket_path: str | None  # for unix: the file that must exist
    name: str  # URI the daemon opens ("" lets the daemon probe)
    client_uri: str  # what virConnectGetURI reports on this side
    tls: TlsClient | None = None  # tls transport: every link is wrapped in TLS with these


def worker_endpoint(target: Target, routed: str) -> str:
    """Where to reach the worker the daemon routed us to (*routed*, its endpoint).

    Over tcp and tls the worker listens on its own port of the daemon's address, which the
    daemon may know by a name that means nothing to us (``0.0.0.0``): the client connects to
    the host it named in the URI, at the worker's port.  Over tls that is also the name the
    worker's certificate is checked against, as the daemon's was.
    """
    if target.transport not in ("tcp", "tls"):
        return routed
    host = target.endpoint[len("tcp://") :].rpartition(":")[0]
    return f"tcp://{host}:{routed.rpartition(':')[2]}"


def _flag_param(uri: URI, name: str) -> bool:
    """A 0/1 URI parameter such as ``no_verify`` (libvirt's EXTRACT_URI_ARG_BOOL)."""
    value = uri.param(name)
    if value is None:
        return False
    try:
        return int(value) != 0
    except ValueError:
        raise make_error(
            ErrorCode.INVALID_ARG,
            ErrorDomain.REMOTE,
            f"Failed to parse value of URI component {name}",
        ) from None


def _tls_settings(uri: URI, host: str) -> TlsClient:
    """The client's TLS context for *uri*: certificates where libvirt looks for them
    (``pkipath=``, ``~/.pki/libvirt`` for a user, the system places), the server's checked
    unless ``no_verify=1``."""
    from pyvirt.rpc._tls import TlsClient, client_context, locate

    no_verify = _flag_param(uri, "no_verify")
    files = locate(uri.param("pkipath"), server=False, try_user=os.geteuid() != 0)
    context = client_context(files, verify=not no_verify)
    return TlsClient(context, None if no_verify else host)


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
    if transport in ("tcp", "tls"):
        host = bare = uri.server or "localhost"
        if ":" in host:
            host = f"[{host}]"
        if transport == "tcp":
            port = uri.port or DEFAULT_TCP_PORT
            return Target("tcp", f"tcp://{host}:{port}", None, name, str(uri))
        tls = _tls_settings(uri, bare.strip("[]"))
        port = uri.port or DEFAULT_TLS_PORT
        return Target("tls", f"tcp://{host}:{port}", None, name, str(uri), tls)
    if transport == "ssh":
        from pyvirt.rpc._ssh import ssh_endpoint

        return Target("ssh", ssh_endpoint(uri, name, read_only), None, name, str(uri))
    raise make_error(ErrorCode.NO_SUPPORT, ErrorDomain.REMOTE, f"remote transport '{transport}'")
