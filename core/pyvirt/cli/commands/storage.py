"""virsh's "Storage Pool" and "Storage Volume" commands."""

from __future__ import annotations

from pyvirt.cli._control import Control, Failure
from pyvirt.cli._format import ScaleError, scaled, size_text
from pyvirt.cli._parser import Cmd, Opt, Parsed, T
from pyvirt.cli._table import render
from pyvirt.cli.commands._common import (
    JSON_OPT,
    emit_json,
    exclusive,
    pool,
    read_file,
    string_req,
    volume,
    yes_no,
)
from pyvirt.cli.commands.domain import dump_xml

# Not typing.TYPE_CHECKING: importing typing costs more than pyvirsh's own start-up.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_B, _S, _D = T.BOOL, T.STRING, T.DATA
POOL_STATES = ("inactive", "building", "running", "degraded", "inaccessible")
VOL_TYPES = ("file", "block", "dir", "network", "netdir", "ploop")
POOL_TYPES = {
    "dir": 64,
    "fs": 128,
    "netfs": 256,
    "logical": 512,
    "disk": 1024,
    "iscsi": 2048,
    "iscsi-direct": 524288,
    "scsi": 4096,
    "mpath": 8192,
    "rbd": 16384,
    "sheepdog": 32768,
    "gluster": 65536,
    "zfs": 131072,
    "vstorage": 262144,
}


def escape(text: str) -> str:
    """XML-escape like virBufferEscapeString (xml.sax would pull in urllib: slow start-up)."""
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("'", "&apos;")
        .replace('"', "&quot;")
    )


def _text(table: tuple[str, ...], value: int) -> str:
    return table[value] if 0 <= value < len(table) else "unknown"


# -- pools ---------------------------------------------------------------------------------
def _pool_json(sp: Any) -> dict[str, Any]:
    info = sp.info()
    state = int(info.state)
    running = state in (2, 3)
    return {
        "name": sp.name,
        "uuid": sp.uuid,
        "state": _text(POOL_STATES, state),
        "state_code": state,
        "active": sp.is_active(),
        "persistent": sp.is_persistent(),
        "autostart": sp.autostart,
        "capacity": info.capacity if running else None,
        "allocation": info.allocation if running else None,
        "available": info.available if running else None,
    }


def cmd_pool_define(ctl: Control, p: Parsed) -> bool:
    path = string_req(p, "file")
    assert path is not None
    xml = read_file(path)
    try:
        sp = ctl.conn.define_storage_pool(xml, 1 if p.bool("validate") else 0)
    except Exception as e:
        raise Failure(f"Failed to define pool from {path}", cause=e) from None
    ctl.print_extra(f"Pool {sp.name} defined from {path}\n")
    return True


def _pool_action(verb: str, done: str, method: str) -> Any:
    def handler(ctl: Control, p: Parsed) -> bool:
        sp, name = pool(ctl, p)
        try:
            getattr(sp, method)()
        except Exception as e:
            raise Failure(f"Failed to {verb} pool {name}", cause=e) from None
        ctl.print_extra(f"Pool {name} {done}\n")
        return True

    return handler


def cmd_pool_start(ctl: Control, p: Parsed) -> bool:
    exclusive(p, "overwrite", "no-overwrite")
    sp, name = pool(ctl, p)
    flags = (
        (1 if p.bool("build") else 0)
        | (2 if p.bool("overwrite") else 0)
        | (4 if p.bool("no-overwrite") else 0)
    )
    try:
        sp.start(flags)
    except Exception as e:
        raise Failure(f"Failed to start pool {name}", cause=e) from None
    ctl.print_extra(f"Pool {name} started\n")
    return True


def cmd_pool_dumpxml(ctl: Control, p: Parsed) -> bool:
    sp, _ = pool(ctl, p)
    dump_xml(
        ctl, sp.xml_desc(1 if p.bool("inactive") else 0), string_req(p, "xpath"), p.bool("wrap")
    )
    return True


