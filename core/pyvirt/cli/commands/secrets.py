"""virsh's "Secret" commands: secret-define/-dumpxml/-list/-set-value/-get-value/-undefine and
secret-event, with virsh 9.0's options, messages and fallbacks.

Values are bytes; virsh shows and takes them as base64 unless ``--plain``.  A value is never
written anywhere but stdout, and only by secret-get-value.
"""

from __future__ import annotations

from pyvirt.cli._control import Control, Failure
from pyvirt.cli._parser import Cmd, Opt, Parsed, T
from pyvirt.cli._table import render
from pyvirt.cli.commands._common import exclusive, read_file, string_req
from pyvirt.cli.commands.domain import dump_xml

# Not typing.TYPE_CHECKING: importing typing costs more than pyvirsh's own start-up.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from pyvirt import ObjectEvent, Secret

_B, _S, _D = T.BOOL, T.STRING, T.DATA

#: virSecretUsageType's names, by number (libvirt's virSecretUsageTypeToString).
USAGE_NAMES = ("none", "volume", "ceph", "iscsi", "tls", "vtpm")
#: secret-event's event names (virshSecretEventCallbacks), by event id.
SECRET_EVENTS = ("lifecycle", "value-changed")
#: secret-list's filter options and their VIR_CONNECT_LIST_SECRETS_* bits.
_LIST_FILTERS = (("ephemeral", 1), ("no-ephemeral", 2), ("private", 4), ("no-private", 8))


def secret(ctl: Control, p: Parsed, opt: str = "secret") -> tuple[Secret, str]:
    """virshCommandOptSecret: by UUID only; the lookup error follows."""
    from pyvirt import VirtError

    text = string_req(p, opt)
    assert text is not None
    try:
        return ctl.conn.lookup_secret_by_uuid(text), text
    except VirtError as e:
        raise Failure(f"failed to get secret '{text}'", cause=e) from None


def cmd_secret_define(ctl: Control, p: Parsed) -> bool:
    path = string_req(p, "file")
    assert path is not None
    xml = read_file(path)
    try:
        defined = ctl.conn.define_secret(xml, 1 if p.bool("validate") else 0)
    except Exception as e:
        raise Failure(f"Failed to set attributes from {path}", cause=e) from None
    ctl.print_extra(f"Secret {defined.uuid} created\n")
    return True


def cmd_secret_dumpxml(ctl: Control, p: Parsed) -> bool:
    found, _ = secret(ctl, p)
    dump_xml(ctl, found.xml_desc(0), string_req(p, "xpath"), p.bool("wrap"))
    return True


def cmd_secret_undefine(ctl: Control, p: Parsed) -> bool:
    found, text = secret(ctl, p)
    try:
        found.undefine()
    except Exception as e:
        raise Failure(f"Failed to delete secret {text}", cause=e) from None
    ctl.print_extra(f"Secret {text} deleted\n")
    return True


def cmd_secret_get_value(ctl: Control, p: Parsed) -> bool:
    import base64

    found, _ = secret(ctl, p)
    value = found.value(0)
    # As virsh: the value alone; the newline is the one every command is followed by.
    if p.bool("plain"):
        ctl.out.flush()
        ctl.out.buffer.write(value)
        ctl.out.buffer.flush()
    else:
        ctl.print(base64.b64encode(value).decode())
    return True


_B64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def glib_base64_decode(data: bytes) -> bytes:
    """GLib's g_base64_decode, which virsh uses: characters outside the alphabet are
    skipped, an incomplete last group is dropped, and each of the last two alphabet
    characters that is a ``=`` drops one decoded byte.  Never an error."""
    ranks = [0 if ch == 0x3D else _B64_ALPHABET.find(ch) for ch in data]
    ranks = [r for r in ranks if r >= 0]
    out = bytearray()
    for i in range(0, len(ranks) - len(ranks) % 4, 4):
        word = ranks[i] << 18 | ranks[i + 1] << 12 | ranks[i + 2] << 6 | ranks[i + 3]
        out += word.to_bytes(3, "big")
    tail = [ch for ch in data if ch == 0x3D or ch in _B64_ALPHABET][-2:]
    drop = min(tail.count(0x3D), len(out))
    return bytes(out[: len(out) - drop])


