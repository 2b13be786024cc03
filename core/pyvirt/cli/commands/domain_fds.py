"""virsh's ``dom-fd-associate``: hand open descriptors of the shell to the domain's driver as
a named group (virDomainFDAssociate), with virsh 9.0's options and messages.

``--pass-fds`` is virsh's comma-separated list of descriptor numbers, each read as C's
``strtol`` in base 10 reads an int (leading blanks and a sign allowed, nothing after); an
empty list reaches libvirt, which refuses it.
"""

from __future__ import annotations

import re

from pyvirt.cli._control import Control, Failure
from pyvirt.cli._parser import Cmd, Opt, Parsed, T
from pyvirt.cli.commands._common import dom_opt, domain, flag_bits, string_req

#: VIR_DOMAIN_FD_ASSOCIATE_SECLABEL_RESTORE, VIR_DOMAIN_FD_ASSOCIATE_SECLABEL_WRITABLE
_FLAGS = {"seclabel-restore": 1, "seclabel-writable": 2}
_NUMBER = re.compile(r"[ \t\n\v\f\r]*[+-]?[0-9]+")
_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1


def pass_fds(text: str | None) -> list[int]:
    """virshFetchPassFdsList: the numbers of ``--pass-fds`` (none given: no descriptors)."""
    if not text:
        return []
    fds = []
    for item in text.split(","):
        if not _NUMBER.fullmatch(item) or not _INT_MIN <= int(item) <= _INT_MAX:
            raise Failure(f"Unable to parse FD number '{item}'")
        fds.append(int(item))
    return fds


def cmd_dom_fd_associate(ctl: Control, p: Parsed) -> bool:
    dom, _ = domain(ctl, p)
    name = string_req(p, "name")
    assert name is not None
    fds = pass_fds(p.str("pass-fds"))  # (quiet: an empty list is libvirt's to refuse)
    dom.fd_associate(name, fds, flag_bits(p, _FLAGS))
    return True


COMMANDS = [
    Cmd(
        "dom-fd-associate",
        "domain",
        "associate a FD with a domain",
        "associate a FD with a domain",
        (
            dom_opt(),
            Opt("name", T.DATA, "name of the FD group", req=True),
            Opt("pass-fds", T.DATA, "file descriptors N,M,... to associate", req=True),
            Opt("seclabel-writable", T.BOOL, "use seclabels allowing writes"),
            Opt("seclabel-restore", T.BOOL, "try to restore security label after use if possible"),
        ),
        cmd_dom_fd_associate,
    ),
]
