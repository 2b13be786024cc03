"""A third-party hook plugin: appends each connection open to the file $MOCK3P_HOOK_LOG."""

from __future__ import annotations

import os

import pyvirt


@pyvirt.hookimpl
def pyvirt_connection_open(uri: str, read_only: bool) -> None:
    log = os.environ.get("MOCK3P_HOOK_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as handle:
            handle.write(f"{uri} {read_only}\n")
