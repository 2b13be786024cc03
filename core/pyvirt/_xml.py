"""Safe XML parsing and libvirt-style XML writing shared by every configuration parser.

Why a module of its own: configuration XML arrives from untrusted clients, so exactly one place
decides how it is parsed (no entity expansion, no network, no DTD loading, a size cap) and how
parse failures are reported (libvirt's ``catchXMLError`` layout, so scripts that grep the
messages keep working).  The writer half reproduces libvirt's ``virBuffer`` output conventions:
two-space indentation, single-quoted attributes, and ``virBufferEscapeString`` escaping.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from lxml import etree

from pyvirt._codes import ErrorCode
from pyvirt._errors import VirtError, make_error

__all__ = [
    "MAX_XML_BYTES",
    "XMLWriter",
    "escape",
    "format_foreign_element",
    "format_metadata_child",
    "parse_document",
]

#: Largest document accepted.  virsh refuses files above 10 MiB before they reach the daemon;
#: enforcing the same bound here protects callers that skip virsh.
MAX_XML_BYTES = 10 * 1024 * 1024

_ENTITY_DECL = re.compile(rb"<!ENTITY", re.IGNORECASE)


def _parser(*, recover: bool = False) -> etree.XMLParser:
    # remove_blank_text mirrors libvirt's parse with blanks dropped, which is what makes
    # libxml2 re-indent <metadata> content on output.
    return etree.XMLParser(
        recover=recover,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_blank_text=True,
        remove_comments=True,
        remove_pis=True,
    )


def parse_document(
    text: str | bytes, label: str, domain: int, *, file_name: bool = False
) -> etree._Element:
    """Parse *text* safely and return its root element.

    *label* is the pseudo file name libvirt puts in front of libxml2 messages (for example
    ``domain_definition``) and *domain* the error domain of the caller.  Documents declaring
    entities are refused outright: libvirt would expand them, but expansion is the vector of
    billion-laughs and external-entity attacks, and no real configuration needs it.
    With *file_name*, *label* is a file's name and is shown as it is (virsh's own parses
    name the file, libvirt's pseudo names come in parentheses).
    """
    label = label if file_name else f"({label})"
    data = text.encode("utf-8") if isinstance(text, str) else bytes(text)
    if len(data) > MAX_XML_BYTES:
        raise make_error(
            ErrorCode.XML_ERROR,
            domain,
            f"document of {len(data)} bytes exceeds the limit of {MAX_XML_BYTES} bytes",
        )
    if _ENTITY_DECL.search(data):
        raise make_error(
            ErrorCode.XML_ERROR, domain, "entity declarations are not allowed in the document"
        )
    parser = _parser()
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        if any(e.level == etree.ErrorLevels.FATAL for e in parser.error_log):
            raise _syntax_error(data, parser, exc, label, domain) from None
        # Only non-fatal errors (e.g. an undeclared namespace prefix): libxml2 built the
        # tree and libvirt accepts it, but lxml raises; rebuild it in recover mode.
        root = etree.fromstring(data, _parser(recover=True))
    if root is None:  # pragma: no cover - lxml raises for empty input
        raise _detail(domain, f"{label}:1: Document is empty\n(null)\n^")
    return root


def _detail(domain: int, message: str) -> VirtError:
    return make_error(ErrorCode.XML_DETAIL, domain, message)


def _syntax_error(
    data: bytes, parser: etree.XMLParser, exc: etree.XMLSyntaxError, label: str, domain: int
) -> VirtError:
    """Rebuild libvirt's message for the first fatal libxml2 error.

    libvirt prints ``LABEL:LINE: MESSAGE`` then the offending line and a pointer line made of
    dashes (tabs kept, so the caret lines up) ending in ``^``; an empty line prints as
    ``(null)`` because libvirt passes a NULL string to printf there.
    """
    entries = [e for e in parser.error_log if e.level == etree.ErrorLevels.FATAL]
    if entries:
        line, column, message = entries[0].line, entries[0].column, entries[0].message
    else:  # pragma: no cover - defensive
        line, column, message = exc.lineno or 1, (exc.offset or 1), str(exc.msg)
    lines = data.decode("utf-8", "replace").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    context = lines[line - 1] if 0 < line <= len(lines) else ""
    col = max(column - 1, 0)
    pointer = "".join("\t" if ch == "\t" else "-" for ch in context[:col])
    pointer += "-" * max(col - len(context), 0)
    shown = context if context else "(null)"
    if context == "" and col:
        pointer = ""
    return _detail(domain, f"{label}:{line}: {message}\n{shown}\n{pointer}^")


_ESCAPES = {"<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;"}
_ESCAPE_RE = re.compile("[<>&\"']")


def escape(value: str) -> str:
    """Escape as libvirt's ``virBufferEscapeString`` does: quotes too, in text and attributes."""
    return _ESCAPE_RE.sub(lambda m: _ESCAPES[m.group(0)], value)