def cmd_pool_info(ctl: Control, p: Parsed) -> bool:
    sp, _ = pool(ctl, p)
    if p.bool("json"):
        emit_json(ctl, _pool_json(sp))
        return True
    out = [f"{'Name:':<15} {sp.name}\n", f"{'UUID:':<15} {sp.uuid}\n"]
    try:
        info = sp.info()
    except Exception:
        ctl.print("".join(out))
        raise
    state = int(info.state)
    out.append(f"{'State:':<15} {_text(POOL_STATES, state)}\n")
    out.append(f"{'Persistent:':<15} {yes_no(sp.is_persistent())}\n")
    out.append(f"{'Autostart:':<15} {yes_no(sp.autostart)}\n")
    if state in (2, 3):
        for label, value in (
            ("Capacity:", info.capacity),
            ("Allocation:", info.allocation),
            ("Available:", info.available),
        ):
            text = str(value) if p.bool("bytes") else size_text(value)
            out.append(f"{label:<15} {text}\n")
    ctl.print("".join(out))
    return True


def cmd_pool_list(ctl: Control, p: Parsed) -> bool:
    flags = 2
    if p.bool("inactive"):
        flags = 1
    if p.bool("all"):
        flags = 3
    for name, bit in (("autostart", 16), ("no-autostart", 32), ("persistent", 4), ("transient", 8)):
        if p.bool(name):
            flags |= bit
    details = p.bool("details")
    exclusive(p, "details", "uuid")
    exclusive(p, "details", "name")
    kinds = string_req(p, "type")
    if kinds is not None:
        for kind in (k for k in kinds.split(",") if k):
            if kind not in POOL_TYPES:
                raise Failure(f"Invalid pool type '{kind}'")
            flags |= POOL_TYPES[kind]
    pools = sorted(ctl.conn.list_storage_pools(flags), key=lambda sp: sp.name.lower())
    if p.bool("json"):
        emit_json(ctl, [_pool_json(sp) for sp in pools])
        return True
    if not details and (p.bool("name") or p.bool("uuid")):
        for sp in pools:
            if p.bool("uuid"):
                ctl.print(f"{sp.uuid:<36}" + (" " if p.bool("name") else "\n"))
            if p.bool("name"):
                ctl.print(f"{sp.name:<20}\n")
        return True
    rows = []
    for sp in pools:
        d = _pool_json(sp)
        autostart = yes_no(d["autostart"])
        if not details:
            rows.append([sp.name, "active" if d["active"] else "inactive", autostart])
            continue
        sizes = [
            size_text(d[k]) if d[k] is not None else "-"
            for k in ("capacity", "allocation", "available")
        ]
        rows.append([sp.name, d["state"], autostart, yes_no(d["persistent"]), *sizes])
    header = ["Name", "State", "Autostart"]
    if details:
        header += ["Persistent", "Capacity", "Allocation", "Available"]
    ctl.print(render(header, rows, with_header=not ctl.quiet))
    return True


# -- volumes -------------------------------------------------------------------------------
def vol_size(text: str) -> int:
    """virshVolSize: a scaled size (bytes by default), or virsh's "Malformed size"."""
    try:
        return scaled(text, 1)
    except ValueError:
        raise Failure(f"Malformed size {text}") from None
    except ScaleError as e:
        raise Failure(f"Malformed size {text}", cause=Exception(e.message)) from None


def cmd_vol_create_as(ctl: Control, p: Parsed) -> bool:
    sp, _ = pool(ctl, p)
    name = string_req(p, "name")
    capacity_text = string_req(p, "capacity")
    assert name is not None and capacity_text is not None
    capacity = vol_size(capacity_text)
    allocation_text = p.str("allocation")
    allocation = vol_size(allocation_text) if allocation_text else None
    fmt = string_req(p, "format")
    if string_req(p, "backing-vol") is not None or string_req(p, "backing-vol-format"):
        raise Failure("--backing-vol is not supported by pyvirsh")
    xml = f"<volume>\n  <name>{escape(name)}</name>\n  <capacity>{capacity}</capacity>\n"
    if allocation is not None:
        xml += f"  <allocation>{allocation}</allocation>\n"
    if fmt:
        xml += f"  <target>\n    <format type='{escape(fmt)}'/>\n  </target>\n"
    xml += "</volume>\n"
    if p.bool("print-xml"):
        ctl.print(xml)
        return True
    try:
        sp.create_volume(xml, 1 if p.bool("prealloc-metadata") else 0)
    except Exception as e:
        raise Failure(f"Failed to create vol {name}", cause=e) from None
    ctl.print_extra(f"Vol {name} created\n")
    return True


