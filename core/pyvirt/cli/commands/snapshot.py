"""virsh's snapshot commands (virsh-snapshot.c): create from XML or arguments, list (with
every filter and ``--tree``), current, info, parent, revert, delete and dumpxml.

Options, messages, table layout and exit codes are virsh 9.0's.  Snapshots are named by the
user or by their creation time; virsh sorts listings by name, case-insensitively, unless
``--topological`` asks for parents before children.
"""

from __future__ import annotations

from pyvirt._enums import (
    DomainSnapshotCreateFlags as Create,
)
from pyvirt._enums import (
    DomainSnapshotDeleteFlags as Delete,
)
from pyvirt._enums import (
    DomainSnapshotListFlags as List,
)
from pyvirt._enums import (
    DomainSnapshotRevertFlags as Revert,
)
from pyvirt.cli._control import Control, Failure
from pyvirt.cli._parser import Cmd, Opt, Parsed, T
from pyvirt.cli.commands._common import dom_opt, domain, flag_bits, read_file, string_req

# Not typing.TYPE_CHECKING: importing typing costs more than pyvirsh's own start-up.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyvirt import Domain, DomainSnapshot

_B, _S = T.BOOL, T.STRING
_SNAPSHOT_XML_SECURE = 1  # VIR_DOMAIN_SNAPSHOT_XML_SECURE

_CREATE_FLAGS = {
    "no-metadata": Create.NO_METADATA,
    "halt": Create.HALT,
    "disk-only": Create.DISK_ONLY,
    "reuse-external": Create.REUSE_EXT,
    "quiesce": Create.QUIESCE,
    "atomic": Create.ATOMIC,
    "live": Create.LIVE,
    "validate": Create.VALIDATE,
}

_CREATE_OPTS = (
    Opt("no-metadata", _B, "take snapshot but create no metadata"),
    Opt("halt", _B, "halt domain after snapshot is created"),
    Opt("disk-only", _B, "capture disk state but not vm state"),
    Opt("reuse-external", _B, "reuse any existing external files"),
    Opt("quiesce", _B, "quiesce guest's file systems"),
    Opt("atomic", _B, "require atomic operation"),
    Opt("live", _B, "take a live snapshot"),
    Opt("validate", _B, "validate the XML against the schema"),
)


def _xml_escape(value: str) -> str:
    """virBufferEscapeString: the five XML specials."""
    for old, new in (
        ("&", "&amp;"),
        ("<", "&lt;"),
        (">", "&gt;"),
        ('"', "&quot;"),
        ("'", "&apos;"),
    ):
        value = value.replace(old, new)
    return value


def _split_spec(text: str) -> list[str]:
    """vshStringToArray: comma-separated fields, ``,,`` standing for a literal comma."""
    fields, current, i = [], "", 0
    while i < len(text):
        if text[i] == ",":
            if text[i + 1 : i + 2] == ",":
                current += ","
                i += 2
                continue
            fields.append(current)
            current = ""
        else:
            current += text[i]
        i += 1
    fields.append(current)
    return fields


def _create(ctl: Control, dom: Domain, xml: str, flags: int, source: str | None) -> bool:
    snap = dom.snapshot_create_xml(xml, flags)
    if source is not None:
        ctl.print_extra(f"Domain snapshot {snap.name} created from '{source}'")
    else:
        ctl.print_extra(f"Domain snapshot {snap.name} created")
    return True


def cmd_snapshot_create(ctl: Control, p: Parsed) -> bool:
    flags = flag_bits(p, {"redefine": Create.REDEFINE, "current": Create.CURRENT, **_CREATE_FLAGS})
    dom, _ = domain(ctl, p)
    path = string_req(p, "xmlfile")
    xml = "<domainsnapshot/>" if path is None else read_file(path)
    return _create(ctl, dom, xml, flags, path)


