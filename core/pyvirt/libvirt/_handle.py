"""What every libvirt-python object handle has in common, written once.

``virDomain``, ``virNetwork``, ``virStoragePool`` and ``virStorageVol`` wrap a pyvirt handle
(``_o``) and keep their connection alive (``conn._track``); the named-and-identified ones also
share the UUID and active/persistent/autostart methods.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyvirt.libvirt import _args
from pyvirt.libvirt._errors import api

if TYPE_CHECKING:
    from pyvirt.libvirt._connect import virConnect


def uuid_bytes(uuid: str) -> bytes:
    """The 16 raw bytes libvirt's ``UUID()`` methods return."""
    return bytes.fromhex(uuid.replace("-", ""))


class Handle:
    """A libvirt-python object over a pyvirt handle."""

    _o: Any

    def __init__(self, conn: virConnect, _obj: Any) -> None:
        self._conn = conn
        self._o = _obj
        conn._track(self)

    def c_pointer(self) -> int:
        """No C object exists; an id that is stable for this handle stands in."""
        return id(self._o)

    def connect(self) -> virConnect:
        return self._conn

    def name(self) -> str:
        return str(self._o.name)


class IdentifiedHandle(Handle):
    """A handle with a UUID and libvirt's active / persistent / autostart trio."""

    def UUIDString(self) -> str:  # noqa: N802
        return str(self._o.uuid)

    def UUID(self) -> bytes:  # noqa: N802
        return uuid_bytes(self._o.uuid)

    @api
    def isActive(self) -> int:  # noqa: N802
        return int(self._o.is_active())

    @api
    def isPersistent(self) -> int:  # noqa: N802
        return int(self._o.is_persistent())

    @api
    def autostart(self) -> int:
        return int(self._o.autostart)

    @api
    def setAutostart(self, autostart: int) -> int:  # noqa: N802
        self._o.set_autostart(bool(_args.c_int(autostart)))
        return 0
