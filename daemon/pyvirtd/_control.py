"""The daemon ↔ worker control channel: typed records, pyvirt's msgpack codec, length-framed.

The daemon starts each worker with two pipes: it writes one :class:`WorkerOptions` to the
worker's stdin (then a :class:`WorkerTicket` for each client it authenticated), and reads :class:`WorkerReady` (once, when the worker listens) and
:class:`WorkerSessions` (whenever its session count changes) from the worker's stdout.

Each record travels as a 4-byte big-endian length, then a msgpack body (``pyvirt.rpc.encode``)
holding ``[code, field values...]``; the receiver checks every field against the record's
annotations with ``pyvirt.rpc.check``, as the RPC layer checks call arguments.  The codes and
fields are listed in docs/protocol.md ("Daemon and workers").  Why a framed binary stream and
not text lines: the worker's stdout is a byte pipe that nothing else may write to (the worker
moves it off fd 1 at once, so a driver's stray ``print`` goes to stderr, not into the stream),
and the same codec and checks as the wire mean one encoding to know and to test.
"""

from __future__ import annotations

import dataclasses
import os
import struct
import typing
from dataclasses import dataclass
from typing import Any

from pyvirt.rpc import ProtocolError, check, decode, encode

#: A control record is small; anything longer is a broken or hostile stream.
MAX_RECORD = 1024 * 1024
_LENGTH = struct.Struct(">I")


class ControlError(Exception):
    """The control stream broke its framing or carried a record that does not check."""


@dataclass(frozen=True)
class WorkerOptions:
    """Daemon → worker, on the worker's stdin, once at start: the settings it serves with."""

    boot_id: str
    max_client_requests: int
    max_workers: int
    prio_workers: int
    max_clients: int
    max_message: int
    poll_spin_us: int
    rw_perms: int
    ro_perms: int
    listen_addr: str | None
    log_level: str
    #: "text" or "json" lines (pyvirtd._logsetup), and per-logger levels.
    log_format: str = "text"
    log_filters: str = ""
    #: The listen() backlog of the worker's sockets (pyvirtd.toml's max_queued_clients).
    max_queued_clients: int = 1000
    #: Whether to count calls for the daemon's OpenMetrics endpoint (pyvirtd._metrics).
    metrics: bool = False
    #: Authentication per socket kind ("none" or "scram", pyvirtd._config.AUTH_METHODS): a
    #: kind with "scram" takes CONNECT_OPEN only with a ticket from the daemon.
    auth_unix_rw: str = "none"
    auth_unix_ro: str = "none"
    auth_tcp: str = "none"
    auth_tls: str = "none"
    #: The access-control rules file (pyvirt._acl), "" for libvirt's default policy.
    access_rules: str = ""
    max_anonymous_clients: int = 20
    auth_timeout: int = 10
    #: With listen_addr: serve plain TCP (listen_tcp).
    tcp: bool = True
    #: With listen_addr: serve TLS with these [CA, certificate, key] files (none: no TLS).
    tls_files: list[str] = dataclasses.field(default_factory=list)
    #: Patterns the client certificate's DN must match (tls_allowed_dn_list).
    tls_allowed_dn: list[str] = dataclasses.field(default_factory=list)
    #: Ask for and check client certificates (not tls_no_verify_certificate).
    tls_verify: bool = True
    #: The first client id of this worker's sessions (ids are unique in the daemon's life,
    #: as libvirt's client ids: the admin server names clients by them).
    client_id_base: int = 0


@dataclass(frozen=True)
class WorkerReady:
    """Worker → daemon, once: it listens at these endpoints and serves these URI schemes."""

    rw: str
    ro: str
    tcp: str | None
    boot_id: str
    schemes: list[str]
    probe: str | None
    #: The TLS endpoint (with the daemon's listen_tls), for clients that came in over TLS.
    tls: str | None = None

    def endpoint(self, kind: str) -> str | None:
        """The endpoint for a client that came in on the daemon's *kind* socket."""
        endpoint: str | None = getattr(self, kind)
        return endpoint


@dataclass(frozen=True)
class WorkerSessions:
    """Worker → daemon, whenever the number changes: the sessions (open connections) it holds."""

    count: int


