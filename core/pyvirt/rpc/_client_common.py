"""What the synchronous and the asyncio client share, in a module that does not import zmq.

``import pyvirt.aio`` must stay free of libzmq (the asyncio client speaks ZMTP itself), while
the synchronous client still drives libzmq sockets; so the call timeout, the "connection
lost" error and the early check that a daemon is listening live here, not in either client.
"""

from __future__ import annotations

import os
import socket

from pyvirt._codes import ErrorCode, ErrorDomain
from pyvirt._errors import VirtError, make_error
from pyvirt.rpc._target import Target

#: How long a call waits for its reply before giving up (a stuck driver, not a dead one).
CALL_TIMEOUT = float(os.environ.get("PYVIRT_CALL_TIMEOUT", "300"))


def lost(detail: str) -> VirtError:
    return make_error(ErrorCode.RPC, ErrorDomain.RPC, detail)


def _check_socket(target: Target) -> None:
    """Fail at once, with libvirt's message, when no daemon can be listening on the socket.

    A socket file left behind by a daemon that was killed still exists, but nothing accepts on
    it: ZeroMQ would retry quietly until a timeout, so a plain connect() tells first.
    """
    if target.transport == "tcp":
        _check_tcp(target)
    path = target.socket_path
    if path is None:
        return
    if not os.path.exists(path):
        raise make_error(
            ErrorCode.SYSTEM_ERROR,
            ErrorDomain.RPC,
            f"Failed to connect socket to '{path}': No such file or directory",
        )
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(path)
    except (ConnectionRefusedError, PermissionError, FileNotFoundError) as exc:
        raise make_error(
            ErrorCode.SYSTEM_ERROR,
            ErrorDomain.RPC,
            f"Failed to connect socket to '{path}': {os.strerror(exc.errno or 0)}",
        ) from None
    except OSError:
        pass  # let the transport try and report
    finally:
        probe.close()


def _check_tcp(target: Target) -> None:
    host, _, port = target.endpoint[len("tcp://") :].rpartition(":")
    bare = host.strip("[]")
    try:
        socket.create_connection((bare, int(port)), timeout=5).close()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise make_error(
            ErrorCode.SYSTEM_ERROR,
            ErrorDomain.RPC,
            f"unable to connect to server at '{bare}:{port}': {reason}",
        ) from None
