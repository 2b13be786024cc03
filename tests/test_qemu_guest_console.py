"""The serial console of a real guest: opened through the API, driven by pyvirsh's loop.

The guest (:mod:`qemu_guest`) runs a shell on ttyS0; a test types a command into the console
and reads the guest's answer back, over a pty serial (virsh's usual console) and over a
unix socket QEMU listens on.  pyvirsh's terminal loop runs against a pty pair standing in
for the user's terminal, so the escape character and the raw copying are tested for real.
"""

# ruff: noqa: F811 - fixtures imported from qemu_helpers are test parameters
from __future__ import annotations

import os
import select
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyvirt import ErrorCode, VirtError
from pyvirt.cli._console import escape_byte, run_console
from qemu_guest import PROMPT, Guest, guest_domain_xml
from qemu_helpers import InProcessDriver, needs_qemu, qemu_root, wait_for  # noqa: F401

pytestmark = needs_qemu

TIMEOUT = 180.0


@pytest.fixture
def console_driver(qemu_root: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[InProcessDriver]:
    monkeypatch.setenv("PYVIRT_QEMU_ACCEL", "tcg")
    drv = InProcessDriver(qemu_root)
    try:
        yield drv
    finally:
        drv.stop()


def _read_until(fd: int, needle: bytes, timeout: float = TIMEOUT) -> bytes:
    """Read *fd* until *needle* has arrived; everything read so far is returned."""
    got = b""
    deadline = time.monotonic() + timeout
    while needle not in got:
        left = deadline - time.monotonic()
        assert left > 0, got
        ready, _, _ = select.select([fd], [], [], min(left, 1.0))
        if ready:
            chunk = os.read(fd, 4096)
            assert chunk, got
            got += chunk
    return got


def _ask(fd: int, command: str, answer: bytes) -> bytes:
    """Type *command* at the guest's prompt and read until *answer*.

    Empty lines go first until a prompt answers: the guest may still be booting (its
    output before the console was opened is not replayed), and the shell's line editor
    swallows what arrives while it asks the terminal for the cursor position.
    """
    deadline = time.monotonic() + TIMEOUT
    seen = ""
    while True:
        os.write(fd, b"\r")
        try:
            _read_until(fd, PROMPT.encode(), timeout=2.0)
            break
        except AssertionError as late:
            seen = str(late).splitlines()[0] or seen  # what arrived instead of a prompt
            assert time.monotonic() < deadline, f"the guest's shell never answered: {seen}"
    os.write(fd, command.encode() + b"\r")
    return _read_until(fd, answer)


def _boot(drv: InProcessDriver, guest: Guest, root: Path, serial: str):  # type: ignore[no-untyped-def]
    conn = drv.connect()
    log = root / "console.log"
    xml = guest_domain_xml(guest, "con", log).replace(
        f"<serial type='pty'><log file='{log}' append='off'/></serial>", serial
    )
    dom = conn.define_domain(xml)
    return conn, dom


def test_console_over_the_pty_answers_a_command(
    console_driver: InProcessDriver, linux_guest: Guest, qemu_root: Path
) -> None:
    conn, dom = _boot(console_driver, linux_guest, qemu_root, "<serial type='pty'/>")
    with pytest.raises(VirtError) as info:
        dom.open_console()
    assert info.value.code == ErrorCode.OPERATION_INVALID  # not running
    dom.start()
    fd = dom.open_console()
    try:
        assert b"hi-42" in _ask(fd, "echo hi-$((40+2))", b"hi-42")
    finally:
        os.close(fd)
    fd = dom.open_console("serial0")  # by alias; a second session after the first
    try:
        assert b"PID" in _ask(fd, "ps | head -1", b"PID")
    finally:
        os.close(fd)
    for bad in ("serial1", "nope"):
        with pytest.raises(VirtError, match=f"cannot find character device {bad}") as info:
            dom.open_console(bad)
        assert info.value.code == ErrorCode.INTERNAL_ERROR
    with pytest.raises(VirtError) as info:
        dom.open_console(None, 4)  # no such virDomainConsoleFlags bit
    assert info.value.code == ErrorCode.INVALID_ARG
    dom.destroy()


def test_console_over_a_unix_socket_and_pyvirshs_loop_with_its_escape(
    console_driver: InProcessDriver, linux_guest: Guest, qemu_root: Path
) -> None:
    sock = qemu_root / "serial.sock"
    serial = f"<serial type='unix'><source mode='bind' path='{sock}'/></serial>"
    conn, dom = _boot(console_driver, linux_guest, qemu_root, serial)
    dom.start()
    console = dom.open_console()
    # The user's terminal: the loop gets the pty's slave side, the test types on the master.
    master, slave = os.openpty()
    loop = threading.Thread(target=run_console, args=(console, escape_byte("^]"), slave, slave))
    loop.start()
    try:
        assert b"7*6=42" in _ask(master, "echo 7*6=$((7*6))", b"7*6=42")
        os.write(master, b"\x1d")  # ^]
        loop.join(TIMEOUT)
        assert not loop.is_alive()
    finally:
        if loop.is_alive():
            os.close(console)  # ends the loop
            loop.join(TIMEOUT)
        else:
            os.close(console)
        os.close(master)
        os.close(slave)
    assert escape_byte("^X") == 0x18 and escape_byte("x") == ord("x")
    dom.destroy()
