"""The driver kit's configuration reader: libvirt's ``key = value`` file syntax.

Why in the kit: a driver keeps settings in a file of libvirt's own syntax (the QEMU driver's
``qemu.conf``: the user QEMU runs as, ``dynamic_ownership``...), so an administrator's file
reads the same in pyvirt as in libvirt, and no driver writes a second parser.
"""

from __future__ import annotations

from pyvirt._conffile import Value, parse_conf

__all__ = ["ConfValue", "parse_conf"]

#: One setting's value: an integer, a string or a list of those.
ConfValue = Value
