"""Secret entry points of a QEMU connection (libvirt's secret driver, secret_driver.c).

Why the QEMU plugin serves them: libvirtd answers ``qemu:///system`` and ``qemu:///session``
secret calls from its secret driver, which lives in the same daemon; pyvirtd's QEMU worker is
that daemon here, and the guests' disks and TLS setups are what the secrets are for.
Both URIs have them, as both of libvirt's daemons do.  Whether a caller may read a value is
the procedure table's business (``secret:read_secure``: never on a read-only connection);
a private secret's value is refused to every client here.
"""

from __future__ import annotations

from pyvirt import ErrorDomain, SecretRef
from pyvirt.driver import invalid_arg, unsupported_flags

from pyvirt_qemu._secrets import SecretStore

__all__ = ["SecretOps"]

_SECRET = ErrorDomain.SECRET
#: VIR_SECRET_DEFINE_VALIDATE (schema validation: accepted; the parser checks what matters).
_DEFINE_VALIDATE = 1
#: Every VIR_CONNECT_LIST_SECRETS_* filter bit.
_LIST_FILTERS = 1 | 2 | 4 | 8


class SecretOps:
    secrets: SecretStore

    def connect_list_all_secrets(self, flags: int) -> list[SecretRef]:
        unsupported_flags(flags, _LIST_FILTERS, "secretConnectListAllSecrets", _SECRET)
        return self.secrets.list_all(flags)

    def connect_num_of_secrets(self) -> int:
        return len(self.secrets.uuids())

    def connect_list_secrets(self, maxuuids: int) -> list[str]:
        return self.secrets.uuids()[: max(int(maxuuids), 0)]

    def secret_lookup_by_uuid(self, uuid: str) -> SecretRef:
        return self.secrets.lookup_by_uuid(uuid)

    def secret_lookup_by_usage(self, usage_type: int, usage_id: str) -> SecretRef:
        return self.secrets.lookup_by_usage(int(usage_type), usage_id)

    def secret_define_xml(self, xml: str, flags: int) -> SecretRef:
        unsupported_flags(flags, _DEFINE_VALIDATE, "secretDefineXML", _SECRET)
        return self.secrets.define(xml)

    def secret_get_xml_desc(self, secret: SecretRef, flags: int) -> str:
        unsupported_flags(flags, 0, "secretGetXMLDesc", _SECRET)
        return self.secrets.xml_desc(secret.uuid)

    def secret_set_value(self, secret: SecretRef, value: bytes, flags: int) -> None:
        if not value:  # (an empty value on the wire is libvirt's NULL: its API refuses it)
            api = "virSecretSetValue"
            raise invalid_arg(f"value in {api} must not be NULL", api, "value", _SECRET)
        unsupported_flags(flags, 0, "secretSetValue", _SECRET)
        self.secrets.set_value(secret.uuid, value)

    def secret_get_value(self, secret: SecretRef, flags: int) -> bytes:
        unsupported_flags(flags, 0, "secretGetValue", _SECRET)
        return self.secrets.get_value(secret.uuid)

    def secret_undefine(self, secret: SecretRef) -> None:
        self.secrets.undefine(secret.uuid)
