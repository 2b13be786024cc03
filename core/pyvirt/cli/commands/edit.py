"""virsh's edit commands: ``edit``, ``net-edit``, ``pool-edit``, ``nwfilter-edit`` and
``snapshot-edit``.

Each fetches the object's XML as virsh does (the inactive, secure domain XML; the persistent
network and pool XML, falling back to the live one for a driver that refuses the inactive
flag, as libvirt's test driver does for networks), runs the editor loop of
:mod:`pyvirt.cli._editor`, and defines the result.  Messages are virsh 9.0's.
"""

from __future__ import annotations

from pyvirt._codes import ErrorCode
from pyvirt._enums import (
    DomainDefineFlags,
    DomainSnapshotCreateFlags,
    DomainSnapshotDeleteFlags,
    DomainSnapshotXMLFlags,
    DomainXMLFlags,
)
from pyvirt.cli._control import Control, Failure
from pyvirt.cli._editor import EditSpec, edit_object
from pyvirt.cli._parser import Cmd, Opt, Parsed, T
from pyvirt.cli.commands._common import dom_opt, domain, exclusive, network, pool, string_req

# Not typing.TYPE_CHECKING: importing typing costs more than pyvirsh's own start-up.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from pyvirt import DomainSnapshot


def _inactive_or_live(get: Callable[[int], str], inactive: int) -> Callable[[], str]:
    """The persistent XML, or the live one where the driver refuses the inactive flag (as
    virsh retries: "the server side libvirt doesn't support VIR_*_XML_INACTIVE")."""
    from pyvirt import VirtError

    flags = inactive

    def fetch() -> str:
        nonlocal flags
        try:
            return get(flags)
        except VirtError as e:  # (INVALID_ARG: how a driver refuses a flag it does not know)
            if e.code != ErrorCode.INVALID_ARG or not flags:
                raise
        flags = 0
        return get(0)

    return fetch


def cmd_edit(ctl: Control, p: Parsed) -> bool:
    from pyvirt import VirtError

    dom, _ = domain(ctl, p)
    conn = ctl.conn
    define_flags = 0 if p.bool("skip-validate") else int(DomainDefineFlags.VALIDATE)

    def define(xml: str) -> str:
        """virshDomainDefine: with flags, falling back when VALIDATE is all they ask for."""
        if not define_flags:
            return conn.define_domain(xml).name
        try:
            return conn.define_domain(xml, define_flags).name
        except VirtError as e:
            if e.code != ErrorCode.NO_SUPPORT or define_flags != DomainDefineFlags.VALIDATE:
                raise
        return conn.define_domain(xml).name

    def relax() -> None:
        nonlocal define_flags
        define_flags &= ~int(DomainDefineFlags.VALIDATE)

    query = int(DomainXMLFlags.SECURE | DomainXMLFlags.INACTIVE)
    edited = edit_object(ctl, EditSpec(lambda: dom.xml_desc(query), define, relax))
    if edited is None:
        ctl.print_extra(f"Domain '{dom.name}' XML configuration not changed.\n")
    else:
        ctl.print_extra(f"Domain '{edited}' XML configuration edited.\n")
    return True


def _edit_definition(
    ctl: Control, kind: str, obj: Any, define: Callable[[str], Any], inactive: int = 1
) -> bool:
    """net-edit, pool-edit, nwfilter-edit: the persistent XML edited and defined again."""
    get_xml = _inactive_or_live(obj.xml_desc, inactive)
    edited = edit_object(ctl, EditSpec(get_xml, lambda xml: define(xml).name))
    if edited is None:
        ctl.print_extra(f"{kind} {obj.name} XML configuration not changed.\n")
    else:
        ctl.print_extra(f"{kind} {edited} XML configuration edited.\n")
    return True


def cmd_net_edit(ctl: Control, p: Parsed) -> bool:
    net, _ = network(ctl, p)
    return _edit_definition(ctl, "Network", net, ctl.conn.define_network)


def cmd_pool_edit(ctl: Control, p: Parsed) -> bool:
    sp, _ = pool(ctl, p)
    return _edit_definition(ctl, "Pool", sp, ctl.conn.define_storage_pool)


