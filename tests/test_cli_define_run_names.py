"""Names that belong to a run, not to a definition, as libvirt's test driver treats them.

A tap name of the kinds libvirt generates (vnetN, macvtapN, macvlanN) is dropped from a
definition unless the tap is the user's (``managed='no'``), and every unnamed interface then
gets the lowest free testnetN (``managed`` is kept); a pty's path is never read from a
definition, so ``ttyconsole`` has nothing to show.  Compared with virsh in process and
through both daemons."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import compare, needs_virsh

pytestmark = needs_virsh


def _nic(n: int, kind: str = "network", target: str = "") -> str:
    source = "<source network='default'/>" if kind == "network" else ""
    return (f"<interface type='{kind}'><mac address='52:54:00:00:01:0{n}'/>{source}"
            f"{target}</interface>")  # fmt: skip


NAMED = (
    "<domain type='test'><name>named</name><uuid>5ec0c5d4-6a36-4a70-9e36-3f7d6c1b2a01</uuid>"
    "<memory>8192</memory><os><type>hvm</type></os><devices>"
    + _nic(1)
    + _nic(2, target="<target dev='testnet0'/>")
    + _nic(3, target="<target dev='vnet1'/>")
    + _nic(4, "ethernet", "<target dev='vnet7' managed='no'/>")
    + _nic(5, "ethernet", "<target dev='macvlan3' managed='yes'/>")
    + _nic(6, target="<target dev='macvtap0'/>")
    + _nic(7, target="<target dev='tap5'/>")
    + "</devices></domain>"
)


PTY = (
    "<domain type='test'><name>ptys</name><uuid>5ec0c5d4-6a36-4a70-9e36-3f7d6c1b2a02</uuid>"
    "<memory>1024</memory><os><type>hvm</type></os><devices>"
    "<serial type='pty'><source path='/dev/pts/5'/><target port='0'/></serial>"
    "<console type='pty' tty='/dev/pts/5'><source path='/dev/pts/5'/>"
    "<target type='serial' port='0'/></console></devices></domain>"
)


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    (tmp_path / "named.xml").write_text(NAMED)
    (tmp_path / "ptys.xml").write_text(PTY)
    return tmp_path


@pytest.mark.parametrize(
    "commands",
    [
        "define {dir}/named.xml; dumpxml named; domiflist named; dumpxml --inactive named",
        "define {dir}/named.xml; start named; dumpxml named; domiflist named; "
        "dumpxml --inactive named; undefine named; destroy named",
        "create {dir}/named.xml; dumpxml named; domiflist named; destroy named",
        "define {dir}/ptys.xml; dumpxml ptys; ttyconsole ptys; start ptys; dumpxml ptys; "
        "ttyconsole ptys; destroy ptys; undefine ptys",
        "create {dir}/ptys.xml; dumpxml ptys; ttyconsole ptys; destroy ptys",
    ],
)
def test_run_names_are_not_taken_from_a_definition(uri: str, scratch: Path, commands: str) -> None:
    compare("-c", uri, commands.format(dir=scratch))
