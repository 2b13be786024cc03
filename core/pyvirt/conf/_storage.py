"""Storage pool and volume XML: :class:`PoolDef`, :class:`VolumeDef`, parsers and formatters.

Why together: volumes are parsed in the context of their pool (the pool type decides which
volume formats exist) and both share ``<permissions>`` and path rules.  Sizes are byte ints;
the runtime numbers (capacity/allocation/available of a pool, key and path of a volume) are
the driver's to fill, :func:`apply_volume_defaults` does it the way the test driver does.
"""

from __future__ import annotations

import copy
import re

from pyvirt._codes import ErrorCode, ErrorDomain
from pyvirt._errors import make_error
from pyvirt._kit_model import field, model
from pyvirt.conf._common import child, child_text, generate_uuid, parse_uuid
from pyvirt.conf._units import LLONG_MAX, parse_ullong, scale_integer

# Not typing.TYPE_CHECKING: importing typing costs a pyvirsh run several milliseconds.
TYPE_CHECKING = False
if TYPE_CHECKING:
    # lxml and pyvirt._xml (which needs lxml) load in the parsers and formatters: see _devices.
    from lxml import etree

    from pyvirt._xml import XMLWriter

__all__ = [
    "Permissions",
    "PoolDef",
    "VolumeDef",
    "apply_volume_defaults",
    "format_pool_xml",
    "format_volume_xml",
    "parse_pool_xml",
    "parse_volume_xml",
]

_ST = ErrorDomain.STORAGE
POOL_TYPES = ("dir", "fs", "netfs", "logical", "disk", "iscsi", "iscsi-direct", "scsi", "mpath",
              "rbd", "sheepdog", "gluster", "zfs", "vstorage")  # fmt: skip
_NEEDS_TARGET = ("dir", "fs", "netfs", "logical", "disk", "iscsi", "scsi", "mpath", "vstorage")
VOLUME_TYPES = ("file", "block", "dir", "network", "netdir", "ploop")
FILE_FORMATS = ("none", "raw", "dir", "bochs", "cloop", "dmg", "iso", "vpc", "vdi", "fat", "vhd",
                "ploop", "cow", "qcow", "qcow2", "qed", "vmdk", "luks")  # fmt: skip


def _xml_err(msg: str, domain: int = _ST) -> Exception:
    return make_error(ErrorCode.XML_ERROR, domain, msg)


def sanitize_path(path: str) -> str:
    """``virFileSanitizePath``: collapse repeated slashes and drop a trailing one."""
    out = re.sub(r"/{2,}", "/", path)
    if path.startswith("//") and not path.startswith("///"):
        out = "/" + out  # a leading '//' is kept, as POSIX allows it to mean something else
    if len(out) > 1 and out.endswith("/"):
        out = out[:-1]
    return out


@model
class Permissions:
    """A pool's or volume's ``<permissions>``: mode, owner, group, label."""

    mode: str | None = None
    owner: str | None = None
    group: str | None = None
    label: str | None = None

    @classmethod
    def parse(cls, elem: etree._Element | None) -> Permissions | None:
        if elem is None:
            return None
        mode = child_text(elem, "mode")
        if mode is not None:
            try:
                mode = f"{int(mode, 8):04o}"
            except ValueError:
                raise _xml_err("malformed octal mode") from None
        return cls(
            mode, child_text(elem, "owner"), child_text(elem, "group"), child_text(elem, "label")
        )

    def write(self, w: XMLWriter) -> None:
        w.open("permissions")
        for tag in ("mode", "owner", "group", "label"):
            value = getattr(self, tag)
            if value is not None:
                w.text(tag, value)
        w.close("permissions")


@model
class PoolDef:
    """A storage pool definition; sizes in bytes."""

    name: str
    uuid: str
    type: str = "dir"
    capacity: int = 0
    allocation: int = 0
    available: int = 0
    #: children of <source> kept verbatim (host, dir, device, name, format, adapter, auth...).
    source: list[etree._Element] = field(default_factory=list)
    target_path: str | None = None
    permissions: Permissions | None = None

    def copy(self) -> PoolDef:
        return copy.deepcopy(self)


@model
class VolumeDef:
    """A storage volume definition; sizes in bytes, ``allocation`` None when not given."""

    name: str
    capacity: int
    type: str = "file"
    key: str | None = None
    allocation: int | None = None
    target_path: str | None = None
    format_type: str | None = None
    permissions: Permissions | None = None
    target_extra: list[etree._Element] = field(default_factory=list)
    backing_store: etree._Element | None = None
    source: etree._Element | None = None

    def copy(self) -> VolumeDef:
        return copy.deepcopy(self)


# ---------------------------------------------------------------- pools