def _memspec(text: str) -> str:
    snapshot = file = None
    for field in _split_spec(text):
        if snapshot is None and field.startswith("snapshot="):
            snapshot = field[len("snapshot=") :]
        elif file is None and field.startswith("file="):
            file = field[len("file=") :]
        elif file is None and field.startswith("/"):
            file = field
        else:
            raise Failure(f"unable to parse memspec: {text}")
    attrs = "".join(
        f" {key}='{_xml_escape(value)}'"
        for key, value in (("snapshot", snapshot), ("file", file))
        if value is not None
    )
    return f"  <memory{attrs}/>\n"


def _diskspec(text: str) -> str:
    fields = _split_spec(text)
    values: dict[str, str] = {}
    for field in fields[1:]:
        key, _, value = field.partition("=")
        if key not in ("snapshot", "driver", "stype", "file") or key in values or not _:
            raise Failure(f"unable to parse diskspec: {text}")
        values[key] = value
    out = f"    <disk name='{_xml_escape(fields[0])}'"
    if "snapshot" in values:
        out += f" snapshot='{values['snapshot']}'"
    if "stype" in values:
        out += f" type='{values['stype']}'"
    if "driver" not in values and "file" not in values:
        return out + "/>\n"
    out += ">\n"
    if "driver" in values:
        out += f"      <driver type='{values['driver']}'/>\n"
    if "file" in values:
        attr = "dev" if values.get("stype") == "block" else "file"
        out += f"      <source {attr}='{_xml_escape(values['file'])}'/>\n"
    return out + "    </disk>\n"


def cmd_snapshot_create_as(ctl: Control, p: Parsed) -> bool:
    flags = flag_bits(p, _CREATE_FLAGS)
    dom, _ = domain(ctl, p)
    name, desc = string_req(p, "name"), string_req(p, "description")
    xml = "<domainsnapshot>\n"
    if name is not None:
        xml += f"  <name>{_xml_escape(name)}</name>\n"
    if desc is not None:
        xml += f"  <description>{_xml_escape(desc)}</description>\n"
    memspec = string_req(p, "memspec")
    if memspec is not None:
        xml += _memspec(memspec)
    disks: list[str] = p.values.get("diskspec", [])
    if disks:
        xml += "  <disks>\n" + "".join(_diskspec(d) for d in disks) + "  </disks>\n"
    xml += "</domainsnapshot>\n"
    if p.bool("print-xml"):
        ctl.print(xml + "\n")
        return True
    return _create(ctl, dom, xml, flags, None)


def _lookup(p: Parsed, dom: Domain, arg: str = "snapshotname") -> DomainSnapshot:
    """virshLookupSnapshot: --ARG names the snapshot, --current the current one."""
    name = string_req(p, arg)
    current = p.bool("current")
    if current and name is not None:
        raise Failure(f"--{arg} and --current are mutually exclusive")
    if name is not None:
        return dom.snapshot_lookup_by_name(name)
    if current:
        return dom.snapshot_current()
    raise Failure(f"--{arg} or --current is required")


def cmd_snapshot_current(ctl: Control, p: Parsed) -> bool:
    if p.bool("name") and p.values.get("snapshotname") is not None:
        raise Failure("Options --name and --snapshotname are mutually exclusive")
    dom, name = domain(ctl, p)
    target = string_req(p, "snapshotname")
    if target is not None:
        snap = dom.snapshot_lookup_by_name(target)
        xml = snap.xml_desc(_SNAPSHOT_XML_SECURE)
        flags = Create.REDEFINE | Create.CURRENT
        if "<state>disk-snapshot</state>" in xml:
            flags |= Create.DISK_ONLY
        dom.snapshot_create_xml(xml, int(flags))
        ctl.print_extra(f"Snapshot {target} set as current")
        return True
    if not dom.has_current_snapshot():
        raise Failure(f"domain '{name}' has no current snapshot")
    snap = dom.snapshot_current()
    if p.bool("name"):
        ctl.print(snap.name)
    else:
        ctl.print(snap.xml_desc(_SNAPSHOT_XML_SECURE if p.bool("security-info") else 0))
    return True


