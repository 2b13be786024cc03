"""virsh's remaining "Storage Pool" and "Storage Volume" commands: pools built from options
(``pool-create-as``, ``pool-define-as``), their upkeep (autostart, build, delete, refresh),
source discovery, name and UUID conversions, and volumes created from files or other volumes,
resized and wiped.

Texts, option order and the order of checks are virsh 9.0's (virsh-pool.c, virsh-volume.c):
an option error comes before the object lookup when virsh checks it first, and the other way
round where virsh looks the object up first.
"""

from __future__ import annotations

from pyvirt.cli._control import Control, Failure
from pyvirt.cli._parser import Cmd, Opt, Parsed, T
from pyvirt.cli.commands._common import (
    BY_NAME,
    BY_UUID,
    exclusive,
    flag_bits,
    pool,
    read_file,
    string_req,
    volume,
)
from pyvirt.cli.commands.storage import vol_size

# Not typing.TYPE_CHECKING: importing typing costs more than pyvirsh's own start-up.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_B, _S, _D = T.BOOL, T.STRING, T.DATA

#: virsh's --algorithm names, in VIR_STORAGE_VOL_WIPE_ALG_* order.
WIPE_ALGORITHMS = (
    "zero", "nnsa", "dod", "bsi", "gutmann", "schneier", "pfitzner7", "pfitzner33", "random",
    "trim",
)  # fmt: skip
_NO_SUPPORT = 3  # VIR_ERR_NO_SUPPORT


# -- pools -----------------------------------------------------------------------------------
def cmd_pool_autostart(ctl: Control, p: Parsed) -> bool:
    sp, name = pool(ctl, p)
    autostart = not p.bool("disable")
    mark = "mark" if autostart else "unmark"
    try:
        sp.set_autostart(autostart)
    except Exception as e:
        raise Failure(f"failed to {mark} pool {name} as autostarted", cause=e) from None
    ctl.print_extra(f"Pool {name} {mark}ed as autostarted\n")
    return True


def _pool_step(verb: str, done: str, method: str, bits: dict[str, int] | None = None) -> Any:
    """``pool-build``, ``pool-delete``, ``pool-refresh``: one call with the flags of *bits*."""

    def handler(ctl: Control, p: Parsed) -> bool:
        sp, name = pool(ctl, p)
        try:
            getattr(sp, method)(flag_bits(p, bits or {}))
        except Exception as e:
            raise Failure(f"Failed to {verb} pool {name}", cause=e) from None
        ctl.print_extra(f"Pool {name} {done}\n")
        return True

    return handler


def cmd_pool_capabilities(ctl: Control, p: Parsed) -> bool:
    try:
        caps = ctl.conn.storage_pool_capabilities(0)
    except Exception as e:
        raise Failure("failed to get storage pool capabilities", cause=e) from None
    ctl.print(caps + "\n")
    return True


#: pool-create's and pool-create-as's flags (VIR_STORAGE_POOL_CREATE_WITH_BUILD...).
_CREATE_BITS = {"build": 1, "overwrite": 2, "no-overwrite": 4}


def cmd_pool_create(ctl: Control, p: Parsed) -> bool:
    exclusive(p, "overwrite", "no-overwrite")
    path = string_req(p, "file")
    assert path is not None
    xml = read_file(path)
    try:
        sp = ctl.conn.create_storage_pool(xml, flag_bits(p, _CREATE_BITS))
    except Exception as e:
        raise Failure(f"Failed to create pool from {path}", cause=e) from None
    ctl.print_extra(f"Pool {sp.name} created from {path}\n")
    return True


#: pool-create-as's and pool-define-as's string options, as virshBuildPoolXML reads them.
_SOURCE_OPTS = (
    ("source-host", "source-host for underlying storage"),
    ("source-path", "source path for underlying storage"),
    ("source-dev", "source device for underlying storage"),
    ("source-name", "source name for underlying storage"),
    ("target", "target for underlying storage"),
    ("source-format", "format for underlying storage"),
    ("auth-type", "auth type to be used for underlying storage"),
    ("auth-username", "auth username to be used for underlying storage"),
    ("secret-usage", "auth secret usage to be used for underlying storage"),
    ("secret-uuid", "auth secret UUID to be used for underlying storage"),
    ("adapter-name", "adapter name to be used for underlying storage"),
    ("adapter-wwnn", "adapter wwnn to be used for underlying storage"),
    ("adapter-wwpn", "adapter wwpn to be used for underlying storage"),
    ("adapter-parent", "adapter parent scsi_hostN to be used for underlying vHBA storage"),
    ("adapter-parent-wwnn",
     "adapter parent scsi_hostN wwnn to be used for underlying vHBA storage"),
    ("adapter-parent-wwpn",
     "adapter parent scsi_hostN wwpn to be used for underlying vHBA storage"),
    ("adapter-parent-fabric-wwn",
     "adapter parent scsi_hostN fabric_wwn to be used for underlying vHBA storage"),
    ("source-protocol-ver", "nfsvers value for NFS pool mount option"),
    ("source-initiator", "initiator iqn for underlying storage"),
)  # fmt: skip


