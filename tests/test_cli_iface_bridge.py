"""``iface-bridge``, ``iface-unbridge`` and ``iface-edit`` compared with the real virsh in
process and through the daemons: option parsing, lookups (by name only for the bridge
commands, by name or MAC for iface-edit), the bridge that already exists, virsh's last error
reported after a bad ``--delay``, and libvirt's test driver refusing the inactive XML all
three start from.

Past that call no libvirt driver here answers, so the rewriting of the definition is
checked on its own: an interface put under a bridge and taken out again is the interface
it was.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import compare, needs_virsh
from pyvirt.cli._control import Failure
from pyvirt.cli.commands.iface_bridge import bridged, unbridged

BRIDGE = (
    "<interface type='bridge' name='br0'><start mode='onboot'/><bridge stp='on' delay='0'>"
    "<interface type='ethernet' name='eth5'><mac address='52:54:00:aa:bb:cc'/></interface>"
    "</bridge></interface>\n"
)

COMMANDS = [
    "iface-bridge eth1 br0", "iface-bridge eth1 lo", "iface-bridge nosuch br0",
    "iface-bridge eth1 br0 --delay abc", "iface-bridge eth1 br0 --delay -1",
    "iface-bridge eth1 ''", "iface-bridge eth1", "iface-bridge", "iface-bridge eth1 eth1",
    "iface-bridge 00:11:22:33:44:55 br0", "iface-bridge aa:bb:cc:dd:ee:ff br0",
    "iface-bridge eth1 br0 --no-stp --delay 5 --no-start",
    "iface-unbridge br0", "iface-unbridge eth1", "iface-unbridge eth1 --no-start",
    "iface-unbridge ''", "iface-unbridge aa:bb:cc:dd:ee:ff", "iface-unbridge",
    "iface-edit eth1", "iface-edit nosuch", "iface-edit 00:11:22:33:44:55",
    "iface-edit aa:bb:cc:dd:ee:ff", "iface-edit",
    "help iface-bridge", "help iface-unbridge", "help iface-edit", "help interface",
]  # fmt: skip


@needs_virsh
@pytest.mark.parametrize("command", COMMANDS)
def test_commands(uri: str, command: str) -> None:
    compare("-c", uri, command)


@needs_virsh
@pytest.mark.parametrize(
    "session",
    ["iface-define br.xml; iface-unbridge br0", "iface-define br.xml; iface-bridge eth1 br0",
     "iface-define br.xml; iface-edit br0; iface-list --all"],
)  # fmt: skip
def test_with_a_defined_bridge(uri: str, tmp_path: Path, session: str) -> None:
    (tmp_path / "br.xml").write_text(BRIDGE)
    compare("-c", uri, session, cwd=tmp_path)


@needs_virsh
def test_read_only_connections(uri: str) -> None:
    compare("-r", "-c", uri, "iface-bridge eth1 br0; iface-unbridge eth1; iface-edit eth1")


def test_bridging_moves_the_device_under_a_new_bridge() -> None:
    xml = (
        "<interface type='ethernet' name='eth0'><start mode='onboot'/>"
        "<mac address='52:54:00:00:00:01'/><protocol family='ipv4'><dhcp/></protocol>"
        "</interface>"
    )
    assert bridged(xml, "eth0", "br0", stp=True, delay=3) == (
        '<interface type="bridge" name="br0"><start mode="onboot"/>'
        '<protocol family="ipv4"><dhcp/></protocol><bridge stp="on" delay="3">'
        '<interface type="ethernet" name="eth0"><mac address="52:54:00:00:00:01"/>'
        "</interface></bridge></interface>"
    )
    no_stp = bridged(xml, "eth0", "br0", stp=False, delay=3)
    assert '<bridge stp="off">' in no_stp


def test_unbridging_gives_back_the_device() -> None:
    name, xml = unbridged(BRIDGE, "br0")
    assert name == "eth5"
    assert xml == (
        '<interface type="ethernet" name="eth5"><start mode="onboot"/>'
        '<mac address="52:54:00:aa:bb:cc"/></interface>'
    )
    again = bridged(xml, "eth5", "br0", stp=True, delay=0)
    assert unbridged(again, "br0") == (name, xml)


@pytest.mark.parametrize(
    ("xml", "message"),
    [
        ("<interface name='eth0'/>", "Existing device eth0 has no type"),
        ("<interface type='bridge' name='eth0'/>", "Existing device eth0 is already a bridge"),
        ("<interface type='ethernet' name='x'/>", "Interface name from config x doesn't match"),
        ("<interface", "Failed to parse configuration of eth0"),
    ],
)
def test_bridging_refuses(xml: str, message: str) -> None:
    with pytest.raises(Failure) as info:
        bridged(xml, "eth0", "br0", stp=True, delay=0)
    assert info.value.lines[0].startswith(message)


@pytest.mark.parametrize(
    ("xml", "message"),
    [
        ("<interface type='ethernet' name='br0'/>", "Device br0 is not a bridge"),
        ("<interface type='bridge' name='br0'/>", "No bridge node in xml document"),
        ("<interface type='bridge' name='br0'><bridge/></interface>",
         "No interface attached to bridge"),
        ("<interface type='bridge' name='br0'><bridge><interface type='ethernet' name='a'/>"
         "<interface type='ethernet' name='b'/></bridge></interface>",
         "Multiple interfaces attached to bridge"),
        ("<interface type='bridge' name='br0'><bridge><interface type='ethernet'/></bridge>"
         "</interface>", "Device attached to bridge br0 has no name"),
    ],
)  # fmt: skip
def test_unbridging_refuses(xml: str, message: str) -> None:
    with pytest.raises(Failure) as info:
        unbridged(xml, "br0")
    assert info.value.lines[0] == message
