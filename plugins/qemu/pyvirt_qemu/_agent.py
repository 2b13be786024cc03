"""The QEMU guest agent client (libvirt's qemu_agent.c): one JSON line per command on the
guest agent's virtio-serial channel, whose host end is a unix socket QEMU listens on.

Why a guest-sync before every command: the channel is a byte pipe that outlives the agent
inside the guest.  A reply the previous command gave up waiting for, or one the agent sent
before the guest rebooted, may still sit in it; libvirt therefore sends ``guest-sync`` with
a random id and throws away every line until the agent echoes that id, so the next line is
the answer to *this* command.

Timeouts follow libvirt's ``guest-agent-timeout`` (virDomainAgentSetResponseTimeout):
:data:`BLOCK` waits for ever, :data:`DEFAULT` waits :data:`AGENT_WAIT` seconds, :data:`NOWAIT`
not at all, a positive number that many seconds.  A guest that does not answer in time gets
libvirt's VIR_ERR_AGENT_UNRESPONSIVE, "Guest agent is not responding: Guest agent not
available for now"; a channel the guest has not opened (QEMU's VSERPORT_CHANGE said so) gets
"... QEMU guest agent is not connected" without anything being sent.

One command at a time per agent (libvirt's agent job): the lock is separate from the
domain's job, so a slow guest never blocks monitor work such as destroy.
"""

from __future__ import annotations

import contextlib
import json
import random
import select
import socket
import threading
import time
from typing import Any

from pyvirt import ErrorCode, ErrorDomain, VirtError, make_error

__all__ = [
    "AGENT_PORT",
    "AGENT_WAIT",
    "BLOCK",
    "DEFAULT",
    "NOWAIT",
    "Agent",
    "agent_channel",
    "not_configured",
]

#: The virtio-serial port name the agent listens on (libvirt's "org.qemu.guest_agent.0").
AGENT_PORT = "org.qemu.guest_agent.0"
#: libvirt's QEMU_AGENT_WAIT_TIME: how long DEFAULT waits, and how long a guest-sync may take.
AGENT_WAIT = 5.0
#: VIR_DOMAIN_AGENT_RESPONSE_TIMEOUT_BLOCK, _DEFAULT, _NOWAIT.
BLOCK, DEFAULT, NOWAIT = -2, -1, 0
#: Commands the agent never answers (the guest goes away instead), as libvirt knows them.
_NO_REPLY = frozenset({"guest-shutdown", "guest-suspend-disk", "guest-suspend-ram",
                       "guest-suspend-hybrid"})  # fmt: skip


def _unresponsive(detail: str) -> VirtError:
    return make_error(ErrorCode.AGENT_UNRESPONSIVE, ErrorDomain.QEMU, detail)


def not_configured() -> VirtError:
    """A domain without the agent's channel (libvirt's qemuDomainAgentAvailable)."""
    return make_error(ErrorCode.ARGUMENT_UNSUPPORTED, ErrorDomain.QEMU,
                      "QEMU guest agent is not configured")  # fmt: skip


def agent_channel(live: Any) -> Any:
    """The live definition's guest agent channel (a ChardevDef), or None."""
    for ch in live.chardevs:
        if ch.kind == "channel" and ch.target.get("name") == AGENT_PORT and ch.type == "unix":
            return ch
    return None


def _wait_seconds(timeout: int) -> float | None:
    """A libvirt agent timeout as seconds to wait (None: for ever)."""
    if timeout == BLOCK:
        return None
    if timeout == DEFAULT:
        return AGENT_WAIT
    return float(max(timeout, 0))


