"""Socket set-up shared by the daemon and its workers: names and permissions.

Permissions are libvirt's model: the run directory is only traversable, read-write sockets are
0700 (root only in system mode) and read-only ones 0777.  The socket file is created under a
restrictive umask and then opened up to its final mode, so it is never briefly too open.
Both serve plain sockets through pyvirtd._transport; neither loads zmq.
"""

from __future__ import annotations

import os
from collections.abc import Callable


def endpoint_path(rundir: str, name: str | None, kind: str) -> str:
    """``pyvirt-sock`` / ``pyvirt-sock-ro`` for the daemon, ``pyvirt-NAME-sock[-ro]`` for workers."""
    base = "pyvirt" if name is None else f"pyvirt-{name}"
    return os.path.join(rundir, f"{base}-sock" + ("-ro" if kind == "ro" else ""))


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

