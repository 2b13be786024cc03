"""URI checks and socket selection of the remote driver (libvirt's remoteConnectOpen)."""

from __future__ import annotations

import errno
import os
import socket

from pyvirt import URI, ErrorCode, ErrorDomain, make_error
from pyvirt.driver import AuthCallback, ConnectDriver, DriverConnection

TRANSPORTS = ("tls", "unix", "ssh", "ext", "tcp", "libssh2", "libssh")


def _socket_dir() -> str:
    if os.geteuid() == 0:
        return "/run/pyvirt"
    runtime = os.environ.get("XDG_RUNTIME_DIR") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(runtime, "pyvirt")


def socket_path(uri: URI | None, read_only: bool) -> str:
    """The unix socket to use: ``?socket=`` if given, else the daemon's rw or ro socket."""
    if uri is not None:
        explicit = uri.param("socket")
        if explicit:
            return explicit
    name = "pyvirt-sock-ro" if read_only and os.geteuid() == 0 else "pyvirt-sock"
    return os.path.join(_socket_dir(), name)


def _transport(uri: URI | None) -> str:
    if uri is None:
        return "unix"
    transport = uri.transport
    if transport is None:
        return "tls" if uri.server else "unix"
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
    return transport


class RemoteDriver(ConnectDriver):
    """Forwards a connection to pyvirtd."""

    name = "remote"
    uri_schemes = None
    local_only = False
    is_remote = True

    @classmethod
    def open(
        cls, uri: URI | None, *, read_only: bool, auth: AuthCallback | None
    ) -> DriverConnection | None:
        transport = _transport(uri)
        if transport != "unix":
            raise make_error(
                ErrorCode.NO_SUPPORT, ErrorDomain.REMOTE, f"remote transport '{transport}'"
            )
        path = socket_path(uri, read_only)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(path)
        except OSError as exc:
            reason = os.strerror(exc.errno or errno.EIO)
            raise make_error(
                ErrorCode.SYSTEM_ERROR,
                ErrorDomain.RPC,
                f"Failed to connect socket to '{path}': {reason}",
            ) from None
        finally:
            sock.close()
        # A daemon answered, but the RPC layer that would speak to it is not built yet.
        raise make_error(ErrorCode.NO_SUPPORT, ErrorDomain.REMOTE, "the pyvirtd RPC protocol")
