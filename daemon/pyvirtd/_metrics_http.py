"""The daemon's metrics endpoint: every process's counters summed, plus a cached guest view.

``metrics_listen = "127.0.0.1:9177"`` in pyvirtd.toml starts an HTTP server in a thread of
the daemon; a scrape gets Prometheus text, or OpenMetrics when it asks for it (``Accept:
application/openmetrics-text``), as prometheus_client negotiates.  What it holds:

* the RPC counters every worker writes (``pyvirtd._metrics``), summed across processes;
* the guest view (``pyvirt_domains`` by state per driver, guest CPU time and memory), from
  :class:`GuestCollector`.  That is refreshed every ``metrics_interval`` seconds by a thread
  that is an ordinary read-only client of the daemon (so it goes through the drivers' public
  calls: a listing and ``virDomainGetInfo``, neither of which takes a domain's job lock), and
  a scrape only reads the last snapshot: a slow or stuck driver never makes a scrape wait.
"""

from __future__ import annotations

import glob
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

log = logging.getLogger("pyvirtd.metrics")

#: (driver name, URI the driver serves) for each running worker
Targets = Callable[[], list[tuple[str, str]]]


def parse_listen(text: str) -> tuple[str, int]:
    """``"127.0.0.1:9177"`` or ``"[::1]:9177"`` -> (address, port); port 0 picks a free one
    (the log says which).  ValueError otherwise."""
    host, sep, port = text.rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 0 <= int(port) < 65536:
        raise ValueError("must be ADDRESS:PORT, such as \"127.0.0.1:9177\"")
    return host, int(port)


class GuestCollector:
    """The cached guest view: refreshed by :meth:`refresh`, served by :meth:`collect`."""

    def __init__(self, targets: Targets, socket_path: str) -> None:
        self.targets = targets
        self.socket_path = socket_path
        self.snapshot: list[Any] = []
        self.lock = threading.Lock()

    def describe(self) -> list[Any]:
        return []  # families vary with the drivers: collected only on scrape

    def collect(self) -> Iterator[Any]:
        with self.lock:
            yield from self.snapshot

    def refresh(self) -> None:
        """Read every driver's domains now and replace the snapshot."""
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        started = time.monotonic()
        by_state = GaugeMetricFamily(
            "pyvirt_domains", "Domains per driver and state", labels=["driver", "state"]
        )
        cpu = CounterMetricFamily(
            "pyvirt_guest_cpu_seconds", "Guest CPU time used", labels=["driver", "domain"]
        )
        memory = GaugeMetricFamily(
            "pyvirt_guest_memory_bytes", "Guest memory in use", labels=["driver", "domain"]
        )
        max_memory = GaugeMetricFamily(
            "pyvirt_guest_max_memory_bytes", "Guest memory limit", labels=["driver", "domain"]
        )
        failures = 0
        for driver, uri in self.targets():
            try:
                self._read(driver, uri, by_state, cpu, memory, max_memory)
            except Exception as exc:  # noqa: BLE001 - one driver failing leaves the others
                failures += 1
                log.warning("guest metrics of %s (%s) unavailable: %s", driver, uri, exc)
        took = GaugeMetricFamily(
            "pyvirt_guest_collector_duration_seconds", "How long the last refresh took"
        )
        took.add_metric([], time.monotonic() - started)
        stamp = GaugeMetricFamily(
            "pyvirt_guest_collector_timestamp_seconds", "When the last refresh ended (Unix time)"
        )
        stamp.add_metric([], time.time())
        errors = GaugeMetricFamily(
            "pyvirt_guest_collector_failures", "Drivers the last refresh could not read"
        )
        errors.add_metric([], failures)
        with self.lock:
            self.snapshot = [by_state, cpu, memory, max_memory, took, stamp, errors]

    def _read(self, driver: str, uri: str, by_state: Any, cpu: Any, memory: Any,
              max_memory: Any) -> None:  # fmt: skip
        import pyvirt

        scheme, sep, rest = uri.partition("://")
        remote = f"{scheme}+unix://{rest}" if sep else uri
        remote += ("&" if "?" in remote else "?") + f"socket={self.socket_path}"
        counts: dict[str, int] = {}
        with pyvirt.open(remote, read_only=True) as conn:
            for dom in conn.list_domains():
                record = dom.record
                state = record.state.name.lower() if record is not None else "nostate"
                counts[state] = counts.get(state, 0) + 1
                if record is None or record.id < 0:
                    continue
                try:
                    info = dom.info()
                except pyvirt.VirtError:
                    continue  # stopped in between
                cpu.add_metric([driver, dom.name], info.cpu_time / 1e9)
                memory.add_metric([driver, dom.name], info.memory * 1024)
                max_memory.add_metric([driver, dom.name], info.max_memory * 1024)
        for state, count in sorted(counts.items()):
            by_state.add_metric([driver, state], count)


class WorkerFilesCollector:
    """prometheus_client's multiprocess collector, over the files that hold something.

    A process's metric file exists at 0 bytes for a moment after it is created, before
    prometheus_client sizes it (client_python issue 1199): a scrape in that window, or
    after a worker was killed in it, would fail whole.  An empty file has nothing counted
    yet, so it is left out; a file removed under the scrape (a dead worker's live gauges)
    just makes the scrape read the directory again."""

    def __init__(self, path: str) -> None:
        self.path = path

    def collect(self) -> Iterator[Any]:
        from prometheus_client.multiprocess import MultiProcessCollector

        for attempt in range(3):
            files = []
            for name in glob.glob(os.path.join(self.path, "*.db")):
                try:
                    if os.path.getsize(name) > 0:
                        files.append(name)
                except FileNotFoundError:
                    continue
            try:
                metrics = list(MultiProcessCollector.merge(files, accumulate=True))
            except FileNotFoundError:
                if attempt == 2:
                    raise
                continue
            yield from metrics
            return


class MetricsServer:
    """The HTTP endpoint and the guest collector's thread, started and stopped together."""

    def __init__(self, listen: str, targets: Targets, socket_path: str, interval: int) -> None:
        self.address, self.port = parse_listen(listen)
        self.interval = interval
        self.guests = GuestCollector(targets, socket_path)
        self.stopping = threading.Event()
        self.httpd: Any = None
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        from prometheus_client import CollectorRegistry, start_http_server

        from pyvirtd._metrics import ENV

        registry = CollectorRegistry()
        registry.register(WorkerFilesCollector(os.environ[ENV]))
        registry.register(self.guests)
        try:
            self.httpd, _ = start_http_server(self.port, self.address, registry=registry)
        except OSError as exc:
            raise OSError(f"cannot serve metrics on {self.address}:{self.port}: {exc}") from None
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self._refresh_loop, name="guest-metrics",
                                       daemon=True)  # fmt: skip
        self.thread.start()
        log.info("metrics on http://%s:%d/metrics", self.address, self.port)

    def _refresh_loop(self) -> None:
        while not self.stopping.is_set():
            self.guests.refresh()
            self.stopping.wait(self.interval)

    def stop(self) -> None:
        self.stopping.set()
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()
        if self.thread is not None:
            self.thread.join(timeout=5)
