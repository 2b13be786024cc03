"""virsh's ``connect``: close the connection and open another (``--name``; none: the same
URI again; an empty one: the default URI), read-only with ``--readonly``, in the interactive shell or as a one-shot
command.  Failures read as virsh's ("failed to connect to the hypervisor" and libvirt's
reason); the commands after a failed ``connect`` reconnect as any later command does.
"""

from __future__ import annotations

from pyvirt.cli._control import Control
from pyvirt.cli._parser import Cmd, Opt, Parsed, T


def cmd_connect(ctl: Control, p: Parsed) -> bool:
    name = p.str("name")
    ctl.close()
    if name is not None:  # without a name virsh reconnects to the same URI
        ctl.uri = name  # "" is the default URI
    ctl.readonly = p.bool("readonly")
    ctl.connect()
    return True


COMMANDS = [
    Cmd(
        "connect",
        "virsh",
        "(re)connect to hypervisor",
        "Connect to local hypervisor. This is built-in command after shell start up.",
        (
            Opt("name", T.STRING, "hypervisor connection URI"),
            Opt("readonly", T.BOOL, "read-only connection"),
        ),
        cmd_connect,
        noconnect=True,
    ),
]