def cmd_vol_delete(ctl: Control, p: Parsed) -> bool:
    vol, name = volume(ctl, p)
    try:
        vol.delete(4 if p.bool("delete-snapshots") else 0)
    except Exception as e:
        raise Failure(f"Failed to delete vol {name}", cause=e) from None
    ctl.print_extra(f"Vol {name} deleted\n")
    return True


def cmd_vol_dumpxml(ctl: Control, p: Parsed) -> bool:
    vol, _ = volume(ctl, p)
    dump_xml(ctl, vol.xml_desc(0), string_req(p, "xpath"), p.bool("wrap"))
    return True


def _vol_json(vol: Any) -> dict[str, Any]:
    info = vol.info()
    return {
        "name": vol.name,
        "pool": vol.pool_name,
        "key": vol.key,
        "path": vol.path(),
        "type": _text(VOL_TYPES, int(info.type)),
        "type_code": int(info.type),
        "capacity": info.capacity,
        "allocation": info.allocation,
    }


def cmd_vol_info(ctl: Control, p: Parsed) -> bool:
    vol, _ = volume(ctl, p)
    if p.bool("physical"):
        raise Failure("--physical is not supported by pyvirsh")
    if p.bool("json"):
        emit_json(ctl, _vol_json(vol))
        return True
    out = [f"{'Name:':<15} {vol.name}\n"]
    try:
        info = vol.info()
    except Exception:
        ctl.print("".join(out))
        raise
    out.append(f"{'Type:':<15} {_text(VOL_TYPES, int(info.type))}\n")
    for label, value in (("Capacity:", info.capacity), ("Allocation:", info.allocation)):
        text = f"{value} bytes" if p.bool("bytes") else size_text(value)
        out.append(f"{label:<15} {text}\n")
    ctl.print("".join(out))
    return True


def cmd_vol_list(ctl: Control, p: Parsed) -> bool:
    sp, _ = pool(ctl, p)
    try:
        vols = sorted(sp.list_volumes(), key=lambda v: v.name.lower())
    except Exception as e:
        raise Failure("Failed to list volumes", cause=e) from None
    if p.bool("json"):
        emit_json(ctl, [_vol_json(v) for v in vols])
        return True
    rows = []
    for v in vols:
        row = [v.name, v.path()]
        if p.bool("details"):
            info = v.info()
            row += [
                _text(VOL_TYPES, int(info.type)),
                size_text(info.capacity),
                size_text(info.allocation),
            ]
        rows.append(row)
    header = ["Name", "Path"] + (["Type", "Capacity", "Allocation"] if p.bool("details") else [])
    ctl.print(render(header, rows, with_header=not ctl.quiet))
    return True


_POOL = Opt("pool", _D, "pool name or uuid", req=True)
_XPATH = (
    Opt("xpath", _S, "xpath expression to filter the XML document", req_opt=True),
    Opt("wrap", _B, "wrap xpath results in an common root element"),
)
_VOL = (Opt("vol", _D, "vol name, key or path", req=True), Opt("pool", _S, "pool name or uuid"))


def _pool_cmd(name: str, brief: str, desc: str, handler: Any, *o: Opt) -> Cmd:
    return Cmd(name, "pool", brief, desc, tuple(o), handler)


def _vol_cmd(name: str, brief: str, desc: str, handler: Any, *o: Opt) -> Cmd:
    return Cmd(name, "volume", brief, desc, tuple(o), handler)


