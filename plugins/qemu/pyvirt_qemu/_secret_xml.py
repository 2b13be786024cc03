"""The ``<secret>`` document: parsed and formatted as libvirt 9.0's secret_conf.c does.

Why in the plugin and not in :mod:`pyvirt.conf`: only the secret driver reads this document
(libvirt keeps it beside its driver, not among the domain and network schemas), and the
document never holds the value, which the store keeps apart (:mod:`pyvirt_qemu._secrets`).

Every refusal is libvirt's, word for word and with its code: a root that is not
``<secret>``, ``ephemeral``/``private`` that are not yes|no, a usage type it does not know
(or none given), a usage without the element naming what it is for, a malformed UUID.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyvirt import ErrorCode, ErrorDomain, VirtError, make_error
from pyvirt.conf import generate_uuid, parse_document, parse_uuid

__all__ = ["USAGE_TYPES", "SecretDef", "format_secret_xml", "parse_secret_xml"]

_SECRET = ErrorDomain.SECRET

#: virSecretUsageType's names by number (VIR_SECRET_USAGE_TYPE_*): none, volume, ceph, ...
USAGE_TYPES = ("none", "volume", "ceph", "iscsi", "tls", "vtpm")
#: Per usage type (by number): the child of ``<usage>`` naming what the secret is for, and
#: the words of libvirt's error when it is missing.
_USAGE_CHILD: dict[int, tuple[str, str]] = {
    1: ("volume", "volume usage specified, but volume path is missing"),
    2: ("name", "Ceph usage specified, but name is missing"),
    3: ("target", "iSCSI usage specified, but target is missing"),
    4: ("name", "TLS usage specified, but name is missing"),
    5: ("name", "vTPM usage specified, but name is missing"),
}


@dataclass
class SecretDef:
    """One secret's attributes (libvirt's virSecretDef): never its value."""

    uuid: str
    ephemeral: bool = False
    private: bool = False
    description: str | None = None
    usage_type: int = 0
    #: The volume path, the ceph/tls/vtpm name or the iscsi target; None for usage NONE.
    usage_id: str | None = None


def _error(code: ErrorCode, message: str) -> VirtError:
    return make_error(code, _SECRET, message)


def _string(root: object, path: str) -> str | None:
    """libvirt's virXPathString: the string value of *path*'s first match, None when there
    is none or it is empty."""
    from lxml import etree

    assert isinstance(root, etree._Element)
    value = root.xpath(f"string({path})")
    return str(value) if value else None


def _yes_no(root: object, name: str) -> bool:
    from lxml import etree

    assert isinstance(root, etree._Element)
    value = root.get(name)
    if value is None:
        return False
    if value not in ("yes", "no"):
        raise _error(ErrorCode.XML_ERROR, f"invalid value of '{name}'")
    return value == "yes"


def parse_secret_xml(xml: str | bytes) -> SecretDef:
    """A :class:`SecretDef` from ``<secret>`` *xml* (virSecretDefParseString), a UUID
    generated when it has none."""
    root = parse_document(xml, "definition_of_secret", _SECRET)
    if root.tag != "secret":
        raise _error(ErrorCode.XML_ERROR, f"expecting root element of 'secret', not '{root.tag}'")
    ephemeral = _yes_no(root, "ephemeral")
    private = _yes_no(root, "private")
    text = _string(root, "./uuid")
    if text is None:
        uuid = generate_uuid()
    else:
        parsed = parse_uuid(text)
        if parsed is None:
            raise _error(ErrorCode.INTERNAL_ERROR, "malformed uuid element")
        uuid = parsed
    d = SecretDef(uuid, ephemeral, private, _string(root, "./description"))
    if root.find("usage") is not None:
        d.usage_type, d.usage_id = _parse_usage(root)
    return d


def _parse_usage(root: object) -> tuple[int, str | None]:
    kind = _string(root, "./usage/@type")
    if kind is None:
        raise _error(ErrorCode.XML_ERROR, "unknown secret usage type")
    if kind not in USAGE_TYPES:
        raise _error(ErrorCode.CONFIG_UNSUPPORTED, f"unknown secret usage type {kind}")
    number = USAGE_TYPES.index(kind)
    if number == 0:
        return 0, None
    tag, missing = _USAGE_CHILD[number]
    usage_id = _string(root, f"./usage/{tag}")
    if usage_id is None:
        raise _error(ErrorCode.INTERNAL_ERROR, missing)
    return number, usage_id


def _escape(text: str) -> str:
    """virBufferEscapeString's escaping: quotes as well as markup."""
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("'", "&apos;"))  # fmt: skip


def format_secret_xml(d: SecretDef) -> str:
    """The document as secret-dumpxml prints it (virSecretDefFormat)."""
    yes_no = {True: "yes", False: "no"}
    lines = [
        f"<secret ephemeral='{yes_no[d.ephemeral]}' private='{yes_no[d.private]}'>",
        f"  <uuid>{d.uuid}</uuid>",
    ]
    if d.description is not None:
        lines.append(f"  <description>{_escape(d.description)}</description>")
    if d.usage_type != 0 and d.usage_id is not None:
        tag = _USAGE_CHILD[d.usage_type][0]
        lines += [
            f"  <usage type='{USAGE_TYPES[d.usage_type]}'>",
            f"    <{tag}>{_escape(d.usage_id)}</{tag}>",
            "  </usage>",
        ]
    lines.append("</secret>")
    return "\n".join(lines) + "\n"
