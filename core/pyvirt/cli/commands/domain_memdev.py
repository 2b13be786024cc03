"""virsh's ``update-memory-device``: one ``<memory>`` device of the domain's XML (chosen by
alias or NUMA node when there are several), its virtio-mem ``<requested>`` size changed, sent
back with virDomainUpdateDeviceFlags (or printed), as virsh 9.0 does it.
"""

from __future__ import annotations

from pyvirt.cli._control import Control, Failure
from pyvirt.cli._format import to_uint
from pyvirt.cli._parser import Cmd, Opt, Parsed, T
from pyvirt.cli.commands._common import (
    _opt_number,
    dom_opt,
    domain,
    exclusive,
    exclusive_pairs,
    flag_bits,
    string_req,
)

_INACTIVE = 2  # VIR_DOMAIN_XML_INACTIVE
_AFFECT = {"live": 1, "config": 2}


def _node_is(text: str | None, node: int) -> bool:
    """XPath's ``target/node/text()=N``: the text read as a number."""
    try:
        return text is not None and float(text) == node
    except ValueError:
        return False


def cmd_update_memory_device(ctl: Control, p: Parsed) -> bool:
    """The persistent XML is read with --config, the live one otherwise; a new requested
    size is a scaled number (KiB by default) rounded up to whole KiB, written into the
    ``<requested>`` element without touching its unit, as virsh does."""
    from lxml import etree

    from pyvirt.cli.commands.block import _scaled

    exclusive(p, "current", "live")
    exclusive(p, "current", "config")
    exclusive_pairs(p, (("node", "alias"),))
    flags = flag_bits(p, _AFFECT)
    dom, _ = domain(ctl, p)
    root = etree.fromstring(dom.xml_desc(_INACTIVE if p.bool("config") else 0).encode())
    alias = string_req(p, "alias")
    node = _opt_number(p, "node", to_uint)
    mems = root.findall("devices/memory")
    if alias is not None:
        mems = [m for m in mems if any(a.get("name") == alias for a in m.iterfind("alias"))]
    elif node is not None:
        mems = [m for m in mems if any(_node_is(n.text, node) for n in m.iterfind("target/node"))]
    if not mems:
        raise Failure("no memory device found")
    if len(mems) > 1:
        raise Failure("multiple memory devices found, use --alias or --node to select one")
    mem = mems[0]
    size = _scaled(p, "requested-size", "requested-size", 1024)
    if size is not None:
        requested = mem.find("target/requested")
        if requested is None:
            raise Failure("virtio-mem device is missing <requested/>")
        requested.text = str(-(-size // 1024))
    xml = etree.tostring(mem, encoding="unicode", with_tail=False)
    if p.bool("print-xml"):
        ctl.print(xml)
        return True
    dom.update_device(xml, flags)
    return True


COMMANDS = [
    Cmd(
        "update-memory-device",
        "domain",
        "update memory device of a domain",
        "Update values of a memory device of a domain",
        (
            dom_opt(),
            Opt("config", T.BOOL, "affect next boot"),
            Opt("live", T.BOOL, "affect running domain"),
            Opt("current", T.BOOL, "affect current domain"),
            Opt("print-xml", T.BOOL, "print updated memory device XML instead of executing the change"),
            Opt("alias", T.STRING, "memory device alias", req_opt=True),
            Opt("node", T.INT, "memory device target node", req_opt=True),
            Opt(
                "requested-size",
                T.INT,
                "new value of <requested/> size, as scaled integer (default KiB)",
                req_opt=True,
            ),
        ),
        cmd_update_memory_device,
    ),
]