def _new_value(ctl: Control, p: Parsed) -> bytes:
    """The value secret-set-value stores: from --base64, --file (base64 unless --plain) or
    the terminal (--interactive, as typed)."""
    encoded = p.str("base64")
    path = string_req(p, "file")
    if encoded is not None:
        ctl.error("Passing secret value as command-line argument is insecure!")
        raw = encoded.encode()
    elif path is not None:
        raw = read_file(path).encode("utf-8", errors="surrogateescape")
        if p.bool("plain"):
            return raw
    elif p.bool("interactive"):
        import getpass

        return getpass.getpass("Enter new value for secret:").encode()
    else:
        raise Failure("Input secret value is missing")
    return glib_base64_decode(raw)


def cmd_secret_set_value(ctl: Control, p: Parsed) -> bool:
    for a, b in (("file", "base64"), ("plain", "base64"), ("interactive", "base64")):
        exclusive(p, a, b)
    exclusive(p, "interactive", "file")
    found, _ = secret(ctl, p)
    value = _new_value(ctl, p)
    try:
        found.set_value(value, 0)  # (GLib's empty decoding is virsh's NULL: refused)
    except Exception as e:
        raise Failure("Failed to set secret value", cause=e) from None
    ctl.print_extra("Secret value set\n")
    return True


def _collect(ctl: Control, flags: int) -> list[Secret]:
    """virshSecretListCollect: listAll, and on a driver without it (and no filter) the
    legacy count-then-list calls, failing with their messages."""
    from pyvirt import NoSupportError, VirtError

    try:
        return ctl.conn.list_secrets(flags)
    except NoSupportError:
        if flags:
            raise Failure("Filtering is not supported by this libvirt") from None
    try:
        count = ctl.conn.count_secrets()
    except VirtError as e:
        raise Failure("Failed to count secrets", cause=e) from None
    try:
        uuids = ctl.conn.list_secret_uuids(count) if count else []
    except VirtError as e:
        raise Failure("Failed to list secrets", cause=e) from None
    found = []
    for uuid in uuids:
        try:
            found.append(ctl.conn.lookup_secret_by_uuid(uuid))
        except VirtError:
            continue  # gone meanwhile, as virsh skips it
    return found


def cmd_secret_list(ctl: Control, p: Parsed) -> bool:
    flags = 0
    for name, bit in _LIST_FILTERS:
        if p.bool(name):
            flags |= bit
    listed = sorted(_collect(ctl, flags), key=lambda s: s.uuid)
    rows = []
    for s in listed:
        kind = USAGE_NAMES[s.usage_type] if 0 < s.usage_type < len(USAGE_NAMES) else ""
        rows.append([s.uuid, f"{kind} {s.usage_id}" if kind else "Unused"])
    ctl.print(render(["UUID", "Usage"], rows, with_header=not ctl.quiet))
    return True


#: virshSecretEventLifecycle's words, by VIR_SECRET_EVENT_* number.
_LIFECYCLE = ("Defined", "Undefined")


def secret_event_text(ev: ObjectEvent) -> str:
    """virshSecretEventLifecyclePrint's line."""
    kind = _LIFECYCLE[ev.event] if 0 <= ev.event < len(_LIFECYCLE) else "unknown"
    return f"event 'lifecycle' for secret {ev.uuid}: {kind}\n"


def secret_value_changed_text(ev: ObjectEvent) -> str:
    """virshSecretEventGenericPrint's line for the value-changed event."""
    return f"event 'value-changed' for secret {ev.uuid}\n"