def parse_pool_xml(xml: str | bytes) -> PoolDef:
    """Parse a storage pool document with libvirt's checks and messages."""
    from pyvirt._xml import parse_document

    root = parse_document(xml, "storage_pool_definition", _ST)
    if root.tag != "pool":
        raise _xml_err(f"unexpected root element <{root.tag}>, expecting <pool>")
    ptype = root.get("type")
    if ptype is None:
        raise _xml_err("Missing required attribute 'type' in element 'pool'", ErrorDomain.XML)
    if ptype not in POOL_TYPES:
        raise _xml_err(
            f"Invalid value for attribute 'type' in element 'pool': '{ptype}'.", ErrorDomain.XML
        )
    src = child(root, "source")
    name = child_text(root, "name")
    if not name:
        raise _xml_err("missing pool source name element")
    if "/" in name:
        raise _xml_err(f"name {name} cannot contain '/'")
    uuid_text = child_text(root, "uuid")
    if uuid_text is None:
        uuid = generate_uuid()
    else:
        parsed = parse_uuid(uuid_text)
        if parsed is None:
            raise _xml_err("malformed uuid element")
        uuid = parsed
    target = child(root, "target")
    path = child_text(target, "path")
    if not path and ptype in _NEEDS_TARGET:
        raise _xml_err("missing storage pool target path")
    return PoolDef(
        name=name,
        uuid=uuid,
        type=ptype,
        source=[copy.deepcopy(c) for c in src if isinstance(c.tag, str)] if src is not None else [],  # noqa: E501
        target_path=sanitize_path(path) if path else None,
        permissions=Permissions.parse(child(target, "permissions")),
    )


def format_pool_xml(p: PoolDef, *, inactive: bool = False) -> str:
    """Format *p* as ``virsh pool-dumpxml`` prints it."""
    from pyvirt._xml import XMLWriter

    w = XMLWriter()
    w.open("pool", [("type", p.type)])
    w.text("name", p.name)
    w.text("uuid", p.uuid)
    for tag in ("capacity", "allocation", "available"):
        w.text(tag, str(getattr(p, tag)), [("unit", "bytes")])
    w.open("source")
    for c in p.source:
        w.element(c)
    w.close("source")
    if p.target_path is not None or p.permissions is not None:
        w.open("target")
        if p.target_path is not None:
            w.text("path", p.target_path)
        if p.permissions is not None:
            p.permissions.write(w)
        w.close("target")
    w.close("pool")
    return w.getvalue()


# ---------------------------------------------------------------- volumes


def _size(root: etree._Element, tag: str) -> int | None:
    elem = child(root, tag)
    if elem is None:
        return None
    value = parse_ullong(elem.text or "")
    if value is None:
        raise _xml_err(f"malformed {tag} element")
    return scale_integer(value, elem.get("unit"), 1, LLONG_MAX)


def parse_volume_xml(xml: str | bytes, *, pool: PoolDef | None = None) -> VolumeDef:
    """Parse a volume document; *pool* (when known) decides which formats are valid."""
    from pyvirt._xml import parse_document

    root = parse_document(xml, "storage_volume_definition", _ST)
    if root.tag != "volume":
        raise _xml_err(f"unexpected root element <{root.tag}>, expecting <volume>")
    name = child_text(root, "name")
    if not name:
        raise _xml_err("missing volume name element")
    vtype = root.get("type", "file")
    if vtype not in VOLUME_TYPES:
        raise _xml_err(f"unknown volume type '{vtype}'")
    capacity = _size(root, "capacity")
    if capacity is None:
        raise _xml_err("missing capacity element")
    allocation = _size(root, "allocation")
    target = child(root, "target")
    fmt_el = child(target, "format")
    fmt = fmt_el.get("type") if fmt_el is not None else None
    file_like = pool is None or pool.type in ("dir", "fs", "netfs", "gluster", "vstorage")
    if fmt is not None and file_like and fmt not in FILE_FORMATS:
        raise make_error(ErrorCode.CONFIG_UNSUPPORTED, _ST, f"unknown volume format type {fmt}")
    kept = ("compat", "nocow", "clusterSize", "features", "encryption", "timestamps")
    return VolumeDef(
        name=name,
        type=vtype,
        key=child_text(root, "key"),
        capacity=capacity,
        allocation=allocation,
        target_path=child_text(target, "path"),
        format_type=fmt,
        permissions=Permissions.parse(child(target, "permissions")),
        target_extra=[
            copy.deepcopy(c)
            for c in (target if target is not None else [])
            if isinstance(c.tag, str) and c.tag in kept
        ],
        backing_store=copy.deepcopy(child(root, "backingStore")),
        source=copy.deepcopy(child(root, "source")),
    )


def apply_volume_defaults(vol: VolumeDef, pool: PoolDef) -> VolumeDef:
    """Fill what the test driver computes on creation: path and key under the pool target,
    allocation = capacity when not given, format raw for file pools."""
    base = pool.target_path or ""
    vol.target_path = f"{base}/{vol.name}"
    vol.key = vol.target_path
    if vol.allocation is None:
        vol.allocation = vol.capacity
    if vol.format_type is None and pool.type in ("dir", "fs", "netfs"):
        vol.format_type = "raw"
    return vol


def format_volume_xml(v: VolumeDef) -> str:
    """Format *v* as ``virsh vol-dumpxml`` prints it."""
    from pyvirt._xml import XMLWriter

    w = XMLWriter()
    w.open("volume", [("type", v.type)])
    w.text("name", v.name)
    if v.key is not None:
        w.text("key", v.key)
    if v.source is not None:
        w.element(v.source)
    w.text("capacity", str(v.capacity), [("unit", "bytes")])
    alloc = v.allocation if v.allocation is not None else v.capacity
    w.text("allocation", str(alloc), [("unit", "bytes")])
    w.open("target")
    if v.target_path is not None:
        w.text("path", v.target_path)
    if v.format_type is not None:
        w.empty("format", [("type", v.format_type)])
    if v.permissions is not None:
        v.permissions.write(w)
    for el in v.target_extra:
        w.element(el)
    w.close("target")
    if v.backing_store is not None:
        w.element(v.backing_store)
    w.close("volume")
    return w.getvalue()
