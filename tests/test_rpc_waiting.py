"""How a wait polls before it sleeps: only while a core is idle (pyvirt.rpc.SpinGate).

The synchronous client (waiting for its reply) and pyvirtd's loop (waiting for the next call)
poll briefly before sleeping; the gate lets them poll only while their own recent waits did
not queue for a CPU, as the kernel counts it.  The gate's decisions are tested with figures
given to it (a busy machine cannot be ordered up in a test); that it reads the kernel's real
counter, and that a real client through a real pyvirtd polls or not as its gate says, are
tested on the real thing.
"""

from __future__ import annotations

import itertools
import os
import select
import socket
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import pyvirt
from daemon_helpers import running_daemon
from pyvirt.rpc import SpinGate, _channel
from pyvirt.rpc._spin_gate import queued_ns
from pyvirtd._transport import ZmtpServer

URI = "test+unix:///default"


def _queued(per_wait_us: float) -> Iterator[int]:
    """A thread's queued nanoseconds growing by *per_wait_us* at each reading."""
    return (int(i * per_wait_us * 1000) for i in itertools.count())


def _gate(per_wait: list[float], every: int = 4, limit_us: float = 10.0) -> SpinGate:
    """A gate read every *every* waits, whose counter grows by *per_wait[k]* us per wait
    during window k."""
    total = 0
    windows = iter(per_wait)

    def source() -> int:
        nonlocal total
        current = total
        total += int(next(windows, 0.0) * 1000 * every)
        return current

    return SpinGate(every=every, limit_us=limit_us, source=source)


def _decisions(gate: SpinGate, waits: int) -> list[bool]:
    return [gate.allows() for _ in range(waits)]


def test_waits_that_find_a_core_idle_keep_polling() -> None:
    gate = _gate([0.5, 2.0, 9.9])
    assert all(_decisions(gate, 16))


def test_waits_that_queue_for_a_cpu_stop_polling_for_the_next_window() -> None:
    gate = _gate([40.0, 40.0])
    decisions = _decisions(gate, 12)
    # The first window has nothing to compare with: it polls; the windows after a busy one
    # do not.
    assert decisions[:4] == [True] * 4
    assert decisions[4:] == [False] * 8


def test_polling_comes_back_once_a_core_is_idle_again() -> None:
    gate = _gate([0.0, 50.0, 0.0, 1.0])
    decisions = _decisions(gate, 16)
    assert decisions == [True] * 4 + [True] * 4 + [False] * 4 + [True] * 4


def test_the_limit_is_the_mean_queueing_per_wait_of_a_window() -> None:
    assert all(_decisions(_gate([10.0, 10.0], limit_us=10.0), 12))
    assert not any(_decisions(_gate([10.5, 10.5], limit_us=10.0), 12)[4:])


def test_without_the_kernels_counter_the_gate_stays_open() -> None:
    gate = SpinGate(every=1, source=lambda: None)
    assert all(_decisions(gate, 10))


def test_each_thread_has_its_own_window() -> None:
    readings = itertools.count(0, 10**9)  # one second queued per reading: always busy
    gate = SpinGate(every=1, source=lambda: next(readings))
    assert _decisions(gate, 3) == [True, False, False]
    seen: list[bool] = []
    thread = threading.Thread(target=lambda: seen.append(gate.allows()))
    thread.start()
    thread.join()
    assert seen == [True]  # a fresh thread has no window yet: its first wait polls


@pytest.mark.skipif(
    not os.path.exists("/proc/thread-self/schedstat"), reason="the kernel keeps no schedstat"
)
def test_the_real_counter_is_this_threads_and_only_grows() -> None:
    first = queued_ns()
    assert first is not None and first >= 0
    sum(range(200_000))
    second = queued_ns()
    assert second is not None and second >= first
    assert SpinGate().allows()  # a new gate's first window polls


def _count_polls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the client's polls for a reply (Channel._spin), calling the real one."""
    polls: list[int] = []
    real = _channel.Channel._spin

    def counted(self: _channel.Channel, sock: object, start: float) -> bool:
        polls.append(1)
        return real(self, sock, start)  # type: ignore[arg-type]

    monkeypatch.setattr(_channel.Channel, "_spin", counted)
    return polls


