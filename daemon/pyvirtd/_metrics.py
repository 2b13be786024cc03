"""The daemon's metrics (opt-in, ``metrics_listen``): what each process counts.

Workers are separate processes, so their numbers must be added up somewhere.  The simplest
correct way is prometheus_client's multiprocess mode: every process (the daemon and each
worker) writes its counters to memory-mapped files in one directory
(``PROMETHEUS_MULTIPROC_DIR``, ``<rundir>/metrics``), and the daemon's endpoint sums them at
scrape time (``pyvirtd._metrics_http``).  Nothing travels over the workers' status pipes,
a counter of a worker that died stays counted, and its live gauges are dropped
(``mark_process_dead``) when the daemon sees it exit.

The worker side needs no code in the call path: :func:`instrument` wraps the worker's
``_call`` (latency, count, in flight), ``_report`` (clients per socket) and
``_queue``/``_drain`` (depth of the queue the pool threads and event publishers fill).
With metrics off, none of this is imported and the worker runs as before.
"""

from __future__ import annotations

import os
import shutil
import time
from typing import TYPE_CHECKING, Any

from pyvirt.rpc import Status

if TYPE_CHECKING:
    from pyvirtd._worker import WorkerServer

ENV = "PROMETHEUS_MULTIPROC_DIR"
#: Latency buckets (seconds): a local call takes tens of microseconds, a QEMU start seconds.
BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
           0.5, 1.0, 2.5, 5.0, 10.0, 30.0)  # fmt: skip


def prepare(rundir: str) -> str:
    """Make an empty metrics directory for this daemon and point the environment at it.

    Must run before prometheus_client is first imported (it picks its storage then), and
    before the workers start (they inherit the variable)."""
    path = os.path.join(rundir, "metrics")
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path, mode=0o700)
    os.environ[ENV] = path
    return path


class _Metrics:
    """The metric families, created once per process on first use."""

    def __init__(self) -> None:
        from prometheus_client import Counter, Gauge, Histogram

        self.latency = Histogram(
            "pyvirt_rpc_call_duration_seconds",
            "Time a worker spent serving one RPC call, per driver and libvirt API",
            ["driver", "procedure"],
            buckets=BUCKETS,
        )
        self.calls = Counter(
            "pyvirt_rpc_calls",
            "RPC calls served, per driver, libvirt API and outcome (ok or error)",
            ["driver", "procedure", "status"],
        )
        self.in_flight = Gauge(
            "pyvirt_rpc_calls_in_flight",
            "RPC calls being served now",
            ["driver"],
            multiprocess_mode="livesum",
        )
        self.clients = Gauge(
            "pyvirt_clients",
            "Open client connections, per driver and socket (rw, ro, tcp)",
            ["driver", "socket"],
            multiprocess_mode="livesum",
        )
        self.queue_depth = Gauge(
            "pyvirt_event_queue_depth",
            "Events and pool-thread replies waiting for a worker's I/O loop",
            ["driver"],
            multiprocess_mode="livesum",
        )
        self.restarts = Counter(
            "pyvirt_worker_restarts", "Workers that exited and were restarted", ["driver"]
        )


_metrics: _Metrics | None = None


def metrics() -> _Metrics:
    global _metrics
    if _metrics is None:
        _metrics = _Metrics()
    return _metrics


def _api_name(number: int) -> str:
    """libvirt's API name for a procedure number (``virConnectGetHostname``), as operators
    know procedures by it; the number when the table does not list it."""
    from pyvirt.rpc import signatures

    sig = signatures().get(number)
    return sig.procedure.api if sig is not None else str(number)


def instrument(server: WorkerServer) -> None:
    """Count what *server* does, by wrapping four of its methods (see the module doc)."""
    m = metrics()
    driver = server.name
    in_flight = m.in_flight.labels(driver)
    depth = m.queue_depth.labels(driver)
    kinds = ("rw", "ro", "tcp") if "tcp" in server.endpoints else ("rw", "ro")
    apis: dict[int, tuple[Any, Any, Any]] = {}
    call, report, enqueue, drain = server._call, server._report, server._queue, server._drain

    def timed_call(
        session: Any, number: int, args: list[Any], ident: bytes = b"", serial: int = 0
    ) -> Any:
        series = apis.get(number)
        if series is None:
            api = _api_name(number)
            series = apis[number] = (
                m.latency.labels(driver, api),
                m.calls.labels(driver, api, "ok"),
                m.calls.labels(driver, api, "error"),
            )
        in_flight.inc()
        start = time.perf_counter()
        try:
            result = call(session, number, args, ident, serial)
        finally:
            series[0].observe(time.perf_counter() - start)
            in_flight.dec()
        (series[1] if result[0] == Status.OK else series[2]).inc()
        return result

    def count_clients() -> None:
        for kind in kinds:
            m.clients.labels(driver, kind).set(sum(1 for k, _ in server.sessions if k == kind))

    def counted_report() -> None:
        report()
        count_clients()

    def counted_queue(ident: bytes, payload: bytes) -> None:
        enqueue(ident, payload)
        depth.set(server.done.qsize())

    def counted_drain() -> None:
        drain()
        depth.set(server.done.qsize())

    server._call = timed_call  # type: ignore[method-assign]
    server._report = counted_report  # type: ignore[method-assign]
    server._queue = counted_queue  # type: ignore[method-assign]
    server._drain = counted_drain  # type: ignore[method-assign]
    # the loop calls the drain it was given at start-up when the wake-up pipe is readable
    watched = getattr(server.transport, "extra", None)
    if isinstance(watched, dict) and server.wake_r in watched:
        watched[server.wake_r] = counted_drain
    count_clients()  # (not _report: the daemon expects the worker's hello first)


def worker_exited(driver: str, pid: int) -> None:
    """The daemon saw a worker exit: count the restart, drop the worker's live gauges."""
    from prometheus_client import multiprocess

    metrics().restarts.labels(driver).inc()
    multiprocess.mark_process_dead(pid)
