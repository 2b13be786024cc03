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
from pyvirt.admin._protocol import SERVER_ADMIN, SERVER_MAIN, TRANSPORT_NAMES

open = open_admin  # noqa: A001 - the module's verb, as pyvirt.open

__all__ = [
    "SERVER_ADMIN",
    "SERVER_MAIN",
    "TRANSPORT_NAMES",
    "AdminConnection",
    "Client",
    "Server",
    "default_admin_uri",
    "open",
    "open_admin",
]
