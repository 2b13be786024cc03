"""virsh's ``domif-setlink``: the interface's XML from the domain's definition with its
``<link state=...>`` set, sent back with virDomainUpdateDeviceFlags (or printed), as virsh
9.0 does it.  ``domif-getlink`` (in :mod:`pyvirt.cli.commands.domain_stats`) reads it back.
"""

from __future__ import annotations

from pyvirt.cli._control import Control, Failure
from pyvirt.cli._parser import Cmd, Opt, Parsed, T
from pyvirt.cli.commands._common import dom_opt, domain, string_req
from pyvirt.cli.commands.domain_stats import _mac

_LIVE, _CONFIG = 1, 2  # VIR_DOMAIN_AFFECT_*
_INACTIVE = 2  # VIR_DOMAIN_XML_INACTIVE


def cmd_domif_setlink(ctl: Control, p: Parsed) -> bool:
    """The interface is found by MAC address when the argument is one, else by its target
    device, compared without regard to case; a running domain's live definition is changed
    unless --config is given, an inactive domain's persistent one."""
    from lxml import etree

    dom, _ = domain(ctl, p)
    iface = string_req(p, "interface") or ""
    state = string_req(p, "state") or ""
    if state not in ("up", "down"):
        raise Failure(f"invalid link state '{state}'")
    config = p.bool("config")
    flags = _CONFIG if config or not dom.is_active() else _LIVE
    root = etree.fromstring(dom.xml_desc(_INACTIVE if config else 0).encode())
    nics = root.findall("devices/interface")
    if not nics:
        raise Failure("Failed to extract interface information or no interfaces found")
    element, attr = ("mac", "address") if _mac(iface) is not None else ("target", "dev")
    wanted = iface.lower()
    nic = next(
        (
            n
            for n in nics
            for child in n.iterchildren(element)
            if (child.get(attr) or "").lower() == wanted
        ),
        None,
    )
    if nic is None:
        raise Failure(f"interface '{iface}' not found")
    link = nic.find("link")
    if link is None:
        link = etree.SubElement(nic, "link")
    link.set("state", state)
    xml = etree.tostring(nic, encoding="unicode", with_tail=False)
    if p.bool("print-xml"):
        ctl.print(xml)
        return True
    try:
        dom.update_device(xml, flags)
    except Exception as e:
        raise Failure("Failed to update interface link state", cause=e) from None
    ctl.print_extra("Device updated successfully\n")
    return True


COMMANDS = [
    Cmd(
        "domif-setlink",
        "domain",
        "set link state of a virtual interface",
        "Set link state of a domain's virtual interface. This command wraps usage of "
        "update-device command.",
        (
            dom_opt(),
            Opt("interface", T.DATA, "interface device (MAC Address)", req=True),
            Opt("state", T.DATA, "new state of the device", req=True),
            Opt("config", T.BOOL, "affect next boot"),
            Opt("print-xml", T.BOOL, "print XML document rather than set the interface link state"),
        ),
        cmd_domif_setlink,
    ),
]
