"""Handles for secrets, network filters and network filter bindings.

Like the other handles (:mod:`pyvirt._objects`), a value: the connection plus the object's
reference record, so listing secrets needs no call per secret.  A secret's value is never
held in a handle: :meth:`Secret.value` asks the driver each time, and the call is refused on
a read-only connection (libvirt's ``secret:read_secure``).
"""

from __future__ import annotations

from pyvirt._records import NWFilterBindingRef, NWFilterRef, SecretRef

# Not typing.TYPE_CHECKING: importing typing costs more than pyvirsh's own start-up.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyvirt._connection import Connection


class Secret:
    """A secret (a passphrase, a key) a driver keeps for its guests' storage and devices."""

    def __init__(self, conn: Connection, ref: SecretRef) -> None:
        self._conn = conn
        self._ref = ref

    @property
    def ref(self) -> SecretRef:
        """The reference record (:class:`SecretRef`: uuid, usage type, usage id)."""
        return self._ref

    @property
    def uuid(self) -> str:
        """The secret's UUID (virSecretGetUUIDString): held in the handle."""
        return self._ref.uuid

    @property
    def usage_type(self) -> int:
        """What the secret is for, a :class:`SecretUsageType` number (virSecretGetUsageType)."""
        return self._ref.usage_type

    @property
    def usage_id(self) -> str:
        """The object the secret is for: a volume path, a ceph or iscsi name, a tls or vtpm
        name (virSecretGetUsageID); empty for usage type NONE."""
        return self._ref.usage_id

    def xml_desc(self, flags: int = 0) -> str:
        """The ``<secret>`` XML (virSecretGetXMLDesc), which never holds the value."""
        return str(self._conn._calls.secret_get_xml_desc(self._ref, flags))

    def set_value(self, value: bytes, flags: int = 0) -> None:
        """Store *value*, any bytes (virSecretSetValue)."""
        from pyvirt._checks import invalid_arg
        from pyvirt._codes import ErrorDomain

        if not isinstance(value, bytes | bytearray):
            raise invalid_arg(
                "value in virSecretSetValue must be bytes", "virSecretSetValue", "value",
                ErrorDomain.SECRET,
            )
        if not value:  # libvirt-python hands empty bytes on as NULL, which libvirt refuses
            raise invalid_arg(
                "value in virSecretSetValue must not be NULL", "virSecretSetValue", "value",
                ErrorDomain.SECRET,
            )
        self._conn._calls.secret_set_value(self._ref, bytes(value), flags)

    def value(self, flags: int = 0) -> bytes:
        """The stored value (virSecretGetValue); refused on a read-only connection, a private
        secret's value is VIR_ERR_INVALID_SECRET."""
        return bytes(self._conn._calls.secret_get_value(self._ref, flags))

    def undefine(self) -> None:
        """Forget the secret and its value (virSecretUndefine)."""
        self._conn._calls.secret_undefine(self._ref)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._ref.uuid == self._ref.uuid

    def __hash__(self) -> int:
        return hash(self._ref.uuid)

    def __repr__(self) -> str:
        return f"<pyvirt.Secret {self._ref.uuid}>"


class NWFilter:
    """A network filter: firewall rules a guest's interfaces can reference."""

    def __init__(self, conn: Connection, ref: NWFilterRef) -> None:
        self._conn = conn
        self._ref = ref

    @property
    def ref(self) -> NWFilterRef:
        """The reference record (:class:`NWFilterRef`: name, uuid)."""
        return self._ref

    @property
    def name(self) -> str:
        """The filter's name (virNWFilterGetName): held in the handle."""
        return self._ref.name

    @property
    def uuid(self) -> str:
        """The filter's UUID (virNWFilterGetUUIDString): held in the handle."""
        return self._ref.uuid

    def xml_desc(self, flags: int = 0) -> str:
        """The ``<filter>`` XML (virNWFilterGetXMLDesc)."""
        return str(self._conn._calls.nwfilter_get_xml_desc(self._ref, flags))

    def undefine(self) -> None:
        """Remove the filter (virNWFilterUndefine)."""
        self._conn._calls.nwfilter_undefine(self._ref)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NWFilter) and other._ref.uuid == self._ref.uuid

    def __hash__(self) -> int:
        return hash(self._ref.uuid)

    def __repr__(self) -> str:
        return f"<pyvirt.NWFilter {self._ref.name}>"


class NWFilterBinding:
    """A network filter bound to a guest's port device."""

    def __init__(self, conn: Connection, ref: NWFilterBindingRef) -> None:
        self._conn = conn
        self._ref = ref

    @property
    def ref(self) -> NWFilterBindingRef:
        """The reference record (:class:`NWFilterBindingRef`: port device, filter name)."""
        return self._ref

    @property
    def portdev(self) -> str:
        """The port device the filter is bound to (virNWFilterBindingGetPortDev)."""
        return self._ref.portdev

    @property
    def filtername(self) -> str:
        """The bound filter's name (virNWFilterBindingGetFilterName)."""
        return self._ref.filtername

    def xml_desc(self, flags: int = 0) -> str:
        """The ``<filterbinding>`` XML (virNWFilterBindingGetXMLDesc)."""
        return str(self._conn._calls.nwfilter_binding_get_xml_desc(self._ref, flags))

    def delete(self) -> None:
        """Remove the binding (virNWFilterBindingDelete)."""
        self._conn._calls.nwfilter_binding_delete(self._ref)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NWFilterBinding) and other._ref.portdev == self._ref.portdev

    def __hash__(self) -> int:
        return hash(self._ref.portdev)

    def __repr__(self) -> str:
        return f"<pyvirt.NWFilterBinding {self._ref.portdev}>"