def cmd_nwfilter_edit(ctl: Control, p: Parsed) -> bool:
    from pyvirt.cli.commands.nwfilters import nwfilter

    nwf, _ = nwfilter(ctl, p)
    return _edit_definition(ctl, "Network filter", nwf, ctl.conn.define_nwfilter, inactive=0)


def cmd_snapshot_edit(ctl: Control, p: Parsed) -> bool:
    exclusive(p, "rename", "clone")
    name_given = string_req(p, "snapshotname")
    flags = DomainSnapshotCreateFlags.REDEFINE
    if p.bool("current") and name_given is not None:
        flags |= DomainSnapshotCreateFlags.CURRENT
    dom, _ = domain(ctl, p)
    if name_given is not None:
        snap = dom.snapshot_lookup_by_name(name_given)
    elif p.bool("current"):
        snap = dom.snapshot_current()
    else:
        raise Failure("--snapshotname or --current is required")
    name = snap.name
    made: DomainSnapshot | None = None

    def define(xml: str) -> str:
        nonlocal made
        made = dom.snapshot_create_xml(xml, int(flags))
        return made.name

    try:
        secure = int(DomainSnapshotXMLFlags.SECURE)
        edited = edit_object(ctl, EditSpec(lambda: snap.xml_desc(secure), define))
        if edited is None:
            ctl.print_extra(f"Snapshot {name} XML configuration not changed.\n")
            return True
        if made is None:
            # No terminal to ask after a failed define: virsh 9.0 goes on with no snapshot
            # and crashes here; pyvirsh stops with the failure instead.
            raise Failure()
        if edited == name:
            ctl.print_extra(f"Snapshot {name} edited.\n")
        elif p.bool("clone"):
            ctl.print_extra(f"Snapshot {name} cloned to {edited}.\n")
        else:
            _drop_old_name(snap if p.bool("rename") else made, name, edited, p)
    except Failure as f:
        raise Failure(*f.lines, f"Failed to update {name}", cause=f.cause) from None
    except Exception as e:
        raise Failure(str(e), f"Failed to update {name}") from None
    return True


def _drop_old_name(victim: DomainSnapshot, name: str, edited: str, p: Parsed) -> None:
    """A redefine under a new name made a second snapshot: with --rename the old one goes,
    else the new one goes and the command fails (virsh asks for --rename or --clone)."""
    from pyvirt import VirtError

    rename = p.bool("rename")
    try:
        victim.delete(int(DomainSnapshotDeleteFlags.METADATA_ONLY))
    except VirtError as e:
        raise Failure(str(e), f"Failed to clean up {name if rename else edited}") from None
    if not rename:
        raise Failure(f"Must use --rename or --clone to change {name} to {edited}")


_B = T.BOOL

COMMANDS = [
    Cmd(
        "edit",
        "domain",
        "edit XML configuration for a domain",
        "Edit the XML configuration for a domain.",
        (dom_opt(), Opt("skip-validate", _B, "skip validation of the XML against the schema")),
        cmd_edit,
    ),
    Cmd(
        "net-edit",
        "network",
        "edit XML configuration for a network",
        "Edit the XML configuration for a network.",
        (Opt("network", T.DATA, "network name or uuid", req=True),),
        cmd_net_edit,
    ),
    Cmd(
        "pool-edit",
        "pool",
        "edit XML configuration for a storage pool",
        "Edit the XML configuration for a storage pool.",
        (Opt("pool", T.DATA, "pool name or uuid", req=True),),
        cmd_pool_edit,
    ),
    Cmd(
        "nwfilter-edit",
        "filter",
        "edit XML configuration for a network filter",
        "Edit the XML configuration for a network filter.",
        (Opt("nwfilter", T.DATA, "network filter name or uuid", req=True),),
        cmd_nwfilter_edit,
    ),
    Cmd(
        "snapshot-edit",
        "snapshot",
        "edit XML for a snapshot",
        "Edit the domain snapshot XML for a named snapshot",
        (
            dom_opt(),
            Opt("snapshotname", T.STRING, "snapshot name"),
            Opt("current", _B, "also set edited snapshot as current"),
            Opt("rename", _B, "allow renaming an existing snapshot"),
            Opt("clone", _B, "allow cloning to new name"),
        ),
        cmd_snapshot_edit,
    ),
]
