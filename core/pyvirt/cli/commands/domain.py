"""virsh's "Domain Management" commands: lifecycle, define/create/undefine, XML, ids, tuning."""

from __future__ import annotations

from pyvirt._codes import ErrorCode
from pyvirt._enums import (
    DomainCreateFlags,
    DomainDefineFlags,
    DomainDestroyFlags,
    DomainModificationImpact,
    DomainUndefineFlags,
    DomainVcpuFlags,
    DomainXMLFlags,
)
from pyvirt.cli._control import Control, Failure
from pyvirt.cli._format import ScaleError, scaled
from pyvirt.cli._parser import Cmd, Opt, Parsed, T
from pyvirt.cli.commands._common import (
    BY_ID,
    BY_NAME,
    BY_UUID,
    dom_opt,
    domain,
    exclusive,
    flag_bits,
    opt_uint,
    print_xml,
    read_file,
    require,
    string_req,
)
from pyvirt.cli.commands.console import CONSOLE

# Not typing.TYPE_CHECKING: importing typing costs more than pyvirsh's own start-up.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyvirt import Domain

_B, _S, _I, _D = T.BOOL, T.STRING, T.INT, T.DATA
_ULONG_MAX = 2**64 - 1


# Which libvirt flag each boolean option sets, from pyvirt's enums (libvirt's numbers).
_CF = DomainCreateFlags
_CREATE_FLAGS = {
    "paused": _CF.START_PAUSED,
    "autodestroy": _CF.START_AUTODESTROY,
    "validate": _CF.START_VALIDATE,
    "reset-nvram": _CF.START_RESET_NVRAM,
}
_START_FLAGS = {
    "paused": _CF.START_PAUSED,
    "autodestroy": _CF.START_AUTODESTROY,
    "bypass-cache": _CF.START_BYPASS_CACHE,
    "force-boot": _CF.START_FORCE_BOOT,
    "reset-nvram": _CF.START_RESET_NVRAM,
}
_DF = DomainDefineFlags
_DDF = DomainDestroyFlags
_MI = DomainModificationImpact
_XF = DomainXMLFlags
_XML_FLAGS = {
    "inactive": _XF.INACTIVE,
    "security-info": _XF.SECURE,
    "update-cpu": _XF.UPDATE_CPU,
    "migratable": _XF.MIGRATABLE,
}
_VF = DomainVcpuFlags
_VCPU_FLAGS = {
    "config": _VF.CONFIG,
    "live": _VF.LIVE,
    "guest": _VF.GUEST,
    "maximum": _VF.MAXIMUM,
    "hotpluggable": _VF.HOTPLUGGABLE,
}
_UF = DomainUndefineFlags
_UNDEFINE_FLAGS = {
    "managed-save": _UF.MANAGED_SAVE,
    "snapshots-metadata": _UF.SNAPSHOTS_METADATA,
    "nvram": _UF.NVRAM,
    "keep-nvram": _UF.KEEP_NVRAM,
    "checkpoints-metadata": _UF.CHECKPOINTS_METADATA,
    "tpm": _UF.TPM,
    "keep-tpm": _UF.KEEP_TPM,
}


def _simple(verb: str, done: str, call: str) -> object:
    """A command that looks up the domain, calls one method and prints virsh's message."""

    def handler(ctl: Control, p: Parsed) -> bool:
        dom, name = domain(ctl, p)
        try:
            getattr(dom, call)()
        except Exception as e:
            raise Failure(f"Failed to {verb} domain '{name}'", cause=e) from None
        ctl.print_extra(f"Domain '{name}' {done}\n")
        return True

    return handler


def cmd_autostart(ctl: Control, p: Parsed) -> bool:
    dom, name = domain(ctl, p)
    enable = not p.bool("disable")
    try:
        dom.set_autostart(enable)
    except Exception as e:
        what = "mark" if enable else "unmark"
        raise Failure(f"Failed to {what} domain '{name}' as autostarted", cause=e) from None
    ctl.print_extra(f"Domain '{name}' {'marked' if enable else 'unmarked'} as autostarted\n")
    return True


def _pass_fds(p: Parsed) -> None:
    fds = p.str("pass-fds")
    if fds is None:
        return
    for item in fds.split(","):
        if not item.isdigit():
            raise Failure(f"Unable to parse FD number '{item}'")
    raise Failure("--pass-fds is not supported by pyvirsh")


