"""virsh's device commands: ``attach-device``, ``detach-device``, ``update-device``,
``detach-device-alias``, ``attach-disk``, ``detach-disk``, ``attach-interface``,
``detach-interface`` and ``change-media``.

Their options, the order of their checks, the flagless or Flags API each calls (virsh calls
virDomainAttachDevice when no --live/--config/--current/--persistent is given), and their
messages are virsh 9.0's.  The device XML they build or find is in
:mod:`pyvirt.cli.commands._device_xml`.
"""

from __future__ import annotations

from pyvirt.cli._control import Control, Failure
from pyvirt.cli._parser import Cmd, Opt, Parsed, T
from pyvirt.cli.commands._common import dom_opt, domain, exclusive, read_file, string_req

# Not typing.TYPE_CHECKING: importing typing costs more than pyvirsh's own start-up.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

    from pyvirt import Domain

_LIVE, _CONFIG = 1, 2  # VIR_DOMAIN_AFFECT_*
_FORCE = 4  # VIR_DOMAIN_DEVICE_MODIFY_FORCE
_XML_INACTIVE = 2  # VIR_DOMAIN_XML_INACTIVE
_B, _S = T.BOOL, T.STRING


class _Impact:
    """The --persistent/--config/--live/--current options read as virsh reads them."""

    def __init__(self, p: Parsed, persistent: bool = True) -> None:
        if persistent:
            exclusive(p, "persistent", "current")
        exclusive(p, "current", "live")
        exclusive(p, "current", "config")
        self.persistent = persistent and p.bool("persistent")
        self.current = p.bool("current")
        self.flags = (_CONFIG if p.bool("config") or self.persistent else 0) | (
            _LIVE if p.bool("live") else 0
        )

    def resolve(self, dom: Domain) -> int:
        """--persistent means the live domain too when it runs."""
        if self.persistent and dom.is_active():
            self.flags |= _LIVE
        return self.flags

    @property
    def flagless(self) -> bool:
        """Whether virsh calls the API without Flags (nothing was asked for)."""
        return not self.flags and not self.current


def _device_file(ctl: Control, p: Parsed) -> tuple[Domain, int | None, str, str]:
    """attach-device and detach-device's common start: the domain, the flags (None for the
    flagless API), the file's name and its text."""
    impact = _Impact(p)
    dom, _ = domain(ctl, p)
    flags = impact.resolve(dom)
    path = string_req(p, "file")
    assert path is not None
    return dom, None if impact.flagless else flags, path, read_file(path)


def cmd_attach_device(ctl: Control, p: Parsed) -> bool:
    dom, flags, path, xml = _device_file(ctl, p)
    try:
        dom.attach_device(xml, flags)
    except Exception as e:
        raise Failure(f"Failed to attach device from {path}", cause=e) from None
    ctl.print_extra("Device attached successfully\n")
    return True


def cmd_detach_device(ctl: Control, p: Parsed) -> bool:
    dom, flags, path, xml = _device_file(ctl, p)
    try:
        dom.detach_device(xml, flags)
    except Exception as e:
        raise Failure(f"Failed to detach device from {path}", cause=e) from None
    ctl.print_extra("Device detached successfully\n")
    return True


def cmd_update_device(ctl: Control, p: Parsed) -> bool:
    impact = _Impact(p)
    dom, _ = domain(ctl, p)
    flags = impact.resolve(dom) | (_FORCE if p.bool("force") else 0)
    path = string_req(p, "file")
    assert path is not None
    xml = read_file(path)
    try:
        dom.update_device(xml, flags)
    except Exception as e:
        raise Failure(f"Failed to update device from {path}", cause=e) from None
    ctl.print_extra("Device updated successfully\n")
    return True


def cmd_detach_device_alias(ctl: Control, p: Parsed) -> bool:
    flags = _Impact(p, persistent=False).flags
    dom, _ = domain(ctl, p)
    alias = string_req(p, "alias")
    assert alias is not None
    try:
        dom.detach_device_alias(alias, flags)
    except Exception as e:
        raise Failure(f"Failed to detach device with alias {alias}", cause=e) from None
    ctl.print_extra("Device detach request sent successfully\n")
    return True


def _options(p: Parsed, names: tuple[str, ...]) -> dict[str, str | bool | None]:
    return {n: (p.bool(n) if p.cmd.option(n).type == _B else string_req(p, n)) for n in names}  # type: ignore[union-attr]


def _attach(dom: Domain, xml: str, flags: int, flagless: bool) -> None:
    if flagless:
        dom.attach_device(xml)
    else:
        dom.attach_device(xml, flags)


def _detach(dom: Domain, xml: str, flags: int, flagless: bool) -> None:
    if flagless:
        dom.detach_device(xml)
    else:
        dom.detach_device(xml, flags)


def _send(ctl: Control, p: Parsed, xml: str, call: Callable[[], None], verb: str, noun: str) -> bool:
    """The end of the disk and interface commands: ``--print-xml`` prints the XML virsh built
    instead of sending it; else the call, with virsh's failure and success lines."""
    if p.bool("print-xml"):
        ctl.print(xml)
        return True
    try:
        call()
    except Exception as e:
        raise Failure(f"Failed to {verb} {noun.lower()}", cause=e) from None
    ctl.print_extra(f"{noun} {verb}ed successfully\n")
    return True


