"""Start real pyvirtd processes for tests: a temporary runtime dir, a config, a clean stop.

Tests talk to the daemon through real sockets; the runtime dir is given to both sides with
``PYVIRT_RUNTIME_DIR`` (set for the test process by the fixture, passed to child processes
through the environment).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pyvirt.testing import PyvirtdProcess, start_pyvirtd
from pyvirt.testing._daemon import listening  # noqa: F401 - tests import it from here

PYVIRTD = [sys.executable, "-m", "pyvirtd"]

# The plugin's daemon helpers (pyvirt.testing) are the ones the tests use too.
Daemon = PyvirtdProcess
start_daemon = start_pyvirtd


@contextmanager
def running_daemon(*args: str, config: str | None = None) -> Iterator[Daemon]:
    """A daemon in a fresh temporary runtime dir, with PYVIRT_RUNTIME_DIR pointing at it."""
    # Short path: unix socket paths are limited to 107 bytes.
    with tempfile.TemporaryDirectory(prefix="pvd-", dir="/tmp") as tmp:
        rundir = Path(tmp) / "run"
        # No autostart: a test that stops its daemon must see the failure, not a new daemon.
        saved = {k: os.environ.get(k) for k in ("PYVIRT_RUNTIME_DIR", "PYVIRT_AUTOSTART")}
        os.environ["PYVIRT_RUNTIME_DIR"] = str(rundir)
        os.environ["PYVIRT_AUTOSTART"] = "0"
        try:
            daemon = start_daemon(rundir, *args, config=config)
            try:
                yield daemon
            finally:
                daemon.stop(signal.SIGKILL if daemon.proc.poll() is None else signal.SIGTERM)
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


class RawPeer:
    """A bare ZeroMQ DEALER on one of the daemon's sockets: frames exactly as given, no checks."""

    def __init__(self, path: Path) -> None:
        import zmq

        self.zmq = zmq
        self.path = path
        self.ctx = zmq.Context.instance()
        self.sock = self.ctx.socket(zmq.DEALER)
        self.sock.setsockopt(zmq.LINGER, 0)
        endpoint = str(path)
        self.sock.connect(endpoint if endpoint.startswith("tcp://") else f"ipc://{path}")
        self.serial = 0

    def close(self) -> None:
        self.sock.close(linger=0)

    def __enter__(self) -> RawPeer:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def send(self, frames: list[bytes]) -> None:
        self.sock.send_multipart(frames)

    def call(self, program: int, procedure: int, body: bytes, timeout: float = 5.0) -> tuple[int, object]:
        """Send one CALL and return (status, decoded body) of its reply."""
        from pyvirt.rpc import VERSION_FRAME, Header, MessageType, Status

        self.serial += 1
        header = Header(program, 1, procedure, MessageType.CALL, self.serial, Status.OK)
        self.send([VERSION_FRAME, header.pack() + body])
        return self.reply(self.serial, timeout)

    def reply(self, serial: int, timeout: float = 5.0) -> tuple[int, object]:
        from pyvirt.rpc import MessageType, decode, split_frames

        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not self.sock.poll(int(remaining * 1000) + 1):
                raise TimeoutError(f"no reply to call {serial} on {self.path}")
            header, body = split_frames(self.sock.recv_multipart())
            if header.type == MessageType.REPLY and header.serial == serial:
                return int(header.status), decode(body)

    def ping(self, timeout: float = 5.0) -> bool:
        """Keepalive round trip: True once everything sent before it has been processed."""
        from pyvirt.rpc import (
            KEEPALIVE_PING,
            KEEPALIVE_PONG,
            PROGRAM_KEEPALIVE,
            VERSION_FRAME,
            Header,
            MessageType,
            Status,
            split_frames,
        )

        header = Header(PROGRAM_KEEPALIVE, 1, KEEPALIVE_PING, MessageType.CALL, 0, Status.OK)
        self.send([VERSION_FRAME, header.pack() + b"\xc0"])
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not self.sock.poll(int(remaining * 1000) + 1):
                return False
            got, _body = split_frames(self.sock.recv_multipart())
            if got.program == PROGRAM_KEEPALIVE and got.procedure == KEEPALIVE_PONG:
                return True


def dummy_value(tp: object) -> object:
    """A valid value of the wire type *tp* (an annotation of the driver contract)."""
    import dataclasses
    import enum
    import types
    import typing

    from pyvirt.rpc._codec import RECORD_TYPES

    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(tp)
        return dummy_value(next((t for t in options if t is not type(None)), type(None)))
    if tp is type(None):
        return None
    if origin is list:
        return [dummy_value(typing.get_args(tp)[0])]
    if origin is tuple:
        return [dummy_value(t) for t in typing.get_args(tp)]
    if tp is typing.Any:
        return None
    assert isinstance(tp, type), tp
    if issubclass(tp, bool):
        return False
    if issubclass(tp, enum.IntEnum):
        return int(next(iter(tp)))
    if tp is int:
        return 0
    if tp is str:
        return "x"
    if tp is bytes:
        return b"x"
    if tp in RECORD_TYPES.values():
        hints = typing.get_type_hints(tp)
        return tp(*[dummy_value(hints[f.name]) for f in dataclasses.fields(tp)])
    raise TypeError(f"no dummy for {tp!r}")


def dummy_args(sig: object) -> list[object]:
    """Valid arguments (by type) for the procedure of signature *sig*."""
    import inspect
    import typing

    from pyvirt.driver import DriverConnection

    method = getattr(DriverConnection, sig.procedure.method)  # type: ignore[attr-defined]
    hints = typing.get_type_hints(method)
    params = [p for p in inspect.signature(method).parameters.values() if p.name != "self"]
    args = [dummy_value(hints[p.name]) for p in params]
    sig.check_args(args)  # type: ignore[attr-defined]
    return args


def domain_states(conn: object) -> list[tuple[str, int]]:
    """A snapshot of the test driver's state: every object's name and state."""
    c = conn  # a pyvirt.Connection
    doms = sorted((d.name, int(d.state()[0])) for d in c.list_domains())  # type: ignore[attr-defined]
    nets = sorted((n.name, int(n.is_active())) for n in c.list_networks())  # type: ignore[attr-defined]
    pools = sorted((p.name, int(p.is_active())) for p in c.list_storage_pools())  # type: ignore[attr-defined]
    return doms + nets + pools


def as_nobody_prefix() -> list[str]:
    """``setpriv`` arguments that run a command as uid/gid 65534 (a plain user, for the
    session-mode defaults); skips the calling test where that cannot work here."""
    import shutil

    import pytest

    setpriv = shutil.which("setpriv")
    if os.geteuid() != 0 or setpriv is None:
        pytest.skip("needs root and setpriv (util-linux) to run pyvirtd as another user")
    prefix = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]
    probe = subprocess.run([*prefix, sys.executable, "-c", "import pyvirtd"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"this interpreter is not usable by uid 65534: {probe.stderr.decode()[-200:]}")
    return prefix
