"""The driver contract's secret and network-filter tables (libvirt's virSecretDriver and
virNWFilterDriver), part of :class:`pyvirt.driver.DriverConnection`.

Kept apart from :mod:`pyvirt.driver` because they are separate tables in libvirt too: a
driver that keeps no secrets (libvirt's test driver keeps none, nor network filters) inherits
them and answers VIR_ERR_NO_SUPPORT with the error domain of the family, SECRET or NWFILTER,
naming the C API as libvirt does ("this function is not supported by the connection driver:
virConnectNumOfSecrets").

A secret's value is bytes (it may be binary): it crosses the driver boundary only as
:meth:`SecretDriver.secret_set_value`'s argument and :meth:`SecretDriver.secret_get_value`'s
result, never inside a record, so nothing that prints or logs records can show it.
"""

from __future__ import annotations

from pyvirt._codes import ErrorCode, ErrorDomain
from pyvirt._errors import make_error
from pyvirt._procedures import BY_METHOD
from pyvirt._records import NWFilterBindingRef, NWFilterRef, SecretRef

# Not typing.TYPE_CHECKING: importing typing costs more than pyvirsh's own start-up.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import NoReturn


def _no_support(method: str, domain: ErrorDomain) -> NoReturn:
    """libvirt's "not supported by the connection driver", naming the row's C API."""
    raise make_error(ErrorCode.NO_SUPPORT, domain, BY_METHOD[method].api)


class SecretDriver:
    """Secret entry points (libvirt's virSecretDriver).  Secrets are identified by UUID, and
    by usage (a type and an id: the volume path, the ceph or iscsi name, the tls or vtpm
    name) which is unique per usage type."""

    def connect_list_all_secrets(self, flags: int) -> list[SecretRef]:
        """virConnectListAllSecrets: one :class:`~pyvirt.SecretRef` per secret matching
        *flags* (VIR_CONNECT_LIST_SECRETS_EPHEMERAL/NO_EPHEMERAL, PRIVATE/NO_PRIVATE)."""
        _no_support("connect_list_all_secrets", ErrorDomain.SECRET)

    def connect_num_of_secrets(self) -> int:
        """virConnectNumOfSecrets: how many secrets there are."""
        _no_support("connect_num_of_secrets", ErrorDomain.SECRET)

    def connect_list_secrets(self, maxuuids: int) -> list[str]:
        """virConnectListSecrets: at most *maxuuids* secret UUIDs."""
        _no_support("connect_list_secrets", ErrorDomain.SECRET)

    def secret_lookup_by_uuid(self, uuid: str) -> SecretRef:
        """virSecretLookupByUUID: the secret with *uuid* (canonical form); unknown:
        VIR_ERR_NO_SECRET."""
        _no_support("secret_lookup_by_uuid", ErrorDomain.SECRET)

    def secret_lookup_by_usage(self, usage_type: int, usage_id: str) -> SecretRef:
        """virSecretLookupByUsage: the secret of *usage_type* (VIR_SECRET_USAGE_TYPE_*) for
        *usage_id*; unknown: VIR_ERR_NO_SECRET."""
        _no_support("secret_lookup_by_usage", ErrorDomain.SECRET)

    def secret_define_xml(self, xml: str, flags: int) -> SecretRef:
        """virSecretDefineXML: add or update the secret ``<secret>`` *xml* describes."""
        _no_support("secret_define_xml", ErrorDomain.SECRET)

    def secret_get_xml_desc(self, secret: SecretRef, flags: int) -> str:
        """virSecretGetXMLDesc: the ``<secret>`` XML (never the value)."""
        _no_support("secret_get_xml_desc", ErrorDomain.SECRET)

    def secret_set_value(self, secret: SecretRef, value: bytes, flags: int) -> None:
        """virSecretSetValue: store *value* (any bytes); never log it."""
        _no_support("secret_set_value", ErrorDomain.SECRET)

    def secret_get_value(self, secret: SecretRef, flags: int) -> bytes:
        """virSecretGetValue: the value; a private secret is VIR_ERR_INVALID_SECRET, one
        without a value VIR_ERR_NO_SECRET."""
        _no_support("secret_get_value", ErrorDomain.SECRET)

    def secret_undefine(self, secret: SecretRef) -> None:
        """virSecretUndefine: forget the secret and its value."""
        _no_support("secret_undefine", ErrorDomain.SECRET)


