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



#: The kernel's cap on every listen() backlog (``sysctl net.core.somaxconn``).
SOMAXCONN_PATH = "/proc/sys/net/core/somaxconn"


def somaxconn(path: str = SOMAXCONN_PATH) -> int | None:
    """The kernel's cap on a listen() backlog, or None when it cannot be read."""
    try:
        with open(path) as text:
            return int(text.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def backlog_shortfall(requested: int, cap: int | None) -> str | None:
    """Why the kernel will queue fewer than *requested* connects (pyvirtd.toml's
    ``max_queued_clients``), or None when it queues them all.

    listen() silently cuts its backlog to ``net.core.somaxconn`` (128 before Linux 5.4): a
    burst of connects past that fails with EAGAIN, which pyvirt's clients wait out but others
    may not; the daemon says so once at start, so the administrator knows which knob to turn.
    """
    if cap is None or requested <= cap:
        return None
    return (
        f"max_queued_clients = {requested}, but the kernel queues at most {cap} connections "
        f"per socket (net.core.somaxconn): raise it with 'sysctl -w net.core.somaxconn={requested}'"
    )
