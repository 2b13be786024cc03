"""virsh's ``domblklist`` (``--details``, ``--inactive``) and ``domiflist`` (``--inactive``)
compared with the real virsh (stdout, stderr, exit status), in process and through the
daemons: every kind of disk source (file, block, dir, network name, volume, none) and of
interface source (bridge, network, direct, user, ethernet), and the error paths.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import compare, needs_virsh

#: Disks in the order libvirt keeps them (by bus) and interfaces whose target names libvirt's
#: test driver keeps, so the definition reads back the same on both sides.
MANY = """<domain type='test'><name>many</name>
<uuid>c4957c5f-4cb9-405a-9cb2-3729ea21782f</uuid><memory>8192</memory><vcpu>1</vcpu>
<os><type>hvm</type></os><devices>
<disk type='file' device='disk'><source file='/var/lib/a.img'/><target dev='vda' bus='virtio'/></disk>
<disk type='network' device='disk'><source protocol='nbd' name='foo'><host name='example.org'
 port='10809'/></source><target dev='vdc' bus='virtio'/></disk>
<disk type='volume' device='disk'><source pool='default-pool' volume='v.img'/>
<target dev='vdd' bus='virtio'/></disk>
<disk type='file' device='cdrom'><target dev='hdc' bus='ide'/><readonly/></disk>
<disk type='block' device='disk'><source dev='/dev/sdb'/><target dev='sdb' bus='scsi'/></disk>
<disk type='dir' device='floppy'><source dir='/tmp'/><target dev='fda' bus='fdc'/></disk>
<interface type='bridge'><mac address='52:54:00:00:00:02'/><source bridge='br0'/>
<model type='virtio'/><target dev='mytap9'/></interface>
<interface type='network'><mac address='52:54:00:00:00:03'/><source network='default'/>
<target dev='mytap3'/></interface>
<interface type='user'><mac address='52:54:00:00:00:04'/><target dev='mytap4'/></interface>
<interface type='direct'><mac address='52:54:00:00:00:05'/><source dev='eth0' mode='vepa'/>
<model type='e1000'/><target dev='mytap5'/></interface>
<interface type='ethernet'><mac address='52:54:00:00:00:06'/><target dev='tap0'/></interface>
</devices></domain>"""


@pytest.mark.parametrize(
    "commands",
    [
        "domblklist test; domblklist test --details; domblklist test --inactive",
        "domiflist test; domiflist test --inactive",
        "destroy test; domblklist test --details; domiflist test --inactive",
        "domblklist many; domblklist many --details; domblklist many --inactive --details",
        "domiflist many; domiflist many --inactive",
    ],
)
@needs_virsh
def test_the_lists(uri, tmp_path: Path, commands):
    (tmp_path / "many.xml").write_text(MANY)
    compare("-c", uri, f"define many.xml; {commands}", cwd=tmp_path)


@pytest.mark.parametrize(
    "command",
    [
        "domblklist",
        "domblklist nosuch",
        "domblklist test --bogus",
        "domiflist",
        "domiflist nosuch",
        "domiflist test extra",
        "help domblklist",
        "help domiflist",
    ],
)
@needs_virsh
def test_bad_input(uri, command):
    compare("-c", uri, command)


@needs_virsh
def test_quiet_and_read_only(uri):
    compare("-q", "-c", uri, "domblklist test --details; domiflist test")
    compare("-r", "-c", uri, "domblklist test; domiflist test --inactive")
