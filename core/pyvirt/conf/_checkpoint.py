"""Domain checkpoint XML (``<domaincheckpoint>``): parse and format as libvirt 9.0 does.

A checkpoint (libvirt's virDomainCheckpointDef) names a point from which disk changes are
tracked: its name (the creation time in seconds when none is given), a description, its
parent's name, and per disk whether a dirty bitmap tracks it (``bitmap``, with the bitmap's
name) or not (``no``); it keeps a copy of the domain definition it was taken from.  Errors
carry libvirt's codes and domains (VIR_FROM_DOMAIN_CHECKPOINT; attribute values VIR_FROM_XML).
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
    from pyvirt.conf._domain import DomainDef

_CHECK = ErrorDomain.DOMAIN_CHECKPOINT
#: libvirt's virDomainCheckpointType names (``default`` is never formatted).
CHECKPOINT_TYPES = ("default", "no", "bitmap")


@model(slots=True)
class CheckpointDiskDef:
    """One ``<disk>`` of a checkpoint: which domain disk, and whether a bitmap tracks it."""

    name: str
    checkpoint: str = "default"
    bitmap: str | None = None


@model(slots=True)
class CheckpointDef:
    """A parsed ``<domaincheckpoint>`` (libvirt's virDomainCheckpointDef)."""

    name: str | None = None
    description: str | None = None
    parent: str | None = None
    creation_time: int = 0
    disks: list[CheckpointDiskDef] = field(default_factory=list)
    #: The domain definition the checkpoint was taken from.
    domain: DomainDef | None = None


def parse_checkpoint_xml(xml: str, *, redefine: bool = False) -> CheckpointDef:
    """Parse checkpoint *xml*.  Without *redefine* the creation time is now and a missing
    name becomes that time; with it the XML describes an existing checkpoint (libvirt's
    VIR_DOMAIN_CHECKPOINT_PARSE_REDEFINE): name and creation time required, parent kept."""
    from pyvirt._xml import parse_document

    root = parse_document(xml, "domain_checkpoint", _CHECK)
    if root.tag != "domaincheckpoint":
        raise make_error(
            ErrorCode.XML_ERROR,
            ErrorDomain.XML,
            f"expecting root element of 'domaincheckpoint', not '{root.tag}'",
        )
    cp = CheckpointDef(name=child_text(root, "name"), description=child_text(root, "description"))
    if redefine:
        created = child_text(root, "creationTime")
        if cp.name is None:
            raise make_error(ErrorCode.XML_ERROR, _CHECK, "a redefined checkpoint must have a name")
        if created is None or not created.strip().isdigit():
            raise make_error(
                ErrorCode.INTERNAL_ERROR, _CHECK, "missing creationTime from existing checkpoint"
            )
        cp.creation_time = int(created)
        cp.parent = child_text(child(root, "parent"), "name")
        dom = child(root, "domain")
        if dom is not None and len(dom):
            from lxml import etree

            from pyvirt.conf._domain_parse import parse_domain_xml

            cp.domain = parse_domain_xml(etree.tostring(dom, encoding="unicode"))
    else:
        cp.creation_time = int(time.time())
        if cp.name is None:
            cp.name = str(cp.creation_time)
    for disk in children(child(root, "disks"), "disk"):
        kind = disk.get("checkpoint", "default")
        if kind not in CHECKPOINT_TYPES or kind == "default" and "checkpoint" in disk.attrib:
            raise make_error(
                ErrorCode.XML_ERROR,
                ErrorDomain.XML,
                f"Invalid value for attribute 'checkpoint' in element 'disk': '{kind}'.",
            )
        name = disk.get("name")
        if not name:
            raise make_error(
                ErrorCode.INTERNAL_ERROR, _CHECK, "missing name from disk checkpoint element"
            )
        cp.disks.append(CheckpointDiskDef(name, kind, disk.get("bitmap")))
    return cp


def align_checkpoint_disks(cp: CheckpointDef) -> None:
    """One entry per disk of the checkpoint's domain, in the domain's order (libvirt's
    virDomainCheckpointAlignDisks): a named disk must exist and appear once; the others,
    and named ones without a type, get a bitmap (``no`` when read-only) named after the
    checkpoint."""
    assert cp.domain is not None
    disks = cp.domain.disks
    if not disks:
        raise make_error(
            ErrorCode.CONFIG_UNSUPPORTED,
            _CHECK,
            "domain must have at least one disk to perform checkpoints",
        )
    if len(cp.disks) > len(disks):
        raise make_error(
            ErrorCode.CONFIG_UNSUPPORTED, _CHECK, "too many disk checkpoint requests for domain"
        )
    given: dict[str, CheckpointDiskDef] = {}
    for disk in cp.disks:
        target = next(
            (d.target_dev for d in disks if disk.name in (d.target_dev, d.source_path)), None
        )
        if target is None:
            raise make_error(ErrorCode.CONFIG_UNSUPPORTED, _CHECK, f"no disk named '{disk.name}'")
        if target in given:
            raise make_error(
                ErrorCode.INTERNAL_ERROR, _CHECK, f"disk '{disk.name}' specified twice"
            )
        disk.name = target
        given[target] = disk
    aligned = []
    for dom_disk in disks:
        disk = given.get(dom_disk.target_dev) or CheckpointDiskDef(dom_disk.target_dev)
        if disk.checkpoint == "default":
            disk.checkpoint = "no" if dom_disk.readonly else "bitmap"
        if disk.checkpoint == "bitmap" and disk.bitmap is None:
            disk.bitmap = cp.name
        aligned.append(disk)
    cp.disks = aligned


def format_checkpoint_xml(cp: CheckpointDef, *, no_domain: bool = False, secure: bool = False) -> str:
    """The checkpoint as libvirt's virDomainCheckpointDefFormat writes it (the domain
    inside in its inactive form unless *no_domain*; passwords only when *secure*)."""
    from pyvirt._xml import XMLWriter
    from pyvirt.conf._domain_format import format_domain_xml

    w = XMLWriter()
    w.open("domaincheckpoint")
    w.text("name", cp.name or "")
    if cp.description is not None:
        w.text("description", cp.description)
    if cp.parent is not None:
        w.open("parent")
        w.text("name", cp.parent)
        w.close("parent")
    if cp.creation_time:
        w.text("creationTime", str(cp.creation_time))
    if cp.disks:
        w.open("disks")
        for disk in cp.disks:
            attrs: list[tuple[str, str | None]] = [("name", disk.name)]
            if disk.checkpoint != "default":
                attrs.append(("checkpoint", disk.checkpoint))
            if disk.bitmap is not None and disk.checkpoint == "bitmap":
                attrs.append(("bitmap", disk.bitmap))
            w.empty("disk", tuple(attrs))
        w.close("disks")
    if cp.domain is not None and not no_domain:
        inner = format_domain_xml(cp.domain, inactive=True, secure=secure)
        w.raw(inner.rstrip("\n").replace("\n", "\n  "))
    w.close("domaincheckpoint")
    return w.getvalue()
