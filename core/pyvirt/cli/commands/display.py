"""virsh's display lookups: ``domdisplay``, ``vncdisplay`` and ``ttyconsole``, read from the
running domain's XML as virsh reads them (so they work for every driver that reports its
graphics ports and console ttys, the QEMU driver's real guests included).

A wildcard or missing listen address stands for the host of the connection's URI
("localhost" for a local one); VNC displays count from port 5900.
"""

from __future__ import annotations

from pyvirt.cli._control import Control, Failure
from pyvirt.cli._parser import Cmd, Opt, Parsed, T
from pyvirt.cli.commands._common import dom_opt, domain, string_req

_SCHEMES = ("vnc", "spice", "rdp")
_VNC_PORT_MIN = 5900


def _listen(graphics: object) -> str | None:
    """The address a graphics device listens on: its <listen address>, else @listen."""
    from lxml import etree

    assert isinstance(graphics, etree._Element)
    listen = graphics.find("listen")
    address = listen.get("address") if listen is not None else None
    return address or graphics.get("listen")


def _host(ctl: Control, address: str | None) -> str:
    """virsh's host for a URI: the listen address, else the connection URI's server."""
    import ipaddress
    from urllib.parse import urlsplit

    if address:
        try:
            wildcard = ipaddress.ip_address(address).is_unspecified
        except ValueError:
            wildcard = False
        if not wildcard:
            return f"[{address}]" if ":" in address else address
    return urlsplit(ctl.conn.uri).hostname or "localhost"


def _xml(ctl: Control, p: Parsed, flags: int, *, running: bool = True) -> object:
    """virshDomainGetXMLFromDom: the domain's XML, parsed (its failure in virsh's words);
    *running*: refuse an inactive domain first."""
    from lxml import etree

    from pyvirt import VirtError

    dom, _ = domain(ctl, p)
    if running and not dom.is_active():
        raise Failure("Domain is not running")
    try:
        text = dom.xml_desc(flags)
    except VirtError as e:
        raise Failure("Failed to get domain description xml", cause=e) from None
    return etree.fromstring(text.encode())


def cmd_domdisplay(ctl: Control, p: Parsed) -> bool:
    if p.bool("all") and p.str("type") is not None:
        raise Failure("Options --all and --type are mutually exclusive")
    secure = p.bool("include-password")
    wanted = string_req(p, "type")
    root = _xml(ctl, p, 1 if secure else 0)  # VIR_DOMAIN_XML_SECURE for the password
    found = False
    for scheme in _SCHEMES:
        if wanted is not None and wanted != scheme:
            continue
        graphics = root.find(f"devices/graphics[@type='{scheme}']")  # type: ignore[attr-defined]
        port = int(graphics.get("port", "0")) if graphics is not None else 0
        tls_port = int(graphics.get("tlsPort", "0")) if graphics is not None else 0
        if graphics is None or (port <= 0 and tls_port <= 0):
            continue
        uri = f"{scheme}://"
        password = graphics.get("passwd")
        if secure and password:
            uri += f":{password}@"
        uri += _host(ctl, _listen(graphics))
        if port > 0:
            uri += f":{port - _VNC_PORT_MIN if scheme == 'vnc' else port}"
        if scheme == "spice" and tls_port > 0:
            uri += f"?tls-port={tls_port}"
        if found:
            ctl.print("\n")
        ctl.print(uri)
        found = True
        if not p.bool("all"):
            return True
    if not found:
        if wanted is not None:
            raise Failure(f"No graphical display with type '{wanted}' found")
        raise Failure("No graphical display found")
    ctl.print("\n")
    return True


def cmd_vncdisplay(ctl: Control, p: Parsed) -> bool:
    root = _xml(ctl, p, 0)
    graphics = root.find("devices/graphics[@type='vnc']")  # type: ignore[attr-defined]
    port = int(graphics.get("port", "-1")) if graphics is not None else -1
    if port < 0:
        raise Failure("Failed to get VNC port. Is this domain using VNC?")
    address = _listen(graphics)
    shown = "" if address in (None, "0.0.0.0") else address
    ctl.print(f"{shown}:{port - _VNC_PORT_MIN}\n")
    return True


def cmd_ttyconsole(ctl: Control, p: Parsed) -> bool:
    root = _xml(ctl, p, 0, running=False)
    console = root.find("devices/console")  # type: ignore[attr-defined]
    tty = console.get("tty") if console is not None else None
    if not tty:
        return False  # virsh says nothing, and fails
    ctl.print(f"{tty}\n")
    return True


COMMANDS = [
    Cmd(
        "domdisplay",
        "domain",
        "domain display connection URI",
        "Output the IP address and port number for the graphical display.",
        (
            dom_opt(),
            Opt(
                "include-password",
                T.BOOL,
                "includes the password into the connection URI if available",
            ),
            Opt(
                "type",
                T.STRING,
                'select particular graphical display (e.g. "vnc", "spice", "rdp", "dbus")',
                req_opt=True,
            ),
            Opt("all", T.BOOL, "show all possible graphical displays"),
        ),
        cmd_domdisplay,
    ),
    Cmd(
        "ttyconsole",
        "domain",
        "tty console",
        "Output the device for the TTY console.",
        (dom_opt(),),
        cmd_ttyconsole,
    ),
    Cmd(
        "vncdisplay",
        "domain",
        "vnc display",
        "Output the IP address and port number for the VNC display.",
        (dom_opt(),),
        cmd_vncdisplay,
    ),
]
