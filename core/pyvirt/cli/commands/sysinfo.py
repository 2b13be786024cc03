"""virsh's ``sysinfo``: the hypervisor's SMBIOS description (virConnectGetSysinfo) as XML."""

from __future__ import annotations

from pyvirt.cli._control import Control
from pyvirt.cli._parser import Cmd, Parsed


def cmd_sysinfo(ctl: Control, p: Parsed) -> bool:
    ctl.print(ctl.conn.sysinfo())
    return True


COMMANDS = [
    Cmd(
        "sysinfo",
        "host",
        "print the hypervisor sysinfo",
        "output an XML string for the hypervisor sysinfo, if available",
        (),
        cmd_sysinfo,
    ),
]
