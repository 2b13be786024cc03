"""Domain snapshot XML (``<domainsnapshot>``): parse and format as libvirt 9.0 does.

A snapshot definition is what libvirt's ``virDomainSnapshotDef`` keeps: the name (the
creation time in seconds when none is given), an optional description, the domain state it
captured, where memory and each disk went (``internal``, ``external``, ``no``), its parent's
name, and a copy of the domain definition it was taken from, formatted inside it.  Errors
carry libvirt's codes and error domains: libxml2 syntax errors and structural problems are
reported by the snapshot code (VIR_FROM_DOMAIN_SNAPSHOT), attribute values by the XML
utilities (VIR_FROM_XML).
"""

from __future__ import annotations

import time

from pyvirt._codes import ErrorCode, ErrorDomain
from pyvirt._errors import make_error
from pyvirt._kit_model import field, model
from pyvirt.conf._common import child, child_text, children

# Not typing.TYPE_CHECKING: importing typing costs a pyvirsh run several milliseconds.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from lxml import etree

    from pyvirt.conf._domain import DomainDef

_SNAP = ErrorDomain.DOMAIN_SNAPSHOT
#: libvirt's virDomainSnapshotLocation names (``default`` is never formatted).
LOCATIONS = ("default", "no", "internal", "external", "manual")
#: libvirt's virDomainSnapshotState names: the domain states (by DomainState number), then
#: ``disk-snapshot``.
SNAPSHOT_STATES = (
    "nostate",
    "running",
    "blocked",
    "paused",
    "shutdown",
    "shutoff",
    "crashed",
    "pmsuspended",
    "disk-snapshot",
)


@model(slots=True)
class SnapshotDiskDef:
    """One ``<disk>`` of a snapshot: which domain disk, and where its snapshot goes."""

    name: str
    snapshot: str = "default"
    #: For external snapshots: the new file's source attributes (``file='...'``).
    source_file: str | None = None
    source_type: str | None = None


@model(slots=True)
class SnapshotDef:
    """A parsed ``<domainsnapshot>`` (libvirt's virDomainSnapshotDef)."""

    name: str | None = None
    description: str | None = None
    state: str | None = None
    parent: str | None = None
    creation_time: int = 0
    memory: str = "default"
    memory_file: str | None = None
    disks: list[SnapshotDiskDef] = field(default_factory=list)
    #: The domain definition the snapshot was taken from (what a revert restores).
    domain: DomainDef | None = None


def _xml_error(message: str) -> Exception:
    return make_error(ErrorCode.XML_ERROR, ErrorDomain.XML, message)


def _location(elem: etree._Element) -> str:
    value = elem.get("snapshot")
    if value is None:
        return "default"
    if value not in LOCATIONS or value == "default":
        raise _xml_error(
            f"Invalid value for attribute 'snapshot' in element '{elem.tag}': '{value}'."
        )
    return value


def parse_snapshot_xml(xml: str, *, redefine: bool = False) -> SnapshotDef:
    """Parse snapshot *xml*.  Without *redefine* the creation time is now and a missing name
    becomes that time; with it the XML must describe an existing snapshot (libvirt's
    VIR_DOMAIN_SNAPSHOT_PARSE_REDEFINE)."""
    from pyvirt._xml import parse_document

    root = parse_document(xml, "domain_snapshot", _SNAP)
    if root.tag != "domainsnapshot":
        raise _xml_error(f"expecting root element of 'domainsnapshot', not '{root.tag}'")
    snap = SnapshotDef(name=child_text(root, "name"), description=child_text(root, "description"))
    if redefine:
        _parse_redefined(root, snap)
    else:
        snap.creation_time = int(time.time())
        if snap.name is None:
            snap.name = str(snap.creation_time)
    memory = child(root, "memory")
    if memory is not None:
        snap.memory = _location(memory)
        snap.memory_file = memory.get("file")
    for disk in children(child(root, "disks"), "disk"):
        name = disk.get("name")
        if not name:
            raise make_error(
                ErrorCode.INTERNAL_ERROR, _SNAP, "missing name from disk snapshot element"
            )
        source = child(disk, "source")
        snap.disks.append(
            SnapshotDiskDef(
                name,
                _location(disk),
                source.get("file") if source is not None else None,
                disk.get("type"),
            )
        )
    return snap


def _parse_redefined(root: etree._Element, snap: SnapshotDef) -> None:
    """What only a redefinition carries: creation time, state, parent and domain."""
    if snap.name is None:
        raise make_error(ErrorCode.XML_ERROR, _SNAP, "a redefined snapshot must have a name")
    created = child_text(root, "creationTime")
    if created is None:
        raise make_error(
            ErrorCode.INTERNAL_ERROR, _SNAP, "missing creationTime from existing snapshot"
        )
    try:
        snap.creation_time = int(created)
    except ValueError:
        raise make_error(
            ErrorCode.INTERNAL_ERROR, _SNAP, "missing creationTime from existing snapshot"
        ) from None
    state = child_text(root, "state")
    if state is None:
        raise make_error(ErrorCode.INTERNAL_ERROR, _SNAP, "missing state from existing snapshot")
    if state not in SNAPSHOT_STATES:
        raise make_error(
            ErrorCode.INTERNAL_ERROR, _SNAP, f"Invalid state '{state}' in domain snapshot XML"
        )
    snap.state = state
    snap.parent = child_text(child(root, "parent"), "name")
    dom = child(root, "domain")
    if dom is not None and len(dom):
        from lxml import etree as _etree

        from pyvirt.conf._domain_parse import parse_domain_xml

        snap.domain = parse_domain_xml(_etree.tostring(dom, encoding="unicode"))