def cmd_create(ctl: Control, p: Parsed) -> bool:
    path = string_req(p, "file")
    assert path is not None
    xml = read_file(path)
    _pass_fds(p)
    if p.bool("console"):
        raise Failure("--console is not supported by pyvirsh")
    flags = flag_bits(p, _CREATE_FLAGS)
    try:
        dom = ctl.conn.create_domain(xml, flags)
    except Exception as e:
        raise Failure(f"Failed to create domain from {path}", cause=e) from None
    ctl.print_extra(f"Domain '{dom.name}' created from {path}\n")
    return True


def cmd_define(ctl: Control, p: Parsed) -> bool:
    path = string_req(p, "file")
    assert path is not None
    xml = read_file(path)
    try:
        dom = ctl.conn.define_domain(xml, flag_bits(p, {"validate": _DF.VALIDATE}))
    except Exception as e:
        raise Failure(f"Failed to define domain from {path}", cause=e) from None
    ctl.print_extra(f"Domain '{dom.name}' defined from {path}\n")
    return True


def cmd_destroy(ctl: Control, p: Parsed) -> bool:
    dom, name = domain(ctl, p)
    flags = flag_bits(p, {"graceful": _DDF.GRACEFUL, "remove-logs": _DDF.REMOVE_LOGS})
    try:
        dom.destroy(flags)
    except Exception as e:
        raise Failure(f"Failed to destroy domain '{name}'", cause=e) from None
    ctl.print_extra(f"Domain '{name}' destroyed\n")
    return True


def cmd_domid(ctl: Control, p: Parsed) -> bool:
    dom, _ = domain(ctl, p, BY_NAME | BY_UUID)
    ctl.print(f"{dom.id}\n" if dom.id >= 0 else "-\n")
    return True


def cmd_domname(ctl: Control, p: Parsed) -> bool:
    dom, _ = domain(ctl, p, BY_ID | BY_UUID)
    ctl.print(f"{dom.name}\n")
    return True


def cmd_domuuid(ctl: Control, p: Parsed) -> bool:
    dom, _ = domain(ctl, p, BY_NAME | BY_ID)
    ctl.print(f"{dom.uuid}\n")
    return True


def cmd_dumpxml(ctl: Control, p: Parsed) -> bool:
    flags = flag_bits(p, _XML_FLAGS)
    dom, _ = domain(ctl, p)
    xml = dom.xml_desc(flags)
    dump_xml(ctl, xml, string_req(p, "xpath"), p.bool("wrap"))
    return True


def dump_xml(ctl: Control, xml: str, xpath: str | None, wrap: bool) -> None:
    """virshDumpXML: the document, or the nodes an --xpath selects (wrapped with --wrap)."""
    if xpath is None:
        print_xml(ctl, xml)
        return
    from lxml import etree

    doc = etree.fromstring(xml.encode())
    try:
        result = doc.getroottree().xpath(xpath)
    except etree.XPathError:
        # libxml2 reports on stderr and virsh carries on with an empty result
        ctl.err.write("XPath error : Invalid expression\n")
        return
    if not isinstance(result, list):
        raise Failure(f"internal error: Incorrect xpath '{xpath}'")
    nodes = []
    for node in result:
        if isinstance(node, etree._Element):
            copy = etree.fromstring(etree.tostring(node))
            etree.indent(copy, space="  ")
            nodes.append(etree.tostring(copy, encoding="unicode"))
        elif getattr(node, "is_attribute", False):
            value = str(node).replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
            nodes.append(f' {getattr(node, "attrname", "")}="{value}"')
        else:
            nodes.append(str(node))
    if wrap:
        root = etree.Element("nodes")
        for node in result:
            if isinstance(node, etree._Element):
                root.append(node)
            elif getattr(node, "is_attribute", False):  # copied onto the wrapper, as virsh
                root.set(getattr(node, "attrname", ""), str(node))
        etree.indent(root, space="  ")
        ctl.print(etree.tostring(root, encoding="unicode") + "\n")
    else:
        ctl.print("".join(n + "\n" for n in nodes))


_MODES = {"acpi": 1, "agent": 2, "initctl": 4, "signal": 8, "paravirt": 16}


def _mode_flags(p: Parsed, comma: str) -> int:
    mode = string_req(p, "mode")
    flags = 0
    if mode is not None:
        for item in mode.split(","):
            if item not in _MODES:
                raise Failure(
                    f"Unknown mode {item} value, expecting 'acpi', 'agent', 'initctl', "
                    f"'signal'{comma} or 'paravirt'"
                )
            flags |= _MODES[item]
    return flags


