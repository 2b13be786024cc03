"""Small value parsers shared by every configuration kind: UUIDs, MAC addresses, names.

Why shared: libvirt applies the same rules (``virUUIDParse``, ``virMacAddrParse``) in domain,
network and pool XML, only the error code and domain differ per caller.
"""

from __future__ import annotations

from pyvirt._codes import ErrorCode
from pyvirt._errors import make_error

# Not typing.TYPE_CHECKING: importing typing costs a pyvirsh run several milliseconds.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from lxml import etree

__all__ = [
    "child",
    "child_text",
    "first_children",
    "generate_mac",
    "generate_uuid",
    "local_name",
    "parse_mac",
    "parse_uuid",
]

_HEX = "0123456789abcdefABCDEF"
_BLANKS = " \t\n\r\v\f"


def parse_uuid(text: str) -> str | None:
    """Return the canonical lowercase form of *text*, or None when libvirt would refuse it.

    Like ``virUUIDParse``: leading and trailing blanks are ignored, and dashes or spaces may
    appear anywhere between hex pairs, so ``6695eb01f6a4...`` (no dashes) is accepted.
    """
    cur = text.strip(_BLANKS)
    if len(cur) == 36 and cur[8] == cur[13] == cur[18] == cur[23] == "-":
        # The canonical form (nearly every document's): checked in one step.
        try:
            if len(bytes.fromhex(cur.replace("-", ""))) == 16:
                return cur.lower()
        except ValueError:
            return None
    cur = text.lstrip(_BLANKS)
    digits: list[str] = []
    i = 0
    while len(digits) < 32:
        if i >= len(cur):
            return None
        ch = cur[i]
        if ch in "- " and len(digits) % 2 == 0:
            i += 1
            continue
        if ch not in _HEX:
            return None
        digits.append(ch.lower())
        i += 1
    if cur[i:].strip(_BLANKS):
        return None
    h = "".join(digits)
    return f"{h[0:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


def generate_uuid() -> str:
    """A random (version 4) UUID, as libvirt's ``virUUIDGenerate``."""
    import uuid  # not at the top: it imports platform, a cost every pyvirsh run would pay

    return str(uuid.uuid4())


def parse_mac(text: str) -> str | None:
    """Canonical lowercase MAC for *text* (six 1-2 digit hex groups split by ':' or '-')."""
    sep = ":" if ":" in text else "-"
    parts = text.split(sep)
    if len(parts) != 6:
        return None
    out = []
    for part in parts:
        if not 1 <= len(part) <= 2 or any(c not in _HEX for c in part):
            return None
        out.append(f"{int(part, 16):02x}")
    return ":".join(out)


def generate_mac(prefix: str = "52:54:00") -> str:
    """A random MAC under the KVM/QEMU OUI, as libvirt generates for interfaces without one."""
    import secrets

    tail = secrets.token_bytes(3)
    return prefix + "".join(f":{b:02x}" for b in tail)


def local_name(elem: etree._Element) -> str:
    """Tag without namespace; comments and processing instructions give ''."""
    if not isinstance(elem.tag, str):
        return ""
    from lxml import etree

    return etree.QName(elem).localname


def child(elem: etree._Element | None, name: str) -> etree._Element | None:
    """First child element named *name* in no namespace (libvirt's ``./name[1]``)."""
    if elem is None:
        return None
    for c in elem:
        if isinstance(c.tag, str) and c.tag == name:
            return c
    return None


def first_children(elem: etree._Element) -> dict[str, etree._Element]:
    """The first child element of each name in no namespace, for a parser that looks up
    many names of one element (one pass instead of one per name, as :func:`child` makes)."""
    found: dict[str, etree._Element] = {}
    for c in elem:
        tag = c.tag
        if isinstance(tag, str) and tag not in found:
            found[tag] = c
    return found


def children(elem: etree._Element | None, name: str) -> list[etree._Element]:
    if elem is None:
        return []
    return [c for c in elem if isinstance(c.tag, str) and c.tag == name]


def child_text(elem: etree._Element | None, name: str) -> str | None:
    """Text of the first *name* child ('' for an empty element, None when absent)."""
    c = child(elem, name)
    if c is None:
        return None
    return c.text or ""


def check_name(name: str | None, domain: int, *, missing_code: int = ErrorCode.NO_NAME) -> str:
    """Refuse missing names, and names with '/' (they become file names in the drivers)."""
    if not name:
        raise make_error(missing_code, domain, None)
    if "/" in name:
        raise make_error(ErrorCode.XML_ERROR, domain, f"name {name} cannot contain '/'")
    return name
