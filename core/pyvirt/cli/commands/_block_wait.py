"""virsh's block-job waiting and progress: virshBlockJobWait, virshPrintJobProgress and
``blockjob --info``'s lines, shared by ``blockpull``, ``blockcommit`` and ``blockjob``.

Why events and polling together, as virsh does: the job's end is learnt from the
BLOCK_JOB / BLOCK_JOB_2 events (a job that is gone cannot say whether it completed or was
cancelled), while the half-second polls of virDomainGetBlockJobInfo feed ``--verbose``'s
progress line and ``--timeout``.
"""

from __future__ import annotations

import sys
import threading
import time

from pyvirt.cli._control import Control, Failure

# Not typing.TYPE_CHECKING: importing typing costs a pyvirsh run several milliseconds.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyvirt import Domain, ObjectEvent

__all__ = [
    "CANCELED",
    "COMPLETED",
    "FAILED",
    "JOB_NAMES",
    "READY",
    "JobWatch",
    "print_job_info",
    "print_progress",
]

#: virshDomainBlockJob names, by VIR_DOMAIN_BLOCK_JOB_TYPE_*.
JOB_NAMES = ("Unknown job", "Block Pull", "Block Copy", "Block Commit", "Active Block Commit",
             "Backup")  # fmt: skip
#: VIR_DOMAIN_BLOCK_JOB_* (an event's status).
COMPLETED, FAILED, CANCELED, READY = 0, 1, 2, 3
_BLOCK_JOB, _BLOCK_JOB_2 = 8, 16  # VIR_DOMAIN_EVENT_ID_BLOCK_JOB, _BLOCK_JOB_2
_ABORT_ASYNC = 1


def job_name(kind: int) -> str:
    return JOB_NAMES[kind] if 0 <= kind < len(JOB_NAMES) else JOB_NAMES[0]


def print_progress(ctl: Control, label: str, remaining: int, total: int) -> None:
    """virshPrintJobProgress: ``\\rLABEL: [ NN %]`` on stderr, never 100 before the end."""
    progress = 100.0 if remaining == 0 else (1.0 - remaining / total) * 100.0
    if remaining and progress >= 100.0:
        progress = 99.0
    ctl.out.flush()
    sys.stderr.write(f"\r{label}: [{int(progress):3d} %]")
    sys.stderr.flush()


class JobWatch:
    """virshBlockJobWaitInit/virshBlockJobWait: listen for the job's events from before
    it starts (a short job may end, or be ready, before the call that started it has
    returned), then wait for its final (or READY) status."""

    def __init__(self, ctl: Control, dom: Domain, path: str) -> None:
        self.ctl, self.dom, self.path = ctl, dom, path
        self.status: list[int] = []
        self.arrived = threading.Event()
        self.callback = ctl.conn.register_event_callback(self._on_event, kind="domain",
                                                         uuid=dom.uuid)  # fmt: skip

    def _on_event(self, _conn: object, ev: ObjectEvent) -> None:
        if ev.event_id in (_BLOCK_JOB, _BLOCK_JOB_2) and ev.text == self.path:
            self.status.append(int(ev.detail))
            self.arrived.set()

    def close(self) -> None:
        self.ctl.conn.deregister_event_callback(self.callback)

    def wait(self, label: str, *, verbose: bool, timeout_ms: int | None,
             async_abort: bool) -> int:  # fmt: skip
        ctl, dom, path = self.ctl, self.dom, self.path
        start = time.monotonic()
        while True:
            try:
                info = dom.block_job_info(path)
            except Exception as e:
                raise Failure(f"failed to query job for disk {path}", cause=e) from None
            if self.status:
                result = self.status[0]
                break
            if verbose and info and (info["cur"] or info["end"]):
                print_progress(ctl, label, info["end"] - info["cur"], info["end"])
            if timeout_ms is not None and (time.monotonic() - start) * 1000 > timeout_ms:
                try:
                    dom.block_job_abort(path, _ABORT_ASYNC if async_abort else 0)
                except Exception as e:
                    raise Failure(f"failed to abort job for disk '{path}'", cause=e) from None
                if async_abort:
                    result = CANCELED
                    break
                timeout_ms = None  # wait for the cancellation's event
            self.arrived.wait(0.5)
        if verbose and result in (COMPLETED, READY):
            print_progress(ctl, label, 0, 1)
        return result


def print_job_info(ctl: Control, path: str, job: dict[str, int], raw: bool, in_bytes: bool) -> None:
    """``blockjob --info`` (and ``--raw``): virsh's lines for the job on *path*."""
    from pyvirt.cli._format import pretty_size

    if raw:
        ctl.print(f" type={job_name(job['type'])}\n bandwidth={job['bandwidth']}\n"
                  f" cur={job['cur']}\n end={job['end']}\n")  # fmt: skip
        return
    print_progress(ctl, job_name(job["type"]), job["end"] - job["cur"], job["end"])
    speed = job["bandwidth"] if in_bytes else job["bandwidth"] << 20
    if speed:
        value, unit = pretty_size(speed)
        ctl.print(f"    Bandwidth limit: {speed} bytes/s ({value:<.3f} {unit}/s)")
    ctl.print("\n")
