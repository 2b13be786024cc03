"""virsh's checkpoint commands (virsh-checkpoint.c): create from XML or arguments, info,
parent, delete and dumpxml; and the backup commands (virsh-backup.c), which libvirt's test
driver answers with "not supported".

Options, messages and exit codes are virsh 9.0's.  A checkpoint is always named with
``--checkpointname`` (there is no "current" one to fall back to, unlike snapshots).
"""

from __future__ import annotations

from pyvirt._abi_enums import DomainCheckpointCreateFlags as Create
from pyvirt._abi_enums import DomainCheckpointDeleteFlags as Delete
from pyvirt._abi_enums import DomainCheckpointListFlags as List
from pyvirt._abi_enums import DomainCheckpointXMLFlags as XMLFlags
from pyvirt.cli._control import Control, Failure
from pyvirt.cli._parser import Cmd, Opt, Parsed, T
from pyvirt.cli.commands._common import dom_opt, domain, flag_bits, read_file, require, string_req

# Not typing.TYPE_CHECKING: importing typing costs more than pyvirsh's own start-up.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyvirt import Domain, DomainCheckpoint

_B, _S = T.BOOL, T.STRING


def _create(ctl: Control, dom: Domain, xml: str, flags: int, source: str | None) -> bool:
    made = dom.checkpoint_create_xml(xml, flags)
    suffix = f" from '{source}'" if source is not None else ""
    ctl.print_extra(f"Domain checkpoint {made.name} created{suffix}")
    return True


def cmd_checkpoint_create(ctl: Control, p: Parsed) -> bool:
    require(p, "redefine", "redefine-validate")
    flags = flag_bits(
        p,
        {
            "redefine": Create.REDEFINE,
            "redefine-validate": Create.REDEFINE_VALIDATE,
            "quiesce": Create.QUIESCE,
        },
    )
    dom, _ = domain(ctl, p)
    path = string_req(p, "xmlfile")
    xml = "<domaincheckpoint/>" if path is None else read_file(path)
    return _create(ctl, dom, xml, flags, path)


def _diskspec(text: str) -> str:
    """virshParseCheckpointDiskspec: ``disk[,checkpoint=type][,bitmap=name]``."""
    from pyvirt.cli.commands.snapshot import _split_spec, _xml_escape

    fields = _split_spec(text)
    values: dict[str, str] = {}
    for field in fields[1:]:
        key, eq, value = field.partition("=")
        if key not in ("checkpoint", "bitmap") or key in values or not eq:
            raise Failure(f"unable to parse diskspec: {text}")
        values[key] = value
    attrs = "".join(f" {k}='{_xml_escape(values[k])}'" for k in ("checkpoint", "bitmap") if k in values)
    return f"    <disk name='{_xml_escape(fields[0])}'{attrs}/>\n"


def cmd_checkpoint_create_as(ctl: Control, p: Parsed) -> bool:
    from pyvirt.cli.commands.snapshot import _xml_escape

    flags = flag_bits(p, {"quiesce": Create.QUIESCE})
    dom, _ = domain(ctl, p)
    name, desc = string_req(p, "name"), string_req(p, "description")
    xml = "<domaincheckpoint>\n"
    if name is not None:
        xml += f"  <name>{_xml_escape(name)}</name>\n"
    if desc is not None:
        xml += f"  <description>{_xml_escape(desc)}</description>\n"
    disks: list[str] = p.values.get("diskspec", [])
    if disks:
        xml += "  <disks>\n" + "".join(_diskspec(d) for d in disks) + "  </disks>\n"
    xml += "</domaincheckpoint>\n"
    if p.bool("print-xml"):
        ctl.print(xml + "\n")
        return True
    return _create(ctl, dom, xml, flags, None)


def lookup_checkpoint(p: Parsed, dom: Domain, arg: str = "checkpointname") -> DomainCheckpoint:
    """virshLookupCheckpoint: --ARG names the checkpoint, which is required."""
    name = string_req(p, arg)
    if name is None:
        raise Failure(f"--{arg} is required")
    return dom.checkpoint_lookup_by_name(name)


def parent_name(cp: DomainCheckpoint) -> str | None:
    """virshGetCheckpointParent: the parent's name, None for a root."""
    from pyvirt import ErrorCode, VirtError

    try:
        return cp.parent().name
    except VirtError as e:
        if e.code == ErrorCode.NO_DOMAIN_CHECKPOINT:
            return None
        raise Failure("unable to determine if checkpoint has parent", cause=e) from None


