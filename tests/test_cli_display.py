"""Display lookups: virsh's ``domdisplay`` (``--all``, ``--type``, ``--include-password``),
``vncdisplay`` and ``ttyconsole``, read from the domain's XML, compared with the real virsh byte
for byte, in process and through the daemons (virsh → libvirtd, pyvirsh → pyvirtd).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import compare, needs_virsh

#: VNC with a password and a listen address, SPICE on a wildcard with TLS, RDP, a console.
GRAPHICAL = (
    "<domain type='test'><name>g</name><uuid>11111111-2222-3333-4444-555555555556</uuid>"
    "<memory>1024</memory><os><type>hvm</type></os><devices>"
    "<graphics type='vnc' port='5901' autoport='no' listen='127.0.0.1' passwd='secret'>"
    "<listen type='address' address='127.0.0.1'/></graphics>"
    "<graphics type='spice' port='5902' tlsPort='5903' autoport='no'>"
    "<listen type='address' address='0.0.0.0'/></graphics>"
    "<graphics type='rdp' port='3389'/>"
    "<console type='pty'><target type='serial' port='0'/></console>"
    "</devices></domain>"
)
#: VNC on a wildcard address, and IPv6 SPICE without TLS.
WILDCARD = (
    "<domain type='test'><name>w</name><uuid>11111111-2222-3333-4444-555555555557</uuid>"
    "<memory>1024</memory><os><type>hvm</type></os><devices>"
    "<graphics type='spice' port='5910' autoport='no' listen='::1'/>"
    "<graphics type='vnc' port='5905' autoport='no' listen='0.0.0.0'/>"
    "</devices></domain>"
)


@pytest.mark.parametrize(
    "command",
    [
        "domdisplay g",
        "domdisplay g --all",
        "domdisplay g --include-password",
        "domdisplay g --include-password --all",
        "domdisplay g --type spice",
        "domdisplay g --type rdp",
        "domdisplay g --type vnc --all",
        "domdisplay g --type bogus",
        "domdisplay g --type ''",
        "vncdisplay g",
        "ttyconsole g",
        "domdisplay w --all",
        "vncdisplay w",
        "domdisplay test",
        "domdisplay test --type vnc",
        "vncdisplay test",
        "ttyconsole test",
        "domdisplay nosuch",
        "vncdisplay nosuch",
        "ttyconsole nosuch",
        "destroy g; domdisplay g; vncdisplay g; ttyconsole g",
        "-q domdisplay g --all",
        "help domdisplay",
        "help vncdisplay",
        "help ttyconsole",
    ],
)
@needs_virsh
def test_display_lookups(uri, tmp_path: Path, command):
    graphical, wildcard = tmp_path / "g.xml", tmp_path / "w.xml"
    graphical.write_text(GRAPHICAL)
    wildcard.write_text(WILDCARD)
    setup = f"define {graphical}; start g; define {wildcard}; start w"
    compare("-c", uri, f"{setup}; {command}" if not command.startswith("-q") else command)


@needs_virsh
def test_read_only_connections_may_look_at_displays_without_passwords(uri, tmp_path: Path):
    compare("-r", "-c", uri, "domdisplay test; vncdisplay test; ttyconsole test")
    compare("-r", "-c", uri, "domdisplay test --include-password")
