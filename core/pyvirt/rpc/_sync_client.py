# Generated from pyvirt/rpc/_async_client.py by `python -m pyvirt.rpc._unasync`: do not edit.
# Edit the asyncio source, then run that command (CI runs it with --check).
"""The remote client's session logic, written once: the asyncio client, and the source of the
synchronous one (:mod:`pyvirt.rpc._sync_client` is generated from this file by
:mod:`pyvirt.rpc._unasync`; edit here, then run ``python -m pyvirt.rpc._unasync``).

A session holds two links: one to the daemon's control socket (routing, and re-routing after
a worker restart) and one to the worker serving the URI, which carries every call.  How a link
moves bytes is the ``backend`` module's business (for asyncio, a protocol with many calls in
flight; for threads, a blocking socket, one call at a time per link, a brief poll before
sleeping); what is here is the same for both:

* opening: ROUTE on the control link, then CONNECT_OPEN on the worker (libvirt's connect
  errors come from the backend's ``connect``);
* a call: the common case is one check and the link's ``request``; a read-only refusal, a
  closed connection, or a worker that died (the daemon restarts it) take :meth:`_call_slow`,
  which re-routes and re-opens - once for all the callers that noticed together;
* keepalive: the link pings; a link that stopped answering closes the session for good, with
  libvirt's "connection closed due to keepalive timeout";
* events, and closing.

Methods for the procedures themselves are generated from the procedure table
(:mod:`pyvirt.rpc._client_stubs`) and send through :meth:`call`.
"""

from __future__ import annotations

import os

from pyvirt._codes import ErrorCode, ErrorDomain
from pyvirt._errors import VirtError, make_error
from pyvirt._procedures import wire_address
from pyvirt.rpc import _sync_backend as backend
from pyvirt.rpc._channel import LinkGone, keepalive_timeout, lost
from pyvirt.rpc._client_stubs import RemoteStubs
from pyvirt.rpc._procs import (
    PROC_AUTH_SCRAM_FINISH,
    PROC_AUTH_SCRAM_START,
    PROC_CONNECT_CLOSE,
    PROC_CONNECT_OPEN,
    PROC_ROUTE,
)
from pyvirt.rpc._session import CALL_TIMEOUT, OPEN_TIMEOUT, check_access
from pyvirt.rpc._target import resolve, worker_endpoint
from pyvirt.rpc._wire import PROGRAM_DAEMON, PROGRAM_REMOTE

# Not typing.TYPE_CHECKING: the synchronous twin is imported on every remote pyvirsh run.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any

    from pyvirt._records import DomainRef, ObjectEvent
    from pyvirt._uri import URI
    from pyvirt.driver import AuthCallback
    from pyvirt.rpc._askpass import Askpass
    from pyvirt.rpc._channel import Keepalive
    from pyvirt.rpc._signatures import Signature
    from pyvirt.rpc._target import Target

__all__ = ["RemoteConnection"]

_connect = backend.connect


#: libvirt's REMOTE_NODE_MAX_CELLS: the most NUMA cells one call may ask about.
REMOTE_NODE_MAX_CELLS = 1024


def _closed_error() -> VirtError:
    return make_error(ErrorCode.INVALID_CONN, ErrorDomain.RPC, "the connection is closed")


