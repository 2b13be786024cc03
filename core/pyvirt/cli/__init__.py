"""pyvirsh: virsh's command line (same grammar, texts and exit codes) on pyvirt's public API.

Kept import-light: only :func:`main` lives here; everything else loads on demand.
"""

from __future__ import annotations


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point (``pyvirsh``)."""
    from pyvirt.cli._main import main as _main

    return _main(argv)
