"""virsh's guest commands compared with the real virsh byte for byte (stdout, stderr, exit
status), in process and through the daemons (virsh → libvirtd, pyvirsh → pyvirtd):
``domfsfreeze``, ``domfsthaw``, ``domfsinfo``, ``domfstrim``, ``dompmsuspend``,
``dompmwakeup``, ``get-user-sshkeys``, ``set-user-sshkeys``, ``set-user-password``,
``guest-agent-timeout``, ``guestinfo``; success paths, the state they leave, and the error
paths (missing domain, wrong state, bad options and values, read-only connections).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import compare, needs_virsh

#: A running domain whose first disk is not vda (after a CD-ROM), and one without disks:
#: domfsinfo names the filesystems after the first disk, or reports none.
DISKS = (
    "<domain type='test'><name>d1</name><memory>8192</memory><vcpu>1</vcpu>"
    "<os><type>hvm</type></os><devices>"
    "<disk type='file' device='cdrom'><source file='/x.iso'/><target dev='hdc' bus='ide'/></disk>"
    "<disk type='file' device='disk'><source file='/y.img'/><target dev='sdb' bus='scsi'/></disk>"
    "</devices></domain>"
)
BARE = (
    "<domain type='test'><name>d2</name><memory>8192</memory><vcpu>1</vcpu>"
    "<os><type>hvm</type></os></domain>"
)


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    (tmp_path / "d1.xml").write_text(DISKS)
    (tmp_path / "d2.xml").write_text(BARE)
    (tmp_path / "keys").write_text("ssh-ed25519 AAAA a@b\n\n# comment\nssh-rsa BBBB c@d\n")
    (tmp_path / "empty").write_text("")
    return tmp_path


@pytest.mark.parametrize(
    "commands",
    [
        "domfsinfo test",
        "domfsfreeze test; domfsfreeze test; domfsthaw test; domfsthaw test",
        "domfsfreeze test /; domfsfreeze test --mountpoint / /boot; domfsthaw test /boot; "
        "domfsthaw test --mountpoint / --mountpoint /",
        "domfsfreeze test /; domfsfreeze test / /nope; domfsthaw test",
        "domfsfreeze test --mountpoint ''; domfsthaw test /nope",
        "domfsfreeze test; suspend test; domfsinfo test; domfsfreeze test; domfsthaw test",
        "domfsfreeze test; destroy test; domfsthaw test; start test; domfsthaw test",
        "destroy test; domfsinfo test; domfsfreeze test; domfstrim test",
        "create {dir}/d1.xml; domfsinfo d1; create {dir}/d2.xml; domfsinfo d2; inject-nmi test",
        "domfstrim test; domfstrim test --minimum 5 --mountpoint /; domfstrim test /boot",
        "domfstrim test --mountpoint /x; domfstrim test --minimum 18446744073709551615",
        "domfstrim test 5 /boot; domfstrim test 5 /x",
        "domfstrim test --minimum -1",
        "domfstrim test --minimum 10k",
        "domfstrim test --minimum 18446744073709551616",
        "domfsinfo nope",
        "domfsfreeze nope /",
        "domfstrim nope --minimum x",
        "domfsinfo test --bogus",
        "domfsinfo",
        "help domfsfreeze",
        "help domfsthaw",
        "help domfsinfo",
        "help domfstrim",
    ],
)
@needs_virsh
def test_filesystem_commands_freeze_thaw_and_list_as_virsh(
    uri: str, scratch: Path, commands: str
) -> None:
    compare("-c", uri, commands.format(dir=scratch))


@pytest.mark.parametrize(
    "commands",
    [
        "dompmsuspend test mem",
        "dompmsuspend test hybrid --duration 5",
        "dompmsuspend test disk --duration 18446744073709551615",
        "dompmsuspend test bogus",
        "dompmsuspend test bogus --duration x",
        "dompmsuspend test mem --duration -1",
        "dompmsuspend nope bogus",
        "dompmsuspend test",
        "dompmwakeup test",
        "destroy test; dompmwakeup test",
        "dompmwakeup nope",
        "help dompmsuspend",
        "help dompmwakeup",
    ],
)
@needs_virsh
def test_power_management_commands_fail_as_virsh(uri: str, commands: str) -> None:
    compare("-c", uri, commands)


@pytest.mark.parametrize(
    "commands",
    [
        "set-user-password test root secret",
        "set-user-password test root secret --encrypted",
        "set-user-password --domain test --user '' --password ''",
        "set-user-password test root",
        "destroy test; set-user-password test root secret",
        "set-user-password nope root pw",
        "get-user-sshkeys test root",
        "get-user-sshkeys test ''",
        "get-user-sshkeys nope ''",
        "set-user-sshkeys test root --file {dir}/keys",
        "set-user-sshkeys test root --file {dir}/keys --remove",
        "set-user-sshkeys test root --reset",
        "set-user-sshkeys test root {dir}/keys",
        "set-user-sshkeys test root",
        "set-user-sshkeys test root --file {dir}/empty --reset",
        "set-user-sshkeys test root --file {dir}/nonexistent",
        "set-user-sshkeys test root --file {dir}/keys --reset --remove",
        "set-user-sshkeys test root --remove",
        "set-user-sshkeys nope root --reset --remove",
        "set-user-sshkeys nope root",
        "guest-agent-timeout test",
        "guest-agent-timeout test --timeout -3",
        "guest-agent-timeout test --timeout x",
        "guest-agent-timeout test --timeout 2147483648",
        "guest-agent-timeout nope --timeout x",
        "guestinfo test",
        "guestinfo test --user --os --timezone --hostname --filesystem --disk --interface",
        "guestinfo nope",
        "guestinfo test --bogus",
        "help set-user-password",
        "help get-user-sshkeys",
        "help set-user-sshkeys",
        "help guest-agent-timeout",
        "help guestinfo",
    ],
)
@needs_virsh
def test_agent_commands_answer_as_virsh(uri: str, scratch: Path, commands: str) -> None:
    compare("-c", uri, commands.format(dir=scratch))


@pytest.mark.parametrize(
    "commands",
    [
        "domfsfreeze test",
        "domfsthaw test",
        "domfsinfo test",
        "domfstrim test",
        "dompmsuspend test mem",
        "dompmwakeup test",
        "get-user-sshkeys test root",
        "set-user-sshkeys test root --reset",
        "set-user-password test root pw",
        "guest-agent-timeout test",
        "guestinfo test",
    ],
)
@needs_virsh
def test_read_only_connections_are_refused_as_in_virsh(uri: str, commands: str) -> None:
    compare("-r", "-c", uri, commands)


@needs_virsh
def test_quiet_mode_keeps_only_the_table(uri: str, scratch: Path) -> None:
    compare(
        "-q", "-c", uri, f"domfsinfo test; domfsfreeze test; create {scratch}/d2.xml; domfsinfo d2"
    )