class Agent:
    """The connection to one running guest's agent."""

    def __init__(self, path: str) -> None:
        self.path = path
        #: The guest has the port open (VSERPORT_CHANGE / query-chardev's frontend-open).
        self.connected = False
        #: The domain's guest-agent-timeout, for calls that name none.
        self.timeout = DEFAULT
        self._sock: socket.socket | None = None
        self._buf = b""
        self._lock = threading.Lock()

    # -- the port's state ------------------------------------------------------------------
    def set_connected(self, connected: bool) -> None:
        """The guest opened or closed its end: a closed one loses whatever was in flight."""
        self.connected = connected
        if not connected:
            self._drop()

    def close(self) -> None:
        self.connected = False
        self._drop()

    def _drop(self) -> None:
        sock, self._sock, self._buf = self._sock, None, b""
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.close()

    # -- commands --------------------------------------------------------------------------
    def execute(
        self,
        command: str,
        arguments: dict[str, Any] | None = None,
        timeout: int | None = None,
        *,
        lock_wait: float = 30.0,
    ) -> Any:
        """Run one agent command and return its ``return`` value (None for commands the
        agent does not answer); the agent's error becomes libvirt's internal error."""
        msg: dict[str, Any] = {"execute": command}
        if arguments is not None:
            msg["arguments"] = arguments
        reply = self._transact(msg, command, self.timeout if timeout is None else timeout,
                               lock_wait)  # fmt: skip
        if reply is None:
            return None
        if "error" in reply:
            err = reply["error"] if isinstance(reply["error"], dict) else {}
            desc = str(err.get("desc") or err.get("class") or "unknown error")
            raise make_error(ErrorCode.INTERNAL_ERROR, ErrorDomain.QEMU,
                             f"unable to execute QEMU agent command '{command}': {desc}")  # fmt: skip
        return reply.get("return")

    def execute_raw(self, text: str, timeout: int, *, lock_wait: float = 30.0) -> str:
        """virDomainQemuAgentCommand: send the caller's JSON, hand back the agent's reply
        as JSON text (libvirt checks only that both parse, and raises the agent's error)."""
        from pyvirt.driver import json_from_text, json_to_text

        msg = json_from_text(text)
        command = str(msg.get("execute", "")) if isinstance(msg, dict) else ""
        reply = self._transact(msg, command, timeout, lock_wait)
        if reply is None:
            return ""
        if "error" in reply:
            err = reply["error"] if isinstance(reply["error"], dict) else {}
            raise make_error(ErrorCode.INTERNAL_ERROR, ErrorDomain.QEMU,
                             f"unable to execute QEMU agent command '{command}': "
                             f"{err.get('desc') or err.get('class') or 'unknown error'}")  # fmt: skip
        return json_to_text(reply)

    def _transact(
        self, msg: Any, command: str, timeout: int, lock_wait: float
    ) -> dict[str, Any] | None:
        if not self._lock.acquire(timeout=lock_wait):
            raise make_error(ErrorCode.OPERATION_TIMEOUT, ErrorDomain.QEMU,
                             "cannot acquire state change lock (held by agent)")  # fmt: skip
        try:
            if not self.connected:
                raise _unresponsive("QEMU guest agent is not connected")
            self._sync(timeout)
            self._send(msg)
            if command in _NO_REPLY:
                return None
            wait = _wait_seconds(timeout)
            reply = self._read_reply(None if wait is None else time.monotonic() + wait)
            if reply is None:
                raise _unresponsive("Guest agent not available for now")
            return reply
        finally:
            self._lock.release()

    def _sync(self, timeout: int) -> None:
        """guest-sync with a fresh random id; everything before its echo is stale."""
        ident = random.getrandbits(63)
        self._send({"execute": "guest-sync", "arguments": {"id": ident}})
        wait = _wait_seconds(timeout)
        deadline = time.monotonic() + (AGENT_WAIT if wait is None else min(wait, AGENT_WAIT))
        while True:
            reply = self._read_reply(deadline)
            if reply is None:
                raise _unresponsive("Guest agent not available for now")
            if reply.get("return") == ident:
                return

    # -- the socket ------------------------------------------------------------------------
    def _socket(self) -> socket.socket:
        if self._sock is None:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                sock.connect(self.path)
            except OSError as exc:
                sock.close()
                raise _unresponsive("QEMU guest agent is not connected") from exc
            self._sock, self._buf = sock, b""
        return self._sock

    def _send(self, msg: Any) -> None:
        from pyvirt.driver import json_to_text

        data = json_to_text(msg).encode() + b"\n"  # (numbers of a passed-on command as written)
        try:
            self._socket().sendall(data)
        except OSError as exc:
            self._drop()
            raise _unresponsive("Guest agent not available for now") from exc

    def _read_reply(self, deadline: float | None) -> dict[str, Any] | None:
        """The next JSON object line, or None when *deadline* passes first.  Lines that are
        not JSON objects (the agent's garbage after a guest reset) are skipped."""
        while True:
            line, sep, rest = self._buf.partition(b"\n")
            if sep:
                self._buf = rest
                try:
                    obj = json.loads(line)
                except ValueError:
                    continue
                if isinstance(obj, dict):
                    return obj
                continue
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                return None
            sock = self._socket()
            try:
                ready, _, _ = select.select([sock], [], [], left)
                chunk = sock.recv(65536) if ready else None
            except (OSError, ValueError) as exc:  # the port closed under us (set_connected)
                self._drop()
                raise _unresponsive("Guest agent not available for now") from exc
            if chunk is None:
                return None
            if not chunk:  # QEMU closed the socket (it is shutting down)
                self._drop()
                raise _unresponsive("Guest agent not available for now")
            self._buf += chunk