def _source_lines(o: dict[str, str | None]) -> list[str]:
    """The ``<source>`` children virshBuildPoolXML writes, in its order (values verbatim:
    virsh does not escape them either)."""
    lines = []
    if o["source-host"]:
        lines.append(f"<host name='{o['source-host']}'/>")
    if o["source-path"]:
        lines.append(f"<dir path='{o['source-path']}'/>")
    if o["source-dev"]:
        lines.append(f"<device path='{o['source-dev']}'/>")
    if o["source-initiator"]:
        lines += ["<initiator>", f"  <iqn name='{o['source-initiator']}'/>", "</initiator>"]
    if o["adapter-wwnn"] and o["adapter-wwpn"]:
        parent = ""
        if o["adapter-parent"]:
            parent = f" parent='{o['adapter-parent']}'"
        elif o["adapter-parent-wwnn"] and o["adapter-parent-wwpn"]:
            parent = (
                f" parent_wwnn='{o['adapter-parent-wwnn']}'"
                f" parent_wwpn='{o['adapter-parent-wwpn']}'"
            )
        elif o["adapter-parent-fabric-wwn"]:
            parent = f" parent_fabric_wwn='{o['adapter-parent-fabric-wwn']}'"
        wwns = f" wwnn='{o['adapter-wwnn']}' wwpn='{o['adapter-wwpn']}'"
        lines.append(f"<adapter type='fc_host'{parent}{wwns}/>")
    elif o["adapter-name"]:
        lines.append(f"<adapter type='scsi_host' name='{o['adapter-name']}'/>")
    if o["auth-type"] and o["auth-username"] and (o["secret-usage"] or o["secret-uuid"]):
        lines.append(f"<auth type='{o['auth-type']}' username='{o['auth-username']}'>")
        if o["secret-usage"]:
            lines.append(f"  <secret usage='{o['secret-usage']}'/>")
        else:
            lines.append(f"  <secret uuid='{o['secret-uuid']}'/>")
        lines.append("</auth>")
    if o["source-format"]:
        lines.append(f"<format type='{o['source-format']}'/>")
    if o["source-name"]:
        lines.append(f"<name>{o['source-name']}</name>")
    if o["source-protocol-ver"]:
        lines.append(f"<protocol ver='{o['source-protocol-ver']}'/>")
    return lines


def build_pool_xml(p: Parsed) -> tuple[str, str]:
    """virshBuildPoolXML: the pool's name and the ``<pool>`` document its options describe."""
    exclusive(p, "secret-usage", "secret-uuid")
    name = string_req(p, "name")
    kind = string_req(p, "type")
    assert name is not None and kind is not None
    o = {opt: string_req(p, opt) for opt, _ in _SOURCE_OPTS}
    out = [f"<pool type='{kind}'>", f"  <name>{name}</name>"]
    opens_source = any(
        o[k] for k in ("source-host", "source-path", "source-dev", "source-initiator",
                       "source-format", "source-name", "adapter-name")
    ) or bool(o["adapter-wwnn"] and o["adapter-wwpn"])  # fmt: skip
    if opens_source:
        out += ["  <source>", *(f"    {line}" for line in _source_lines(o)), "  </source>"]
    if o["target"]:
        out += ["  <target>", f"    <path>{o['target']}</path>", "  </target>"]
    out.append("</pool>")
    return name, "\n".join(out) + "\n"


def _pool_as(create: bool) -> Any:
    verb, done = ("create", "created") if create else ("define", "defined")

    def handler(ctl: Control, p: Parsed) -> bool:
        if create:
            exclusive(p, "overwrite", "no-overwrite")
        name, xml = build_pool_xml(p)
        if p.bool("print-xml"):
            ctl.print(xml)
            return True
        try:
            if create:
                ctl.conn.create_storage_pool(xml, flag_bits(p, _CREATE_BITS))
            else:
                ctl.conn.define_storage_pool(xml, 0)
        except Exception as e:
            raise Failure(f"Failed to {verb} pool {name}", cause=e) from None
        ctl.print_extra(f"Pool {name} {done}\n")
        return True

    return handler


