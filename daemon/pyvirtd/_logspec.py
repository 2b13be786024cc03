"""libvirt's log filter and log output syntax, read and shown as libvirtd 9.0 reads and shows it
(``virt-admin daemon-log-filters`` / ``daemon-log-outputs``, ``log_filters`` in pyvirtd.toml).

Filters: space-separated ``LEVEL:MATCH`` items; LEVEL is 1 (debug) to 4 (error), MATCH a glob
matched against a logger's name (``pyvirt_qemu._monitor``, ``pyvirtd.worker``), wrapped in
``*`` as libvirt wraps it, so ``1:qemu`` is ``1:*qemu*``: every logger whose name holds
"qemu".  A leading ``+`` on MATCH (libvirt's old "stack trace" flag) is accepted and dropped, as
9.0 does.  The first filter that matches a logger decides its level; a logger no filter names
keeps ``log_level``.  pyvirt's own older spelling, ``LOGGER=LEVEL`` (``pyvirtd.worker=INFO``),
is still read, as the filter ``2:pyvirtd.worker``.

Outputs: space-separated ``LEVEL:stderr``, ``LEVEL:file:PATH``, ``LEVEL:syslog:IDENT`` or
``LEVEL:journald``; a later output to the same destination replaces an earlier one.

Errors are libvirt's texts ("Invalid priority '9' for filter '9:qemu'"), raised as
:class:`LogSpecError` (a ValueError) for the caller to report with libvirt's code.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

__all__ = [
    "LEVEL_NAMES",
    "LogFilter",
    "LogOutput",
    "LogSpecError",
    "format_filters",
    "format_outputs",
    "parse_filters",
    "parse_outputs",
]

#: libvirt's numeric priorities and the logging level names they stand for.
LEVEL_NAMES = {1: "DEBUG", 2: "INFO", 3: "WARNING", 4: "ERROR"}
_LEGACY_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
#: The destinations and whether each takes a name after it (file: its path, syslog: its ident).
_DESTINATIONS = {"stderr": False, "file": True, "syslog": True, "journald": False}


class LogSpecError(ValueError):
    """A malformed filter or output, in libvirt's words."""


@dataclass(frozen=True)
class LogFilter:
    priority: int  # 1 debug ... 4 error
    match: str  # a glob, already wrapped in "*" as libvirt wraps it
    _regex: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # GLib's g_pattern_match_simple: only "*" and "?" are special (no [...] classes)
        parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in self.match)
        object.__setattr__(self, "_regex", re.compile("".join(parts), re.DOTALL))

    @property
    def level(self) -> str:
        return LEVEL_NAMES[self.priority]

    def matches(self, name: str) -> bool:
        return self._regex.fullmatch(name) is not None


@dataclass(frozen=True)
class LogOutput:
    priority: int
    dest: str  # "stderr", "file", "syslog" or "journald"
    name: str = ""  # the file's absolute path, or syslog's ident

    @property
    def level(self) -> str:
        return LEVEL_NAMES[self.priority]

    def text(self) -> str:
        return (
            f"{self.priority}:{self.dest}:{self.name}"
            if self.name
            else f"{self.priority}:{self.dest}"
        )


def _priority(text: str) -> int | None:
    """libvirt's virStrToLong_uip: strtoul's reading (leading blanks, an optional "+", all of
    the rest digits), a value in 1..4; None otherwise."""
    digits = text.lstrip(" \t\n\v\f\r").removeprefix("+")
    if not digits.isascii() or not digits.isdigit():
        return None
    value = int(digits)
    return value if value in LEVEL_NAMES else None


def _items(text: str) -> list[str]:
    """libvirt splits on spaces only (a tab stays inside an item) and skips empty items."""
    return [item for item in text.split(" ") if item]


def _legacy_filter(item: str) -> LogFilter:
    name, _sep, level = item.partition("=")
    if not name or level.upper() not in _LEGACY_LEVELS:
        raise LogSpecError(
            f"'{item}' is not LOGGER=LEVEL with a level among {', '.join(_LEGACY_LEVELS)}"
        )
    return LogFilter(_LEGACY_LEVELS.index(level.upper()) + 1, f"*{name}*")


def parse_filters(text: str) -> list[LogFilter]:
    """``"1:qemu 3:remote"`` -> the filters, in order (see the module's docstring)."""
    filters: list[LogFilter] = []
    for item in _items(text):
        if ":" not in item and "=" in item:
            filters.append(_legacy_filter(item))
            continue
        tokens = item.split(":")
        if len(tokens) < 2:
            raise LogSpecError(f"Malformed format for filter '{item}'")
        priority = _priority(tokens[0])
        if priority is None:
            raise LogSpecError(f"Invalid priority '{tokens[0]}' for filter '{item}'")
        match = tokens[1].removeprefix("+")
        if not match:
            raise LogSpecError(f"Invalid match string '{tokens[1]}'")
        filters.append(LogFilter(priority, f"*{match}*"))
    return filters


def format_filters(filters: list[LogFilter]) -> str:
    """As libvirt shows them: every item followed by a space (``"1:*qemu* 3:*remote* "``)."""
    return "".join(f"{f.priority}:{f.match} " for f in filters)


def _output(item: str) -> LogOutput:
    tokens = item.split(":")
    if len(tokens) < 2:
        raise LogSpecError(f"Malformed format for log output '{item}'")
    priority = _priority(tokens[0])
    if priority is None:
        raise LogSpecError(f"Invalid log priority '{tokens[0]}' for log output '{item}'")
    dest = tokens[1]
    if dest not in _DESTINATIONS:
        raise LogSpecError(f"Invalid log destination '{dest}' for log output '{item}'")
    if len(tokens) != (3 if _DESTINATIONS[dest] else 2):
        raise LogSpecError(
            f"Log output '{item}' does not meet the format requirements for destination "
            f"type '{dest}'"
        )
    if not _DESTINATIONS[dest]:
        return LogOutput(priority, dest)
    # a relative (or empty) path is the daemon's working directory's, as libvirt makes it
    return LogOutput(priority, dest, os.path.abspath(tokens[2]) if dest == "file" else tokens[2])


def parse_outputs(text: str) -> list[LogOutput]:
    """``"1:file:/var/log/x.log 3:stderr"`` -> the outputs; a later one to the same
    destination (the same file, the same syslog ident, stderr, journald) replaces an earlier
    one, taking its place at the end, as libvirt does."""
    outputs: list[LogOutput] = []
    for item in _items(text):
        out = _output(item)
        outputs = [o for o in outputs if (o.dest, o.name) != (out.dest, out.name)]
        outputs.append(out)
    return outputs


def format_outputs(outputs: list[LogOutput]) -> str:
    """As libvirt shows them: the items joined by one space."""
    return " ".join(o.text() for o in outputs)
