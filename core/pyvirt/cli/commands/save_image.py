"""virsh's save-file commands: ``save``, ``restore``, ``save-image-dumpxml``,
``save-image-define``, ``save-image-edit``, ``managedsave-dumpxml``, ``managedsave-define``,
``managedsave-edit`` and ``dump``.

virsh calls the flagless APIs (virDomainSave, virDomainRestore, virDomainCoreDump) when no
flag and no XML is given, and the Flags ones otherwise; pyvirsh does the same, with virsh
9.0's options, messages and order of checks.
"""

from __future__ import annotations

from pyvirt.cli._control import Control, Failure
from pyvirt.cli._parser import Cmd, Opt, Parsed, T
from pyvirt.cli.commands._common import (
    dom_opt,
    domain,
    exclusive,
    flag_bits,
    read_file,
    string_req,
)

_B = T.BOOL
_BYPASS_CACHE, _RUNNING, _PAUSED, _RESET_NVRAM = 1, 2, 4, 8  # VIR_DOMAIN_SAVE_*
_XML_SECURE = 1  # VIR_DOMAIN_SAVE_IMAGE_XML_SECURE
_STATE_FLAGS = {"running": _RUNNING, "paused": _PAUSED}
_DUMP_FLAGS = {"crash": 1, "live": 2, "bypass-cache": 4, "reset": 8, "memory-only": 16}
#: virsh's --format names -> VIR_DOMAIN_CORE_DUMP_FORMAT_*
_DUMP_FORMATS = {"kdump-zlib": 1, "kdump-lzo": 2, "kdump-snappy": 3, "win-dmp": 4, "elf": 0}


def _progress(ctl: Control, p: Parsed, label: str) -> None:
    """virsh watches the job and reports progress on stderr; the job is over when the call
    returns, so the report is its last line."""
    if p.bool("verbose"):
        ctl.err.write(f"\r{label}: [100 %]")
        ctl.err.flush()


def _xml_option(p: Parsed, name: str = "xml") -> str | None:
    path = string_req(p, name)
    return None if path is None else read_file(path)


def cmd_save(ctl: Control, p: Parsed) -> bool:
    flags = flag_bits(p, {"bypass-cache": _BYPASS_CACHE, **_STATE_FLAGS})
    dom, name = domain(ctl, p)
    to = string_req(p, "file")
    assert to is not None
    xml = _xml_option(p)
    try:
        dom.save(to, xml, flags if flags or xml is not None else None)
    except Exception as e:
        raise Failure(f"Failed to save domain '{name}' to {to}", cause=e) from None
    _progress(ctl, p, "Save")
    ctl.print_extra(f"\nDomain '{name}' saved to {to}\n")
    return True


def cmd_restore(ctl: Control, p: Parsed) -> bool:
    frm = string_req(p, "file")
    assert frm is not None
    flags = flag_bits(
        p,
        {"bypass-cache": _BYPASS_CACHE, **_STATE_FLAGS, "reset-nvram": _RESET_NVRAM},
    )
    xml = _xml_option(p)
    try:
        ctl.conn.restore(frm, xml, flags if flags or xml is not None else None)
    except Exception as e:
        raise Failure(f"Failed to restore domain from {frm}", cause=e) from None
    ctl.print_extra(f"Domain restored from {frm}\n")
    return True


def _dump(ctl: Control, p: Parsed, xml: str) -> None:
    from pyvirt.cli.commands.domain import dump_xml

    dump_xml(ctl, xml, string_req(p, "xpath"), p.bool("wrap"))


def cmd_save_image_dumpxml(ctl: Control, p: Parsed) -> bool:
    file = string_req(p, "file")
    assert file is not None
    flags = _XML_SECURE if p.bool("security-info") else 0
    _dump(ctl, p, ctl.conn.save_image_xml(file, flags))
    return True