def cmd_pool_name(ctl: Control, p: Parsed) -> bool:
    sp, _ = pool(ctl, p, by=BY_UUID)
    ctl.print(f"{sp.name}\n")
    return True


def cmd_pool_uuid(ctl: Control, p: Parsed) -> bool:
    sp, _ = pool(ctl, p, by=BY_NAME)
    ctl.print(f"{sp.uuid}\n")
    return True


def _find_sources(ctl: Control, kind: str, spec: str | None) -> bool:
    try:
        found = ctl.conn.find_storage_pool_sources(kind, spec, 0)
    except Exception as e:
        raise Failure(f"Failed to find any {kind} pool sources", cause=e) from None
    ctl.print(found)
    return True


def cmd_find_sources(ctl: Control, p: Parsed) -> bool:
    kind = string_req(p, "type")
    spec_file = string_req(p, "srcSpec")
    assert kind is not None
    return _find_sources(ctl, kind, read_file(spec_file) if spec_file is not None else None)


def cmd_find_sources_as(ctl: Control, p: Parsed) -> bool:
    kind = string_req(p, "type")
    host, port, initiator = (string_req(p, o) for o in ("host", "port", "initiator"))
    assert kind is not None
    spec = None
    if host is not None:
        lines = ["<source>", f"  <host name='{host}'" + (f" port='{port}'" if port else "") + "/>"]
        if initiator is not None:
            lines += ["  <initiator>", f"    <iqn name='{initiator}'/>", "  </initiator>"]
        spec = "\n".join([*lines, "</source>"]) + "\n"
    return _find_sources(ctl, kind, spec)


# -- volumes ---------------------------------------------------------------------------------
#: vol-create's, vol-create-from's and vol-clone's flags (VIR_STORAGE_VOL_CREATE_*).
_VOL_CREATE_BITS = {"prealloc-metadata": 1, "reflink": 2, "validate": 4}


def cmd_vol_create(ctl: Control, p: Parsed) -> bool:
    sp, _ = pool(ctl, p)
    path = string_req(p, "file")
    assert path is not None
    xml = read_file(path)
    try:
        vol = sp.create_volume(xml, flag_bits(p, _VOL_CREATE_BITS))
    except Exception as e:
        raise Failure(f"Failed to create vol from {path}", cause=e) from None
    ctl.print_extra(f"Vol {vol.name} created from {path}\n")
    return True


def cmd_vol_create_from(ctl: Control, p: Parsed) -> bool:
    sp, _ = pool(ctl, p)
    path = string_req(p, "file")
    assert path is not None
    source, _ = volume(ctl, p, "inputpool")
    xml = read_file(path)
    try:
        vol = sp.create_volume_from(xml, source, flag_bits(p, _VOL_CREATE_BITS))
    except Exception as e:
        raise Failure(f"Failed to create vol from {path}", cause=e) from None
    ctl.print_extra(f"Vol {vol.name} created from input vol {source.name}\n")
    return True


def clone_xml(xml: str, name: str) -> str:
    """virshMakeCloneXML: *xml* with its ``<name>`` replaced, written back as libxml2 writes a
    node (double quotes, no declaration, no final newline)."""
    from lxml import etree

    root = etree.fromstring(xml.encode())
    node = root.find("name")
    if node is not None:
        node.text = name
    return etree.tostring(root, encoding="unicode")


def cmd_vol_clone(ctl: Control, p: Parsed) -> bool:
    source, _ = volume(ctl, p)
    try:
        sp = source.pool()
    except Exception as e:
        raise Failure("failed to get parent pool", cause=e) from None
    name = string_req(p, "newname")
    assert name is not None
    xml = clone_xml(source.xml_desc(0), name)
    if p.bool("print-xml"):
        ctl.print(xml)
        return True
    try:
        vol = sp.create_volume_from(xml, source, flag_bits(p, _VOL_CREATE_BITS))
    except Exception as e:
        raise Failure(f"Failed to clone vol from {source.name}", cause=e) from None
    ctl.print_extra(f"Vol {vol.name} cloned from {source.name}\n")
    return True


