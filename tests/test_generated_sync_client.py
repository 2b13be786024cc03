"""The synchronous remote client is generated from the asyncio one and must not drift.

``python -m pyvirt.rpc._unasync --check`` is what CI runs; these tests run it, check that it
does fail on a stale file, and that the rewriting does what the generated code relies on.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from pyvirt.rpc import _unasync


def _run_check() -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pyvirt.rpc._unasync", "--check"],
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_committed_sync_client_is_what_the_generator_makes():
    result = _run_check()
    assert result.returncode == 0, result.stderr


def test_the_check_fails_on_a_hand_edit_and_regenerating_mends_it(tmp_path, monkeypatch):
    source = Path(_unasync.HERE / "_async_client.py").read_text()
    generated = _unasync.unasync(source, "_async_client.py")
    (tmp_path / "_async_client.py").write_text(source)
    (tmp_path / "_sync_client.py").write_text(generated.replace("self._open()", "self._open( )"))
    monkeypatch.setattr(_unasync, "HERE", tmp_path)
    assert _unasync.main(["--check"]) == 1
    assert _unasync.main([]) == 0  # regenerates
    assert (tmp_path / "_sync_client.py").read_text() == generated
    assert _unasync.main(["--check"]) == 0


def test_a_missing_generated_file_is_stale(tmp_path, monkeypatch):
    (tmp_path / "_async_client.py").write_text("async def f() -> None:\n    await g()\n")
    monkeypatch.setattr(_unasync, "HERE", tmp_path)
    assert _unasync.generate(check=True) == ["_sync_client.py"]
    assert not (tmp_path / "_sync_client.py").exists()


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("    async def close(self) -> None:", "    def close(self) -> None:"),
        ("        await self.connect_close()", "        self.connect_close()"),
        ("        async for event in it:", "        for event in it:"),
        ("        async with self._open_lock:", "        with self._open_lock:"),
        (
            "    async def __aenter__(self) -> AsyncRemoteConnection:",
            "    def __enter__(self) -> RemoteConnection:",
        ),
        (
            "    async def __aexit__(self, *exc: object) -> None:",
            "    def __exit__(self, *exc: object) -> None:",
        ),
        (
            "from pyvirt.rpc import _aio_backend as backend",
            "from pyvirt.rpc import _sync_backend as backend",
        ),
        ("class X(backend.AsyncClientBase):", "class X(backend.ClientBase):"),
        ("self._lock = backend.AsyncLock()", "self._lock = backend.Lock()"),
        ("-> AsyncIterator[ObjectEvent]:", "-> Iterator[ObjectEvent]:"),
        ("await asyncio.sleep(0.1)", "time.sleep(0.1)"),
        (
            "class AsyncRemoteConnection(AsyncRemoteStubs, backend.AsyncClientBase):",
            "class RemoteConnection(RemoteStubs, backend.ClientBase):",
        ),
        # Words that merely contain the patterns stay as they are.
        ("awaited = self.asyncness", "awaited = self.asyncness"),
        ("NotAsyncThing", "NotAsyncThing"),
    ],
)
def test_lines_are_rewritten_word_by_word(line, expected):
    assert _unasync.unasync_line(line) == expected


def test_the_generated_file_says_it_is_generated():
    text = (_unasync.HERE / "_sync_client.py").read_text()
    assert text.startswith("# Generated from pyvirt/rpc/_async_client.py")
    assert "do not edit" in text.splitlines()[0]
    assert re.search(r"\basync (def|for|with)\b|\bawait ", text) is None


def test_both_backends_offer_the_interface_the_session_logic_uses():
    """What the one source calls on a backend must exist, under the generated names, on both."""
    from pyvirt.rpc import _aio_backend, _sync_backend

    for name in ("connect", "Link"):
        assert callable(getattr(_aio_backend, name)) and callable(getattr(_sync_backend, name))
    assert _unasync.unasync_line("backend.AsyncLock") == "backend.Lock"
    assert hasattr(_aio_backend, "AsyncLock") and hasattr(_sync_backend, "Lock")
    assert hasattr(_aio_backend, "AsyncClientBase") and hasattr(_sync_backend, "ClientBase")
    link_interface = {"request", "call", "gone", "keep_alive", "events", "close"}
    for link in (_aio_backend.Link, _sync_backend.Link):
        assert link_interface <= set(dir(link)), link
