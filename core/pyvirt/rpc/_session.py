"""What both remote clients share that is not generated: their timeouts and the access check.

The session logic itself is written once, in :mod:`pyvirt.rpc._async_client`, and the
synchronous client is generated from it (:mod:`pyvirt.rpc._unasync`); both import these.
"""

from __future__ import annotations

import os

# Not typing.TYPE_CHECKING: the client imports this module on every remote pyvirsh run.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from pyvirt._procedures import Procedure

#: How long a call waits for its reply before giving up (a stuck driver, not a dead one).
CALL_TIMEOUT = float(os.environ.get("PYVIRT_CALL_TIMEOUT", "300"))
#: How long opening waits for each step: connecting, the handshake, ROUTE and CONNECT_OPEN
#: (and re-opening for a restarted worker).
OPEN_TIMEOUT = 10.0


def check_access(proc: Procedure, args: list[Any], read_only: bool) -> None:
    """Refuse, before sending, a call that a read-only connection may not make: the one
    permission check (:func:`pyvirt._access.check_access`, flag-dependent rules such as
    VIR_DOMAIN_XML_SECURE included) applied to the call's flags.  Both clients call only this.
    """
    if read_only:
        from pyvirt._access import check_access as check
        from pyvirt.rpc._signatures import wire_signature

        check(proc, wire_signature(proc.key).flags_of(args), True)
