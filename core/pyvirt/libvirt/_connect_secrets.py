"""virConnect's secret and network-filter methods, with libvirt-python's names, signatures
and return shapes (a mixin of :class:`pyvirt.libvirt.virConnect`, kept apart so each family
stays in a module of its own).

The legacy listings make libvirt-python's two calls: ``listSecrets()`` counts
(virConnectNumOfSecrets) then lists that many (virConnectListSecrets), so a driver without
secrets fails naming the count, as libvirt does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyvirt._codes import ErrorDomain
from pyvirt.libvirt import _args
from pyvirt.libvirt._errors import api, no_support
from pyvirt.libvirt._events import check_event_id
from pyvirt.libvirt._nwfilter import virNWFilter, virNWFilterBinding
from pyvirt.libvirt._secret import virSecret

if TYPE_CHECKING:
    from pyvirt._connection import Connection
    from pyvirt.libvirt._events import ConnectionEvents


def _raw_uuid(uuid: Any, c_api: str, domain: int) -> str:
    """A raw 16-byte UUID as text; anything else is libvirt's invalid-argument error."""
    if isinstance(uuid, bytes | bytearray) and len(uuid) == 16:
        h = bytes(uuid).hex()
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
    from pyvirt._checks import invalid_arg

    raise invalid_arg(f"uuid in {c_api} must be 16 bytes", c_api, "uuid", domain)


