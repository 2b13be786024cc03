"""Socket activation: the listening sockets systemd (or ``systemd-socket-activate``) passes.

The protocol (sd_listen_fds(3)): file descriptors 3, 4, ... are already bound and listening;
``LISTEN_FDS`` says how many, ``LISTEN_PID`` which process they are for (a child that
inherited the environment must not take them), and ``LISTEN_FDNAMES`` names them, by default
after the socket unit that made each one.  libvirtd tells its sockets apart by those unit
names, and so does pyvirtd:

=====================  ======  ===========================
unit (fd name)         role    socket file
=====================  ======  ===========================
pyvirtd.socket         rw      ``%t/pyvirt/pyvirt-sock``
pyvirtd-ro.socket      ro      ``%t/pyvirt/pyvirt-sock-ro``
pyvirtd-admin.socket   admin   ``%t/pyvirt/pyvirt-admin-sock``
=====================  ======  ===========================

The bare role names (``rw``, ``ro``, ``admin``) are accepted too, for a hand-written unit's
``FileDescriptorName=``.  The daemon serves an adopted socket instead of binding its own, and
leaves the socket file alone when it stops: it belongs to systemd, which keeps listening and
starts the daemon again at the next client.
"""

from __future__ import annotations

import os
import socket

#: sd_listen_fds' SD_LISTEN_FDS_START: the first passed descriptor.
FIRST_FD = 3

ROLE_BY_NAME = {
    "pyvirtd.socket": "rw",
    "pyvirtd-ro.socket": "ro",
    "pyvirtd-admin.socket": "admin",
    "rw": "rw",
    "ro": "ro",
    "admin": "admin",
}


class ActivationError(Exception):
    """The passed descriptors cannot be served as they are: the message says which and why."""


def passed_sockets(environ: dict[str, str] | None = None) -> dict[str, socket.socket]:
    """The listening sockets passed to this process, by role (``rw``, ``ro``, ``admin``).

    Empty when the process was not socket-activated.  The ``LISTEN_*`` variables are taken out
    of *environ* (``os.environ`` by default) and the descriptors made close-on-exec, so the
    workers the daemon starts inherit neither.
    """
    env = os.environ if environ is None else environ
    count_text = env.pop("LISTEN_FDS", None)
    pid_text = env.pop("LISTEN_PID", None)
    names_text = env.pop("LISTEN_FDNAMES", None)
    if count_text is None:
        return {}
    if pid_text is None or not pid_text.isdigit() or int(pid_text) != os.getpid():
        return {}  # meant for another process (our parent): not ours to take
    if not count_text.isdigit() or int(count_text) == 0:
        raise ActivationError(f"LISTEN_FDS={count_text!r} is not a positive number")
    count = int(count_text)
    names = names_text.split(":") if names_text else []
    if len(names) != count:
        raise ActivationError(
            f"LISTEN_FDNAMES names {len(names)} sockets, LISTEN_FDS passes {count}: name each"
            f" one ({', '.join(sorted(ROLE_BY_NAME))})"
        )
    sockets: dict[str, socket.socket] = {}
    for fd, name in zip(range(FIRST_FD, FIRST_FD + count), names, strict=True):
        role = ROLE_BY_NAME.get(name)
        if role is None:
            raise ActivationError(
                f"passed socket {fd} is named {name!r}; pyvirtd serves"
                f" {', '.join(sorted(ROLE_BY_NAME))}"
            )
        if role in sockets:
            raise ActivationError(f"two passed sockets are for {name!r} ({role})")
        sockets[role] = _listening_unix_socket(fd, name)
    return sockets


def _listening_unix_socket(fd: int, name: str) -> socket.socket:
    try:
        sock = socket.socket(fileno=fd)
    except OSError as exc:
        raise ActivationError(f"passed socket {fd} ({name}): {exc.strerror}") from None
    if sock.family != socket.AF_UNIX or sock.type != socket.SOCK_STREAM:
        sock.detach()
        raise ActivationError(f"passed socket {fd} ({name}) is not a unix stream socket")
    if not sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN):
        sock.detach()
        raise ActivationError(f"passed socket {fd} ({name}) is not listening")
    os.set_inheritable(fd, False)
    return sock


def socket_path(sock: socket.socket) -> str:
    """The file a passed unix socket is bound to (what clients connect to)."""
    name = sock.getsockname()
    return name.decode(errors="replace") if isinstance(name, bytes) else str(name)
