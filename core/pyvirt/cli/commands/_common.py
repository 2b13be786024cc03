"""Helpers shared by the command modules: option access with virsh's checks, object lookups
with virsh's fallbacks and messages, file reading, and ``--json`` output."""

from __future__ import annotations

import os

from pyvirt.cli._control import DEBUG, INFO, Control, Failure
from pyvirt.cli._format import to_int, to_uint
from pyvirt.cli._parser import Opt, Parsed, T

# Not typing.TYPE_CHECKING: importing typing costs more than pyvirsh's own start-up.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any, TypeVar

    from pyvirt import Domain, Network, StoragePool, StorageVol

    _O = TypeVar("_O")

#: pyvirsh's extension, listed by ``help CMD`` after virsh's own options (the tests compare
#: help with virsh's once this option's lines are taken out).
JSON_OPT = Opt("json", T.BOOL, "print JSON instead of text (see docs/cli-json.md)")
VSH_MAX_XML_FILE = 10 * 1024 * 1024
LIBVIRT_VERSION = 9_000_000  # the libvirt release whose behaviour pyvirt reproduces

BY_ID, BY_UUID, BY_NAME = 1, 2, 4


def dom_opt(help: str = "domain name, id or uuid") -> Opt:
    return Opt("domain", T.DATA, help, req=True)


def string_req(p: Parsed, name: str) -> str | None:
    """vshCommandOptStringReq: the value, None if absent; an empty value is an error."""
    value = p.str(name)
    if value == "":
        opt = p.cmd.option(name)
        if opt is None or not opt.empty_ok:
            raise Failure(f"Failed to get option '{name}': Option argument is empty")
    return value


def exclusive(p: Parsed, a: str, b: str) -> None:
    if p.bool(a) and p.bool(b):
        raise Failure(f"Options --{a} and --{b} are mutually exclusive")


def exclusive_pairs(p: Parsed, pairs: tuple[tuple[str, str], ...]) -> None:
    """VSH_EXCLUSIVE_OPTIONS for each pair, in order: given options (of any type) only."""
    for a, b in pairs:
        if p.values.get(a) is not None and p.values.get(b) is not None:
            raise Failure(f"Options --{a} and --{b} are mutually exclusive")


def require(p: Parsed, needed: str, by: str) -> None:
    if p.bool(by) and not p.bool(needed):
        raise Failure(f"Option --{needed} is required by option --{by}")


def flag_bits(p: Parsed, bits: Mapping[str, int]) -> int:
    """The API flags for the boolean options given: each option maps to one libvirt flag."""
    flags = 0
    for option, bit in bits.items():
        if p.bool(option):
            flags |= int(bit)
    return flags


def opt_uint(p: Parsed, name: str) -> int | None:
    return _opt_number(p, name, to_uint)


def opt_int(p: Parsed, name: str) -> int | None:
    """vshCommandOptInt: the value of an ``int`` option, None when absent."""
    return _opt_number(p, name, to_int)


def _opt_number(p: Parsed, name: str, parse: Callable[[str], int | None]) -> int | None:
    value = p.str(name)
    if value is None:
        return None
    number = parse(value)
    if number is None:
        raise Failure(f"Numeric value '{value}' for <{name}> option is malformed or out of range")
    return number


