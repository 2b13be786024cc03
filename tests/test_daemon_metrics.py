"""pyvirtd's opt-in OpenMetrics endpoint, and its logs (time stamps, JSON lines, filters
changed at run time): scraped and read as an operator would, from a real daemon."""

from __future__ import annotations

import json
import re
import signal
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import pyvirt
from daemon_helpers import Daemon, start_daemon

CONFIG = 'metrics_listen = "127.0.0.1:0"\nmetrics_interval = 1\nlog_level = "INFO"\n'
_SAMPLE = re.compile(r"^([a-zA-Z_:][\w:]*)(\{[^}]*\})? (\S+)$")


def _wait_log(daemon: Daemon, pattern: str, count: int = 1) -> re.Match[str]:
    """The *count*-th match of *pattern* in the daemon's log, waiting for it."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        found = list(re.finditer(pattern, daemon.log.read_text()))
        if len(found) >= count:
            return found[count - 1]
        time.sleep(0.05)
    raise TimeoutError(daemon.log.read_text())


def _port(daemon: Daemon) -> int:
    """The endpoint's port, once the test worker has said it is ready."""
    _wait_log(daemon, r"worker test ready")
    return int(_wait_log(daemon, r"metrics on http://127\.0\.0\.1:(\d+)/metrics").group(1))


def _uri(daemon: Daemon) -> str:
    return f"test+unix:///default?socket={daemon.socket}"


