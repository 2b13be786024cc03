"""Which URI to open when the caller gives none, and URI aliases.

Order, as libvirt's: ``PYVIRT_DEFAULT_URI``, then ``LIBVIRT_DEFAULT_URI`` (so existing
environments keep working), then ``uri_default`` in the client config file, then probing the
installed drivers.  Aliases (``uri_aliases = ["name=URI", ...]``) come from the same file.
"""

from __future__ import annotations

import os

from pyvirt._codes import ErrorCode, ErrorDomain
from pyvirt._errors import make_error

# Not typing.TYPE_CHECKING: importing typing costs more than pyvirsh's own start-up.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyvirt._conffile import Value

_ALIAS_NAME = r"^[A-Za-z0-9_\-]+$"


def client_config_path() -> str:
    """``$PYVIRT_CONFIG`` if set; else /etc/pyvirt/pyvirt.conf for root, XDG config otherwise."""
    explicit = os.environ.get("PYVIRT_CONFIG")
    if explicit:
        return explicit
    if os.geteuid() == 0:
        return "/etc/pyvirt/pyvirt.conf"
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return os.path.join(base, "pyvirt", "pyvirt.conf")


def load_client_config() -> dict[str, Value]:
    """The settings of the client config file; an absent file means no settings."""
    path = client_config_path()
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise make_error(
            ErrorCode.SYSTEM_ERROR, ErrorDomain.CONF, f"Failed to read {path}: {exc.strerror}"
        ) from None
    from pyvirt._conffile import parse_conf  # only when there is a file to read

    return parse_conf(text, path)


def default_uri(config: dict[str, Value]) -> str | None:
    for var in ("PYVIRT_DEFAULT_URI", "LIBVIRT_DEFAULT_URI"):
        value = os.environ.get(var)
        if value:
            return value
    configured = config.get("uri_default")
    if configured is not None and not isinstance(configured, str):
        raise make_error(
            ErrorCode.CONF_SYNTAX, ErrorDomain.CONF, "Expected a string for 'uri_default' parameter"
        )
    return configured or None


def resolve_alias(name: str, config: dict[str, Value]) -> str:
    """Map *name* through ``uri_aliases``; a malformed entry is an error for every open."""
    aliases = config.get("uri_aliases")
    if aliases is None:
        return name
    import re

    if not isinstance(aliases, list):
        raise make_error(
            ErrorCode.CONF_SYNTAX, ErrorDomain.CONF, "Expected a list for 'uri_aliases' parameter"
        )
    table: dict[str, str] = {}
    for entry in aliases:
        text = str(entry)
        alias, sep, target = text.partition("=")
        if not sep or not re.match(_ALIAS_NAME, alias):
            raise make_error(
                ErrorCode.CONF_SYNTAX,
                ErrorDomain.CONF,
                f"Malformed 'uri_aliases' config entry '{text}', "
                "aliases may only contain 'a-Z, 0-9, _, -'",
            )
        table.setdefault(alias, target)
    if re.match(_ALIAS_NAME, name) and name in table:
        return table[name]
    return name