def cmd_save_image_define(ctl: Control, p: Parsed) -> bool:
    file = string_req(p, "file")
    assert file is not None
    xml = _xml_option(p)
    assert xml is not None
    try:
        ctl.conn.define_save_image_xml(file, xml, flag_bits(p, _STATE_FLAGS))
    except Exception as e:
        raise Failure(f"Failed to update {file}", cause=e) from None
    ctl.print_extra(f"State file {file} updated.\n")
    return True


def cmd_save_image_edit(ctl: Control, p: Parsed) -> bool:
    from pyvirt.cli._editor import EditSpec, edit_object

    file = string_req(p, "file")
    assert file is not None
    exclusive(p, "running", "paused")
    flags = flag_bits(p, _STATE_FLAGS)
    conn = ctl.conn

    def define(xml: str) -> str:
        conn.define_save_image_xml(file, xml, flags)
        return file

    if edit_object(ctl, EditSpec(lambda: conn.save_image_xml(file, _XML_SECURE), define)) is None:
        ctl.print_extra(f"Saved image {file} XML configuration not changed.\n")
    else:
        ctl.print_extra(f"State file {file} edited.\n")
    return True


def cmd_managedsave_dumpxml(ctl: Control, p: Parsed) -> bool:
    dom, _ = domain(ctl, p)
    flags = _XML_SECURE if p.bool("security-info") else 0
    _dump(ctl, p, dom.managed_save_xml(flags))
    return True


def cmd_managedsave_define(ctl: Control, p: Parsed) -> bool:
    dom, name = domain(ctl, p)
    xml = _xml_option(p)
    try:
        dom.define_managed_save_xml(xml, flag_bits(p, _STATE_FLAGS))
    except Exception as e:
        raise Failure(f"Failed to update {name} XML configuration", cause=e) from None
    ctl.print_extra(f"Managed save state file of domain '{name}' updated.\n")
    return True


def cmd_managedsave_edit(ctl: Control, p: Parsed) -> bool:
    from pyvirt.cli._editor import EditSpec, edit_object

    exclusive(p, "running", "paused")
    flags = flag_bits(p, _STATE_FLAGS)
    dom, name = domain(ctl, p)

    def define(xml: str) -> str:
        dom.define_managed_save_xml(xml, flags)
        return name

    spec = EditSpec(lambda: dom.managed_save_xml(_XML_SECURE), define)
    if edit_object(ctl, spec) is None:
        ctl.print_extra(f"Managed save image of Domain '{name}' XML configuration not changed.\n")
    else:
        ctl.print_extra(f"Managed save image of domain '{name}' XML configuration edited.\n")
    return True


def cmd_dump(ctl: Control, p: Parsed) -> bool:
    dom, name = domain(ctl, p)
    to = string_req(p, "file")
    assert to is not None
    flags = flag_bits(p, _DUMP_FLAGS)
    fmt = string_req(p, "format")
    dumpformat = 0
    if fmt is not None:
        if not flags & _DUMP_FLAGS["memory-only"]:
            raise Failure("--format only works with --memory-only")
        if fmt not in _DUMP_FORMATS:
            raise Failure(
                f"format '{fmt}' is not supported, expecting 'kdump-zlib', 'kdump-lzo', "
                "'kdump-snappy', 'win-dmp' or 'elf'"
            )
        dumpformat = _DUMP_FORMATS[fmt]
    try:
        dom.core_dump(to, flags, dumpformat or None)
    except Exception as e:
        raise Failure(f"Failed to core dump domain '{name}' to {to}", cause=e) from None
    _progress(ctl, p, "Dump")
    ctl.print_extra(f"\nDomain '{name}' dumped to {to}\n")
    return True


_XML_FOR_TARGET = "filename containing updated XML for the target"
_SECURITY = Opt("security-info", _B, "include security sensitive information in XML dump")
_XPATH = (
    Opt("xpath", T.STRING, "xpath expression to filter the XML document", req_opt=True),
    Opt("wrap", _B, "wrap xpath results in an common root element"),
)


