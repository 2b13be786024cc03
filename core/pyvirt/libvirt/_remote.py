"""What libvirt's remote driver keeps on the client side of a connection.

A libvirt-python program on ``test+unix:///default`` talks to libvirt's remote driver, which
answers some calls itself, without asking the daemon, and differently from the local drivers:

* close callbacks: the remote driver keeps one per connection, refuses a second registration
  ("A close callback is already registered") and an unregistration when none is there ("A
  different callback was requested": libvirt-python always names its one C trampoline); the
  callback holds the connection, so ``close()`` answers 1 while one is registered.  Local
  drivers have no hooks, so libvirt accepts every (un)registration there and keeps nothing.
* keepalive: supported only when an event loop was registered before the connection was
  opened (libvirt's client watches its socket in that loop); then libvirt's virKeepAlive rules
  apply: an interval > 0 starts it (once: a second interval while configured is refused even
  after a stop), an interval <= 0 stops it.

The settings are checked and kept exactly as libvirt does; what libvirt starts or stops is
handed to pyvirt's remote client (``Connection.set_keepalive``), which pings the worker.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from pyvirt._codes import ErrorCode, ErrorDomain
from pyvirt._errors import make_error

_INT_MAX = 2**31 - 1


class RemoteClientState:
    """The remote driver's per-connection client state: close callback and keepalive."""

    def __init__(self, *, event_loop: bool) -> None:
        self._lock = threading.Lock()
        self._keepalive_supported = event_loop
        self._keepalive_interval = -1
        self._keepalive_count = 0
        self._keepalive_running = False
        self._close_callback: tuple[Callable[..., object], Any] | None = None

    # -- close callback -------------------------------------------------------------------
    @property
    def holds_connection(self) -> bool:
        """A registered close callback keeps a reference to the connection."""
        return self._close_callback is not None

    def register_close_callback(self, cb: Callable[..., object], opaque: Any) -> None:
        with self._lock:
            if self._close_callback is not None:
                raise make_error(
                    ErrorCode.OPERATION_INVALID,
                    ErrorDomain.REMOTE,
                    "A close callback is already registered",
                )
            self._close_callback = (cb, opaque)

    def unregister_close_callback(self) -> None:
        with self._lock:
            if self._close_callback is None:
                raise make_error(
                    ErrorCode.OPERATION_INVALID,
                    ErrorDomain.REMOTE,
                    "A different callback was requested",
                )
            self._close_callback = None

    # -- keepalive ------------------------------------------------------------------------
    def set_keep_alive(
        self, interval: int, count: int, apply: Callable[[int, int], None] | None = None
    ) -> int:
        """libvirt's rules; *apply(interval, count)* starts (or, interval 0, stops) the
        keepalive of the transport when libvirt would."""
        with self._lock:
            if not self._keepalive_supported:
                raise make_error(
                    ErrorCode.INTERNAL_ERROR,
                    ErrorDomain.REMOTE,
                    "the caller doesn't support keepalive protocol; "
                    "perhaps it's missing event loop implementation",
                )
            if interval <= 0:
                if self._keepalive_running and apply is not None:
                    apply(0, 0)
                self._keepalive_running = False
                return 0
            if self._keepalive_running:
                return 0  # already enabled: libvirt keeps the running settings
            if self._keepalive_interval > 0:
                raise make_error(
                    ErrorCode.INTERNAL_ERROR, ErrorDomain.RPC, "keepalive interval already set"
                )
            if interval > _INT_MAX // 1000:
                raise make_error(
                    ErrorCode.INTERNAL_ERROR,
                    ErrorDomain.RPC,
                    f"keepalive interval {interval} too large",
                )
            if apply is not None:
                apply(interval, count)
            self._keepalive_interval, self._keepalive_count = interval, count
            self._keepalive_running = True
            return 0