def cmd_reboot(ctl: Control, p: Parsed) -> bool:
    flags = _mode_flags(p, "")
    dom, name = domain(ctl, p)
    try:
        dom.reboot(flags)
    except Exception as e:
        raise Failure(f"Failed to reboot domain '{name}'", cause=e) from None
    ctl.print_extra(f"Domain '{name}' is being rebooted\n")
    return True


def cmd_shutdown(ctl: Control, p: Parsed) -> bool:
    flags = _mode_flags(p, ",")
    dom, name = domain(ctl, p)
    try:
        dom.shutdown(flags)
    except Exception as e:
        raise Failure(f"Failed to shutdown domain '{name}'", cause=e) from None
    ctl.print_extra(f"Domain '{name}' is being shutdown\n")
    return True


def _impact(p: Parsed) -> int:
    exclusive(p, "current", "live")
    exclusive(p, "current", "config")
    return flag_bits(p, {"config": _MI.CONFIG, "live": _MI.LIVE})


def _size_kib(p: Parsed) -> int:
    text = p.str("size") or ""
    try:
        value = scaled(text, 1024, _ULONG_MAX)
    except ValueError:
        raise Failure(
            f"Scaled numeric value '{text}' for <size> option is malformed or out of range"
        ) from None
    except ScaleError as e:
        from pyvirt import make_error

        raise Failure(
            f"Scaled numeric value '{text}' for <size> option is malformed or out of range",
            cause=make_error(e.code, 0, e.message.split(": ", 1)[1]),
        ) from None
    return (value + 1023) // 1024


def cmd_setmem(ctl: Control, p: Parsed) -> bool:
    flags = _impact(p)
    dom, _ = domain(ctl, p)
    dom.set_memory(_size_kib(p), flags)
    return True


def cmd_setmaxmem(ctl: Control, p: Parsed) -> bool:
    flags = _impact(p)
    dom, _ = domain(ctl, p)
    kib = _size_kib(p)
    try:
        dom.set_memory(kib, flags | 4)
    except Exception as e:
        raise Failure("Unable to change MaxMemorySize", cause=e) from None
    return True


def cmd_setvcpus(ctl: Control, p: Parsed) -> bool:
    exclusive(p, "current", "live")
    exclusive(p, "current", "config")
    exclusive(p, "guest", "config")
    exclusive(p, "hotpluggable", "guest")
    require(p, "config", "maximum")
    flags = flag_bits(p, _VCPU_FLAGS)
    dom, _ = domain(ctl, p)
    count = opt_uint(p, "count")
    if count == 0:
        raise Failure("Can't set 0 processors for a VM")
    assert count is not None
    dom.set_vcpus(count, None if not p.bool("current") and flags == 0 else flags)
    return True


def cmd_screenshot(ctl: Control, p: Parsed) -> bool:
    """virsh's cmdScreenshot; the image arrives whole instead of over a stream."""
    import time

    dom, name = domain(ctl, p)
    screen = opt_uint(p, "screen") or 0
    path = p.str("file")
    try:
        data = dom.screenshot(screen)
    except Exception as e:
        raise Failure(f"could not take a screenshot of {name}", cause=e) from None
    if not path:
        # virsh's default name: <domain>-<date>.<extension of the MIME type>
        path = f"{name}-{time.strftime('%Y-%m-%d-%H:%M:%S')}.png"
    try:
        with open(path, "wb") as out:
            out.write(data)
    except OSError:
        raise Failure(f"cannot create file {path}") from None
    ctl.print_extra(f"Screenshot saved to {path}, with type of image/png")
    return True


def cmd_start(ctl: Control, p: Parsed) -> bool:
    dom, _ = domain(ctl, p, BY_NAME | BY_UUID)
    if dom.id != -1:
        raise Failure("Domain is already active")
    _pass_fds(p)
    if p.bool("console"):
        raise Failure("--console is not supported by pyvirsh")
    flags = flag_bits(p, _START_FLAGS)
    try:
        dom.start(flags)
    except Exception as e:
        raise Failure(f"Failed to start domain '{dom.name}'", cause=e) from None
    ctl.print_extra(f"Domain '{dom.name}' started\n")
    return True


