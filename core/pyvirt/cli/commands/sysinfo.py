"""virsh's ``sysinfo``: the hypervisor's SMBIOS description (virConnectGetSysinfo) as XML."""

from __future__ import annotations

from pyvirt.cli._control import Control, Failure
from pyvirt.cli._parser import Cmd, Parsed


def cmd_sysinfo(ctl: Control, p: Parsed) -> bool:
    try:
        xml = ctl.conn.sysinfo()
    except Exception as e:
        raise Failure("failed to get sysinfo", cause=e) from None
    ctl.print(xml)
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