def _infos_through_a_daemon(polls: list[int], calls: int = 50) -> list[pyvirt.DomainInfo]:
    """*calls* info() through a real pyvirtd, counting only their polls."""
    with running_daemon():
        conn = pyvirt.open(URI)
        try:
            dom = conn.lookup_domain_by_name("test")
            polls.clear()
            return [dom.info() for _ in range(calls)]
        finally:
            conn.close()


@pytest.mark.skipif(_channel._SPIN == 0, reason="PYVIRT_SPIN_US=0 turns polling off")
def test_a_client_whose_waits_queue_for_a_cpu_sleeps_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    busy = itertools.count(0, 10**9)
    monkeypatch.setattr(_channel, "_GATE", SpinGate(every=1, source=lambda: next(busy)))
    polls = _count_polls(monkeypatch)
    infos = _infos_through_a_daemon(polls)
    assert {info.state for info in infos} == {pyvirt.DomainState.RUNNING}
    assert polls == []


@pytest.mark.skipif(_channel._SPIN == 0, reason="PYVIRT_SPIN_US=0 turns polling off")
def test_a_client_whose_waits_find_a_core_idle_polls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_channel, "_GATE", SpinGate(every=1, source=lambda: 0))
    polls = _count_polls(monkeypatch)
    _infos_through_a_daemon(polls)
    assert polls  # each miss backs off for a while, but the gate itself never said no


class _CountingEpoll:
    """The server's epoll, its waits counted (every call goes to the real one)."""

    def __init__(self, real: select.epoll) -> None:
        self.real = real
        self.waits: list[float] = []

    def poll(self, timeout: float = -1) -> list[tuple[int, int]]:
        self.waits.append(timeout)
        return self.real.poll(timeout)

    def __getattr__(self, name: str) -> object:
        return getattr(self.real, name)


def _serving(tmp: str, gate: SpinGate, spin: float) -> ZmtpServer:
    """A pyvirtd loop listening on ``TMP/sock``, spinning *spin* seconds as *gate* allows."""
    server = ZmtpServer(
        lambda *_: None,
        lambda *_: None,
        lambda *_: None,
        max_message=1 << 20,
        max_connections=10,
        spin=spin,
    )
    server.gate = gate
    server.listen_unix(str(Path(tmp) / "sock"), 0o700, "rw")
    return server


def _waits_after_activity(gate: SpinGate) -> list[float]:
    """The epoll waits of one pyvirtd loop round right after it served a connect, with
    *gate* deciding on its spin (10 ms, long enough to poll more than once)."""
    with tempfile.TemporaryDirectory(prefix="pvw-", dir="/tmp") as tmp:
        server = _serving(tmp, gate, 0.01)
        path = str(Path(tmp) / "sock")
        client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            client.connect(path)
            assert server.poll(1.0)  # the accept: activity
            counting = _CountingEpoll(server.epoll)
            server.epoll = counting  # type: ignore[assignment]
            server.poll(0.0)  # nothing more comes: spin (or not), then the blocking wait
            server.epoll = counting.real
            return counting.waits
        finally:
            client.close()
            server.close()


def test_the_daemon_loop_spins_after_activity_while_a_core_is_idle() -> None:
    waits = _waits_after_activity(SpinGate(every=1, source=lambda: 0))
    assert len(waits) > 2 and waits[:-1] == [0] * (len(waits) - 1)


def test_the_daemon_loop_goes_straight_to_its_wait_when_no_core_is_idle() -> None:
    busy = itertools.count(0, 10**9)
    gate = SpinGate(every=1, source=lambda: next(busy))
    gate.allows()  # the first window, which has nothing to compare with
    assert _waits_after_activity(gate) == [0.0]  # one wait: the blocking one, no poll(0)


def test_a_daemon_spin_that_saw_nothing_makes_the_next_rounds_sleep_at_once() -> None:
    """A miss backs off as the client's does (1, then 2 rounds without a spin, ...), so a
    client whose calls come slower than the spin (tls, ssh) costs no spin after each call."""
    with tempfile.TemporaryDirectory(prefix="pvw-", dir="/tmp") as tmp:
        server = _serving(tmp, SpinGate(every=1, source=lambda: 0), 0.002)  # a core idle
        path = str(Path(tmp) / "sock")
        client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            client.connect(path)
            assert server.poll(1.0)  # the accept: activity
            spun = []
            for _ in range(6):
                counting = _CountingEpoll(server.epoll)
                server.epoll = counting  # type: ignore[assignment]
                server.poll(0.0)  # nothing comes: a spin that misses, or none at all
                server.epoll = counting.real
                spun.append(len(counting.waits) > 1)
                client.send(b"\xff")  # a byte of a greeting: activity again
                assert server.poll(1.0)
            assert spun == [True, False, True, False, False, True]
        finally:
            client.close()
            server.close()


