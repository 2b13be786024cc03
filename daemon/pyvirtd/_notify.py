"""systemd readiness notification (``Type=notify``): ``READY=1``, ``STATUS=``, ``STOPPING=1``.

The service manager passes a datagram socket in ``$NOTIFY_SOCKET`` (a path, or ``@name`` in
the abstract namespace); each notification is one datagram of ``KEY=VALUE`` lines.  Written
with the stdlib ``socket`` module: the protocol is one ``sendto``, and libsystemd is not there
on every machine that runs pyvirtd.

With ``Type=notify`` systemd takes the daemon as started only at ``READY=1``, so units ordered
after pyvirtd find its sockets *and* its workers up.  Outside systemd (no ``NOTIFY_SOCKET``)
every call is a no-op.
"""

from __future__ import annotations

import logging
import os
import socket

log = logging.getLogger("pyvirtd")


class Notifier:
    """Sends notifications to the socket named by ``$NOTIFY_SOCKET`` when the daemon started.

    The variable is taken out of the environment, as ``sd_notify(unset_environment=1)``
    would: the workers are children and must not report as if they were the daemon.
    """

    def __init__(self) -> None:
        path = os.environ.pop("NOTIFY_SOCKET", "")
        self.address: str | None = None
        if path.startswith("@"):
            self.address = "\0" + path[1:]
        elif path.startswith("/"):
            self.address = path
        elif path:
            log.warning("NOTIFY_SOCKET=%s is not a unix socket path: not notifying", path)

    @property
    def enabled(self) -> bool:
        return self.address is not None

    def send(self, **values: str) -> bool:
        """Send ``KEY=VALUE`` lines (``send(READY="1", STATUS="...")``); False when it could
        not be sent.  A failure is logged, never raised: readiness is advice to the manager,
        and the daemon serves its clients either way."""
        if self.address is None:
            return False
        message = "\n".join(f"{key}={value}" for key, value in values.items()).encode()
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
                sock.sendto(message, self.address)
        except OSError as exc:
            log.warning("cannot notify the service manager: %s", exc)
            return False
        return True

    def ready(self, status: str) -> bool:
        return self.send(READY="1", STATUS=status)

    def status(self, status: str) -> bool:
        return self.send(STATUS=status)

    def stopping(self) -> bool:
        return self.send(STOPPING="1", STATUS="stopping")
