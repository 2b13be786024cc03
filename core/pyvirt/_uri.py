"""Connection URIs: libvirt's grammar ``driver[+transport]://[user@][host][:port]/path[?params]``.

The parser follows RFC 3986 as libxml2 (which libvirt uses) does: characters outside the RFC's
sets are rejected with libvirt's "Unable to parse URI" error rather than silently accepted, so a
typo never opens a different connection than the one the user meant.
"""

from __future__ import annotations

from pyvirt._codes import ErrorCode, ErrorDomain
from pyvirt._errors import make_error
from pyvirt._record import dict_record

_UNRESERVED = r"A-Za-z0-9\-._~"
_SUB_DELIMS = r"!$&'()*+,;="
_PCT = r"%[0-9A-Fa-f]{2}"
_PCHAR = rf"(?:[{_UNRESERVED}{_SUB_DELIMS}:@]|{_PCT})"
# Compiled by re on first use, only for what a URI needs beyond the scan below: telling a
# relative reference from garbage (after a failed parse), and splitting an authority.
_RELATIVE = rf"^(?:{_PCHAR}|/)*(?:\?(?:{_PCHAR}|[/?])*)?$"
_AUTHORITY = rf"""^(?:(?P<user>(?:[{_UNRESERVED}{_SUB_DELIMS}:]|{_PCT})*)@)?
    (?P<host>\[[0-9A-Fa-f:.]+\]|(?:[{_UNRESERVED}{_SUB_DELIMS}]|{_PCT})*)
    (?::(?P<port>[0-9]*))?$"""

# The characters of each part of ``scheme:[//authority]path[?query][#fragment]`` (besides
# %XX escapes), as RFC 3986 and libxml2 have them.  Splitting a URI into its parts is a scan
# rather than a regular expression so that opening a connection need not import re.
_ALPHA = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_HEX = frozenset("0123456789ABCDEFabcdef")
_SCHEME = _ALPHA | frozenset("0123456789+-.")
_PCHARS = _ALPHA | frozenset("0123456789-._~!$&'()*+,;=:@")
_AUTHORITY_CHARS = _PCHARS | frozenset("[]")
_PATH_CHARS = _PCHARS | frozenset("/")
_QUERY_CHARS = _PCHARS | frozenset("/?")


def _span(text: str, start: int, allowed: frozenset[str]) -> int:
    """The end of the longest run from *start* of *allowed* characters and %XX escapes."""
    i, n = start, len(text)
    while i < n:
        if text[i] in allowed:
            i += 1
        elif text[i] == "%" and i + 2 < n and text[i + 1] in _HEX and text[i + 2] in _HEX:
            i += 3
        else:
            break
    return i


def _split(text: str) -> tuple[str, str | None, str, str | None, str | None] | None:
    """(scheme, authority, path, query, fragment) of *text*, or None if it is not a URI."""
    # As the pattern's "$" did: one newline may end the text.
    end = len(text) - 1 if text.endswith("\n") else len(text)
    text = text[:end]
    i = _span(text, 1, _SCHEME) if text[:1] in _ALPHA else 0
    if i == 0 or text[i : i + 1] != ":":
        return None
    scheme = text[:i]
    i += 1
    authority = None
    if text.startswith("//", i):
        j = _span(text, i + 2, _AUTHORITY_CHARS)
        authority, i = text[i + 2 : j], j
    j = _span(text, i, _PATH_CHARS)
    path, i = text[i:j], j
    query = fragment = None
    if text.startswith("?", i):
        j = _span(text, i + 1, _QUERY_CHARS)
        query, i = text[i + 1 : j], j
    if text.startswith("#", i):
        j = _span(text, i + 1, _QUERY_CHARS)
        fragment, i = text[i + 1 : j], j
    if i != len(text):
        return None
    return scheme, authority, path, query, fragment


TRANSPORTS = ("tls", "unix", "ssh", "ext", "tcp", "libssh2", "libssh")


@dict_record
class URI:
    """A parsed connection URI.  ``str(uri)`` formats it the way libvirt does."""

    scheme: str
    user: str | None = None
    server: str | None = None
    port: int | None = None
    path: str = ""
    query: str | None = None
    fragment: str | None = None
    params: tuple[tuple[str, str], ...] = ()

    @property
    def driver(self) -> str:
        """The driver part of the scheme: ``test`` in ``test+unix``."""
        return self.scheme.split("+", 1)[0]

    @property
    def transport(self) -> str | None:
        """The transport part of the scheme, or None: ``unix`` in ``test+unix``."""
        parts = self.scheme.split("+", 1)
        return parts[1] if len(parts) == 2 else None

    def param(self, name: str) -> str | None:
        """The last value of query parameter *name* (libvirt keeps the last one)."""
        found = None
        for key, value in self.params:
            if key == name:
                found = value
        return found

    def __str__(self) -> str:
        text = f"{self.scheme}://"
        if self.user is not None:
            text += f"{self.user}@"
        if self.server:
            text += f"[{self.server}]" if ":" in self.server else self.server
        if self.port is not None:
            text += f":{self.port}"
        text += self.path
        if self.query is not None:
            text += f"?{self.query}"
        if self.fragment is not None:
            text += f"#{self.fragment}"
        return text


def unquote(text: str) -> str:
    """Percent-decode *text* as ``urllib.parse.unquote`` does; importing urllib.parse (and
    ipaddress with it) is left to the rare URI that has a ``%`` in it."""
    if "%" not in text:
        return text
    from urllib.parse import unquote as decode

    return decode(text)


def _unparsable(text: str) -> Exception:
    return make_error(ErrorCode.INTERNAL_ERROR, ErrorDomain.URI, f"Unable to parse URI {text}")


def _parse_params(query: str | None) -> tuple[tuple[str, str], ...]:
    if not query:
        return ()
    pairs = []
    for item in query.replace(";", "&").split("&"):
        if not item:
            continue
        key, _, value = item.partition("=")
        pairs.append((unquote(key.replace("+", " ")), unquote(value.replace("+", " "))))
    return tuple(pairs)


def parse_uri(text: str) -> URI:
    """Parse *text*; a string that is no URI at all raises libvirt's NO_CONNECT error."""
    parts = _split(text)
    if parts is None:
        import re

        first_segment = text.split("/", 1)[0]
        if ":" not in first_segment and re.match(_RELATIVE, text):
            # A well-formed relative reference: there is simply no driver name in it.
            raise make_error(
                ErrorCode.NO_CONNECT,
                ErrorDomain.NONE,
                f"URI '{text}' does not include a driver name",
            )
        raise _unparsable(text)
    scheme, authority, path, query, fragment = parts
    user = server = None
    port = None
    if authority:
        import re

        amatch = re.match(_AUTHORITY, authority, re.VERBOSE)
        if amatch is None:
            raise _unparsable(text)
        user = amatch.group("user")
        host = amatch.group("host") or None
        if host and host.startswith("["):
            host = host[1:-1]
        server = unquote(host) if host else None
        if amatch.group("port"):
            port = int(amatch.group("port"))
            if port > 65535:
                raise _unparsable(text)
    return URI(
        scheme=scheme,
        user=unquote(user) if user is not None else None,
        server=server,
        port=port,
        path=path,
        query=query,
        fragment=fragment,
        params=_parse_params(query),
    )
