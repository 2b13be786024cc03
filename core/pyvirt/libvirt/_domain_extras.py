"""libvirt-python's domain metadata and rename methods (``setMetadata``, ``metadata``,
``rename``), ``securityLabelList`` and ``FDAssociate``, a family of :class:`pyvirt.libvirt.virDomain` kept in its
own module."""

from __future__ import annotations

from typing import Any

from pyvirt._objects import Domain
from pyvirt.libvirt import _args
from pyvirt.libvirt._errors import api


class DomainMetadataMethods:
    """Mixin of :class:`pyvirt.libvirt.virDomain`."""

    _o: Domain

    @api
    def securityLabelList(self) -> list[list[Any]]:  # noqa: N802
        return [[label.label, label.enforcing] for label in self._o.security_labels()]

    @api
    def FDAssociate(self, name: str, files: list[int], flags: int = 0) -> int:  # noqa: N802
        c_api = "virDomainFDAssociate"
        group = _args.string(name, c_api, 2, "name")
        if not isinstance(files, list):
            raise TypeError("FDAssociate() argument 2 must be list")
        self._o.fd_associate(group, [_args.c_int(f) for f in files], _args.flags(flags))
        return 0

    @api
    def setMetadata(  # noqa: N802 - libvirt-python's name
        self, type: int, metadata: str | None, key: str | None, uri: str | None, flags: int = 0
    ) -> int:
        c_api = "virDomainSetMetadata"
        self._o.set_metadata(
            _args.c_int(type),
            _args.optional_string(metadata, c_api, 3),
            _args.optional_string(key, c_api, 4),
            _args.optional_string(uri, c_api, 5),
            _args.flags(flags),
        )
        return 0

    @api
    def metadata(self, type: int, uri: str | None, flags: int = 0) -> str:
        c_api = "virDomainGetMetadata"
        return self._o.metadata(
            _args.c_int(type), _args.optional_string(uri, c_api, 3), _args.flags(flags)
        )

    @api
    def rename(self, new_name: str | None, flags: int = 0) -> int:
        # Checked by the public layer (NULL, then empty), as libvirt's virDomainRename does.
        self._o.rename(
            _args.optional_string(new_name, "virDomainRename", 2),  # type: ignore[arg-type]
            _args.flags(flags),
        )
        return 0