def _domain_xml(dom: Domain, flags: int) -> str:
    """virshDomainGetXMLFromDom: the inactive definition for --config alone, else the
    current one."""
    return dom.xml_desc(_XML_INACTIVE if flags == _CONFIG else 0)


def cmd_attach_disk(ctl: Control, p: Parsed) -> bool:
    from pyvirt.cli.commands._device_xml import disk_xml

    impact = _Impact(p)
    dom, _ = domain(ctl, p)
    flags = impact.resolve(dom)
    xml = disk_xml(_options(p, _DISK_OPTS))
    return _send(ctl, p, xml, lambda: _attach(dom, xml, flags, impact.flagless), "attach", "Disk")


def cmd_detach_disk(ctl: Control, p: Parsed) -> bool:
    from pyvirt.cli.commands._device_xml import find_disk, node_text

    impact = _Impact(p)
    dom, _ = domain(ctl, p)
    target = string_req(p, "target")
    assert target is not None
    xml = _domain_xml(dom, impact.flags)
    flags = impact.resolve(dom)
    disk = node_text(find_disk(xml, target))
    return _send(ctl, p, disk, lambda: _detach(dom, disk, flags, impact.flagless), "detach", "Disk")


def cmd_attach_interface(ctl: Control, p: Parsed) -> bool:
    from pyvirt.cli.commands._device_xml import interface_xml

    impact = _Impact(p)
    dom, _ = domain(ctl, p)
    flags = impact.resolve(dom)
    xml = interface_xml(_options(p, _IFACE_OPTS))
    return _send(ctl, p, xml, lambda: _attach(dom, xml, flags, impact.flagless), "attach",
                 "Interface")  # fmt: skip


def cmd_detach_interface(ctl: Control, p: Parsed) -> bool:
    from pyvirt.cli.commands._device_xml import find_interface, node_text

    impact = _Impact(p)
    dom, _ = domain(ctl, p)
    kind = string_req(p, "type")
    assert kind is not None
    mac = string_req(p, "mac")
    xml = _domain_xml(dom, impact.flags)
    flags = impact.resolve(dom)
    try:
        iface = node_text(find_interface(xml, kind, mac))
    except Failure as e:
        raise Failure(*e.lines, "Failed to detach interface") from None
    return _send(ctl, p, iface, lambda: _detach(dom, iface, flags, impact.flagless), "detach",
                 "Interface")  # fmt: skip


_MEDIA_DONE = {"eject": "ejected", "insert": "inserted", "update": "updated"}


def cmd_change_media(ctl: Control, p: Parsed) -> bool:
    from pyvirt.cli.commands._device_xml import find_disk, update_disk_xml

    exclusive(p, "eject", "insert")
    exclusive(p, "eject", "update")
    exclusive(p, "insert", "update")
    exclusive(p, "current", "live")
    exclusive(p, "current", "config")
    source = string_req(p, "source")
    action = "insert" if p.bool("insert") else "eject" if p.bool("eject") else "update"
    if action == "update" and source is None:
        action = "eject"  # virsh: an update without a source ejects
    flags = (_CONFIG if p.bool("config") else 0) | (_LIVE if p.bool("live") else 0)
    flags |= _FORCE if p.bool("force") else 0
    dom, _ = domain(ctl, p)
    path = string_req(p, "path")
    assert path is not None
    disk = find_disk(_domain_xml(dom, flags & (_CONFIG | _LIVE)), path, removable_only=True)
    xml = update_disk_xml(disk, action, source, p.bool("block"))
    if p.bool("print-xml"):
        ctl.print(xml)
        return True
    try:
        dom.update_device(xml, flags)
    except Exception as e:
        raise Failure(f"Failed to complete action {action} on media", cause=e) from None
    # virsh's message has no newline of its own: the blank line after every command ends it.
    ctl.print_extra(f"Successfully {_MEDIA_DONE[action]} media.")
    return True


_IMPACT_OPTS = (
    Opt("persistent", _B, "make live change persistent"),
    Opt("config", _B, "affect next boot"),
    Opt("live", _B, "affect running domain"),
    Opt("current", _B, "affect current domain"),
)
_DISK_OPTS = (
    "source", "target", "targetbus", "driver", "subdriver", "iothread", "cache", "io", "type",
    "mode", "sourcetype", "serial", "wwn", "alias", "rawio", "address", "multifunction",
    "source-protocol", "source-host-name", "source-host-transport", "source-host-socket",
)  # fmt: skip
_IFACE_OPTS = (
    "type", "source", "target", "mac", "script", "model", "alias", "inbound", "outbound",
    "managed", "source-mode",
)  # fmt: skip


def _file_cmd(name: str, brief: str, desc: str, handler: object, *extra: Opt) -> Cmd:
    return Cmd(
        name,
        "domain",
        brief,
        desc,
        (dom_opt(), Opt("file", T.DATA, "XML file", req=True), *_IMPACT_OPTS, *extra),
        handler,  # type: ignore[arg-type]
    )