COMMANDS = [
    _pool_cmd(
        "pool-define",
        "define an inactive persistent storage pool or modify an existing "
        "persistent one from an XML file",
        "Define or modify a persistent storage pool.",
        cmd_pool_define,
        Opt("file", _D, "file containing an XML pool description", req=True),
        Opt("validate", _B, "validate the XML against the schema"),
    ),
    _pool_cmd(
        "pool-destroy",
        "destroy (stop) a pool",
        "Forcefully stop a given pool. Raw data in the pool is untouched",
        _pool_action("destroy", "destroyed", "destroy"),
        _POOL,
    ),
    _pool_cmd(
        "pool-dumpxml",
        "pool information in XML",
        "Output the pool information as an XML dump to stdout.",
        cmd_pool_dumpxml,
        _POOL,
        Opt("inactive", _B, "show inactive defined XML"),
        *_XPATH,
    ),
    _pool_cmd(
        "pool-info",
        "storage pool information",
        "Returns basic information about the storage pool.",
        cmd_pool_info,
        _POOL,
        Opt("bytes", _B, "Return pool info in bytes"),
        JSON_OPT,
    ),
    _pool_cmd(
        "pool-list",
        "list pools",
        "Returns list of pools.",
        cmd_pool_list,
        Opt("inactive", _B, "list inactive pools"),
        Opt("all", _B, "list inactive & active pools"),
        Opt("transient", _B, "list transient pools"),
        Opt("persistent", _B, "list persistent pools"),
        Opt("autostart", _B, "list pools with autostart enabled"),
        Opt("no-autostart", _B, "list pools with autostart disabled"),
        Opt("type", _S, "only list pool of specified type(s) (if supported)"),
        Opt("details", _B, "display extended details for pools"),
        Opt("uuid", _B, "list UUID of active pools only"),
        Opt("name", _B, "list name of active pools only"),
        JSON_OPT,
    ),
    _pool_cmd(
        "pool-start",
        "start a (previously defined) inactive pool",
        "Start a pool.",
        cmd_pool_start,
        _POOL,
        Opt("build", _B, "build the pool as normal"),
        Opt("no-overwrite", _B, "do not overwrite any existing data"),
        Opt("overwrite", _B, "overwrite any existing data"),
    ),
    _pool_cmd(
        "pool-undefine",
        "undefine an inactive pool",
        "Undefine the configuration for an inactive pool.",
        _pool_action("undefine", "has been undefined", "undefine"),
        _POOL,
    ),
    _vol_cmd(
        "vol-create-as",
        "create a volume from a set of args",
        "Create a vol.",
        cmd_vol_create_as,
        Opt("pool", _D, "pool name", req=True),
        Opt("name", _D, "name of the volume", req=True),
        Opt("capacity", _D, "size of the vol, as scaled integer (default bytes)", req=True),
        Opt("allocation", _S, "initial allocation size, as scaled integer (default bytes)"),
        Opt("format", _S, "file format type raw,bochs,qcow,qcow2,qed,vmdk"),
        Opt("backing-vol", _S, "the backing volume if taking a snapshot"),
        Opt("backing-vol-format", _S, "format of backing volume if taking a snapshot"),
        Opt("prealloc-metadata", _B, "preallocate metadata (for qcow2 instead of full allocation)"),
        Opt("print-xml", _B, "print XML document, but don't define/create"),
    ),
    _vol_cmd(
        "vol-delete",
        "delete a vol",
        "Delete a given vol.",
        cmd_vol_delete,
        *_VOL,
        Opt(
            "delete-snapshots",
            _B,
            "delete snapshots associated with volume (must be supported by storage driver)",
        ),
    ),
    _vol_cmd(
        "vol-dumpxml",
        "vol information in XML",
        "Output the vol information as an XML dump to stdout.",
        cmd_vol_dumpxml,
        *_VOL,
        *_XPATH,
    ),
    _vol_cmd(
        "vol-info",
        "storage vol information",
        "Returns basic information about the storage vol.",
        cmd_vol_info,
        *_VOL,
        Opt("bytes", _B, "sizes are represented in bytes rather than pretty units"),
        Opt("physical", _B, "return the physical size of the volume in allocation field"),
        JSON_OPT,
    ),
    _vol_cmd(
        "vol-list",
        "list vols",
        "Returns list of vols by pool.",
        cmd_vol_list,
        _POOL,
        Opt("details", _B, "display extended details for volumes"),
        JSON_OPT,
    ),
]