def scrape(port: int, openmetrics: bool = False) -> dict[str, float]:
    """Every sample of one scrape: ``'name{labels}'`` -> value."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}/metrics")
    if openmetrics:
        request.add_header("Accept", "application/openmetrics-text; version=1.0.0")
    with urllib.request.urlopen(request, timeout=10) as reply:
        text = reply.read().decode()
    samples = {}
    for line in text.splitlines():
        m = _SAMPLE.match(line)
        if m:
            samples[m.group(1) + (m.group(2) or "")] = float(m.group(3))
    return samples


@pytest.fixture(scope="module")
def metered(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Daemon, int]]:
    daemon = start_daemon(tmp_path_factory.mktemp("metrics") / "run", config=CONFIG)
    try:
        yield daemon, _port(daemon)
    finally:
        daemon.stop()


HOSTNAME = 'pyvirt_rpc_calls_total{driver="test",procedure="virConnectGetHostname",status="ok"}'
LOOKUP_ERR = ('pyvirt_rpc_calls_total{driver="test",procedure="virDomainLookupByName",'
              'status="error"}')  # fmt: skip
LATENCY = ('pyvirt_rpc_call_duration_seconds_count{driver="test",'
           'procedure="virConnectGetHostname"}')  # fmt: skip


def test_counters_move_by_exactly_the_calls_made_during_a_burst(metered) -> None:
    daemon, port = metered
    before = scrape(port)
    calls = 300
    during: list[dict[str, float]] = []
    stop = threading.Event()

    failures: list[BaseException] = []

    def scraper() -> None:
        while not stop.is_set():
            try:
                during.append(scrape(port))
            except Exception as exc:  # noqa: BLE001 - every failed scrape is the test's failure
                failures.append(exc)

    thread = threading.Thread(target=scraper)
    thread.start()
    try:
        with pyvirt.open(_uri(daemon)) as conn:
            for _ in range(calls):
                conn.hostname()
            for _ in range(7):
                with pytest.raises(pyvirt.NoDomainError):
                    conn.lookup_domain_by_name("no-such-domain")
    finally:
        stop.set()
        thread.join()
    assert not failures, failures[:3]
    after = scrape(port)
    assert after.get(HOSTNAME, 0) - before.get(HOSTNAME, 0) == calls
    assert after.get(LATENCY, 0) - before.get(LATENCY, 0) == calls
    assert after.get(LOOKUP_ERR, 0) - before.get(LOOKUP_ERR, 0) == 7
    assert during, "no scrape finished during the burst"
    seen = [d.get(HOSTNAME, 0) for d in during]
    assert seen == sorted(seen) and before.get(HOSTNAME, 0) <= seen[0] and seen[-1] <= after[HOSTNAME]
    # the histogram's buckets are cumulative and end in +Inf == count
    inf = ('pyvirt_rpc_call_duration_seconds_bucket{driver="test",le="+Inf",'
           'procedure="virConnectGetHostname"}')  # fmt: skip
    assert after[inf] == after[LATENCY]


def test_an_empty_metrics_file_does_not_break_the_scrape(metered) -> None:
    """A worker killed between creating its metrics file and sizing it leaves the file
    empty for good (prometheus_client issue 1199): the scrape still counts everything."""
    daemon, port = metered
    with pyvirt.open(_uri(daemon)) as conn:
        conn.hostname()
    before = scrape(port)
    empty = daemon.rundir / "metrics" / "counter_999999.db"
    empty.touch()
    try:
        with pyvirt.open(_uri(daemon)) as conn:
            conn.hostname()
        assert scrape(port).get(HOSTNAME, 0) == before.get(HOSTNAME, 0) + 1
    finally:
        empty.unlink()


def test_clients_are_counted_per_socket(metered) -> None:
    daemon, port = metered
    rw = 'pyvirt_clients{driver="test",socket="rw"}'
    assert scrape(port)[rw] == 0
    with pyvirt.open(_uri(daemon)) as a, pyvirt.open(_uri(daemon)) as b:
        a.hostname(), b.hostname()
        assert scrape(port)[rw] == 2
    assert scrape(port)[rw] == 0


def test_guest_view_counts_domains_by_state_and_reports_cpu_and_memory(metered) -> None:
    daemon, port = metered
    with pyvirt.open(_uri(daemon)) as conn:
        conn.lookup_domain_by_name("test").suspend()
        try:
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                samples = scrape(port)
                if samples.get('pyvirt_domains{driver="test",state="paused"}') == 1:
                    break
                time.sleep(0.2)
            else:
                raise AssertionError(f"no paused domain seen: {samples}")
        finally:
            conn.lookup_domain_by_name("test").resume()
    memory = samples['pyvirt_guest_memory_bytes{domain="test",driver="test"}']
    assert memory == 2097152 * 1024  # test:///default's "test" uses 2 GiB
    assert samples['pyvirt_guest_cpu_seconds_total{domain="test",driver="test"}'] > 0
    assert samples["pyvirt_guest_collector_failures"] == 0


def test_openmetrics_is_served_when_asked_for(metered) -> None:
    _, port = metered
    request = urllib.request.Request(f"http://127.0.0.1:{port}/metrics")
    request.add_header("Accept", "application/openmetrics-text; version=1.0.0")
    with urllib.request.urlopen(request, timeout=10) as reply:
        assert reply.headers["Content-Type"].startswith("application/openmetrics-text")
        assert reply.read().decode().endswith("# EOF\n")


def test_a_worker_restart_is_counted_and_its_live_gauges_dropped(tmp_path: Path) -> None:
    daemon = start_daemon(tmp_path / "run", config=CONFIG)
    try:
        port = _port(daemon)
        key = 'pyvirt_worker_restarts_total{driver="test"}'
        assert scrape(port).get(key, 0) == 0
        old = daemon.worker_pids()["test"]
        import os

        os.kill(old, signal.SIGKILL)
        _wait_log(daemon, r"worker test ready", count=2)
        samples = scrape(port)
        assert samples[key] == 1
        # the dead worker's gauges are gone: one series per driver, not two
        assert samples['pyvirt_rpc_calls_in_flight{driver="test"}'] == 0
        assert not list((tmp_path / "run" / "metrics").glob(f"gauge_livesum_{old}.db"))
    finally:
        daemon.stop()


def test_no_endpoint_and_no_metrics_directory_unless_configured(tmp_path: Path) -> None:
    daemon = start_daemon(tmp_path / "run")
    try:
        assert "metrics on" not in daemon.log.read_text()
        assert not (tmp_path / "run" / "metrics").exists()
    finally:
        daemon.stop()


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('metrics_listen = "9177"', "'metrics_listen' must be ADDRESS:PORT"),
        ('metrics_listen = "127.0.0.1:99999"', "'metrics_listen' must be ADDRESS:PORT"),
        ("metrics_interval = 0", "'metrics_interval' must be between 1 and 3600"),
        ('log_format = "xml"', "'log_format' must be one of text, json"),
        ('log_filters = "pyvirtd=LOUD"', "'log_filters' is malformed: 'pyvirtd=LOUD' is not"),
    ],
)
def test_bad_settings_stop_the_daemon_with_the_key_named(tmp_path: Path, line: str,
                                                         message: str) -> None:  # fmt: skip
    with pytest.raises(RuntimeError, match=re.escape(message)):
        start_daemon(tmp_path / "run", config=line + "\n")


def test_a_port_in_use_is_a_clear_start_up_error(tmp_path: Path) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        with pytest.raises(RuntimeError, match=f"cannot serve metrics on 127.0.0.1:{taken}"):
            start_daemon(tmp_path / "run", config=f'metrics_listen = "127.0.0.1:{taken}"\n')


_STAMPED = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\+0000 pyvirtd(\[\w+\])? [A-Z]+ \S+: ")


def test_log_lines_carry_time_stamps(tmp_path: Path) -> None:
    daemon = start_daemon(tmp_path / "run", config='log_level = "INFO"\n')
    daemon.stop()
    lines = [ln for ln in daemon.log.read_text().splitlines() if ln.strip()]
    assert lines and all(_STAMPED.match(ln) for ln in lines), lines


def test_json_lines_and_filters_changed_at_run_time(tmp_path: Path) -> None:
    config = 'log_format = "json"\nlog_level = "ERROR"\n'
    daemon = start_daemon(tmp_path / "run", config=config)
    try:
        conf = tmp_path / "run.toml"
        old = daemon.worker_pids()["test"]
        import os

        os.kill(old, signal.SIGKILL)  # at ERROR, the restart warning is not logged
        old = daemon.wait_worker("test", not_pid=old)
        conf.write_text(config + 'log_filters = "pyvirtd=INFO"\n')
        daemon.proc.send_signal(signal.SIGHUP)
        time.sleep(1)
        os.kill(old, signal.SIGKILL)
        daemon.wait_worker("test", not_pid=old)
    finally:
        daemon.stop()
    entries = [json.loads(ln) for ln in daemon.log.read_text().splitlines() if ln.strip()]
    restarts = [e for e in entries if "restarting" in e["message"]]
    assert len(restarts) == 1, entries
    entry = restarts[0]
    assert entry["level"] == "WARNING" and entry["logger"] == "pyvirtd"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", entry["time"])
    assert entry["component"] == "pyvirtd" and isinstance(entry["pid"], int)
    # the workers got the new filter too: the file they read on SIGHUP
    published = json.loads((tmp_path / "run" / "pyvirtd-log.json").read_text())
    assert published == {
        "level": "ERROR", "format": "json", "filters": "pyvirtd=INFO", "outputs": "",
    }