def _has_managed_save(dom: Domain) -> bool:
    """virsh's probe before undefining: a driver without managed save has no image."""
    from pyvirt import VirtError

    try:
        return dom.has_managed_save()
    except VirtError as e:
        if e.code == ErrorCode.NO_SUPPORT:
            return False
        raise Failure(f"Failed to undefine domain '{dom.name}'", cause=e) from None


def cmd_undefine(ctl: Control, p: Parsed) -> bool:
    require(p, "remove-all-storage", "delete-storage-volume-snapshots")
    exclusive(p, "nvram", "keep-nvram")
    exclusive(p, "tpm", "keep-tpm")
    if p.str("storage") is not None or p.bool("remove-all-storage"):
        raise Failure("removing storage volumes is not supported by pyvirsh")
    dom, name = domain(ctl, p)
    flags = flag_bits(p, _UNDEFINE_FLAGS)
    if not p.bool("managed-save") and _has_managed_save(dom):
        # virsh checks this itself (its piecewise fallback), before asking libvirt.
        raise Failure("Refusing to undefine while domain managed save image exists")
    try:
        dom.undefine(flags)
    except Exception as e:
        raise Failure(f"Failed to undefine domain '{name}'", cause=e) from None
    ctl.print_extra(f"Domain '{name}' has been undefined\n")
    return True


_CONSOLE = Opt("console", _B, "attach to console after creation")
_PAUSED = Opt("paused", _B, "leave the guest paused after creation")
_AUTODESTROY = Opt("autodestroy", _B, "automatically destroy the guest when virsh disconnects")
_PASS_FDS = Opt("pass-fds", _S, "pass file descriptors N,M,... to the guest")
_RESET_NVRAM = Opt("reset-nvram", _B, "re-initialize NVRAM from its pristine template")
_VALIDATE = Opt("validate", _B, "validate the XML against the schema")
_FILE = Opt("file", _D, "file containing an XML domain description", req=True)
_MODE = Opt("mode", _S, "shutdown mode: acpi|agent|initctl|signal|paravirt")
_IMPACT = (
    Opt("config", _B, "affect next boot"),
    Opt("live", _B, "affect running domain"),
    Opt("current", _B, "affect current domain"),
)


def _cmd(name: str, brief: str, desc: str | None, handler: object, *o: Opt) -> Cmd:
    return Cmd(name, "domain", brief, desc, tuple(o), handler)  # type: ignore[arg-type]