def read_file(path: str) -> str:
    """virFileReadAll's behaviour and messages (printed as the libvirt error, no context)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError as e:
        raise Failure(f"Failed to open file '{path}': {os.strerror(e.errno or 0)}") from None
    try:
        chunks = []
        total = 0
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError as e:
                raise Failure(
                    f"Failed to read file '{path}': {os.strerror(e.errno or 0)}"
                ) from None
            if not chunk:
                break
            total += len(chunk)
            if total > VSH_MAX_XML_FILE:
                raise Failure(f"File '{path}' is too large")
            chunks.append(chunk)
    finally:
        os.close(fd)
    return b"".join(chunks).decode("utf-8", errors="surrogateescape")


def domain(ctl: Control, p: Parsed, by: int = BY_ID | BY_UUID | BY_NAME) -> tuple[Domain, str]:
    """virshCommandOptDomainBy: by id, then uuid (36 chars), then name; one-line error."""
    name = string_req(p, "domain")
    assert name is not None
    ctl.log(INFO, f"{p.cmd.name}: found option <domain>: {name}")
    return lookup_domain(ctl, name, p.cmd.name, by), name


def lookup_domain(ctl: Control, name: str, cmd: str, by: int = BY_ID | BY_UUID | BY_NAME) -> Domain:
    """virshLookupDomainBy: *name* by id, then uuid (36 chars), then name; one-line error."""
    from pyvirt import VirtError

    conn = ctl.conn
    dom = None
    if by & BY_ID:

        number = to_int(name)
        if number is not None and number >= 0:
            ctl.log(DEBUG, f"{cmd}: <domain> looks like ID")
            try:
                dom = conn.lookup_domain_by_id(number)
            except VirtError:
                pass
    if dom is None and by & BY_UUID and len(name) == 36:
        ctl.log(DEBUG, f"{cmd}: <domain> trying as domain UUID")
        try:
            dom = conn.lookup_domain_by_uuid(name)
        except VirtError:
            pass
    if dom is None and by & BY_NAME:
        ctl.log(DEBUG, f"{cmd}: <domain> trying as domain NAME")
        try:
            dom = conn.lookup_domain_by_name(name)
        except VirtError:
            pass
    if dom is None:
        raise Failure(f"failed to get domain '{name}'")
    return dom


def uuid_then_name(
    ctl: Control,
    name: str,
    cmd: str,
    opt: str,
    kind: str,
    by_uuid: Callable[[str], _O],
    by_name: Callable[[str], _O],
    by: int = BY_UUID | BY_NAME,
) -> _O:
    """virsh's lookup of an object named by UUID or name (virshCommandOptNetworkBy,
    -PoolBy, -NWFilterBy): a 36-character value is tried as a UUID first, then as a name;
    the last lookup's error follows "failed to get KIND 'NAME'".  *by* limits the ways
    (``net-name`` takes only a UUID, ``pool-uuid`` only a name)."""
    from pyvirt import VirtError

    ctl.log(INFO, f"{cmd}: found option <{opt}>: {name}")
    err: VirtError | None = None
    if by & BY_UUID and len(name) == 36:
        ctl.log(DEBUG, f"{cmd}: <{opt}> trying as {kind} UUID")
        try:
            return by_uuid(name)
        except VirtError as e:
            err = e
    if by & BY_NAME:
        ctl.log(DEBUG, f"{cmd}: <{opt}> trying as {kind} NAME")
        try:
            return by_name(name)
        except VirtError as e:
            err = e
    raise Failure(f"failed to get {kind} '{name}'", cause=err)


def network(
    ctl: Control, p: Parsed, opt: str = "network", by: int = BY_UUID | BY_NAME
) -> tuple[Network, str]:
    """virshCommandOptNetworkBy: uuid (36 chars) then name; the lookup error follows."""
    name = string_req(p, opt)
    assert name is not None
    conn = ctl.conn
    found = uuid_then_name(
        ctl, name, p.cmd.name, opt, "network",
        conn.lookup_network_by_uuid, conn.lookup_network_by_name, by,
    )  # fmt: skip
    return found, name


def pool_by(
    ctl: Control, name: str, cmd: str, opt: str = "pool", by: int = BY_UUID | BY_NAME
) -> StoragePool:
    """virshCommandOptPoolBy's lookups: uuid (36 chars) then name; the lookup error follows."""
    conn = ctl.conn
    return uuid_then_name(
        ctl, name, cmd, opt, "pool",
        conn.lookup_storage_pool_by_uuid, conn.lookup_storage_pool_by_name, by,
    )  # fmt: skip


def pool(
    ctl: Control, p: Parsed, opt: str = "pool", by: int = BY_UUID | BY_NAME
) -> tuple[StoragePool, str]:
    name = string_req(p, opt)
    assert name is not None
    return pool_by(ctl, name, p.cmd.name, opt, by), name


def volume(
    ctl: Control, p: Parsed, pool_opt: str | None = "pool"
) -> tuple[StorageVol, str]:
    """virshCommandOptVolBy: name in the pool of *pool_opt* (``--pool``, ``--inputpool``),
    then key, then path; hint at that option if it was not given.  Without *pool_opt*
    (``vol-name``, ``vol-pool``) only the key and the path are tried."""
    from pyvirt import VirtError

    name = string_req(p, "vol")
    assert name is not None
    pool_name = string_req(p, pool_opt) if pool_opt else None
    cmd = p.cmd.name
    sp = None
    if pool_name is not None:
        sp = pool_by(ctl, pool_name, cmd, pool_opt or "pool")
        if not sp.is_active():
            raise Failure(f"pool '{pool_name}' is not active")
    ctl.log(DEBUG, f"{cmd}: found option <vol>: {name}")
    err: VirtError | None = None
    if sp is not None:
        ctl.log(DEBUG, f"{cmd}: <vol> trying as vol name")
        try:
            return sp.lookup_volume_by_name(name), name
        except VirtError as e:
            err = e
    for how, lookup in (
        ("key", ctl.conn.lookup_storage_vol_by_key),
        ("path", ctl.conn.lookup_storage_vol_by_path),
    ):
        ctl.log(DEBUG, f"{cmd}: <vol> trying as vol {how}")
        try:
            return lookup(name), name
        except VirtError as e:
            err = e
    if sp is None and pool_opt:
        raise Failure(
            f"failed to get vol '{name}', specifying --{pool_opt} might help", cause=err
        )
    raise Failure(f"failed to get vol '{name}'", cause=err)


def emit_json(ctl: Control, data: Any) -> None:
    import json

    ctl.print(json.dumps(data, indent=2) + "\n")


def yes_no(value: bool) -> str:
    return "yes" if value else "no"


def print_xml(ctl: Control, xml: str) -> None:
    ctl.print(xml if xml.endswith("\n") else xml + "\n")
