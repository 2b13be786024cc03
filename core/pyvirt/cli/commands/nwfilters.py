"""virsh's "Network Filter" commands: nwfilter-define/-dumpxml/-list/-undefine and the
nwfilter-binding-* commands, with virsh 9.0's options, messages and fallbacks."""

from __future__ import annotations

from pyvirt.cli._control import Control, Failure
from pyvirt.cli._parser import Cmd, Opt, Parsed, T
from pyvirt.cli._table import render
from pyvirt.cli.commands._common import read_file, string_req, uuid_then_name
from pyvirt.cli.commands.domain import dump_xml

# Not typing.TYPE_CHECKING: importing typing costs more than pyvirsh's own start-up.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from pyvirt import NWFilter, NWFilterBinding

_B, _S, _D = T.BOOL, T.STRING, T.DATA


def nwfilter(ctl: Control, p: Parsed, opt: str = "nwfilter") -> tuple[NWFilter, str]:
    """virshCommandOptNWFilterBy: uuid (36 chars) then name; the last lookup error follows."""
    name = string_req(p, opt)
    assert name is not None
    conn = ctl.conn
    found = uuid_then_name(
        ctl, name, p.cmd.name, opt, "nwfilter",
        conn.lookup_nwfilter_by_uuid, conn.lookup_nwfilter_by_name,
    )  # fmt: skip
    return found, name


def binding(ctl: Control, p: Parsed) -> tuple[NWFilterBinding, str]:
    """virshCommandOptNWFilterBinding: by port device."""
    from pyvirt import VirtError

    portdev = string_req(p, "binding")
    assert portdev is not None
    try:
        return ctl.conn.lookup_nwfilter_binding(portdev), portdev
    except VirtError as e:
        raise Failure(f"failed to get nwfilter binding '{portdev}'", cause=e) from None


def cmd_nwfilter_define(ctl: Control, p: Parsed) -> bool:
    path = string_req(p, "file")
    assert path is not None
    xml = read_file(path)
    try:
        # virsh calls the Flags form only for --validate
        defined = ctl.conn.define_nwfilter(xml, 1 if p.bool("validate") else None)
    except Exception as e:
        raise Failure(f"Failed to define network filter from {path}", cause=e) from None
    ctl.print_extra(f"Network filter {defined.name} defined from {path}\n")
    return True


def cmd_nwfilter_undefine(ctl: Control, p: Parsed) -> bool:
    found, name = nwfilter(ctl, p)
    try:
        found.undefine()
    except Exception as e:
        raise Failure(f"Failed to undefine network filter {name}", cause=e) from None
    ctl.print_extra(f"Network filter {name} undefined\n")
    return True


def cmd_nwfilter_dumpxml(ctl: Control, p: Parsed) -> bool:
    found, _ = nwfilter(ctl, p)
    dump_xml(ctl, found.xml_desc(0), string_req(p, "xpath"), p.bool("wrap"))
    return True


def _collect(ctl: Control) -> list[NWFilter]:
    """virshNWFilterListCollect: listAll, else the legacy count-then-list calls."""
    from pyvirt import NoSupportError, VirtError

    try:
        return ctl.conn.list_nwfilters(0)
    except NoSupportError:
        pass
    try:
        count = ctl.conn.count_nwfilters()
    except VirtError as e:
        raise Failure("Failed to count network filters", cause=e) from None
    try:
        names = ctl.conn.list_nwfilter_names(count) if count else []
    except VirtError as e:
        raise Failure("Failed to list network filters", cause=e) from None
    found = []
    for name in names:
        try:
            found.append(ctl.conn.lookup_nwfilter_by_name(name))
        except VirtError:
            continue  # gone meanwhile, as virsh skips it
    return found


def cmd_nwfilter_list(ctl: Control, p: Parsed) -> bool:
    listed = sorted(_collect(ctl), key=lambda f: f.name)
    rows = [[f.uuid, f.name] for f in listed]
    ctl.print(render(["UUID", "Name"], rows, with_header=not ctl.quiet))
    return True


