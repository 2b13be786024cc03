"""Socket set-up shared by the daemon and its workers: names, permissions and ZeroMQ options.

Permissions are libvirt's model: the run directory is only traversable, read-write sockets are
0700 (root only in system mode) and read-only ones 0777.  The socket file is created under a
restrictive umask and then opened up to its final mode, so it is never briefly too open.
The workers serve plain sockets (pyvirtd._transport) and never load zmq; only the daemon's
libzmq sockets need it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import socket

    import zmq


def endpoint_path(rundir: str, name: str | None, kind: str) -> str:
    """``pyvirt-sock`` / ``pyvirt-sock-ro`` for the daemon, ``pyvirt-NAME-sock[-ro]`` for workers."""
    base = "pyvirt" if name is None else f"pyvirt-{name}"
    return os.path.join(rundir, f"{base}-sock" + ("-ro" if kind == "ro" else ""))


def configure_router(sock: zmq.Socket, max_message: int) -> None:
    import zmq

    # ROUTER_MANDATORY: a reply to a vanished peer fails instead of disappearing silently.
    sock.setsockopt(zmq.ROUTER_MANDATORY, 1)
    sock.setsockopt(zmq.MAXMSGSIZE, max_message)
    sock.setsockopt(zmq.SNDHWM, 10000)
    sock.setsockopt(zmq.RCVHWM, 10000)
    sock.setsockopt(zmq.LINGER, 100)


def bind_socket_file(path: str, mode: int, bind: Callable[[str], object]) -> None:
    """Create the unix socket file *path* with *bind* and give it *mode* (see above)."""
    if len(path.encode()) > 107:
        raise OSError(f"socket path too long for a unix socket: {path}")
    if os.path.exists(path):
        os.unlink(path)  # a stale socket from a daemon or worker that died
    old = os.umask(0o177)
    try:
        bind(path)
    finally:
        os.umask(old)
    os.chmod(path, mode)


def secure_ipc_bind(sock: zmq.Socket, path: str, mode: int) -> None:
    bind_socket_file(path, mode, lambda file: sock.bind(f"ipc://{file}"))


def adopt_ipc(sock: zmq.Socket, passed: socket.socket, path: str) -> None:
    """Serve the already listening unix socket *passed* (socket activation) on *sock*.

    libzmq takes the descriptor as it is (``ZMQ_USE_FD``) and, on close, leaves the socket
    file to its owner.  *passed* must stay open as long as *sock* is bound.
    """
    import zmq

    sock.setsockopt(zmq.USE_FD, passed.fileno())
    sock.bind(f"ipc://{path}")
