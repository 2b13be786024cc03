"""What both remote clients share that is not generated: their timeouts and the access check.

The session logic itself is written once, in :mod:`pyvirt.rpc._async_client`, and the
synchronous client is generated from it (:mod:`pyvirt.rpc._unasync`); both import these.
"""

from __future__ import annotations

import os

from pyvirt._codes import ErrorCode, ErrorDomain
from pyvirt._errors import OperationDeniedError

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
    """Refuse, before sending, a call that a read-only connection may not make.

    TODO(issue 9): replace the body by ``pyvirt._access.check_access(proc, args, read_only)``,
    the one permission check shared with the public API and the worker (flag-dependent rules
    such as VIR_DOMAIN_XML_SECURE included).  Both clients call only this function.
    """
    if read_only and not proc.readonly_ok:
        raise OperationDeniedError(
            f"operation forbidden: read only access prevents {proc.api}",
            code=ErrorCode.OPERATION_DENIED,
            domain=ErrorDomain.DOMAIN,
            str1="operation forbidden: %s",
            str2=f"read only access prevents {proc.api}",
        )