class NWFilterDriver:
    """Network filter and filter binding entry points (libvirt's virNWFilterDriver)."""

    def connect_list_all_nwfilters(self, flags: int) -> list[NWFilterRef]:
        """virConnectListAllNWFilters: one :class:`~pyvirt.NWFilterRef` per filter."""
        _no_support("connect_list_all_nwfilters", ErrorDomain.NWFILTER)

    def connect_num_of_nwfilters(self) -> int:
        """virConnectNumOfNWFilters: how many filters there are."""
        _no_support("connect_num_of_nwfilters", ErrorDomain.NWFILTER)

    def connect_list_nwfilters(self, maxnames: int) -> list[str]:
        """virConnectListNWFilters: at most *maxnames* filter names."""
        _no_support("connect_list_nwfilters", ErrorDomain.NWFILTER)

    def nwfilter_lookup_by_name(self, name: str) -> NWFilterRef:
        """virNWFilterLookupByName: the filter called *name*; unknown: VIR_ERR_NO_NWFILTER."""
        _no_support("nwfilter_lookup_by_name", ErrorDomain.NWFILTER)

    def nwfilter_lookup_by_uuid(self, uuid: str) -> NWFilterRef:
        """virNWFilterLookupByUUID: the filter with *uuid*; unknown: VIR_ERR_NO_NWFILTER."""
        _no_support("nwfilter_lookup_by_uuid", ErrorDomain.NWFILTER)

    def nwfilter_define_xml(self, xml: str) -> NWFilterRef:
        """virNWFilterDefineXML: add or update the filter ``<filter>`` *xml* describes."""
        _no_support("nwfilter_define_xml", ErrorDomain.NWFILTER)

    def nwfilter_define_xml_flags(self, xml: str, flags: int) -> NWFilterRef:
        """virNWFilterDefineXMLFlags: the same, with VIR_NWFILTER_DEFINE_VALIDATE."""
        _no_support("nwfilter_define_xml_flags", ErrorDomain.NWFILTER)

    def nwfilter_get_xml_desc(self, nwfilter: NWFilterRef, flags: int) -> str:
        """virNWFilterGetXMLDesc: the ``<filter>`` XML."""
        _no_support("nwfilter_get_xml_desc", ErrorDomain.NWFILTER)

    def nwfilter_undefine(self, nwfilter: NWFilterRef) -> None:
        """virNWFilterUndefine: remove the filter (one in use: VIR_ERR_OPERATION_INVALID)."""
        _no_support("nwfilter_undefine", ErrorDomain.NWFILTER)

    def connect_list_all_nwfilter_bindings(self, flags: int) -> list[NWFilterBindingRef]:
        """virConnectListAllNWFilterBindings: one :class:`~pyvirt.NWFilterBindingRef` per
        binding."""
        _no_support("connect_list_all_nwfilter_bindings", ErrorDomain.NWFILTER)

    def nwfilter_binding_lookup_by_port_dev(self, portdev: str) -> NWFilterBindingRef:
        """virNWFilterBindingLookupByPortDev: the binding of port *portdev*; unknown:
        VIR_ERR_NO_NWFILTER_BINDING."""
        _no_support("nwfilter_binding_lookup_by_port_dev", ErrorDomain.NWFILTER)

    def nwfilter_binding_create_xml(self, xml: str, flags: int) -> NWFilterBindingRef:
        """virNWFilterBindingCreateXML: bind a filter to a port from ``<filterbinding>``
        *xml* (VIR_NWFILTER_BINDING_CREATE_VALIDATE)."""
        _no_support("nwfilter_binding_create_xml", ErrorDomain.NWFILTER)

    def nwfilter_binding_get_xml_desc(self, binding: NWFilterBindingRef, flags: int) -> str:
        """virNWFilterBindingGetXMLDesc: the ``<filterbinding>`` XML."""
        _no_support("nwfilter_binding_get_xml_desc", ErrorDomain.NWFILTER)

    def nwfilter_binding_delete(self, binding: NWFilterBindingRef) -> None:
        """virNWFilterBindingDelete: remove the binding (the port's filtering stops)."""
        _no_support("nwfilter_binding_delete", ErrorDomain.NWFILTER)