def cmd_vol_resize(ctl: Control, p: Parsed) -> bool:
    vol, _ = volume(ctl, p)
    text = string_req(p, "capacity")
    assert text is not None
    text = text.lstrip(" \t\n\r\v\f")
    delta = p.bool("delta")
    flags = flag_bits(p, {"allocate": 1, "shrink": 4})
    if text.startswith("-"):
        # The API takes only sizes; virsh reads "-N" with --shrink as "shrink by N".
        if not p.bool("shrink"):
            raise Failure("negative size requires --shrink")
        text, delta = text[1:], True
    if delta:
        flags |= 2
    capacity = vol_size(text)
    how = "by" if delta else "to"
    try:
        vol.resize(capacity, flags)
    except Exception as e:
        raise Failure(f"Failed to change size of volume '{vol.name}' {how} {text}", cause=e) from None
    ctl.print_extra(f"Size of volume '{vol.name}' successfully changed {how} {text}\n")
    return True


def cmd_vol_wipe(ctl: Control, p: Parsed) -> bool:
    from pyvirt import VirtError

    vol, name = volume(ctl, p)
    algorithm_name = string_req(p, "algorithm")
    algorithm = 0
    if algorithm_name is not None:
        if algorithm_name not in WIPE_ALGORITHMS:
            raise Failure(f"Unsupported algorithm '{algorithm_name}'")
        algorithm = WIPE_ALGORITHMS.index(algorithm_name)
    try:
        try:
            vol.wipe_pattern(algorithm, 0)
        except VirtError as e:
            # virsh falls back to the older call for zeroes, as drivers may lack the new one
            if e.code != _NO_SUPPORT or algorithm != 0:
                raise
            vol.wipe(0)
    except Exception as e:
        raise Failure(f"Failed to wipe vol {name}", cause=e) from None
    ctl.print_extra(f"Vol {name} wiped\n")
    return True


def _vol_show(pool_opt: str | None, show: Any) -> Any:
    """``vol-key``, ``vol-name``, ``vol-path``: print one thing about the volume."""

    def handler(ctl: Control, p: Parsed) -> bool:
        vol, _ = volume(ctl, p, pool_opt)
        ctl.print(f"{show(vol)}\n")
        return True

    return handler


def cmd_vol_pool(ctl: Control, p: Parsed) -> bool:
    vol, _ = volume(ctl, p, None)
    try:
        sp = vol.pool()
    except Exception as e:
        raise Failure("failed to get parent pool", cause=e) from None
    ctl.print(f"{sp.uuid if p.bool('uuid') else sp.name}\n")
    return True


# -- the table -------------------------------------------------------------------------------
_POOL = Opt("pool", _D, "pool name or uuid", req=True)
_BUILD_OPTS = (
    Opt("no-overwrite", _B, "do not overwrite any existing data"),
    Opt("overwrite", _B, "overwrite any existing data"),
)
_POOL_AS_OPTS = (
    Opt("name", _D, "name of the pool", req=True),
    Opt("type", _D, "type of the pool", req=True),
    Opt("print-xml", _B, "print XML document, but don't define/create"),
    *(Opt(name, _S, help) for name, help in _SOURCE_OPTS),
)
_VOL = Opt("vol", _D, "vol name, key or path", req=True)
_VOL_POOL = Opt("pool", _S, "pool name or uuid")
_PREALLOC = Opt("prealloc-metadata", _B, "preallocate metadata (for qcow2 instead of full allocation)")
_REFLINK = Opt("reflink", _B, "use btrfs COW lightweight copy")
_VALIDATE = Opt("validate", _B, "validate the XML against the schema")


def _pool_cmd(name: str, brief: str, desc: str, handler: Any, *o: Opt) -> Cmd:
    return Cmd(name, "pool", brief, desc, tuple(o), handler)


def _vol_cmd(name: str, brief: str, desc: str, handler: Any, *o: Opt) -> Cmd:
    return Cmd(name, "volume", brief, desc, tuple(o), handler)


