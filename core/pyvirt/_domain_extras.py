"""The domain's metadata, title and description, its renaming and descriptor groups: part of
:class:`pyvirt.Domain`, kept apart so the family stays in one small module.

Argument checks are the ones libvirt's public API makes before the driver sees the call
(virDomainSetMetadata, virDomainGetMetadata, virDomainRename), with its words.
"""

from __future__ import annotations

from pyvirt._checks import check_flags, check_nonzero, check_string, invalid_arg

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyvirt._connection import Connection
    from pyvirt._records import DomainRef, SecurityLabel

_DESCRIPTION, _TITLE, _ELEMENT = 0, 1, 2  # VIR_DOMAIN_METADATA_*
_LIVE, _CONFIG = 1, 2  # VIR_DOMAIN_AFFECT_*


def _optional_string(value: object, argname: str, api: str) -> str | None:
    return None if value is None else check_string(value, argname, api)


def _must_be_null(value: str | None, argname: str, api: str) -> None:
    if value is not None:
        raise invalid_arg(f"{argname} in {api} must be NULL", api, argname)


def _must_not_be_null(value: str | None, argname: str, api: str) -> None:
    if value is None:
        raise invalid_arg(f"{argname} in {api} must not be NULL", api, argname)


def _one_of_live_or_config(flags: int, api: str) -> None:
    """libvirt's VIR_EXCLUSIVE_FLAGS for AFFECT_LIVE and AFFECT_CONFIG in a getter (flags not
    yet checked to be an int are left to check_flags)."""
    if isinstance(flags, int) and flags & _LIVE and flags & _CONFIG:
        raise invalid_arg(
            "Flags 'VIR_DOMAIN_AFFECT_LIVE' and 'VIR_DOMAIN_AFFECT_CONFIG' are mutually exclusive",
            api,
            "ctl",
        )


def _refuse_read_only(read_only: bool, number: int, flags: int) -> None:
    """libvirt's virCheckReadOnlyGoto, which these APIs make before any argument check
    (*number*: the procedure's row in pyvirt._procedures)."""
    if read_only:
        from pyvirt._access import check_access
        from pyvirt._procedures import BY_NUMBER

        check_access(BY_NUMBER[number], flags, True)


def _check_type(type: object, api: str) -> int:
    if isinstance(type, bool) or not isinstance(type, int) or not -(2**31) <= type < 2**31:
        raise invalid_arg(f"type in {api} must be an integer", api, "type")
    return int(type)


class DomainMetadataMethods:
    """Metadata and rename methods of :class:`pyvirt.Domain`."""

    _conn: Connection

    if TYPE_CHECKING:

        @property
        def _ref(self) -> DomainRef: ...

    def set_metadata(
        self,
        type: int,
        metadata: str | None,
        key: str | None = None,
        uri: str | None = None,
        flags: int = 0,
    ) -> None:
        """Set the title, the description or one ``<metadata>`` element (virDomainSetMetadata).

        *type* is a :class:`DomainMetadataType`.  None (or "" for the title and description)
        removes it.  An ELEMENT needs the namespace *uri* and, when setting, the prefix *key*
        for it; the title and description take neither.  *flags*:
        :class:`DomainModificationImpact` (LIVE and CONFIG may be combined).
        """
        api = "virDomainSetMetadata"
        type = _check_type(type, api)
        metadata = _optional_string(metadata, "metadata", api)
        key = _optional_string(key, "key", api)
        uri = _optional_string(uri, "uri", api)
        flags = check_flags(flags, api)
        _refuse_read_only(self._conn._calls.read_only, 264, flags)  # virDomainSetMetadata
        if type == _TITLE and metadata is not None and "\n" in metadata:
            raise invalid_arg("metadata title can't contain newlines", api, "metadata")
        if type in (_TITLE, _DESCRIPTION):
            _must_be_null(uri, "uri", api)
            _must_be_null(key, "key", api)
        elif type == _ELEMENT:
            _must_not_be_null(uri, "uri", api)
            if metadata is not None:
                _must_not_be_null(key, "key", api)
        self._conn._calls.domain_set_metadata(self._ref, type, metadata, key, uri, flags)

    def metadata(self, type: int, uri: str | None = None, flags: int = 0) -> str:
        """The title, the description or the ``<metadata>`` element of namespace *uri*
        (virDomainGetMetadata), without that namespace's prefix.  Absent:
        VIR_ERR_NO_DOMAIN_METADATA.  *flags*: LIVE or CONFIG, not both."""
        api = "virDomainGetMetadata"
        type = _check_type(type, api)
        uri = _optional_string(uri, "uri", api)
        flags = check_flags(flags, api)
        _one_of_live_or_config(flags, api)
        if type in (_TITLE, _DESCRIPTION):
            _must_be_null(uri, "uri", api)
        elif type == _ELEMENT:
            _must_not_be_null(uri, "uri", api)
        return str(self._conn._calls.domain_get_metadata(self._ref, type, uri, flags))

    def rename(self, new_name: str, flags: int = 0) -> None:
        """Rename the inactive, persistent domain (virDomainRename).  This handle keeps the
        name it was made with; its UUID still finds the domain."""
        api = "virDomainRename"
        _refuse_read_only(self._conn._calls.read_only, 358, 0)  # virDomainRename
        if new_name is None:
            raise invalid_arg(f"new_name in {api} must not be NULL", api, "new_name")
        new_name = check_string(new_name, "new_name", api)
        if not new_name:
            raise invalid_arg(f"string new_name in {api} must not be empty", api, "new_name")
        self._conn._calls.domain_rename(self._ref, new_name, flags)

    def security_labels(self) -> list[SecurityLabel]:
        """The domain's label from each of the host's security drivers
        (virDomainGetSecurityLabelList); :meth:`security_label` is the first one's."""
        return list(self._conn._calls.domain_get_security_label_list(self._ref))

    def fd_associate(self, name: str, fds: list[int], flags: int = 0) -> None:
        """Hand the open descriptors *fds* to the driver as group *name*, for disks that name
        it (virDomainFDAssociate; *flags*: :class:`pyvirt.DomainFDAssociateFlags`).  An
        empty list is refused first, as libvirt's public API does."""
        api = "virDomainFDAssociate"
        name = check_string(name, "name", api)
        check_nonzero(len(fds), "nfds", api)
        self._conn._calls.domain_fd_associate(self._ref, name, list(fds), flags)
