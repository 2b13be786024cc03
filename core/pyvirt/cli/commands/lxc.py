"""virsh's ``lxc-enter-namespace``: run a command inside a container's namespaces, with
virsh 9.0's option, checks in its order and messages.

As virsh does: unless ``--noseclabel``, ask the host's security model and the domain's label
first; open the container's namespaces (libvirt-lxc's virDomainLxcOpenNamespace, answered by
the driver), then run the command in a child that joins them (``setns``) and report its exit.
"""

from __future__ import annotations

import os

from pyvirt.cli._control import Control, Failure
from pyvirt.cli._parser import Cmd, Opt, Parsed, T
from pyvirt.cli.commands._common import dom_opt, domain


def _enter_and_run(fds: list[int], argv: list[str]) -> int:
    """Fork a child that joins the namespaces *fds* and executes *argv*; its exit status."""
    import ctypes

    pid = os.fork()
    if pid == 0:  # the child: join every namespace, then become the command
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            for fd in fds:
                if libc.setns(fd, 0) != 0:
                    os._exit(255)
            os.execv(argv[0], argv)
        finally:
            os._exit(255)
    _, status = os.waitpid(pid, 0)
    return status


def cmd_lxc_enter_namespace(ctl: Control, p: Parsed) -> bool:
    dom, _ = domain(ctl, p)
    value = p.values.get("cmd")
    argv = list(value) if isinstance(value, list) else []
    if not p.bool("noseclabel"):
        ctl.conn.security_model()
        dom.security_label()
    fds = dom.lxc_open_namespace()
    try:
        status = _enter_and_run(fds, argv)
    finally:
        for fd in fds:
            os.close(fd)
    if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
        raise Failure()
    return True


COMMANDS = [
    Cmd(
        "lxc-enter-namespace",
        "domain",
        "LXC Guest Enter Namespace",
        "Run an arbitrary command in a lxc guest namespace; use at your own risk",
        (
            dom_opt(),
            Opt("noseclabel", T.BOOL, "Do not change process security label"),
            Opt("cmd", T.ARGV, "command to run", req=True),
        ),
        cmd_lxc_enter_namespace,
    ),
]
