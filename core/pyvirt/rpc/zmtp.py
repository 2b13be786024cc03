"""ZeroMQ's wire protocol (ZMTP 3.x, NULL mechanism), the public face of the sans-IO codec.

pyvirt speaks ZMTP itself (see :mod:`pyvirt.rpc`): the daemon's transport and the clients
build on these pieces, and so may anything else that talks to pyvirtd's sockets.
"""

from pyvirt.rpc._zmtp import (
    GREETING_SIZE,
    Decoder,
    Frame,
    ZmtpError,
    command,
    encode_frames,
    encode_two,
    greeting,
    handshake,
    ready,
    socket_address,
    two_frame_prefix,
)

__all__ = [
    "GREETING_SIZE",
    "Decoder",
    "Frame",
    "ZmtpError",
    "command",
    "encode_frames",
    "encode_two",
    "greeting",
    "handshake",
    "ready",
    "socket_address",
    "two_frame_prefix",
]
