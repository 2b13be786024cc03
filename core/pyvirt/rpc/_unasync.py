"""Generate the synchronous remote client from the asyncio one (httpcore's "unasync" idea).

The session logic is written once, as asyncio code, in :mod:`pyvirt.rpc._async_client`;
:mod:`pyvirt.rpc._sync_client` is that file with its asyncio words rewritten token by token
(``async def`` → ``def``, ``await x`` → ``x``, ``AsyncX`` → ``X``, ``__aenter__`` →
``__enter__``, the asyncio backend → the synchronous one ...).  The generated file is
committed, so that reading and importing it needs no build step, and starts with a header
saying it must not be edited.

Run ``python -m pyvirt.rpc._unasync`` after editing the asyncio client; ``--check`` writes
nothing and exits 1 when the committed file differs from what would be generated (CI runs it).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
#: (source, generated) pairs, relative to this package.
FILES = (("_async_client.py", "_sync_client.py"),)
HEADER = (
    "# Generated from pyvirt/rpc/{source} by `python -m pyvirt.rpc._unasync`: do not edit.\n"
    "# Edit the asyncio source, then run that command (CI runs it with --check).\n"
)

#: Whole-word replacements, applied in order to every line (strings and comments too).
_WORDS: tuple[tuple[str, str], ...] = (
    ("async def", "def"),
    ("async for", "for"),
    ("async with", "with"),
    ("await ", ""),
    ("__aenter__", "__enter__"),
    ("__aexit__", "__exit__"),
    ("__aiter__", "__iter__"),
    ("__anext__", "__next__"),
    ("_aio_backend", "_sync_backend"),
    ("_async_client", "_sync_client"),
    ("asyncio.sleep", "time.sleep"),
    ("StopAsyncIteration", "StopIteration"),
    ("is_async=True", "is_async=False"),
)
_WORD_RE = re.compile("|".join(rf"\b{re.escape(old)}" for old, _ in _WORDS))
_WORD_MAP = dict(_WORDS)
#: ``AsyncRemoteConnection`` → ``RemoteConnection``, ``AsyncIterator`` → ``Iterator`` ...
_ASYNC_NAME_RE = re.compile(r"\bAsync([A-Z]\w*)")


def unasync_line(line: str) -> str:
    """One line of asyncio source, rewritten for the synchronous twin."""
    line = _WORD_RE.sub(lambda m: _WORD_MAP[m.group(0)], line)
    return _ASYNC_NAME_RE.sub(r"\1", line)


def unasync(text: str, source: str) -> str:
    """The generated module for asyncio source *text* (read from file *source*)."""
    body = "".join(unasync_line(line) for line in text.splitlines(keepends=True))
    return HEADER.format(source=source) + body


def generate(check: bool) -> list[str]:
    """Write (or, with *check*, compare) every generated file; the names that differed."""
    stale = []
    for source, target in FILES:
        expected = unasync((HERE / source).read_text(), source)
        path = HERE / target
        current = path.read_text() if path.exists() else None
        if current != expected:
            stale.append(target)
            if not check:
                path.write_text(expected)
    return stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pyvirt.rpc._unasync", description=__doc__)
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if a generated file is stale"
    )
    args = parser.parse_args(argv)
    stale = generate(args.check)
    for name in stale:
        verb = "is out of date" if args.check else "regenerated"
        print(f"pyvirt/rpc/{name} {verb}", file=sys.stderr)
    if stale and args.check:
        print("run: python -m pyvirt.rpc._unasync", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