COMMANDS = [
    _pool_cmd("find-storage-pool-sources", "discover potential storage pool sources",
              "Returns XML <sources> document.", cmd_find_sources,
              Opt("type", _D, "type of storage pool sources to discover", req=True),
              Opt("srcSpec", _S, "optional file of source xml to query for pools")),
    _pool_cmd("find-storage-pool-sources-as", "find potential storage pool sources",
              "Returns XML <sources> document.", cmd_find_sources_as,
              Opt("type", _D, "type of storage pool sources to find", req=True),
              Opt("host", _S, "optional host to query"),
              Opt("port", _S, "optional port to query"),
              Opt("initiator", _S, "optional initiator IQN to use for query")),
    _pool_cmd("pool-autostart", "autostart a pool",
              "Configure a pool to be automatically started at boot.", cmd_pool_autostart,
              _POOL, Opt("disable", _B, "disable autostarting")),
    _pool_cmd("pool-build", "build a pool", "Build a given pool.",
              _pool_step("build", "built", "build", {"no-overwrite": 4, "overwrite": 8}),
              _POOL, *_BUILD_OPTS),
    _pool_cmd("pool-capabilities", "storage pool capabilities",
              "Returns capabilities of storage pool support.", cmd_pool_capabilities),
    _pool_cmd("pool-create", "create a pool from an XML file", "Create a pool.",
              cmd_pool_create,
              Opt("file", _D, "file containing an XML pool description", req=True),
              Opt("build", _B, "build the pool as normal"), *_BUILD_OPTS),
    _pool_cmd("pool-create-as", "create a pool from a set of args", "Create a pool.",
              _pool_as(create=True), *_POOL_AS_OPTS,
              Opt("build", _B, "build the pool as normal"), *_BUILD_OPTS),
    _pool_cmd("pool-define-as", "define a pool from a set of args", "Define a pool.",
              _pool_as(create=False), *_POOL_AS_OPTS),
    _pool_cmd("pool-delete", "delete a pool", "Delete a given pool.",
              _pool_step("delete", "deleted", "delete"), _POOL),
    _pool_cmd("pool-name", "convert a pool UUID to pool name", "", cmd_pool_name, _POOL),
    _pool_cmd("pool-refresh", "refresh a pool", "Refresh a given pool.",
              _pool_step("refresh", "refreshed", "refresh"), _POOL),
    _pool_cmd("pool-uuid", "convert a pool name to pool UUID", "", cmd_pool_uuid, _POOL),
    _vol_cmd("vol-clone", "clone a volume.", "Clone an existing volume within the parent pool.",
             cmd_vol_clone, _VOL, Opt("newname", _D, "clone name", req=True), _VOL_POOL,
             _PREALLOC, _REFLINK,
             Opt("print-xml", _B, "print XML document rather than clone the volume")),
    _vol_cmd("vol-create", "create a vol from an XML file", "Create a vol.", cmd_vol_create,
             Opt("pool", _D, "pool name", req=True),
             Opt("file", _D, "file containing an XML vol description", req=True),
             _PREALLOC, _VALIDATE),
    _vol_cmd("vol-create-from", "create a vol, using another volume as input",
             "Create a vol from an existing volume.", cmd_vol_create_from, _POOL,
             Opt("file", _D, "file containing an XML vol description", req=True), _VOL,
             Opt("inputpool", _S, "pool name or uuid of the input volume's pool"),
             _PREALLOC, _REFLINK, _VALIDATE),
    _vol_cmd("vol-key", "returns the volume key for a given volume name or path", "",
             _vol_show("pool", lambda vol: vol.key), Opt("vol", _D, "volume name or path", req=True), _VOL_POOL),
    _vol_cmd("vol-name", "returns the volume name for a given volume key or path", "",
             _vol_show(None, lambda vol: vol.name), Opt("vol", _D, "volume key or path", req=True)),
    _vol_cmd("vol-path", "returns the volume path for a given volume name or key", "",
             _vol_show("pool", lambda vol: vol.path()), Opt("vol", _D, "volume name or key", req=True), _VOL_POOL),
    _vol_cmd("vol-pool", "returns the storage pool for a given volume key or path", "",
             cmd_vol_pool, Opt("vol", _D, "volume key or path", req=True),
             Opt("uuid", _B, "return the pool uuid rather than pool name")),
    _vol_cmd("vol-resize", "resize a vol",
             "Resizes a storage volume. This is safe only for storage volumes not in use by "
             "an active guest.\nSee blockresize for live resizing.", cmd_vol_resize, _VOL,
             Opt("capacity", _D, "new capacity for the vol, as scaled integer (default bytes)",
                 req=True),
             _VOL_POOL,
             Opt("allocate", _B, "allocate the new capacity, rather than leaving it sparse"),
             Opt("delta", _B, "use capacity as a delta to current size, rather than the new "
                 "size"),
             Opt("shrink", _B, "allow the resize to shrink the volume")),
    _vol_cmd("vol-wipe", "wipe a vol",
             "Ensure data previously on a volume is not accessible to future reads", cmd_vol_wipe,
             _VOL, _VOL_POOL,
             Opt("algorithm", _S, "perform selected wiping algorithm")),
]  # fmt: skip
