"""Procedure numbers the RPC layer serves itself, taken from the procedure table's rows.

CONNECT_OPEN/CLOSE and the event channel's attach/detach are rows of
:data:`pyvirt._procedures.PROCEDURES` (libvirt's numbers: connect open/close and the domain
event callback register/deregister); EVENT is the event message the worker sends (libvirt's
callback lifecycle event number).  Daemon-control procedures (program DAEMON) route a client to
the worker that hosts its driver: they are pyvirt's own, with no libvirt counterpart.
"""

from pyvirt._procedures import BY_METHOD

PROC_CONNECT_OPEN = BY_METHOD["connect_open"].number
PROC_CONNECT_CLOSE = BY_METHOD["connect_close"].number
PROC_EVENT_ATTACH = BY_METHOD["connect_event_subscribe"].number
PROC_EVENT_DETACH = BY_METHOD["connect_event_unsubscribe"].number
#: pyvirt's own: ties a stream's socket to the session whose token it sends (docs/protocol.md,
#: "Streams"); the stream-opening call follows on that socket.
PROC_STREAM_ATTACH = 0x73747201  # "str\x01"
#: libvirt's REMOTE_PROC_DOMAIN_EVENT_CALLBACK_LIFECYCLE: a message, not a call.
PROC_EVENT = 318

# program DAEMON
PROC_ROUTE = 1  # args [uri or "", flags] -> {"driver", "endpoint", "uri", "boot_id"[, "ticket"]}
PROC_NOTICE = 2  # reserved: the daemon sends no notices yet
#: pyvirt-pki join, on the TLS socket, the one call a client without a certificate may make:
#: args [token id, CSR (PEM), HMAC] -> {"cert": PEM, "ca": PEM} (see pyvirt.pki._join).
PROC_PKI_JOIN = 3

# authentication (SCRAM-SHA-256, before ROUTE on a socket that requires it; pyvirtd._auth)
PROC_AUTH_SCRAM_START = 4  # args [mechanism, client-first message] -> server-first message
PROC_AUTH_SCRAM_FINISH = 5  # args [client-final message] -> server-final message
