"""pyvirt's remote driver: the client side of the connection to pyvirtd.

It is registered last (``is_remote``) and takes any scheme, so every URI that no local driver
accepts — one naming a host or a transport (``test+unix:///default``), or one whose driver
lives only in the daemon (``qemu:///system``) — comes here, as in libvirt.

This first version validates the URI exactly as libvirt's remote driver does and connects to
the daemon's socket; the RPC protocol over that socket arrives with the daemon.
"""

from pyvirt_remote._driver import RemoteDriver

__all__ = ["RemoteDriver"]
