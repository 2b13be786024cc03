"""pyvirt's remote driver: the client side of the connection to pyvirtd.

It is registered last (``is_remote``) and takes any scheme, so every URI that no local driver
accepts — one naming a host or a transport (``test+unix:///default``), or one whose driver
lives only in the daemon (``qemu:///system``) — comes here, as in libvirt.

The RPC machinery (framing, stubs generated from the procedure table, sockets) is
:mod:`pyvirt.rpc`, shared with the daemon; this plugin decides when it is used and starts a
session daemon on demand.
"""

from pyvirt_remote._driver import RemoteDriver

__all__ = ["RemoteDriver"]