def align_disks(snap: SnapshotDef, default: str, *, require_match: bool) -> None:
    """Give every disk of the snapshot's domain an entry, in the domain's order (libvirt's
    virDomainSnapshotAlignDisks): named disks must exist and appear once; the rest take
    *default*, or ``no`` when read-only or empty.  With *require_match* every named disk
    must ask for *default*; an external disk without a file gets one named after the
    snapshot."""
    assert snap.domain is not None
    by_target = {d.target_dev: d for d in snap.domain.disks}
    if len(snap.disks) > len(snap.domain.disks):
        raise make_error(
            ErrorCode.CONFIG_UNSUPPORTED, _SNAP, "too many disk snapshot requests for domain"
        )
    given: dict[str, SnapshotDiskDef] = {}
    for disk in snap.disks:
        dom_disk = by_target.get(disk.name)
        if dom_disk is None:
            path_match = [d for d in snap.domain.disks if d.source_path == disk.name]
            if not path_match:
                raise make_error(
                    ErrorCode.CONFIG_UNSUPPORTED, _SNAP, f"no disk named '{disk.name}'"
                )
            dom_disk = path_match[0]
            disk.name = dom_disk.target_dev
        if require_match and disk.snapshot not in ("default", default):
            raise make_error(
                ErrorCode.CONFIG_UNSUPPORTED,
                _SNAP,
                f"disk '{disk.name}' must use snapshot mode '{default}'",
            )
        if disk.name in given:
            raise make_error(
                ErrorCode.CONFIG_UNSUPPORTED, _SNAP, f"disk '{disk.name}' specified twice"
            )
        given[disk.name] = disk
    aligned = []
    for dom_disk in snap.domain.disks:
        disk = given.get(dom_disk.target_dev) or SnapshotDiskDef(dom_disk.target_dev)
        if disk.snapshot == "default":
            empty = dom_disk.source_path is None and not dom_disk.source
            disk.snapshot = "no" if (dom_disk.readonly or empty) else default
        if disk.snapshot == "external" and disk.source_file is None:
            disk.source_file = _external_name(disk.name, dom_disk.source_path, snap.name or "")
            disk.source_type = "file"
        aligned.append(disk)
    snap.disks = aligned


def _external_name(disk: str, path: str | None, name: str) -> str:
    """libvirt's name for an external snapshot file: the disk's file with its suffix (or
    none) replaced by the snapshot's name; only for an existing regular file."""
    import os

    if path is None:
        raise make_error(
            ErrorCode.CONFIG_UNSUPPORTED,
            _SNAP,
            f"cannot generate external snapshot name for disk '{disk}' without source",
        )
    if not os.path.isfile(path):
        raise make_error(
            ErrorCode.CONFIG_UNSUPPORTED,
            _SNAP,
            f"source for disk '{disk}' is not a regular file; "
            "refusing to generate external snapshot name",
        )
    # the suffix goes: from the last '.' when no '/' follows it (a relative path stays relative)
    base, dot, suffix = path.rpartition(".")
    stem = base if dot and "/" not in suffix else path
    return f"{stem}.{name}"


def format_snapshot_xml(snap: SnapshotDef, *, secure: bool = False) -> str:
    """The snapshot as libvirt's virDomainSnapshotDefFormat writes it (the domain inside
    in its inactive form; passwords only when *secure*)."""
    from pyvirt._xml import XMLWriter
    from pyvirt.conf._domain_format import format_domain_xml

    w = XMLWriter()
    w.open("domainsnapshot")
    w.text("name", snap.name or "")
    if snap.description is not None:
        w.text("description", snap.description)
    if snap.state is not None:
        w.text("state", snap.state)
    if snap.parent is not None:
        w.open("parent")
        w.text("name", snap.parent)
        w.close("parent")
    w.text("creationTime", str(snap.creation_time))
    if snap.memory != "default":
        w.empty("memory", (("snapshot", snap.memory), ("file", snap.memory_file)))
    if snap.disks:
        w.open("disks")
        for disk in snap.disks:
            attrs = (("name", disk.name), ("snapshot", disk.snapshot))
            if disk.source_file is None:
                w.empty("disk", attrs)
                continue
            w.open("disk", (*attrs, ("type", disk.source_type or "file")))
            w.empty("source", (("file", disk.source_file),))
            w.close("disk")
        w.close("disks")
    if snap.domain is not None:
        inner = format_domain_xml(snap.domain, inactive=True, secure=secure)
        w.raw(inner.rstrip("\n").replace("\n", "\n  "))
    w.close("domainsnapshot")
    return w.getvalue()