def _keeps_secrets(ctl: Control) -> bool:
    """Whether the connection's driver has libvirt's secret driver (and so its events): a
    driver without one answers the count "not supported", as libvirt's test driver does."""
    from pyvirt import NoSupportError

    try:
        ctl.conn.count_secrets()
    except NoSupportError:
        return False
    return True


def cmd_secret_event(ctl: Control, p: Parsed) -> bool:
    from pyvirt import ErrorCode, ErrorDomain, make_error
    from pyvirt.cli.commands.events import object_events, timeout_ms

    def lookup() -> str | None:
        return secret(ctl, p)[0].uuid if p.str("secret") is not None else None

    if p.bool("list") or _keeps_secrets(ctl):
        texts = {"lifecycle": secret_event_text, "value-changed": secret_value_changed_text}
        return object_events(ctl, p, "secret", SECRET_EVENTS, lookup, texts)
    name = string_req(p, "event")
    if name is None:
        raise Failure("either --list or --event <type> is required")
    if name not in SECRET_EVENTS:
        raise Failure(f"unknown event type {name}")
    timeout_ms(p)
    try:
        # virsh reports a failed lookup, then registers for every secret all the same.
        lookup()
    except Failure as f:
        for line in f.lines:
            ctl.error(line)
    api = "virConnectSecretEventRegisterAny"
    raise Failure(cause=make_error(ErrorCode.NO_SUPPORT, ErrorDomain.SECRET, api))


def _cmd(name: str, brief: str, desc: str, handler: Any, *o: Opt) -> Cmd:
    return Cmd(name, "secret", brief, desc, tuple(o), handler)


_SECRET = Opt("secret", _D, "secret UUID", req=True)
_XPATH = (
    Opt("xpath", _S, "xpath expression to filter the XML document", req_opt=True),
    Opt("wrap", _B, "wrap xpath results in an common root element"),
)

COMMANDS = [
    _cmd(
        "secret-define",
        "define or modify a secret from an XML file",
        "Define or modify a secret.",
        cmd_secret_define,
        Opt("file", _D, "file containing secret attributes in XML", req=True),
        Opt("validate", _B, "validate the XML against the schema"),
    ),
    _cmd(
        "secret-dumpxml",
        "secret attributes in XML",
        "Output attributes of a secret as an XML dump to stdout.",
        cmd_secret_dumpxml,
        _SECRET,
        *_XPATH,
    ),
    _cmd(
        "secret-event",
        "Secret Events",
        "List event types, or wait for secret events to occur",
        cmd_secret_event,
        Opt("secret", _S, "filter by secret name or uuid"),
        Opt("event", _S, "which event type to wait for"),
        Opt("loop", _B, "loop until timeout or interrupt, rather than one-shot"),
        Opt("timeout", T.INT, "timeout seconds"),
        Opt("list", _B, "list valid event types"),
        Opt("timestamp", _B, "show timestamp for each printed event"),
    ),
    _cmd(
        "secret-get-value",
        "Output a secret value",
        "Output a secret value to stdout.",
        cmd_secret_get_value,
        _SECRET,
        Opt("plain", _B, "get value without converting to base64"),
    ),
    _cmd(
        "secret-list",
        "list secrets",
        "Returns a list of secrets",
        cmd_secret_list,
        Opt("ephemeral", _B, "list ephemeral secrets"),
        Opt("no-ephemeral", _B, "list non-ephemeral secrets"),
        Opt("private", _B, "list private secrets"),
        Opt("no-private", _B, "list non-private secrets"),
    ),
    _cmd(
        "secret-set-value",
        "set a secret value",
        "Set a secret value.",
        cmd_secret_set_value,
        _SECRET,
        Opt("file", _S, "read secret from file"),
        Opt("plain", _B, "read the secret from file without converting from base64"),
        Opt("interactive", _B, "read the secret from the terminal"),
        Opt("base64", _S, "base64-encoded secret value"),
    ),
    _cmd(
        "secret-undefine",
        "undefine a secret",
        "Undefine a secret.",
        cmd_secret_undefine,
        _SECRET,
    ),
]
