"""One modifying job per domain at a time (libvirt's per-domain "state change lock").

Why a job and not the driver lock: a job spans slow work (spawning QEMU, monitor commands),
and holding the driver-wide lock across it would stall every other domain and every read.
The driver lock is held only for quick field updates; a thread that changes a domain holds
its job, and others wanting to change it wait up to a timeout, then fail with libvirt's
VIR_ERR_OPERATION_TIMEOUT naming the API that holds the job.  Reads never take a job.

Work that must happen after the job (lifecycle hooks, which may call back into the API and
so must not run while the job is held) is handed to :meth:`JobLock.defer` by the holder and
runs in the holder's thread right after :meth:`JobLock.release`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from pyvirt import ErrorCode, ErrorDomain, make_error

__all__ = ["DEFAULT_JOB_WAIT", "JobLock"]

#: libvirt's QEMU_JOB_WAIT_TIME: 30 s.
DEFAULT_JOB_WAIT = 30.0


class JobLock:
    """The job slot of one domain: free, or held by one API (its name is kept for errors)."""

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._holder: str | None = None
        self._since = 0.0
        self._after: list[Callable[[], None]] = []

    @property
    def holder(self) -> str | None:
        return self._holder

    @property
    def since(self) -> float:
        """When the holder took the job (time.monotonic), for virDomainGetJobInfo."""
        return self._since

    def acquire(self, api: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._holder is not None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise make_error(
                        ErrorCode.OPERATION_TIMEOUT,
                        ErrorDomain.QEMU,
                        f"cannot acquire state change lock (held by monitor={self._holder})",
                    )
                self._cond.wait(remaining)
            self._holder = api
            self._since = time.monotonic()

    def release(self) -> None:
        with self._cond:
            self._holder = None
            after, self._after = self._after, []
            self._cond.notify()
        for fn in after:
            _run(fn)

    def defer(self, fn: Callable[[], None]) -> None:
        """Run *fn* once the job is released (at once when nobody holds it)."""
        with self._cond:
            if self._holder is not None:
                self._after.append(fn)
                return
        _run(fn)

    @contextmanager
    def hold(self, api: str, timeout: float) -> Iterator[None]:
        self.acquire(api, timeout)
        try:
            yield
        finally:
            self.release()


def _run(fn: Callable[[], None]) -> None:
    try:
        fn()
    except Exception:  # noqa: BLE001 - deferred work must not turn a success into a failure
        logging.getLogger("pyvirt.qemu").exception("work deferred after a job failed")