def cmd_checkpoint_info(ctl: Control, p: Parsed) -> bool:
    dom, _ = domain(ctl, p)
    cp = lookup_checkpoint(p, dom)
    ctl.print(f"{'Name:':<15} {cp.name}\n{'Domain:':<15} {dom.name}\n")
    ctl.print(f"{'Parent:':<15} {parent_name(cp) or '-'}\n")
    ctl.print(f"{'Children:':<15} {len(cp.list_children())}\n")
    ctl.print(f"{'Descendants:':<15} {len(cp.list_children(List.DESCENDANTS))}\n")
    return True


def cmd_checkpoint_parent(ctl: Control, p: Parsed) -> bool:
    dom, _ = domain(ctl, p)
    cp = lookup_checkpoint(p, dom)
    parent = parent_name(cp)
    if parent is None:
        raise Failure(f"checkpoint '{cp.name}' has no parent")
    ctl.print(parent)
    return True


def cmd_checkpoint_delete(ctl: Control, p: Parsed) -> bool:
    dom, _ = domain(ctl, p)
    cp = lookup_checkpoint(p, dom)
    flags = flag_bits(
        p,
        {
            "children": Delete.CHILDREN,
            "children-only": Delete.CHILDREN_ONLY,
            "metadata": Delete.METADATA_ONLY,
        },
    )
    try:
        cp.delete(flags)
    except Exception as e:
        raise Failure(f"Failed to delete checkpoint {cp.name}", cause=e) from None
    done = "children deleted" if flags & Delete.CHILDREN_ONLY else "deleted"
    ctl.print_extra(f"Domain checkpoint {cp.name} {done}\n")
    return True


def cmd_checkpoint_dumpxml(ctl: Control, p: Parsed) -> bool:
    from pyvirt.cli.commands.domain import dump_xml

    flags = flag_bits(
        p,
        {"security-info": XMLFlags.SECURE, "no-domain": XMLFlags.NO_DOMAIN, "size": XMLFlags.SIZE},
    )
    dom, _ = domain(ctl, p)
    xml = lookup_checkpoint(p, dom).xml_desc(flags)
    dump_xml(ctl, xml, string_req(p, "xpath"), p.bool("wrap"))
    return True


def cmd_checkpoint_edit(ctl: Control, p: Parsed) -> bool:
    """The checkpoint's secure XML through the editor loop, redefined; a changed name is
    refused (the copy made under it is removed again), as virsh does."""
    from pyvirt.cli._editor import EditSpec, edit_object

    dom, _ = domain(ctl, p)
    cp = lookup_checkpoint(p, dom)
    name = cp.name
    made: list[DomainCheckpoint] = []

    def define(xml: str) -> str:
        made.append(dom.checkpoint_create_xml(xml, int(Create.REDEFINE)))
        return made[-1].name

    try:
        edited = edit_object(ctl, EditSpec(lambda: cp.xml_desc(int(XMLFlags.SECURE)), define))
        if edited is None:
            ctl.print_extra(f"Checkpoint {name} XML configuration not changed.\n")
            return True
        if not made:
            raise Failure()
        if edited == name:
            ctl.print_extra(f"Checkpoint {name} edited.\n")
            return True
        try:
            made[-1].delete(int(Delete.METADATA_ONLY))
        except Exception as e:
            raise Failure(str(e), f"Failed to clean up {edited}") from None
        raise Failure(f"Cannot rename checkpoint {name} to {edited}")
    except Failure as f:
        raise Failure(*f.lines, f"Failed to update {name}", cause=f.cause) from None
    except Exception as e:
        raise Failure(str(e), f"Failed to update {name}") from None


def cmd_backup_begin(ctl: Control, p: Parsed) -> bool:
    dom, _ = domain(ctl, p)
    backup_path, checkpoint_path = string_req(p, "backupxml"), string_req(p, "checkpointxml")
    backup = "<domainbackup/>" if backup_path is None else read_file(backup_path)
    checkpoint = None if checkpoint_path is None else read_file(checkpoint_path)
    dom.backup_begin(backup, checkpoint, 1 if p.bool("reuse-external") else 0)
    ctl.print_extra("Backup started\n")
    return True


