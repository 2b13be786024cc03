"""pyvirtd: the daemon that hosts state drivers and serves clients (not built yet)."""

from __future__ import annotations

import sys

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``pyvirtd`` command."""
    print("pyvirtd: the daemon is not available in this version of pyvirt", file=sys.stderr)
    return 1
