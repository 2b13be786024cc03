"""A test domain's block and interface statistics and disk errors.

libvirt's test driver makes its counters up from the wall clock (microseconds, divided
differently per counter "just enough to mix it up"), so they grow between calls as real
ones do; every disk reports an error, the n-th disk error code n.
"""

from __future__ import annotations

import time

from pyvirt import ErrorCode, ErrorDomain, make_error
from pyvirt.driver import domain_not_running

from pyvirt_test._domain_ops import DomainOps

# Not typing.TYPE_CHECKING: importing typing costs a pyvirsh run several milliseconds.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyvirt import DomainRef

    from pyvirt_test._objects import TestDomain

_T = ErrorDomain.TEST


def _now() -> tuple[int, int]:
    """The wall clock in microseconds and in seconds (libvirt's g_get_real_time, tv_sec)."""
    micros = time.time_ns() // 1000
    return micros, micros // 1_000_000


class StatsOps(DomainOps):
    """Mixin for the test connection: statistics."""

    def _active(self, dom_ref: DomainRef) -> TestDomain:
        dom = self._dom(dom_ref)
        if not dom.active:
            raise domain_not_running()
        return dom

    def domain_block_stats(self, dom_ref: DomainRef, path: str) -> tuple[int, int, int, int, int]:
        if not path:
            raise make_error(
                ErrorCode.OPERATION_UNSUPPORTED, _T, "summary statistics are not supported yet"
            )
        with self.state.lock:
            dom = self._active(dom_ref)
            if not any(path in (d.target_dev, d.source_path) for d in dom.live.disks):
                raise make_error(ErrorCode.INVALID_ARG, _T, f"invalid path: {path}")
        micros, secs = _now()
        return micros // 10, micros // 20, micros // 30, micros // 40, secs // 2

    def domain_interface_stats(
        self, dom_ref: DomainRef, device: str
    ) -> tuple[int, int, int, int, int, int, int, int]:
        with self.state.lock:
            dom = self._active(dom_ref)
            found = any(
                device.lower() == (nic.mac or "").lower() or device == nic.target_dev
                for nic in dom.live.interfaces
            )
        if not found:
            raise make_error(
                ErrorCode.INVALID_ARG, ErrorDomain.DOMAIN, f"'{device}' is not a known interface"
            )
        micros, secs = _now()
        return (
            micros // 10, micros // 100, secs, secs // 2,
            micros // 20, micros // 110, secs // 3, secs // 4,
        )  # fmt: skip

    def domain_get_disk_errors(
        self, dom_ref: DomainRef, maxerrors: int, flags: int
    ) -> tuple[int, list[tuple[str, int]]]:
        # libvirt's test driver checks no flags here.
        with self.state.lock:
            disks = [d.target_dev for d in self._active(dom_ref).live.disks]
        errors = [(dev, i + 1) for i, dev in enumerate(disks[:maxerrors])]
        return (len(errors) if maxerrors else len(disks)), errors