def cmd_backup_dumpxml(ctl: Control, p: Parsed) -> bool:
    from pyvirt.cli.commands.domain import dump_xml

    dom, _ = domain(ctl, p)
    dump_xml(ctl, dom.backup_xml_desc(), string_req(p, "xpath"), p.bool("wrap"))
    return True


def _name_opt(help: str = "checkpoint name") -> Opt:
    return Opt("checkpointname", _S, help)


_XPATH = (
    Opt("xpath", _S, "xpath expression to filter the XML document", req_opt=True),
    Opt("wrap", _B, "wrap xpath results in an common root element"),
)

COMMANDS = [
    Cmd(
        "checkpoint-create",
        "checkpoint",
        "Create a checkpoint from XML",
        "Create a checkpoint from XML for use in future incremental backups",
        (
            dom_opt(),
            Opt("xmlfile", _S, "domain checkpoint XML"),
            Opt("redefine", _B, "redefine metadata for existing checkpoint"),
            Opt("redefine-validate", _B, "validate the redefined checkpoint"),
            Opt("quiesce", _B, "quiesce guest's file systems"),
        ),
        cmd_checkpoint_create,
    ),
    Cmd(
        "checkpoint-create-as",
        "checkpoint",
        "Create a checkpoint from a set of args",
        "Create a checkpoint from arguments for use in future incremental backups",
        (
            dom_opt(),
            Opt("name", _S, "name of checkpoint"),
            Opt("description", _S, "description of checkpoint"),
            Opt("print-xml", _B, "print XML document rather than create"),
            Opt("quiesce", _B, "quiesce guest's file systems"),
            Opt("diskspec", T.ARGV, "disk attributes: disk[,checkpoint=type][,bitmap=name]"),
        ),
        cmd_checkpoint_create_as,
    ),
    Cmd(
        "checkpoint-delete",
        "checkpoint",
        "Delete a domain checkpoint",
        "Checkpoint Delete",
        (
            dom_opt(),
            _name_opt(),
            Opt("children", _B, "delete checkpoint and all children"),
            Opt("children-only", _B, "delete children but not checkpoint"),
            Opt("metadata", _B, "delete only libvirt metadata, leaving checkpoint contents behind"),
        ),
        cmd_checkpoint_delete,
    ),
    Cmd(
        "checkpoint-dumpxml",
        "checkpoint",
        "Dump XML for a domain checkpoint",
        "Checkpoint Dump XML",
        (
            dom_opt(),
            _name_opt(),
            Opt("security-info", _B, "include security sensitive information in XML dump"),
            Opt("no-domain", _B, "exclude <domain> from XML"),
            Opt("size", _B, "include backup size estimate in XML dump"),
            *_XPATH,
        ),
        cmd_checkpoint_dumpxml,
    ),
    Cmd(
        "checkpoint-edit",
        "checkpoint",
        "edit XML for a checkpoint",
        "Edit the domain checkpoint XML for a named checkpoint",
        (dom_opt(), _name_opt()),
        cmd_checkpoint_edit,
    ),
    Cmd(
        "checkpoint-info",
        "checkpoint",
        "checkpoint information",
        "Returns basic information about a checkpoint.",
        (dom_opt(), _name_opt()),
        cmd_checkpoint_info,
    ),
    Cmd(
        "checkpoint-parent",
        "checkpoint",
        "Get the name of the parent of a checkpoint",
        "Extract the checkpoint's parent, if any",
        (dom_opt(), _name_opt("find parent of checkpoint name")),
        cmd_checkpoint_parent,
    ),
    Cmd(
        "backup-begin",
        "backup",
        "Start a disk backup of a live domain",
        "Use XML to start a full or incremental disk backup of a live domain, optionally "
        "creating a checkpoint",
        (
            dom_opt(),
            Opt("backupxml", _S, "domain backup XML"),
            Opt("checkpointxml", _S, "domain checkpoint XML"),
            Opt("reuse-external", _B, "reuse files provided by caller"),
        ),
        cmd_backup_begin,
    ),
    Cmd(
        "backup-dumpxml",
        "backup",
        "Dump XML for an ongoing domain block backup job",
        "Backup Dump XML",
        (dom_opt(), *_XPATH),
        cmd_backup_dumpxml,
    ),
]