COMMANDS = [
    _file_cmd(
        "attach-device",
        "attach device from an XML file",
        "Attach device from an XML <file>.",
        cmd_attach_device,
    ),
    _file_cmd(
        "detach-device",
        "detach device from an XML file",
        "Detach device from an XML <file>",
        cmd_detach_device,
    ),
    _file_cmd(
        "update-device",
        "update device from an XML file",
        "Update device from an XML <file>.",
        cmd_update_device,
        Opt("force", _B, "force device update"),
    ),
    Cmd(
        "detach-device-alias",
        "domain",
        "detach device from an alias",
        "Detach device identified by the given alias from a domain",
        (dom_opt(), Opt("alias", T.DATA, "device alias", req=True), *_IMPACT_OPTS[1:]),
        cmd_detach_device_alias,
    ),
    Cmd(
        "attach-disk",
        "domain",
        "attach disk device",
        "Attach new disk device.",
        (
            dom_opt(),
            Opt("source", T.DATA, "source of disk device or name of network disk", req=True),
            Opt("target", T.DATA, "target of disk device", req=True),
            Opt("targetbus", _S, "target bus of disk device"),
            Opt("driver", _S, "driver of disk device"),
            Opt("subdriver", _S, "subdriver of disk device"),
            Opt("iothread", _S, "IOThread to be used by supported device"),
            Opt("cache", _S, "cache mode of disk device"),
            Opt("io", _S, "io policy of disk device"),
            Opt("type", _S, "target device type"),
            Opt("mode", _S, "mode of device reading and writing"),
            Opt("sourcetype", _S, "type of source (block|file|network)"),
            Opt("serial", _S, "serial of disk device"),
            Opt("wwn", _S, "wwn of disk device"),
            Opt("alias", _S, "custom alias name of disk device"),
            Opt("rawio", _B, "needs rawio capability"),
            Opt("address", _S, "address of disk device"),
            Opt("multifunction", _B, "use multifunction pci under specified address"),
            Opt("print-xml", _B, "print XML document rather than attach the disk"),
            Opt("source-protocol", _S, "protocol used by disk device source"),
            Opt("source-host-name", _S, "host name for source of disk device"),
            Opt(
                "source-host-transport",
                _S,
                "host transport for source of disk device",
            ),
            Opt("source-host-socket", _S, "host socket for source of disk device"),
            *_IMPACT_OPTS,
        ),
        cmd_attach_disk,
    ),
    Cmd(
        "detach-disk",
        "domain",
        "detach disk device",
        "Detach disk device.",
        (
            dom_opt(),
            Opt("target", T.DATA, "target of disk device", req=True),
            *_IMPACT_OPTS,
            Opt("print-xml", _B, "print XML document rather than detach the disk"),
        ),
        cmd_detach_disk,
    ),
    Cmd(
        "attach-interface",
        "domain",
        "attach network interface",
        "Attach new network interface.",
        (
            dom_opt(),
            Opt("type", T.DATA, "network interface type", req=True),
            Opt("source", T.DATA, "source of network interface", req=True),
            Opt("target", _S, "target network name"),
            Opt("mac", _S, "MAC address"),
            Opt("script", _S, "script used to bridge network interface"),
            Opt("model", _S, "model type"),
            Opt("alias", _S, "custom alias name of interface device"),
            Opt("inbound", _S, "control domain's incoming traffics"),
            Opt("outbound", _S, "control domain's outgoing traffics"),
            *_IMPACT_OPTS,
            Opt("print-xml", _B, "print XML document rather than attach the interface"),
            Opt("managed", _B, "libvirt will automatically detach/attach the device from/to host"),
            Opt("source-mode", _S, "mode attribute of <source/> element"),
        ),
        cmd_attach_interface,
    ),
    Cmd(
        "detach-interface",
        "domain",
        "detach network interface",
        "Detach network interface.",
        (
            dom_opt(),
            Opt("type", T.DATA, "network interface type", req=True),
            Opt("mac", _S, "MAC address"),
            *_IMPACT_OPTS,
            Opt("print-xml", _B, "print XML document rather than detach the interface"),
        ),
        cmd_detach_interface,
    ),
    Cmd(
        "change-media",
        "domain",
        "Change media of CD or floppy drive",
        "Change media of CD or floppy drive.",
        (
            dom_opt(),
            Opt("path", T.DATA, "Fully-qualified path or target of disk device", req=True),
            Opt("source", _S, "source of the media"),
            Opt("eject", _B, "Eject the media"),
            Opt("insert", _B, "Insert the media"),
            Opt("update", _B, "Update the media"),
            Opt(
                "current",
                _B,
                "can be either or both of --live and --config, depends on implementation "
                "hypervisor driver",
            ),
            Opt("live", _B, "alter live configuration of running domain"),
            Opt("config", _B, "alter persistent configuration, effect observed on next boot"),
            Opt("force", _B, "force media changing"),
            Opt("print-xml", _B, "print XML document rather than change media"),
            Opt("block", _B, "source media is a block device"),
        ),
        cmd_change_media,
    ),
]