def _parent_name(snap: DomainSnapshot) -> str | None:
    """virshGetSnapshotParent: the parent's name, None for a root."""
    from pyvirt import ErrorCode, VirtError

    try:
        return snap.parent().name
    except VirtError as e:
        if e.code == ErrorCode.NO_DOMAIN_SNAPSHOT:
            return None
        raise Failure("unable to determine if snapshot has parent", cause=e) from None


def cmd_snapshot_info(ctl: Control, p: Parsed) -> bool:
    from pyvirt._xml import parse_document

    dom, _ = domain(ctl, p)
    snap = _lookup(p, dom)
    ctl.print(f"{'Name:':<15} {snap.name}\n{'Domain:':<15} {dom.name}\n")
    ctl.print(f"{'Current:':<15} {'yes' if snap.is_current() else 'no'}\n")
    root = parse_document(snap.xml_desc(), "(domain_snapshot)", 35)
    state = root.findtext("state") or ""
    ctl.print(f"{'State:':<15} {state}\n")
    if root.find("memory") is not None:
        external = bool(
            root.xpath(
                "boolean(/domainsnapshot/memory[@snapshot='external'] "
                "| /domainsnapshot/disks/disk[@snapshot='external'])"
            )
        )
    else:
        external = state == "disk-snapshot"
    ctl.print(f"{'Location:':<15} {'external' if external else 'internal'}\n")
    ctl.print(f"{'Parent:':<15} {root.findtext('parent/name') or '-'}\n")
    ctl.print(f"{'Children:':<15} {snap.num_children()}\n")
    ctl.print(f"{'Descendants:':<15} {snap.num_children(List.DESCENDANTS)}\n")
    ctl.print(f"{'Metadata:':<15} {'yes' if snap.has_metadata() else 'no'}\n")
    return True


def cmd_snapshot_parent(ctl: Control, p: Parsed) -> bool:
    dom, _ = domain(ctl, p)
    snap = _lookup(p, dom)
    parent = _parent_name(snap)
    if parent is None:
        raise Failure(f"snapshot '{snap.name}' has no parent")
    ctl.print(parent)
    return True


def cmd_snapshot_revert(ctl: Control, p: Parsed) -> bool:
    from pyvirt import ErrorCode, VirtError

    flags = flag_bits(
        p, {"running": Revert.RUNNING, "paused": Revert.PAUSED, "reset-nvram": Revert.RESET_NVRAM}
    )
    dom, _ = domain(ctl, p)
    snap = _lookup(p, dom)
    try:
        try:
            snap.revert(flags)
        except VirtError as e:
            # virsh tries without --force first and adds it only when the revert is risky.
            if not (p.bool("force") and e.code == ErrorCode.SNAPSHOT_REVERT_RISKY):
                raise
            snap.revert(flags | Revert.FORCE)
    except VirtError as e:
        raise Failure(f"Failed to revert snapshot {snap.name}", cause=e) from None
    ctl.print_extra(f"Domain snapshot {snap.name} reverted\n")
    return True


def cmd_snapshot_delete(ctl: Control, p: Parsed) -> bool:
    dom, _ = domain(ctl, p)
    snap = _lookup(p, dom)
    flags = flag_bits(
        p,
        {
            "children": Delete.CHILDREN,
            "children-only": Delete.CHILDREN_ONLY,
            "metadata": Delete.METADATA_ONLY,
        },
    )
    try:
        snap.delete(flags)
    except Exception as e:
        raise Failure(f"Failed to delete snapshot {snap.name}", cause=e) from None
    if flags & Delete.CHILDREN_ONLY:
        ctl.print_extra(f"Domain snapshot {snap.name} children deleted\n")
    else:
        ctl.print_extra(f"Domain snapshot {snap.name} deleted\n")
    return True


def cmd_snapshot_dumpxml(ctl: Control, p: Parsed) -> bool:
    from pyvirt.cli.commands.domain import dump_xml

    name = string_req(p, "snapshotname")
    assert name is not None
    dom, _ = domain(ctl, p)
    flags = _SNAPSHOT_XML_SECURE if p.bool("security-info") else 0
    xml = dom.snapshot_lookup_by_name(name).xml_desc(flags)
    dump_xml(ctl, xml, string_req(p, "xpath"), p.bool("wrap"))
    return True


