"""pyvirt's RPC protocol, shared by the remote driver (client) and pyvirtd (server).

msgpack bodies in ZeroMQ multipart messages; see docs/protocol.md.  Importing this package
imports msgpack (not zmq): the daemon, its workers and both clients speak ZeroMQ's wire
protocol without libzmq (pyvirtd._transport, pyvirt.rpc._channel, pyvirt.rpc._aio_channel).
"""

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
    "decode",
    "encode",
    "split_frames",
    "unpack_header",
]