class SecretConnectMethods:
    """libvirt-python's ``virConnect.secret*``, ``nwfilter*`` and their listings."""

    _o: Connection
    _events: ConnectionEvents

    # -- secret events --------------------------------------------------------------------
    # A driver with libvirt's secret driver (pyvirt's QEMU driver) emits secret events; one
    # without (the test driver) answers "not supported", as libvirt's test driver does.
    # Through a daemon libvirt's remote driver answers first for itself: it needs the event
    # loop to register anything, and it looks a callback id up in its own list.
    def secretEventRegisterAny(  # noqa: N802
        self,
        secret: virSecret | None,
        eventID: int,  # noqa: N803
        cb: Any,
        opaque: Any,
    ) -> int:
        event_id = check_event_id("secret", eventID)
        return self._secret_event_register(secret, event_id, cb, opaque)

    def _keeps_secrets(self) -> bool:
        """Whether the driver has secrets (a count it can answer), hence their events."""
        from pyvirt._errors import NoSupportError

        try:
            self._o.count_secrets()
        except NoSupportError:
            return False
        return True

    @api
    def _secret_event_register(
        self, secret: virSecret | None, event_id: int, cb: Any, opaque: Any
    ) -> int:
        if self._events.remote:
            self._events.require_loop()
        if not self._keeps_secrets():
            raise no_support("virConnectSecretEventRegisterAny", ErrorDomain.SECRET)
        uuid = None if secret is None else secret._o.uuid
        return self._events.register("secret", uuid, event_id, cb, opaque)

    @api
    def secretEventDeregisterAny(self, callbackID: int) -> None:  # noqa: N802, N803
        number = _args.c_int(callbackID)
        if self._events.remote or self._keeps_secrets():
            self._events.deregister("secret", number)
            return
        raise no_support("virConnectSecretEventDeregisterAny", ErrorDomain.SECRET)

    # -- secrets --------------------------------------------------------------------------
    @api
    def secretDefineXML(self, xml: str, flags: int = 0) -> virSecret:  # noqa: N802
        xml = _args.string(xml, "virSecretDefineXML", 2, "xml", ErrorDomain.SECRET)
        return virSecret(self, self._o.define_secret(xml, _args.flags(flags)))  # type: ignore[arg-type]

    @api
    def secretLookupByUUIDString(self, uuidstr: str) -> virSecret:  # noqa: N802
        uuid = _args.string(
            uuidstr, "virSecretLookupByUUIDString", 2, "uuidstr", ErrorDomain.SECRET
        )
        return virSecret(self, self._o.lookup_secret_by_uuid(uuid))  # type: ignore[arg-type]

    @api
    def secretLookupByUUID(self, uuid: bytes) -> virSecret:  # noqa: N802
        text = _raw_uuid(uuid, "virSecretLookupByUUID", ErrorDomain.SECRET)
        return virSecret(self, self._o.lookup_secret_by_uuid(text))  # type: ignore[arg-type]

    @api
    def secretLookupByUsage(self, usageType: int, usageID: str) -> virSecret:  # noqa: N802, N803
        usage_id = _args.string(usageID, "virSecretLookupByUsage", 3, "usageID", ErrorDomain.SECRET)
        found = self._o.lookup_secret_by_usage(_args.c_int(usageType), usage_id)
        return virSecret(self, found)  # type: ignore[arg-type]

    @api
    def listAllSecrets(self, flags: int = 0) -> list[virSecret]:  # noqa: N802
        return [virSecret(self, s) for s in self._o.list_secrets(_args.flags(flags))]  # type: ignore[arg-type]

    @api
    def numOfSecrets(self) -> int:  # noqa: N802
        return self._o.count_secrets()

    @api
    def listSecrets(self) -> list[str]:  # noqa: N802
        return self._o.list_secret_uuids(self._o.count_secrets())

    # -- network filters ------------------------------------------------------------------
    @api
    def nwfilterDefineXML(self, xmlDesc: str) -> virNWFilter:  # noqa: N802, N803
        xml = _args.string(xmlDesc, "virNWFilterDefineXML", 2, "xmlDesc", ErrorDomain.NWFILTER)
        return virNWFilter(self, self._o.define_nwfilter(xml))  # type: ignore[arg-type]

    @api
    def nwfilterDefineXMLFlags(self, xmlDesc: str, flags: int = 0) -> virNWFilter:  # noqa: N802, N803
        c_api = "virNWFilterDefineXMLFlags"
        xml = _args.string(xmlDesc, c_api, 2, "xmlDesc", ErrorDomain.NWFILTER)
        return virNWFilter(self, self._o.define_nwfilter(xml, _args.flags(flags)))  # type: ignore[arg-type]

    @api
    def nwfilterLookupByName(self, name: str) -> virNWFilter:  # noqa: N802
        name = _args.string(name, "virNWFilterLookupByName", 2, "name", ErrorDomain.NWFILTER)
        return virNWFilter(self, self._o.lookup_nwfilter_by_name(name))  # type: ignore[arg-type]

    @api
    def nwfilterLookupByUUIDString(self, uuidstr: str) -> virNWFilter:  # noqa: N802
        c_api = "virNWFilterLookupByUUIDString"
        uuid = _args.string(uuidstr, c_api, 2, "uuidstr", ErrorDomain.NWFILTER)
        return virNWFilter(self, self._o.lookup_nwfilter_by_uuid(uuid))  # type: ignore[arg-type]

    @api
    def nwfilterLookupByUUID(self, uuid: bytes) -> virNWFilter:  # noqa: N802
        text = _raw_uuid(uuid, "virNWFilterLookupByUUID", ErrorDomain.NWFILTER)
        return virNWFilter(self, self._o.lookup_nwfilter_by_uuid(text))  # type: ignore[arg-type]

    @api
    def listAllNWFilters(self, flags: int = 0) -> list[virNWFilter]:  # noqa: N802
        return [virNWFilter(self, f) for f in self._o.list_nwfilters(_args.flags(flags))]  # type: ignore[arg-type]

    @api
    def numOfNWFilters(self) -> int:  # noqa: N802
        return self._o.count_nwfilters()

    @api
    def listNWFilters(self) -> list[str]:  # noqa: N802
        return self._o.list_nwfilter_names(self._o.count_nwfilters())

    # -- network filter bindings ----------------------------------------------------------
    @api
    def listAllNWFilterBindings(self, flags: int = 0) -> list[virNWFilterBinding]:  # noqa: N802
        found = self._o.list_nwfilter_bindings(_args.flags(flags))
        return [virNWFilterBinding(self, b) for b in found]  # type: ignore[arg-type]

    @api
    def nwfilterBindingCreateXML(self, xml: str, flags: int = 0) -> virNWFilterBinding:  # noqa: N802
        c_api = "virNWFilterBindingCreateXML"
        xml = _args.string(xml, c_api, 2, "xml", ErrorDomain.NWFILTER)
        return virNWFilterBinding(self, self._o.create_nwfilter_binding(xml, _args.flags(flags)))  # type: ignore[arg-type]

    @api
    def nwfilterBindingLookupByPortDev(self, portdev: str) -> virNWFilterBinding:  # noqa: N802
        c_api = "virNWFilterBindingLookupByPortDev"
        portdev = _args.string(portdev, c_api, 2, "portdev", ErrorDomain.NWFILTER)
        return virNWFilterBinding(self, self._o.lookup_nwfilter_binding(portdev))  # type: ignore[arg-type]
