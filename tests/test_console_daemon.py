"""A real guest's console through pyvirtd: virDomainOpenConsole on a stream (procedure 201),
one session per device unless forced, and ``pyvirsh -c qemu:///system console`` with virsh's
``^]`` escape, driven through a pty standing in for the user's terminal.
"""

# ruff: noqa: F811 - fixtures imported from qemu_helpers are test parameters
from __future__ import annotations

import os
import pty
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import pyvirt
from daemon_helpers import start_daemon
from pyvirt import ErrorCode, VirtError
from qemu_guest import Guest, guest_domain_xml
from qemu_helpers import daemon_env, needs_qemu, qemu_root, wait_for  # noqa: F401 - fixtures
from test_qemu_guest_console import TIMEOUT, _ask, _read_until

PYVIRSH = str(Path(sys.executable).parent / "pyvirsh")

pytestmark = [
    needs_qemu,
    pytest.mark.skipif(os.geteuid() != 0, reason="qemu:///system through pyvirtd needs root"),
]


@pytest.fixture
def guest_dom(
    daemon_env: tuple[Path, dict[str, str]], qemu_root: Path, linux_guest: Guest
) -> Iterator[pyvirt.Domain]:
    """The guest, running, on a pyvirtd of the test's own."""
    rundir, env = daemon_env
    daemon = start_daemon(rundir, env=env)
    try:
        daemon.wait_worker("qemu")
        with pyvirt.open("qemu:///system") as conn:
            xml = guest_domain_xml(linux_guest, "con", qemu_root / "console.log").replace(
                f"<serial type='pty'><log file='{qemu_root / 'console.log'}' append='off'/>"
                "</serial>",
                "<serial type='pty'/>",
            )
            dom = conn.define_domain(xml)
            dom.start()
            yield dom
            dom.destroy()
    finally:
        daemon.stop()


def _ended(fd: int) -> bool:
    """The session's descriptor reads the end of the stream (after what was pending)."""
    while True:
        try:
            if not os.read(fd, 65536):
                return True
        except OSError:
            return True


def _reopen(dom: pyvirt.Domain, *args: object) -> int:
    """A console opened once the previous session is gone: the stream has a socket of its
    own, so the worker learns of a close a moment after os.close returns (as libvirtd learns
    of a virsh that went away)."""
    opened: list[int] = []

    def attempt() -> bool:
        try:
            opened.append(dom.open_console(*args))  # type: ignore[arg-type]
        except VirtError as exc:
            if exc.code != ErrorCode.OPERATION_FAILED:
                raise
            return False
        return True

    assert wait_for(attempt, timeout=TIMEOUT)
    return opened[0]


def test_console_through_the_daemon_answers_and_allows_one_session(
    guest_dom: pyvirt.Domain,
) -> None:
    fd = guest_dom.open_console()
    try:
        assert b"hi-42" in _ask(fd, "echo hi-$((40+2))", b"hi-42")
        with pytest.raises(VirtError) as err:
            guest_dom.open_console()
        assert err.value.code == ErrorCode.OPERATION_FAILED
        assert str(err.value) == "operation failed: Active console session exists for this domain"
        forced = guest_dom.open_console(None, 1)  # VIR_DOMAIN_CONSOLE_FORCE
        try:
            assert _ended(fd)  # the old session was ended
            assert b"PID" in _ask(forced, "ps | head -1", b"PID")
        finally:
            os.close(forced)
    finally:
        os.close(fd)
    # The forced session closed: a new one opens without force, also by alias and "safe".
    again = _reopen(guest_dom, "serial0", 2)
    try:
        assert b"x=9" in _ask(again, "echo x=$((3*3))", b"x=9")
    finally:
        os.close(again)
    with pytest.raises(VirtError, match="cannot find character device nope"):
        guest_dom.open_console("nope")


def test_pyvirsh_console_through_the_daemon_with_the_escape(guest_dom: pyvirt.Domain) -> None:
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [PYVIRSH, "-c", "qemu:///system", "console", "con", "--safe"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        start_new_session=True,
        env=dict(os.environ),
    )
    os.close(slave)
    try:
        banner = _read_until(master, b"(Ctrl + ])")
        assert b"Connected to domain 'con'" in banner
        assert b"Escape character is ^] (Ctrl + ])" in banner
        assert b"7*6=42" in _ask(master, "echo 7*6=$((7*6))", b"7*6=42")
        # While pyvirsh holds the console, another session is refused (no --force) ...
        other = subprocess.run(
            [PYVIRSH, "-c", "qemu:///system", "console", "con"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
        assert other.returncode == 1
        assert "Cannot run interactive console without a controlling TTY" in other.stderr
        with pytest.raises(VirtError, match="Active console session exists"):
            guest_dom.open_console()
        os.write(master, b"\x1d")  # ^]
        assert proc.wait(TIMEOUT) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    fd = guest_dom.open_console()  # pyvirsh's session is over
    os.close(fd)


def test_an_asyncio_console_through_the_daemon_answers_and_ends_with_its_session(
    guest_dom: pyvirt.Domain,
) -> None:
    """pyvirt.aio: ``await dom.open_console()`` gives a descriptor pumped by a task of the
    event loop; the console is the same single session (refused while held, forced out with
    VIR_DOMAIN_CONSOLE_FORCE, the old descriptor then reading the end)."""
    import asyncio

    import pyvirt.aio

    async def main() -> None:
        loop = asyncio.get_running_loop()
        async with await pyvirt.aio.open("qemu:///system") as conn:
            adom = await conn.lookup_domain_by_name("con")
            fd = await adom.open_console()
            try:
                said = await loop.run_in_executor(None, _ask, fd, "echo a-$((6*7))", b"a-42")
                assert b"a-42" in said
                with pytest.raises(VirtError) as err:
                    await adom.open_console()
                assert str(err.value) == (
                    "operation failed: Active console session exists for this domain"
                )
                forced = await adom.open_console(None, 1)
                try:
                    assert await loop.run_in_executor(None, _ended, fd)
                    said = await loop.run_in_executor(None, _ask, forced, "echo b-$((2+3))", b"b-5")
                    assert b"b-5" in said
                finally:
                    os.close(forced)
            finally:
                os.close(fd)

    asyncio.run(main())
    os.close(_reopen(guest_dom))  # the session ended with the descriptor (sync API here)


def test_an_asyncio_console_left_as_asyncio_run_ends_closes_its_session_at_once(
    guest_dom: pyvirt.Domain,
) -> None:
    """A program that closes its connection and returns from ``asyncio.run`` right away:
    closing the connection cancels the console's pump before it ever ran.  The stream's
    socket is closed all the same, so the session is free for the next caller at once (it
    stayed held until the garbage collector found the socket)."""
    import asyncio

    import pyvirt.aio

    async def main() -> None:
        conn = await pyvirt.aio.open("qemu:///system")
        adom = await conn.lookup_domain_by_name("con")
        os.close(await adom.open_console())
        await conn.close()

    for _ in range(3):
        asyncio.run(main())
        fd: list[int] = []

        def attempt(fd: list[int] = fd) -> bool:
            try:
                fd.append(guest_dom.open_console())
            except VirtError as exc:
                if exc.code != ErrorCode.OPERATION_FAILED:
                    raise
                return False
            return True

        assert wait_for(attempt, timeout=20)
        os.close(fd[0])
