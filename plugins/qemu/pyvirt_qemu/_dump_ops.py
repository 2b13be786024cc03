"""Core dumps of a QEMU connection (virDomainCoreDump(WithFormat), ``virsh dump``).

``--memory-only`` is QMP's ``dump-guest-memory``: an ELF core of the guest's RAM (or a
kdump-compressed / Windows dump), what crash(8) and gdb read.  Without it libvirt writes
the guest's whole state in its save format; ours is the save image of
:mod:`pyvirt_qemu._save`, so ``restore`` can start a guest from a full dump too.  The guest
is paused for the dump unless ``--live``, then resumed, stopped (``--crash``, reason
crashed) or reset (``--reset``), as libvirt's qemuDomainCoreDumpWithFormat does.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from pyvirt import (
    DomainEventResumedDetail,
    DomainEventStoppedDetail,
    DomainEventSuspendedDetail,
    DomainEventType,
    DomainPausedReason,
    DomainRef,
    DomainRunningReason,
    DomainShutoffReason,
    DomainState,
    ErrorCode,
    ErrorDomain,
    make_error,
)
from pyvirt.driver import domain_not_running, unsupported_flags

from pyvirt_qemu._domain import QemuDomain, Run
from pyvirt_qemu._lifecycle import save_run_status, stop_domain
from pyvirt_qemu._monitor import Monitor
from pyvirt_qemu._qemudriver import QemuDriver
from pyvirt_qemu._save import SAVE_TIMEOUT, migrate_to_file, pass_file, write_header

__all__ = ["DumpOps"]

_Q = ErrorDomain.QEMU
_E = DomainEventType
#: VIR_DUMP_* flags.
CRASH, LIVE, BYPASS_CACHE, RESET, MEMORY_ONLY = 1, 2, 4, 8, 16
#: VIR_DOMAIN_CORE_DUMP_FORMAT_* → dump-guest-memory's format.
_FORMATS = {0: "elf", 1: "kdump-zlib", 2: "kdump-lzo", 3: "kdump-snappy", 4: "win-dmp"}


def _dump_memory(monitor: Monitor, path: Path, fmt: str) -> None:
    """dump-guest-memory in the background, polled with query-dump until it ends."""
    uri = pass_file(monitor, "pyvirt-dump", path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    monitor.execute("dump-guest-memory", {"paging": False, "protocol": uri,
                                          "format": fmt, "detach": True})  # fmt: skip
    deadline = time.monotonic() + SAVE_TIMEOUT
    while True:
        status = str(monitor.execute("query-dump").get("status"))
        if status == "completed":
            return
        if status == "failed":
            raise make_error(ErrorCode.OPERATION_FAILED, _Q, "memory-only dump failed")
        if time.monotonic() >= deadline:
            raise make_error(ErrorCode.OPERATION_TIMEOUT, _Q, "memory-only dump did not finish")
        time.sleep(0.02)


class DumpOps:
    """Mixin for :class:`~pyvirt_qemu._driver.QemuConnection`; ``self.driver`` is the state."""

    driver: QemuDriver

    def domain_core_dump_with_format(
        self, dom: DomainRef, to: str, dumpformat: int, flags: int
    ) -> None:
        unsupported_flags(flags, CRASH | LIVE | BYPASS_CACHE | RESET | MEMORY_ONLY,
                          "qemuDomainCoreDumpWithFormat", _Q)  # fmt: skip
        if dumpformat not in _FORMATS:
            raise make_error(ErrorCode.OPERATION_UNSUPPORTED, _Q,
                             f"unsupported dumpformat '{dumpformat}'")  # fmt: skip
        if dumpformat != 0 and not flags & MEMORY_ONLY:
            raise make_error(ErrorCode.OPERATION_UNSUPPORTED, _Q,
                             "kdump-compressed format is only supported with memory-only "
                             "dump")  # fmt: skip
        driver = self.driver
        obj = driver.domains.from_ref(dom)
        with obj.job.hold("virDomainCoreDumpWithFormat", driver.job_wait):
            run, live = obj.run, obj.live
            if run is None or live is None:
                raise domain_not_running()
            paused_here = not flags & LIVE and obj.state == DomainState.RUNNING
            if paused_here:
                self._set(obj, run, "stop", DomainState.PAUSED, DomainPausedReason.DUMP,
                          (_E.SUSPENDED, DomainEventSuspendedDetail.PAUSED))  # fmt: skip
            try:
                if flags & MEMORY_ONLY:
                    _dump_memory(run.monitor, Path(to), _FORMATS[dumpformat])
                else:
                    write_header(Path(to), live, was_running=True)
                    migrate_to_file(run.monitor, Path(to))
            finally:
                if flags & CRASH:
                    stop_domain(driver, obj, DomainShutoffReason.CRASHED,
                                DomainEventStoppedDetail.CRASHED)  # fmt: skip
                elif paused_here and obj.run is run:
                    if flags & RESET:
                        run.monitor.execute("system_reset")
                    self._set(obj, run, "cont", DomainState.RUNNING, DomainRunningReason.UNPAUSED,
                              (_E.RESUMED, DomainEventResumedDetail.UNPAUSED))  # fmt: skip
            if flags & RESET and not flags & CRASH and not paused_here:
                run.monitor.execute("system_reset")

    def _set(
        self, dom: QemuDomain, run: Run, command: str, state: DomainState, reason: int,
        event: tuple[int, int],
    ) -> None:  # fmt: skip
        run.monitor.execute(command)
        with self.driver.lock:
            dom.state, dom.reason = state, reason
        save_run_status(self.driver, dom)
        self.driver.emit(dom, *event)
