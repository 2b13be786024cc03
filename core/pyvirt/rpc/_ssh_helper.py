"""``pyvirt-ssh-helper [-r] [--socket PATH] URI``: the remote end of the ssh transport (a
console script of pyvirtd's distribution: the helper runs where the daemon does).

libvirt's ``virt-ssh-helper`` bridges ssh's stdin and stdout to the daemon's one socket.  A
pyvirt client talks to two: the daemon's control socket (ROUTE) and then the socket of the
worker serving the URI.  Over ssh there is one byte stream, so the helper does both in turn:

1. it connects to the control socket the URI calls for (``-r``: the read-only one, as the
   unix transport picks it; ``--socket``: the client's ``socket=`` parameter), and reports a
   failure on stderr, which the client shows in libvirt's "End of file while reading data";
2. it completes a ZMTP handshake with the client (as the ROUTER the client expects) and reads
   its first message.  A ROUTE goes to the daemon and its reply back to the client (an error
   reply leaves the helper waiting for the next ROUTE); any other first message (an event
   channel's attach) is preceded by a ROUTE the helper makes itself for URI;
3. it connects to the worker the route named, completes the worker's handshake as the DEALER
   the worker expects, sends on what the client sent meanwhile, and from then on relays raw
   bytes both ways: ZMTP's framing is the same in both directions once the handshakes are
   done, so the client and the worker speak to each other as if directly connected.

The stream ends when either side closes: the worker going away (a restart) ends the ssh
session, and the client routes again over a new one, as it does on a unix socket.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import threading
import time
from collections.abc import Sequence

from pyvirt._errors import VirtError
from pyvirt.rpc._adopt import MAX_PENDING, offer_stdio
from pyvirt.rpc._channel import Channel, lost, open_socket, reply_value
from pyvirt.rpc._codec import ProtocolError, encode
from pyvirt.rpc._paths import daemon_socket, default_rundir
from pyvirt.rpc._procs import PROC_ROUTE
from pyvirt.rpc._session import OPEN_TIMEOUT
from pyvirt.rpc._wire import (
    _HEADER,
    PROGRAM_DAEMON,
    VERSION_FRAME,
    MessageType,
    split_frames,
)
from pyvirt.rpc._zmtp import Decoder, Frame, ZmtpError, encode_frames, handshake

__all__ = ["ssh_helper_main"]

_CHUNK = 65536
_STDIN, _STDOUT = 0, 1
#: A ROUTE may wait for a worker that is starting (the daemon holds it up to its own limit).
_ROUTE_TIMEOUT = OPEN_TIMEOUT + 5.0
_RETRY_INTERVAL = 0.05


class HelperError(Exception):
    """Why the helper gives up: printed on stderr, which the client shows."""


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _read(fd: int) -> bytes:
    try:
        return os.read(fd, _CHUNK)
    except OSError:
        return b""


class _Client:
    """The client's side of the stream (stdin, stdout): we are the ROUTER it expects."""

    def __init__(self) -> None:
        self.decoder = Decoder(b"ROUTER")
        self.queued: list[list[bytes]] = []
        _write_all(_STDOUT, handshake(b"ROUTER", True))

    def next_message(self) -> list[bytes]:
        """The client's next whole message; HelperError when it leaves."""
        while not self.queued:
            data = _read(_STDIN)
            if not data:
                raise HelperError("the client closed the connection")
            try:
                self.queued += self.decoder.feed(data)
            except ZmtpError as exc:
                raise HelperError(f"protocol error from the client: {exc}") from None
            if self.decoder.replies:
                _write_all(_STDOUT, self.decoder.replies)
                self.decoder.replies = b""
        return self.queued.pop(0)

    def send(self, frames: Sequence[Frame]) -> None:
        _write_all(_STDOUT, encode_frames(frames))


def _is_route(frames: list[bytes]) -> bool:
    try:
        header, _body = split_frames(frames)
    except ProtocolError:
        return False
    return (
        header.program == PROGRAM_DAEMON
        and header.procedure == PROC_ROUTE
        and header.type == MessageType.CALL
    )


def _route_endpoint(frames: list[Frame]) -> str | None:
    """The worker endpoint in a ROUTE reply; None for an error reply (the client gets it)."""
    try:
        header, body = split_frames(frames)
        route = reply_value(header.status, body)
    except (ProtocolError, VirtError):
        return None
    if isinstance(route, dict) and isinstance(route.get("endpoint"), str):
        return str(route["endpoint"])
    return None


def _ask(control: Channel, frames: list[bytes]) -> list[Frame]:
    """Send a ROUTE to the daemon; its reply."""
    wanted = split_frames(frames)[0].serial
    control.send(frames, OPEN_TIMEOUT)
    deadline = time.monotonic() + _ROUTE_TIMEOUT
    while True:
        reply = control.recv(max(deadline - time.monotonic(), 0.0))
        try:
            header, _body = split_frames(reply)
        except ProtocolError:
            continue
        if header.type == MessageType.REPLY and header.serial == wanted:
            return reply


def _route_for_client(
    control: Channel, client: _Client, args: _Args
) -> tuple[str, list[list[bytes]]]:
    """Serve the client's ROUTE calls until one succeeds: the worker endpoint, and the messages
    to send it first (the client's other first message, when it did not route)."""
    message = client.next_message()
    while True:
        if _is_route(message):
            reply = _ask(control, message)
            client.send(reply)
            endpoint = _route_endpoint(reply)
            if endpoint is not None:
                return endpoint, []
            message = client.next_message()
            continue
        return _route_ourselves(control, args), [message]