class RemoteConnection(RemoteStubs, backend.ClientBase):
    """A connection served by pyvirtd; the driver contract's methods are calls to it."""

    def __init__(self, target: Target, read_only: bool) -> None:
        self.target = target
        self.read_only = read_only
        self.flags = 1 if read_only else 0
        self.boot_id = ""
        self.server_uri = ""
        self._control: backend.Link | None = None
        self._worker: backend.Link | None = None
        self._token = b""
        self._closed = False
        #: Set when keepalive closed the connection: every later call fails with it.
        self._keepalive_expired = False
        self._keepalive: Keepalive = None
        self._open_lock = backend.Lock()
        #: Re-opening attempts finished so far, and how the last one failed (see
        #: :meth:`_reopen`).
        self._attempts = 0
        self._attempt_error: BaseException | None = None
        #: Where credentials come from when the daemon asks for a login (auth callback,
        #: ``authfile=``, the host named in auth.conf): see pyvirt.rpc._auth_client.
        self._auth: AuthCallback | None = None
        self._authfile: str | None = None
        self._auth_host = "localhost"
        #: ssh: where its password questions go (pyvirt.rpc._askpass), with a callback.
        self._askpass: Askpass | None = None

    @classmethod
    def open(
        cls, uri: URI | None, *, read_only: bool = False, auth: AuthCallback | None = None
    ) -> RemoteConnection:
        """Route *uri* (``None``: the daemon's default) and open it on its worker; *auth*
        answers for credentials when the daemon requires a login."""
        self = cls(resolve(uri, read_only=read_only), read_only)
        self._auth = auth
        if uri is not None:
            self._authfile = uri.param("authfile")
            self._auth_host = uri.server or "localhost"
        if self.target.transport == "ssh" and auth is not None:
            from pyvirt.rpc import _askpass

            self._askpass = _askpass.for_uri(auth, uri)
            if self._askpass is not None:
                self.target = _askpass.bind(self.target, self._askpass)
        try:
            self._open()
        except BaseException:
            self._close_links()  # the control link may be open already
            raise
        return self

    # -- opening ---------------------------------------------------------------------------
    def _open(self) -> None:
        if self._control is None or self._control.gone():
            if self._control is not None:
                self._control.close()
                self._control = None
            self._control = _connect(self.target.endpoint, OPEN_TIMEOUT, tls=self.target.tls)
        route = self._route()
        if not isinstance(route, dict) or not isinstance(route.get("endpoint"), str):
            raise lost("malformed route from the daemon")
        open_args = [route["uri"], self.flags]
        if isinstance(route.get("ticket"), bytes):
            open_args.append(route["ticket"])  # the worker's proof that we logged in
        if self.target.transport == "ssh":
            # One stream: past the route, the remote pyvirt-ssh-helper relays it to the worker.
            worker, self._control = backend.relayed(self._control, CALL_TIMEOUT), None
        else:
            worker = _connect(
                worker_endpoint(self.target, route["endpoint"]),
                CALL_TIMEOUT,
                patient=True,
                tls=self.target.tls,
            )
        try:
            token, boot = worker.call(
                PROGRAM_REMOTE, PROC_CONNECT_OPEN, open_args, OPEN_TIMEOUT
            )
        except BaseException:
            worker.close()
            raise
        if self._closed:  # closed while re-opening: nothing opened here may stay open
            worker.close()
            self._close_links()
            raise _closed_error()
        if self._keepalive is not None:
            worker.keep_alive(self._keepalive)
        if self._worker is not None:
            self._worker.close()
        self._worker, self._token, self.boot_id = worker, token, boot
        self.server_uri = route["uri"]

    def _route(self) -> Any:
        """ROUTE on the control link; when the daemon first wants a login, log in, then
        route again (a socket without authentication costs no extra round trip)."""
        assert self._control is not None
        args = [self.target.name, self.flags]
        try:
            return self._control.call(PROGRAM_DAEMON, PROC_ROUTE, args, OPEN_TIMEOUT)
        except VirtError as exc:
            from pyvirt.rpc import _auth_client

            if not _auth_client.is_auth_required(exc):
                raise
        self._login()
        return self._control.call(PROGRAM_DAEMON, PROC_ROUTE, args, OPEN_TIMEOUT)

    def _login(self) -> None:
        """SCRAM-SHA-256 on the control link: two round trips, no password on the wire."""
        from pyvirt.rpc import _auth_client as scram

        assert self._control is not None
        name, password = scram.credentials(self._auth, self._authfile, self._auth_host)
        client, first = scram.start(name, password)
        server_first = self._control.call(
            PROGRAM_DAEMON, PROC_AUTH_SCRAM_START, [scram.MECHANISM, first], OPEN_TIMEOUT
        )
        final = scram.step(client, server_first)
        server_final = self._control.call(
            PROGRAM_DAEMON, PROC_AUTH_SCRAM_FINISH, [final], OPEN_TIMEOUT
        )
        scram.verify(client, server_final)

    def _reopen(self, stale: backend.Link | None) -> None:
        """Open again after the worker link *stale* was lost.  Every caller that noticed it
        retries at once: they share one attempt, and its error if it fails."""
        seen = self._attempts
        with self._open_lock:
            if self._attempts != seen and self._attempt_error is not None:
                raise self._attempt_error  # the attempt made while we waited failed
            if self._worker is not stale:
                return  # opened again meanwhile
            self._attempt_error = None
            try:
                self._open()
            except BaseException as exc:
                self._attempt_error = exc
                raise
            finally:
                self._attempts += 1

    def _usable_worker(self) -> backend.Link:
        """The worker link, after what a call needs beyond the common case: the connection
        closed (by the caller or by keepalive), a worker to reach again after it died."""
        if self._keepalive_expired:
            raise keepalive_timeout()
        if self._closed:
            raise _closed_error()
        worker = self._worker
        if worker is not None and worker.unresponsive:
            # The worker stopped answering pings: closed for good, as libvirt does.
            self._keepalive_expired = True
            self.connect_close()
            raise keepalive_timeout()
        if worker is None or worker.gone():
            goodbye = worker.goodbye() if worker is not None else None
            if goodbye is not None:  # closed by the daemon's administrator: for good
                raise VirtError.from_fields(goodbye)
            self._reopen(worker)
        assert self._worker is not None
        return self._worker

    # -- calls -----------------------------------------------------------------------------
    def call(self, proc: int, args: list[Any], sig: Signature) -> backend.Reply:
        """Send procedure *proc* with *args* (already checked against *sig*); its decoded,
        unchecked result.

        Not a coroutine on the asyncio side: in the common case it returns the reply's future
        itself, which saves a coroutine per call; anything unusual goes through
        :meth:`_call_slow`.
        """
        worker = self._worker
        if worker is None or self.read_only or worker.stale():
            return self._call_slow(proc, args, sig)
        if proc > 0xFFFF:  # libvirt-qemu's and libvirt-lxc's procedures: their own program
            return self._call_slow(proc, args, sig)
        try:
            return worker.request(PROGRAM_REMOTE, proc, args)
        except LinkGone:
            return self._call_slow(proc, args, sig)

    def _call_slow(self, proc: int, args: list[Any], sig: Signature) -> Any:
        check_access(sig.procedure, args, self.read_only)
        program, number = wire_address(proc)
        for _attempt in range(2):
            worker = self._usable_worker()
            try:
                return worker.request(program, number, args)
            except LinkGone as gone:  # the call did not reach the driver: open again, resend
                error = gone.error
        raise error

    def connect_get_uri(self) -> str:
        """virConnectGetURI, answered here: the URI as the client names it."""
        return self.target.client_uri or self.server_uri

    def node_get_cells_free_memory(self, start_cell: int, max_cells: int) -> list[int]:
        """virNodeGetCellsFreeMemory, with libvirt's remote driver's cap on the cells asked."""
        if max_cells > REMOTE_NODE_MAX_CELLS:
            raise make_error(
                ErrorCode.RPC,
                ErrorDomain.REMOTE,
                f"too many NUMA cells: {max_cells} > {REMOTE_NODE_MAX_CELLS}",
            )
        return super().node_get_cells_free_memory(start_cell, max_cells)

    def domain_fd_associate(
        self, dom: DomainRef, name: str, fds: list[int], flags: int
    ) -> None:
        """virDomainFDAssociate: libvirt's remote driver duplicates each descriptor to send it
        and fails on one that is not open; pyvirt's transport carries none, so the daemon's
        driver is asked with an empty list (and answers for itself)."""
        for fd in fds:
            try:
                os.close(os.dup(fd))
            except (OSError, OverflowError) as e:
                reason = e.strerror if isinstance(e, OSError) else "Bad file descriptor"
                raise make_error(
                    ErrorCode.SYSTEM_ERROR, ErrorDomain.RPC, f"Cannot duplicate FD {fd}: {reason}"
                ) from None
        return super().domain_fd_associate(dom, name, [], flags)

    def connect_get_uri_local(self) -> str:
        """The URI as the client names it (virConnectGetURI's answer, without a call)."""
        return self.target.client_uri

    def connect_is_alive(self) -> bool:
        """virConnectIsAlive: not closed, and the daemon link still up (a keepalive timeout or a
        dropped socket ends it)."""
        worker = self._worker
        return not self._closed and worker is not None and not worker.gone()

    # -- keepalive -------------------------------------------------------------------------
    def connect_set_keepalive(self, interval: int, count: int) -> None:
        """Ping the worker after *interval* seconds of silence; *count* unanswered pings in a
        row close the connection (libvirt's virConnectSetKeepAlive).  *interval* <= 0 stops."""
        worker = self._usable_worker()
        self._keepalive = (interval, max(count, 0)) if interval > 0 else None
        worker.keep_alive(self._keepalive)

    # -- events ----------------------------------------------------------------------------
    def events(self) -> Iterator[ObjectEvent]:
        """Lifecycle events of every object on this connection, as they happen.

        When the worker goes away (or the connection is closed) the iteration raises that
        error rather than waiting for ever; calling ``events()`` again re-opens the connection
        and attaches to the restarted worker (a new ``boot_id`` on its events)."""
        worker = self._usable_worker()
        # (the noqa is for the generated twin: an async generator has no "yield from")
        for event in worker.events(self._token):  # noqa: UP028
            yield event

    # -- closing ---------------------------------------------------------------------------
    def connect_close(self) -> None:
        """virConnectClose: tell the daemon (CONNECT_CLOSE), stop keepalive and close the sockets.
        Idempotent."""
        if self._closed:
            return
        self._closed = True
        self._keepalive = None
        self._close_extras()
        # Detached first, so that calls made from here on are refused rather than sent.
        worker, control = self._worker, self._control
        self._worker = self._control = None
        if worker is not None and not worker.gone():
            try:
                worker.call(PROGRAM_REMOTE, PROC_CONNECT_CLOSE, [], 5.0)
            except VirtError:
                pass
        for link in (worker, control):
            if link is not None:
                link.close()

    def close(self) -> None:
        """Close the connection (:meth:`connect_close`); later calls raise VIR_ERR_INVALID_CONN."""
        self.connect_close()

    def _close_links(self) -> None:
        for link in (self._worker, self._control):
            if link is not None:
                link.close()
        self._worker = self._control = None
        if self._askpass is not None:
            self._askpass.close()
            self._askpass = None

    def __enter__(self) -> RemoteConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.connect_close()