def _state_opts(when: str) -> tuple[Opt, Opt]:
    return (
        Opt("running", _B, f"set domain to be running on {when}"),
        Opt("paused", _B, f"set domain to be paused on {when}"),
    )


COMMANDS = [
    Cmd(
        "save",
        "domain",
        "save a domain state to a file",
        "Save the RAM state of a running domain.",
        (
            dom_opt(),
            Opt("file", T.DATA, "where to save the data", req=True),
            Opt("bypass-cache", _B, "avoid file system cache when saving"),
            Opt("xml", T.STRING, _XML_FOR_TARGET),
            *_state_opts("restore"),
            Opt("verbose", _B, "display the progress of save"),
        ),
        cmd_save,
    ),
    Cmd(
        "restore",
        "domain",
        "restore a domain from a saved state in a file",
        "Restore a domain.",
        (
            Opt("file", T.DATA, "the state to restore", req=True),
            Opt("bypass-cache", _B, "avoid file system cache when restoring"),
            Opt("xml", T.STRING, _XML_FOR_TARGET),
            Opt("running", _B, "restore domain into running state"),
            Opt("paused", _B, "restore domain into paused state"),
            Opt("reset-nvram", _B, "re-initialize NVRAM from its pristine template"),
        ),
        cmd_restore,
    ),
    Cmd(
        "save-image-dumpxml",
        "domain",
        "saved state domain information in XML",
        "Dump XML of domain information for a saved state file to stdout.",
        (Opt("file", T.DATA, "saved state file to read", req=True), _SECURITY, *_XPATH),
        cmd_save_image_dumpxml,
    ),
    Cmd(
        "save-image-define",
        "domain",
        "redefine the XML for a domain's saved state file",
        "Replace the domain XML associated with a saved state file",
        (
            Opt("file", T.DATA, "saved state file to modify", req=True),
            Opt("xml", T.DATA, _XML_FOR_TARGET, req=True),
            *_state_opts("restore"),
        ),
        cmd_save_image_define,
    ),
    Cmd(
        "save-image-edit",
        "domain",
        "edit XML for a domain's saved state file",
        "Edit the domain XML associated with a saved state file",
        (Opt("file", T.DATA, "saved state file to edit", req=True), *_state_opts("restore")),
        cmd_save_image_edit,
    ),
    Cmd(
        "managedsave-dumpxml",
        "domain",
        "Domain information of managed save state file in XML",
        "Dump XML of domain information for a managed save state file to stdout.",
        (dom_opt(), _SECURITY, *_XPATH),
        cmd_managedsave_dumpxml,
    ),
    Cmd(
        "managedsave-define",
        "domain",
        "redefine the XML for a domain's managed save state file",
        "Replace the domain XML associated with a managed save state file",
        (dom_opt(), Opt("xml", T.DATA, _XML_FOR_TARGET, req=True), *_state_opts("start")),
        cmd_managedsave_define,
    ),
    Cmd(
        "managedsave-edit",
        "domain",
        "edit XML for a domain's managed save state file",
        "Edit the domain XML associated with the managed save state file",
        (dom_opt(), *_state_opts("start")),
        cmd_managedsave_edit,
    ),
    Cmd(
        "dump",
        "domain",
        "dump the core of a domain to a file for analysis",
        "Core dump a domain.",
        (
            dom_opt(),
            Opt("file", T.DATA, "where to dump the core", req=True),
            Opt("live", _B, "perform a live core dump if supported"),
            Opt("crash", _B, "crash the domain after core dump"),
            Opt("bypass-cache", _B, "avoid file system cache when dumping"),
            Opt("reset", _B, "reset the domain after core dump"),
            Opt("verbose", _B, "display the progress of dump"),
            Opt("memory-only", _B, "dump domain's memory only"),
            Opt("format", T.STRING, "specify the format of memory-only dump"),
        ),
        cmd_dump,
    ),
]
