"""pyvirt's RPC protocol, shared by the remote driver (client) and pyvirtd (server).

msgpack bodies in ZeroMQ multipart messages; see docs/protocol.md.  Importing this package
imports msgpack (not zmq): the daemon imports zmq for its control socket, and both clients
speak ZeroMQ's wire protocol without it (pyvirt.rpc._channel, pyvirt.rpc._aio_channel).
"""

from pyvirt._access import check_access
from pyvirt.rpc._codec import MAX_MESSAGE, ProtocolError, check, decode, encode
from pyvirt.rpc._procs import (
    PROC_CONNECT_CLOSE,
    PROC_CONNECT_OPEN,
    PROC_EVENT,
    PROC_EVENT_ATTACH,
    PROC_EVENT_DETACH,
    PROC_NOTICE,
    PROC_ROUTE,
)
from pyvirt.rpc._wire import (
    KEEPALIVE_PING,
    KEEPALIVE_PONG,
    PROGRAM_DAEMON,
    PROGRAM_KEEPALIVE,
    PROGRAM_REMOTE,
    PROGRAM_VERSION,
    VERSION_FRAME,
    Header,
    MessageType,
    Status,
    split_frames,
    unpack_header,
)

__all__ = [
    "DISPATCH",
    "PROC_CONNECT_CLOSE",
    "PROC_CONNECT_OPEN",
    "PROC_EVENT",
    "PROC_EVENT_ATTACH",
    "PROC_EVENT_DETACH",
    "PROC_NOTICE",
    "PROC_ROUTE",
    "KEEPALIVE_PING",
    "KEEPALIVE_PONG",
    "MAX_MESSAGE",
    "PROGRAM_DAEMON",
    "PROGRAM_KEEPALIVE",
    "PROGRAM_REMOTE",
    "PROGRAM_VERSION",
    "VERSION_FRAME",
    "Header",
    "MessageType",
    "ProtocolError",
    "Status",
    "check",
    "check_access",
    "decode",
    "encode",
    "split_frames",
    "unpack_header",
]

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyvirt.rpc._dispatch import DISPATCH


def __getattr__(name: str) -> object:
    # The daemon's dispatch table (generated, one function per procedure) is loaded only by
    # the servers that use it: clients import this package on every remote pyvirsh run.
    if name == "DISPATCH":
        from pyvirt.rpc._dispatch import DISPATCH

        return DISPATCH
    raise AttributeError(f"module 'pyvirt.rpc' has no attribute {name!r}")
