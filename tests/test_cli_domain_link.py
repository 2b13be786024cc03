"""virsh's ``domif-setlink`` compared with the real virsh byte for byte (stdout, stderr, exit
status), in process and through the daemons: the interface found by MAC or target device (in
any case), the ``<link>`` element added or changed in the XML it prints or sends, and
``domif-getlink`` agreeing afterwards (libvirt's test driver updates no device, so the state
read back is the one before).  Error paths: missing domain or interface, bad state, no
interfaces, read-only connections.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import compare, needs_virsh

#: Two interfaces, the second with its link already down, and one without interfaces.
LINKED = (
    "<domain type='test'><name>linked</name><memory>8192</memory><vcpu>1</vcpu>"
    "<os><type>hvm</type></os><devices>"
    "<interface type='network'><mac address='52:54:00:00:00:01'/><source network='default'/>"
    "<target dev='tap1'/></interface>"
    "<interface type='network'><mac address='52:54:00:00:00:02'/><source network='default'/>"
    "<target dev='tap2'/><link state='down'/><model type='virtio'/></interface>"
    "</devices></domain>"
)
BARE = (
    "<domain type='test'><name>bare</name><memory>8192</memory><vcpu>1</vcpu>"
    "<os><type>hvm</type></os></domain>"
)


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    (tmp_path / "linked.xml").write_text(LINKED)
    (tmp_path / "bare.xml").write_text(BARE)
    return tmp_path


@pytest.mark.parametrize(
    "commands",
    [
        "domif-setlink test testnet0 down",
        "domif-setlink test testnet0 down; domif-getlink test testnet0",
        "domif-setlink test testnet0 down --print-xml",
        "domif-setlink test testnet0 up --print-xml --config",
        "domif-setlink test aa:bb:cc:dd:ee:ff down --config; domif-getlink test testnet0 --config",
        "domif-setlink test AA:BB:CC:DD:EE:FF down --print-xml",
        "domif-setlink test TESTNET0 up --print-xml",
        "destroy test; domif-setlink test testnet0 down; domif-getlink test testnet0",
        "create {dir}/linked.xml; domif-setlink linked tap2 up --print-xml; "
        "domif-setlink linked 52:54:00:00:00:02 down --print-xml; domif-getlink linked tap2",
        "define {dir}/linked.xml; domif-setlink linked tap1 down --print-xml; "
        "domif-setlink linked tap1 down",
        "create {dir}/bare.xml; domif-setlink bare vnet0 up",
        "domif-setlink test testnet0 sideways",
        "domif-setlink test testnet0 UP",
        "domif-setlink test nope sideways",
        "domif-setlink test vnet0 down",
        "domif-setlink test aa:bb:cc:dd:ee:fe down",
        "domif-setlink test '' down",
        "domif-setlink nope testnet0 sideways",
        "domif-setlink test testnet0",
        "help domif-setlink",
    ],
)
@needs_virsh
def test_domif_setlink_as_virsh(uri: str, scratch: Path, commands: str) -> None:
    compare("-c", uri, commands.format(dir=scratch))


@needs_virsh
def test_read_only_connections_are_refused_as_in_virsh(uri: str) -> None:
    compare("-r", "-c", uri, "domif-setlink test testnet0 down; domif-setlink test x up --print-xml")