def _route_ourselves(control: Channel, args: _Args) -> str:
    """ROUTE the helper's own URI (for a client whose first message was not a ROUTE)."""
    packed = _HEADER.pack(PROGRAM_DAEMON, 1, PROC_ROUTE, 0, 1, 0)
    call = [VERSION_FRAME, packed + encode([args.uri, 1 if args.readonly else 0])]
    header, body = split_frames(_ask(control, call))
    try:
        route = reply_value(header.status, body)
    except VirtError as exc:
        raise HelperError(exc.message) from None
    if not isinstance(route, dict) or not isinstance(route.get("endpoint"), str):
        raise HelperError("malformed route from the daemon")
    return str(route["endpoint"])


def _connect_worker(endpoint: str) -> tuple[socket.socket, Decoder, list[list[bytes]]]:
    """A socket to the worker whose ZMTP handshake is done (a worker just restarting is
    waited for, as the client waits for it), the decoder that read it, and messages it sent
    already."""
    deadline = time.monotonic() + OPEN_TIMEOUT
    while True:
        try:
            sock = open_socket(endpoint, OPEN_TIMEOUT)
            break
        except (ConnectionRefusedError, FileNotFoundError) as exc:
            if time.monotonic() >= deadline:
                raise HelperError(
                    f"cannot reach the worker at {endpoint}: {exc.strerror}"
                ) from None
            time.sleep(_RETRY_INTERVAL)
        except OSError as exc:
            raise HelperError(f"cannot reach the worker at {endpoint}: {exc}") from None
    sock.settimeout(OPEN_TIMEOUT)
    sock.sendall(handshake(b"DEALER", False))
    decoder = Decoder(b"DEALER")
    early: list[list[bytes]] = []
    try:
        while not decoder.ready:
            data = sock.recv(_CHUNK)
            if not data:
                raise HelperError(f"the worker at {endpoint} closed the connection")
            early += decoder.feed(data)
    except (OSError, ZmtpError) as exc:
        raise HelperError(f"ZMTP handshake with {endpoint} failed: {exc}") from None
    if not decoder.idle:
        raise HelperError(f"the worker at {endpoint} sent part of a message too early")
    sock.settimeout(None)
    return sock, decoder, early


def _relay(worker: int) -> None:
    """Copy bytes both ways until either side closes.

    One thread per direction, each blocked in its own read (which releases the GIL): two
    system calls per message and direction, where one poll loop for both makes three (poll,
    read, write), and the thread that reads is the one that writes, so nothing is handed
    between threads.  The first to see an end of stream ends the relay.
    """
    done = threading.Event()

    def pump(src: int, dst: int) -> None:
        try:
            while data := os.read(src, _CHUNK):
                _write_all(dst, data)
        except OSError:
            pass
        done.set()

    for src, dst in ((_STDIN, worker), (worker, _STDOUT)):
        threading.Thread(target=pump, args=(src, dst), daemon=True).start()
    done.wait()


class _Args(argparse.Namespace):
    readonly: bool
    socket: str | None
    uri: str


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pyvirt-ssh-helper",
        description="Bridge ssh's stdin and stdout to pyvirtd (the ssh transport's remote end; "
        "not meant to be run by hand).",
    )
    parser.add_argument("-r", "--readonly", action="store_true", help="a read-only connection")
    parser.add_argument("--socket", help="the daemon's control socket (the URI's socket=)")
    parser.add_argument("uri", help="the URI to open on this host ('' lets the daemon probe)")
    return parser


def run(args: _Args) -> None:
    """Connect, route, relay; HelperError or VirtError when it cannot."""
    path = args.socket or daemon_socket(default_rundir(), args.readonly and os.geteuid() == 0)
    control = Channel(f"ipc://{path}")
    try:
        control.connect(OPEN_TIMEOUT)
        if not control.wait_connected(OPEN_TIMEOUT):
            raise lost(f"cannot reach the daemon at ipc://{path}")
        client = _Client()
        endpoint, pending = _route_for_client(control, client, args)
    finally:
        control.close()
    worker, decoder, early = _connect_worker(endpoint)
    if not client.decoder.idle:
        raise HelperError("the client sent part of a message before the route was answered")
    pending += client.queued
    for frames in early:
        client.send(frames)
    if _hand_over(worker, decoder, b"".join(encode_frames(frames) for frames in pending)):
        return
    _relay(worker.detach())


def _hand_over(worker: socket.socket, decoder: Decoder, pending: bytes) -> bool:
    """Give the session's stdin and stdout to the worker (pyvirt.rpc._adopt) and wait until
    it is done with them: True.  False when the worker refused them (it has read *pending*
    all the same): the helper relays."""
    if len(pending) > MAX_PENDING:
        for start in range(0, len(pending), _CHUNK):
            worker.sendall(pending[start : start + _CHUNK])
        return False
    try:
        adopted, before = offer_stdio(worker, decoder, pending)
    except (OSError, ZmtpError) as exc:
        raise HelperError(f"handing the session to the worker failed: {exc}") from None
    for frames in before:
        _write_all(_STDOUT, encode_frames(frames))
    if not adopted:
        return False
    # Out of the way: the worker reads and writes the session's pipes.  Its closing this
    # socket ends the session (sshd then sees the helper exit).
    try:
        while worker.recv(_CHUNK):
            pass
    except OSError:
        pass
    return True


def ssh_helper_main(argv: list[str] | None = None) -> int:
    """The ``pyvirt-ssh-helper`` command."""
    args = _parser().parse_args(argv, namespace=_Args())
    try:
        run(args)
    except HelperError as exc:
        if str(exc) == "the client closed the connection":
            return 0
        print(f"pyvirt-ssh-helper: error: {exc}", file=sys.stderr)
        return 1
    except VirtError as exc:
        print(f"pyvirt-ssh-helper: error: {exc.message}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(ssh_helper_main())