@dataclass(frozen=True)
class WorkerTicket:
    """Daemon → worker, on the worker's stdin, after a client authenticated on the daemon:
    the one-time proof (*ticket*) the client will present with CONNECT_OPEN on the worker's
    socket of *socket* kind, and who it proved to be (pyvirtd._auth, pyvirt._acl.Identity)."""

    ticket: bytes
    socket: str
    scram_user: str | None
    x509_dn: str | None


@dataclass(frozen=True)
class WorkerAdmin:
    """Daemon → worker, on the worker's stdin: one admin-server request (pyvirtd._admin_server)
    that the worker answers with a :class:`WorkerAdminReply` of the same *serial*.  *action*
    names it ("clients", "close", "threadpool", "limits", "log", "tls"); *args* is a map."""

    serial: int
    action: str
    args: Any


@dataclass(frozen=True)
class WorkerAdminReply:
    """Worker → daemon: the answer to :class:`WorkerAdmin` *serial*: its *result*, or (when
    *ok* is false) a VirtError's fields."""

    serial: int
    ok: bool
    result: Any


ControlRecord = (
    WorkerOptions | WorkerReady | WorkerSessions | WorkerTicket | WorkerAdmin | WorkerAdminReply
)

#: code -> record class; the numbers are part of the protocol (docs/protocol.md).
CONTROL_RECORDS: dict[int, type[ControlRecord]] = {
    1: WorkerOptions,
    2: WorkerReady,
    3: WorkerSessions,
    4: WorkerTicket,
    5: WorkerAdmin,
    6: WorkerAdminReply,
}
_CODE_OF = {cls: code for code, cls in CONTROL_RECORDS.items()}


def pack(record: ControlRecord) -> bytes:
    """One record as it travels: length, then ``[code, fields...]`` in msgpack."""
    values = [getattr(record, f.name) for f in dataclasses.fields(record)]
    body = encode([_CODE_OF[type(record)], *values])
    return _LENGTH.pack(len(body)) + body


def unpack(body: bytes) -> ControlRecord:
    """The record in one frame's *body*; :class:`ControlError` if it is not a valid one."""
    try:
        value = decode(body)
    except ProtocolError as exc:
        raise ControlError(str(exc)) from None
    if not isinstance(value, list) or not value or type(value[0]) is not int:
        raise ControlError("a control record is [code, fields...]")
    cls = CONTROL_RECORDS.get(value[0])
    if cls is None:
        raise ControlError(f"unknown control record {value[0]}")
    fields = dataclasses.fields(cls)
    if len(value) != len(fields) + 1:
        raise ControlError(f"{cls.__name__} has {len(fields)} fields, got {len(value) - 1}")
    hints = typing.get_type_hints(cls)
    try:
        checked = [
            check(v, hints[f.name], f"{cls.__name__}.{f.name}")
            for f, v in zip(fields, value[1:], strict=True)
        ]
    except ProtocolError as exc:
        raise ControlError(str(exc)) from None
    return cls(*checked)


class ControlReader:
    """Splits a control stream into records as its bytes arrive (sans-IO, as the ZMTP decoder)."""

    def __init__(self) -> None:
        self._buffer = b""

    def feed(self, data: bytes) -> list[ControlRecord]:
        self._buffer += data
        records: list[ControlRecord] = []
        while len(self._buffer) >= _LENGTH.size:
            (size,) = _LENGTH.unpack_from(self._buffer)
            if size > MAX_RECORD:
                raise ControlError(f"control record of {size} bytes (limit {MAX_RECORD})")
            end = _LENGTH.size + size
            if len(self._buffer) < end:
                break
            body, self._buffer = self._buffer[_LENGTH.size : end], self._buffer[end:]
            records.append(unpack(body))
        return records

    @property
    def pending(self) -> int:
        """Bytes of an incomplete record (non-zero at end of stream: it was cut short)."""
        return len(self._buffer)


def write_record(fd: int, record: ControlRecord) -> None:
    """Write *record* to the blocking descriptor *fd* in full."""
    data = memoryview(pack(record))
    while data:
        data = data[os.write(fd, data) :]


def read_record(fd: int) -> ControlRecord:
    """Read exactly one record from the blocking descriptor *fd*."""
    reader = ControlReader()
    while True:
        chunk = os.read(fd, 65536)
        if not chunk:
            raise ControlError("control stream ended before a whole record")
        records = reader.feed(chunk)
        if records:
            if len(records) > 1 or reader.pending:
                raise ControlError("more than the one record expected")
            return records[0]
