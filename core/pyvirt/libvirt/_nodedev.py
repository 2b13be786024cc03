"""``virNodeDevice``: libvirt-python's node device handle over a :class:`pyvirt.NodeDevice`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyvirt.libvirt import _args
from pyvirt.libvirt._errors import api
from pyvirt.libvirt._handle import Handle

if TYPE_CHECKING:
    from pyvirt._objects_host import NodeDevice


class virNodeDevice(Handle):  # noqa: N801 - libvirt-python's name
    """A host device on a :class:`virConnect`."""

    _o: NodeDevice


    @api
    def parent(self) -> str | None:
        """The parent's name; None when there is none (libvirt-python raises nothing)."""
        return self._o.parent()

    @api
    def XMLDesc(self, flags: int = 0) -> str:  # noqa: N802
        return self._o.xml_desc(_args.flags(flags))

    @api
    def numOfCaps(self) -> int:  # noqa: N802
        return self._o.num_of_caps()

    @api
    def listCaps(self) -> list[str]:  # noqa: N802
        return self._o.list_caps()

    @api
    def destroy(self) -> int:
        self._o.destroy()
        return 0

    @api
    def create(self, flags: int = 0) -> int:
        self._o.start(_args.flags(flags))
        return 0

    @api
    def undefine(self, flags: int = 0) -> int:
        self._o.undefine(_args.flags(flags))
        return 0

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

    @api
    def dettach(self) -> int:
        self._o.dettach()
        return 0

    @api
    def detachFlags(self, driverName: str | None, flags: int = 0) -> int:  # noqa: N802, N803
        name = _args.optional_string(driverName, "virNodeDeviceDetachFlags", 2)
        self._o.detach(name, _args.flags(flags))
        return 0

    @api
    def reAttach(self) -> int:  # noqa: N802
        self._o.re_attach()
        return 0

    @api
    def reset(self) -> int:
        self._o.reset()
        return 0