def _attrs(attrs: Iterable[tuple[str, object]]) -> str:
    parts = []
    for key, value in attrs:
        if value is None:
            continue
        if isinstance(value, bool):
            value = "yes" if value else "no"
        parts.append(f" {key}='{escape(str(value))}'")
    return "".join(parts)


class XMLWriter:
    """Line-oriented builder matching libvirt's ``virBuffer`` indentation (2 spaces a level)."""

    def __init__(self) -> None:
        self._lines: list[str] = []
        self._level = 0

    def _pad(self) -> str:
        return "  " * self._level

    def open(self, tag: str, attrs: Iterable[tuple[str, object]] = ()) -> None:
        """Start an element whose children follow on their own lines."""
        self._lines.append(f"{self._pad()}<{tag}{_attrs(attrs)}>")
        self._level += 1

    def open_raw(self, tag_line: str) -> None:
        """Start an element from a ready opening tag: for values libvirt writes unescaped."""
        self._lines.append(f"{self._pad()}{tag_line}")
        self._level += 1

    def close(self, tag: str) -> None:
        self._level -= 1
        self._lines.append(f"{self._pad()}</{tag}>")

    def empty(self, tag: str, attrs: Iterable[tuple[str, object]] = ()) -> None:
        self._lines.append(f"{self._pad()}<{tag}{_attrs(attrs)}/>")

    def text(self, tag: str, value: str, attrs: Iterable[tuple[str, object]] = ()) -> None:
        """An element with text content on one line (text may itself contain newlines)."""
        self._lines.append(f"{self._pad()}<{tag}{_attrs(attrs)}>{escape(value)}</{tag}>")

    def raw(self, block: str) -> None:
        """Append pre-formatted lines, indenting only their first line (libxml2 style)."""
        self._lines.append(self._pad() + block)

    def element(self, elem: etree._Element) -> None:
        """Write a stored foreign element in libvirt's style (recursive)."""
        self._lines.append(format_foreign_element(elem, self._level))

    def getvalue(self) -> str:
        return "\n".join(self._lines) + "\n"


def _local(elem: etree._Element) -> str:
    return etree.QName(elem).localname


def format_foreign_element(elem: etree._Element, level: int) -> str:
    """Format an element kept verbatim (one libvirt models but pyvirt does not) at *level*.

    Attribute order is the document's; quoting and escaping are libvirt's.  Elements holding
    only text stay on one line; elements holding children get one line per child.
    """
    pad = "  " * level
    tag = _local(elem)
    attrs = _attrs((etree.QName(k).localname, v) for k, v in elem.attrib.items())
    children = [c for c in elem if isinstance(c.tag, str)]
    text = elem.text or ""
    if not children:
        if text:
            return f"{pad}<{tag}{attrs}>{escape(text)}</{tag}>"
        return f"{pad}<{tag}{attrs}/>"
    inner = "\n".join(format_foreign_element(c, level + 1) for c in children)
    return f"{pad}<{tag}{attrs}>\n{inner}\n{pad}</{tag}>"


def format_metadata_child(elem: etree._Element, level: int) -> str:
    """Format one ``<metadata>`` child as libvirt does: libxml2's own pretty printer.

    libvirt hands metadata to ``xmlNodeDump`` with formatting on, so it comes out with double
    quotes and libxml2's indentation, unlike the rest of the document.  Wrapping the element in
    throw-away parents makes lxml (the same libxml2) print it at the right depth.
    """
    wrapper = etree.Element("w")
    outer = wrapper
    for _ in range(level - 1):
        outer = etree.SubElement(outer, "w")
    outer.append(_copy(elem))
    dumped = etree.tostring(wrapper, pretty_print=True, encoding="unicode")
    lines = dumped.split("\n")
    # Drop the wrapper open/close lines (level of them each side) and the final empty string.
    body = lines[level : len(lines) - level - 1]
    return "\n".join(body)


def _copy(elem: etree._Element) -> etree._Element:
    import copy

    dup = copy.deepcopy(elem)
    dup.tail = None
    return dup