def cmd_binding_create(ctl: Control, p: Parsed) -> bool:
    path = string_req(p, "file")
    assert path is not None
    xml = read_file(path)
    try:
        made = ctl.conn.create_nwfilter_binding(xml, 1 if p.bool("validate") else 0)
    except Exception as e:
        raise Failure(f"Failed to create network filter from {path}", cause=e) from None
    ctl.print_extra(f"Network filter binding on {made.portdev} created from {path}\n")
    return True


def cmd_binding_delete(ctl: Control, p: Parsed) -> bool:
    found, portdev = binding(ctl, p)
    try:
        found.delete()
    except Exception as e:
        raise Failure(f"Failed to delete network filter binding on {portdev}", cause=e) from None
    ctl.print_extra(f"Network filter binding on {portdev} deleted\n")
    return True


def cmd_binding_dumpxml(ctl: Control, p: Parsed) -> bool:
    found, _ = binding(ctl, p)
    dump_xml(ctl, found.xml_desc(0), string_req(p, "xpath"), p.bool("wrap"))
    return True


def cmd_binding_list(ctl: Control, p: Parsed) -> bool:
    from pyvirt import VirtError

    try:
        listed = sorted(ctl.conn.list_nwfilter_bindings(0), key=lambda b: b.portdev)
    except VirtError as e:
        raise Failure("Failed to list network filter bindings", cause=e) from None
    rows = [[b.portdev, b.filtername] for b in listed]
    ctl.print(render(["Port Dev", "Filter"], rows, with_header=not ctl.quiet))
    return True


def _cmd(name: str, brief: str, desc: str, handler: Any, *o: Opt) -> Cmd:
    return Cmd(name, "filter", brief, desc, tuple(o), handler)


_NWFILTER = Opt("nwfilter", _D, "network filter name or uuid", req=True)
_VALIDATE = Opt("validate", _B, "validate the XML against the schema")
_XPATH = (
    Opt("xpath", _S, "xpath expression to filter the XML document", req_opt=True),
    Opt("wrap", _B, "wrap xpath results in an common root element"),
)

COMMANDS = [
    _cmd(
        "nwfilter-define",
        "define or update a network filter from an XML file",
        "Define a new network filter or update an existing one.",
        cmd_nwfilter_define,
        Opt("file", _D, "file containing an XML network filter description", req=True),
        _VALIDATE,
    ),
    _cmd(
        "nwfilter-dumpxml",
        "network filter information in XML",
        "Output the network filter information as an XML dump to stdout.",
        cmd_nwfilter_dumpxml,
        _NWFILTER,
        *_XPATH,
    ),
    _cmd(
        "nwfilter-list",
        "list network filters",
        "Returns list of network filters.",
        cmd_nwfilter_list,
    ),
    _cmd(
        "nwfilter-undefine",
        "undefine a network filter",
        "Undefine a given network filter.",
        cmd_nwfilter_undefine,
        _NWFILTER,
    ),
    _cmd(
        "nwfilter-binding-create",
        "create a network filter binding from an XML file",
        "Create a new network filter binding.",
        cmd_binding_create,
        Opt("file", _D, "file containing an XML network filter binding description", req=True),
        _VALIDATE,
    ),
    _cmd(
        "nwfilter-binding-delete",
        "delete a network filter binding",
        "Delete a given network filter binding.",
        cmd_binding_delete,
        Opt("binding", _D, "network filter binding port dev", req=True),
    ),
    _cmd(
        "nwfilter-binding-dumpxml",
        "network filter information in XML",
        "Output the network filter information as an XML dump to stdout.",
        cmd_binding_dumpxml,
        Opt("binding", _D, "network filter binding portdev", req=True),
        *_XPATH,
    ),
    _cmd(
        "nwfilter-binding-list",
        "list network filter bindings",
        "Returns list of network filter bindings.",
        cmd_binding_list,
    ),
]
