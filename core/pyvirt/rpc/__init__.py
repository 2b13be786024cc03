"""pyvirt's RPC protocol, shared by the remote driver (client) and pyvirtd (server).

msgpack bodies in ZeroMQ multipart messages; see docs/protocol.md.  Importing this package
imports msgpack (not zmq): the daemon, its workers and both clients speak ZeroMQ's wire
protocol without libzmq (pyvirtd._transport, pyvirt.rpc._channel, pyvirt.rpc._aio_channel).
"""

from pyvirt._access import check_access
from pyvirt.rpc._codec import MAX_MESSAGE, ProtocolError, check, decode, encode
from pyvirt.rpc._procs import (
    PROC_AUTH_SCRAM_FINISH,
    PROC_AUTH_SCRAM_START,
    PROC_CONNECT_CLOSE,
    PROC_CONNECT_OPEN,
    PROC_EVENT,
    PROC_EVENT_ATTACH,
    PROC_EVENT_DETACH,
    PROC_NOTICE,
    PROC_PKI_JOIN,
    PROC_ROUTE,
    PROC_STREAM_ATTACH,
)
from pyvirt.rpc._wire import (
    KEEPALIVE_PING,
    KEEPALIVE_PONG,
    PROGRAM_DAEMON,
    PROGRAM_KEEPALIVE,
    PROGRAM_LXC,
    PROGRAM_QEMU,
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
    "PROC_AUTH_SCRAM_FINISH",
    "PROC_AUTH_SCRAM_START",
    "PROC_NOTICE",
    "PROC_PKI_JOIN",
    "PROC_ROUTE",
    "PROC_STREAM_ATTACH",
    "KEEPALIVE_PING",
    "KEEPALIVE_PONG",
    "MAX_MESSAGE",
    "PROGRAM_DAEMON",
    "PROGRAM_KEEPALIVE",
    "PROGRAM_LXC",
    "PROGRAM_QEMU",
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

# What the remote driver and pyvirtd need beyond the wire format, loaded on first use: the
# client, the procedure signatures and the daemon's dispatch table (generated, one function
# per procedure) are not needed by every importer of the codec, and clients import this
# package on every remote pyvirsh run.  ZMTP framing is public in :mod:`pyvirt.rpc.zmtp`.
_LAZY: dict[str, str] = {
    "DISPATCH": "pyvirt.rpc._dispatch",
    "RemoteConnection": "pyvirt.rpc._sync_client",
    "Signature": "pyvirt.rpc._signatures",
    "Target": "pyvirt.rpc._target",
    "daemon_socket": "pyvirt.rpc._paths",
    "default_rundir": "pyvirt.rpc._paths",
    "resolve": "pyvirt.rpc._target",
    "signatures": "pyvirt.rpc._signatures",
    # libvirt-qemu's and libvirt-lxc's programs: (program, procedure) -> the table's key
    "procedure_key": "pyvirt._procedures",
    "ssh_helper_main": "pyvirt.rpc._ssh_helper",
    # TLS (the tls transport): the daemon's listeners and the join answer use these
    "DN_REFUSED": "pyvirt.rpc._tls",
    "TlsClient": "pyvirt.rpc._tls",
    "TlsFiles": "pyvirt.rpc._tls",
    "TlsServer": "pyvirt.rpc._tls",
    "TlsStream": "pyvirt.rpc._tls",
    "auth_failed": "pyvirt.rpc._tls",
    "dn_allowed": "pyvirt.rpc._tls",
    "locate_tls_files": "pyvirt.rpc._tls",
    "tls_server_context": "pyvirt.rpc._tls",
    "tls_verify_reason": "pyvirt.rpc._tls",
    "STREAM_OPENER_NUMBERS": "pyvirt.rpc._signatures",
    # pyvirtd's loop polls before sleeping as the client does: only while a core is idle
    "SpinGate": "pyvirt.rpc._spin_gate",
    "STREAM_CHUNK": "pyvirt.rpc._stream_wire",
    "GATHER_FROM": "pyvirt.rpc._stream_wire",
    "STREAM_WINDOW": "pyvirt.rpc._stream_wire",
    "STREAM_SEND_BUFFER": "pyvirt.rpc._stream_wire",
    "widen_send_buffer": "pyvirt.rpc._stream_wire",
    "stream_message": "pyvirt.rpc._stream_wire",
    "stream_message_head": "pyvirt.rpc._stream_wire",
    # an ssh helper's session handed to the worker (the worker's transport takes it)
    "ADOPT": "pyvirt.rpc._adopt",
    "ADOPTED": "pyvirt.rpc._adopt",
    "ADOPT_ANCILLARY_SIZE": "pyvirt.rpc._adopt",
    "REFUSED": "pyvirt.rpc._adopt",
    "adoptable": "pyvirt.rpc._adopt",
    "offer_stdio": "pyvirt.rpc._adopt",
    "received_fds": "pyvirt.rpc._adopt",
}
__all__ += [
    "RemoteConnection",
    "Signature",
    "Target",
    "daemon_socket",
    "default_rundir",
    "resolve",
    "signatures",
    "procedure_key",
    "ssh_helper_main",
    "DN_REFUSED",
    "TlsClient",
    "TlsFiles",
    "TlsServer",
    "TlsStream",
    "auth_failed",
    "dn_allowed",
    "locate_tls_files",
    "tls_server_context",
    "tls_verify_reason",
    "STREAM_OPENER_NUMBERS",
    "SpinGate",
    "STREAM_CHUNK",
    "GATHER_FROM",
    "STREAM_WINDOW",
    "STREAM_SEND_BUFFER",
    "stream_message",
    "stream_message_head",
    "widen_send_buffer",
    "ADOPT",
    "ADOPTED",
    "ADOPT_ANCILLARY_SIZE",
    "REFUSED",
    "adoptable",
    "offer_stdio",
    "received_fds",
]

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyvirt._procedures import procedure_key
    from pyvirt.rpc._adopt import (
        ADOPT,
        ADOPT_ANCILLARY_SIZE,
        ADOPTED,
        REFUSED,
        adoptable,
        offer_stdio,
        received_fds,
    )
    from pyvirt.rpc._dispatch import DISPATCH
    from pyvirt.rpc._paths import daemon_socket, default_rundir
    from pyvirt.rpc._signatures import STREAM_OPENER_NUMBERS, Signature, signatures
    from pyvirt.rpc._spin_gate import SpinGate
    from pyvirt.rpc._ssh_helper import ssh_helper_main
    from pyvirt.rpc._stream_wire import (
        GATHER_FROM,
        STREAM_CHUNK,
        STREAM_SEND_BUFFER,
        STREAM_WINDOW,
        stream_message,
        stream_message_head,
        widen_send_buffer,
    )
    from pyvirt.rpc._sync_client import RemoteConnection
    from pyvirt.rpc._target import Target, resolve
    from pyvirt.rpc._tls import (
        DN_REFUSED,
        TlsClient,
        TlsFiles,
        TlsServer,
        TlsStream,
        auth_failed,
        dn_allowed,
        locate_tls_files,
        tls_server_context,
        tls_verify_reason,
    )


def __getattr__(name: str) -> object:
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'pyvirt.rpc' has no attribute {name!r}")
    value = getattr(__import__(module_name, fromlist=[name]), name)
    globals()[name] = value
    return value
