"""The admin API of pyvirtd: libvirt's ``virAdm*`` calls, for ``pyvirt-admin`` and scripts.

``pyvirt.admin.open()`` connects to the daemon's admin server (its own unix socket, root-only
by default); what it changes (limits, thread pools, log filters, clients) changes in the
running daemon at once and is not written to its config file, as with libvirt.
"""

from pyvirt.admin._connection import (
    AdminConnection,
    Client,
    Server,
    default_admin_uri,
    open_admin,
)
from pyvirt.admin._protocol import (
    CLIENT_LIMIT_PARAMS,
    PROGRAM_ADMIN,
    SERVER_ADMIN,
    SERVER_MAIN,
    SERVERS,
    THREADPOOL_PARAMS,
    TRANSPORT_NAMES,
    admin_socket,
)

open = open_admin  # noqa: A001 - the module's verb, as pyvirt.open


def run_cli(argv: list[str]) -> int:
    """``pyvirt-admin`` (virt-admin's commands) with *argv*; the exit status.  The command
    line is imported only here: ``import pyvirt.admin`` stays light for scripts."""
    from pyvirt.admin._cli import run

    return run(argv)

__all__ = [
    "CLIENT_LIMIT_PARAMS",
    "PROGRAM_ADMIN",
    "SERVERS",
    "SERVER_ADMIN",
    "SERVER_MAIN",
    "THREADPOOL_PARAMS",
    "TRANSPORT_NAMES",
    "admin_socket",
    "run_cli",
    "AdminConnection",
    "Client",
    "Server",
    "default_admin_uri",
    "open",
    "open_admin",
]