# -- the client's stretched poll: two sleepers must not keep each other slow ------------------
def _fresh_channel() -> _channel.Channel:
    return _channel.Channel("ipc:///nowhere")  # never connected: only its waiting rule runs


@pytest.mark.skipif(_channel._SPIN == 0, reason="PYVIRT_SPIN_US=0 turns polling off")
def test_a_reply_just_after_the_poll_stretches_the_next_poll_instead_of_backing_off() -> None:
    channel = _fresh_channel()
    channel._missed(_channel._SPIN * 2)
    assert channel._spin_window == pytest.approx(_channel._SPIN * 2.5)
    assert channel._spin_skip == 0  # the next call polls


@pytest.mark.skipif(_channel._SPIN == 0, reason="PYVIRT_SPIN_US=0 turns polling off")
def test_a_stretch_never_passes_its_limit() -> None:
    channel = _fresh_channel()
    channel._missed(_channel._SPIN_STRETCH_MAX)
    assert channel._spin_window == _channel._SPIN_STRETCH_MAX


@pytest.mark.skipif(_channel._SPIN == 0, reason="PYVIRT_SPIN_US=0 turns polling off")
def test_a_reply_far_after_the_poll_backs_off_as_before() -> None:
    channel = _fresh_channel()
    channel._missed(_channel._SPIN * 2)
    channel._missed(_channel._SPIN_STRETCH_MAX * 1.01)
    assert channel._spin_window == _channel._SPIN
    assert (channel._spin_skip, channel._spin_backoff) == (1, 2)
    channel._missed(1.0)
    assert (channel._spin_skip, channel._spin_backoff) == (2, 4)


@pytest.mark.skipif(_channel._SPIN == 0, reason="PYVIRT_SPIN_US=0 turns polling off")
def test_a_quick_reply_clears_the_count_of_slow_ones() -> None:
    channel = _fresh_channel()
    channel._missed(_channel._SPIN * 2)
    for _ in range(_channel._SLOW_HITS_MAX - 1):
        channel._stretched_hit(_channel._SPIN * 1.5)
    channel._stretched_hit(_channel._SPIN / 2)
    assert channel._slow_hits == 0
    channel._stretched_hit(_channel._SPIN * 1.5)
    assert channel._spin_window > _channel._SPIN  # the stretch stays while it catches replies


@pytest.mark.skipif(_channel._SPIN == 0, reason="PYVIRT_SPIN_US=0 turns polling off")
def test_stretched_polls_that_only_catch_slow_replies_stop_for_a_while() -> None:
    channel = _fresh_channel()
    channel._missed(_channel._SPIN * 3)
    for _ in range(_channel._SLOW_HITS_MAX):
        channel._stretched_hit(_channel._SPIN * 2.5)
    assert channel._spin_window == _channel._SPIN
    assert channel._stretch_rest == _channel._STRETCH_REST
    channel._missed(_channel._SPIN * 2)  # a near miss while resting backs off
    assert channel._spin_window == _channel._SPIN
    assert channel._spin_skip == 1


@pytest.mark.skipif(_channel._SPIN == 0, reason="PYVIRT_SPIN_US=0 turns polling off")
def test_a_resting_channel_stretches_again_once_the_rest_is_over(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Through a real pyvirtd: each call counts the rest down, polled or not."""
    monkeypatch.setattr(_channel, "_GATE", SpinGate(every=1, source=lambda: 0))
    with running_daemon():
        conn = pyvirt.open(URI)
        try:
            dom = conn.lookup_domain_by_name("test")
            channel = _only_channel(conn)
            channel._stretch_rest = 20
            for _ in range(20):
                dom.info()
            assert channel._stretch_rest == 0
            channel._missed(_channel._SPIN * 2)
            assert channel._spin_window > _channel._SPIN
        finally:
            conn.close()


def _only_channel(conn: pyvirt.Connection) -> _channel.Channel:
    """The channel a connection's calls go through (the worker's)."""
    link = conn._driver._worker  # type: ignore[attr-defined]
    assert link is not None
    return link.channel  # type: ignore[no-any-return]