COMMANDS = [
    _cmd(
        "autostart",
        "autostart a domain",
        "Configure a domain to be automatically started at boot.",
        cmd_autostart,
        dom_opt(),
        Opt("disable", _B, "disable autostarting"),
    ),
    CONSOLE,
    _cmd(
        "create",
        "create a domain from an XML file",
        "Create a domain.",
        cmd_create,
        _FILE,
        _CONSOLE,
        _PAUSED,
        _AUTODESTROY,
        _PASS_FDS,
        _VALIDATE,
        _RESET_NVRAM,
    ),
    _cmd(
        "define",
        "define (but don't start) a domain from an XML file",
        "Define a domain.",
        cmd_define,
        _FILE,
        _VALIDATE,
    ),
    _cmd(
        "destroy",
        "destroy (stop) a domain",
        "Forcefully stop a given domain, but leave its resources intact.",
        cmd_destroy,
        dom_opt(),
        Opt("graceful", _B, "terminate gracefully"),
        Opt("remove-logs", _B, "remove domain logs"),
    ),
    _cmd(
        "domid",
        "convert a domain name or UUID to domain id",
        None,
        cmd_domid,
        dom_opt("domain name or uuid"),
    ),
    _cmd(
        "domname",
        "convert a domain id or UUID to domain name",
        None,
        cmd_domname,
        dom_opt("domain id or uuid"),
    ),
    _cmd(
        "domuuid",
        "convert a domain name or id to domain UUID",
        None,
        cmd_domuuid,
        dom_opt("domain id or name"),
    ),
    _cmd(
        "dumpxml",
        "domain information in XML",
        "Output the domain information as an XML dump to stdout.",
        cmd_dumpxml,
        dom_opt(),
        Opt("inactive", _B, "show inactive defined XML"),
        Opt("security-info", _B, "include security sensitive information in XML dump"),
        Opt("update-cpu", _B, "update guest CPU according to host CPU"),
        Opt("migratable", _B, "provide XML suitable for migrations"),
        Opt("xpath", _S, "xpath expression to filter the XML document", req_opt=True),
        Opt("wrap", _B, "wrap xpath results in an common root element"),
    ),
    _cmd(
        "reboot",
        "reboot a domain",
        "Run a reboot command in the target domain.",
        cmd_reboot,
        dom_opt(),
        _MODE,
    ),
    _cmd(
        "reset",
        "reset a domain",
        "Reset the target domain as if by power button",
        _simple("reset", "was reset", "reset"),
        dom_opt(),
    ),
    _cmd(
        "resume",
        "resume a domain",
        "Resume a previously suspended domain.",
        _simple("resume", "resumed", "resume"),
        dom_opt(),
    ),
    _cmd(
        "screenshot",
        "take a screenshot of a current domain console and store it into a file",
        "screenshot of a current domain console",
        cmd_screenshot,
        dom_opt(),
        Opt("file", _S, "where to store the screenshot"),
        Opt("screen", _I, "ID of a screen to take screenshot of"),
    ),
    _cmd(
        "setmaxmem",
        "change maximum memory limit",
        "Change the maximum memory allocation limit in the guest domain.",
        cmd_setmaxmem,
        dom_opt(),
        Opt("kilobytes", T.ALIAS, "size"),
        Opt("size", _I, "new maximum memory size, as scaled integer (default KiB)", req=True),
        *_IMPACT,
    ),
    _cmd(
        "setmem",
        "change memory allocation",
        "Change the current memory allocation in the guest domain.",
        cmd_setmem,
        dom_opt(),
        Opt("kilobytes", T.ALIAS, "size"),
        Opt("size", _I, "new memory size, as scaled integer (default KiB)", req=True),
        *_IMPACT,
    ),
    _cmd(
        "setvcpus",
        "change number of virtual CPUs",
        "Change the number of virtual CPUs in the guest domain.",
        cmd_setvcpus,
        dom_opt(),
        Opt("count", _I, "number of virtual CPUs", req=True),
        Opt("maximum", _B, "set maximum limit on next boot"),
        *_IMPACT,
        Opt("guest", _B, "modify cpu state in the guest"),
        Opt("hotpluggable", _B, "make added vcpus hot(un)pluggable"),
    ),
    _cmd(
        "shutdown",
        "gracefully shutdown a domain",
        "Run shutdown in the target domain.",
        cmd_shutdown,
        dom_opt(),
        _MODE,
    ),
    _cmd(
        "start",
        "start a (previously defined) inactive domain",
        "Start a domain, either from the last managedsave\n"
        "    state, or via a fresh boot if no managedsave state\n    is present.",
        cmd_start,
        dom_opt("name of the inactive domain"),
        _CONSOLE,
        _PAUSED,
        _AUTODESTROY,
        Opt("bypass-cache", _B, "avoid file system cache when loading"),
        Opt("force-boot", _B, "force fresh boot by discarding any managed save"),
        _PASS_FDS,
        _RESET_NVRAM,
    ),
    _cmd(
        "suspend",
        "suspend a domain",
        "Suspend a running domain.",
        _simple("suspend", "suspended", "suspend"),
        dom_opt(),
    ),
    _cmd(
        "undefine",
        "undefine a domain",
        "Undefine an inactive domain, or convert persistent to transient.",
        cmd_undefine,
        dom_opt(),
        Opt("managed-save", _B, "remove domain managed state file"),
        Opt(
            "storage",
            _S,
            "remove associated storage volumes (comma separated list of "
            "targets or source paths) (see domblklist)",
        ),
        Opt("remove-all-storage", _B, "remove all associated storage volumes (use with caution)"),
        Opt("delete-snapshots", T.ALIAS, "delete-storage-volume-snapshots"),
        Opt(
            "delete-storage-volume-snapshots",
            _B,
            "delete snapshots associated with volume(s), "
            "requires --remove-all-storage (must be supported by storage driver)",
        ),
        Opt("wipe-storage", _B, "wipe data on the removed volumes"),
        Opt("snapshots-metadata", _B, "remove all domain snapshot metadata (vm must be inactive)"),
        Opt(
            "checkpoints-metadata",
            _B,
            "remove all domain checkpoint metadata (vm must be inactive)",
        ),
        Opt("nvram", _B, "remove nvram file"),
        Opt("keep-nvram", _B, "keep nvram file"),
        Opt("tpm", _B, "remove TPM state"),
        Opt("keep-tpm", _B, "keep TPM state"),
    ),
]