def _curr(help: str) -> Opt:
    return Opt("current", _B, help)


def _snapname(help: str = "snapshot name") -> Opt:
    return Opt("snapshotname", _S, help)


COMMANDS = [
    Cmd(
        "snapshot-create",
        "snapshot",
        "Create a snapshot from XML",
        "Create a snapshot (disk and RAM) from XML",
        (
            dom_opt(),
            Opt("xmlfile", _S, "domain snapshot XML"),
            Opt("redefine", _B, "redefine metadata for existing snapshot"),
            _curr("with redefine, set current snapshot"),
            *_CREATE_OPTS,
        ),
        cmd_snapshot_create,
    ),
    Cmd(
        "snapshot-create-as",
        "snapshot",
        "Create a snapshot from a set of args",
        "Create a snapshot (disk and RAM) from arguments",
        (
            dom_opt(),
            Opt("name", _S, "name of snapshot"),
            Opt("description", _S, "description of snapshot"),
            Opt("print-xml", _B, "print XML document rather than create"),
            *_CREATE_OPTS,
            Opt("memspec", _S, "memory attributes: [file=]name[,snapshot=type]", req_opt=True),
            Opt(
                "diskspec",
                T.ARGV,
                "disk attributes: disk[,snapshot=type][,driver=type][,stype=type][,file=name]",
            ),
        ),
        cmd_snapshot_create_as,
    ),
    Cmd(
        "snapshot-current",
        "snapshot",
        "Get or set the current snapshot",
        "Get or set the current snapshot",
        (
            dom_opt(),
            Opt("name", _B, "list the name, rather than the full xml"),
            Opt("security-info", _B, "include security sensitive information in XML dump"),
            _snapname("name of existing snapshot to make current"),
        ),
        cmd_snapshot_current,
    ),
    Cmd(
        "snapshot-delete",
        "snapshot",
        "Delete a domain snapshot",
        "Snapshot Delete",
        (
            dom_opt(),
            _snapname(),
            _curr("delete current snapshot"),
            Opt("children", _B, "delete snapshot and all children"),
            Opt("children-only", _B, "delete children but not snapshot"),
            Opt("metadata", _B, "delete only libvirt metadata, leaving snapshot contents behind"),
        ),
        cmd_snapshot_delete,
    ),
    Cmd(
        "snapshot-dumpxml",
        "snapshot",
        "Dump XML for a domain snapshot",
        "Snapshot Dump XML",
        (
            dom_opt(),
            Opt("snapshotname", T.DATA, "snapshot name", req=True),
            Opt("security-info", _B, "include security sensitive information in XML dump"),
            Opt("xpath", _S, "xpath expression to filter the XML document", req_opt=True),
            Opt("wrap", _B, "wrap xpath results in an common root element"),
        ),
        cmd_snapshot_dumpxml,
    ),
    Cmd(
        "snapshot-info",
        "snapshot",
        "snapshot information",
        "Returns basic information about a snapshot.",
        (dom_opt(), _snapname(), _curr("info on current snapshot")),
        cmd_snapshot_info,
    ),
    Cmd(
        "snapshot-parent",
        "snapshot",
        "Get the name of the parent of a snapshot",
        "Extract the snapshot's parent, if any",
        (
            dom_opt(),
            _snapname("find parent of snapshot name"),
            _curr("find parent of current snapshot"),
        ),
        cmd_snapshot_parent,
    ),
    Cmd(
        "snapshot-revert",
        "snapshot",
        "Revert a domain to a snapshot",
        "Revert domain to snapshot",
        (
            dom_opt(),
            _snapname(),
            _curr("revert to current snapshot"),
            Opt("running", _B, "after reverting, change state to running"),
            Opt("paused", _B, "after reverting, change state to paused"),
            Opt("force", _B, "try harder on risky reverts"),
            Opt("reset-nvram", _B, "re-initialize NVRAM from its pristine template"),
        ),
        cmd_snapshot_revert,
    ),
]
