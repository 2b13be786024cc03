"""The daemon's logs: time-stamped lines or JSON lines, with levels per module changeable at run time.

Every process (the daemon and each worker) sets its logging up with :func:`configure` from the
same :class:`LogSettings`: the daemon from its config file, a worker from the settings the
daemon hands it.  On SIGHUP the daemon reads the file again and writes the new settings to
``<rundir>/pyvirtd-log.json`` before passing the signal on, and each worker applies that
file (:func:`reload_from`), so ``log_filters`` can be changed without a restart, as libvirt's
``virt-admin daemon-log-filters`` changes libvirtd's.

``log_filters`` names loggers and levels: ``"pyvirtd.transport=DEBUG pyvirtd.worker=ERROR"``;
a logger not named keeps ``log_level``.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from dataclasses import asdict, dataclass

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
FORMATS = ("text", "json")
SETTINGS_FILE = "pyvirtd-log.json"


@dataclass(frozen=True)
class LogSettings:
    level: str = "WARNING"
    format: str = "text"
    filters: str = ""
    #: libvirt's log_outputs: ``LEVEL:stderr`` or ``LEVEL:file:PATH`` items (levels 1 debug
    #: ... 4 error); "" logs to stderr at ``level``.
    outputs: str = ""


#: libvirt's numeric log levels.
LIBVIRT_LEVELS = {1: "DEBUG", 2: "INFO", 3: "WARNING", 4: "ERROR"}


def parse_outputs(text: str) -> list[tuple[str, str | None]]:
    """``"1:stderr 3:file:/var/log/x.log"`` -> [("DEBUG", None), ("WARNING", "/var/log/x.log")]
    (None: stderr); ValueError says what is wrong with a malformed or unsupported item."""
    result: list[tuple[str, str | None]] = []
    for item in text.split():
        level, _, rest = item.partition(":")
        kind, _, path = rest.partition(":")
        if not level.isdigit() or int(level) not in LIBVIRT_LEVELS:
            raise ValueError(f"'{item}': the level must be 1 (debug) to 4 (error)")
        if kind == "stderr" and not path:
            result.append((LIBVIRT_LEVELS[int(level)], None))
        elif kind == "file" and path.startswith("/"):
            result.append((LIBVIRT_LEVELS[int(level)], path))
        else:
            raise ValueError(f"'{item}' is not LEVEL:stderr or LEVEL:file:/ABSOLUTE/PATH")
    return result


def format_outputs(settings: LogSettings) -> str:
    """The outputs in effect, as libvirt shows them (``3:stderr`` by default)."""
    if settings.outputs:
        return settings.outputs
    number = {v: k for k, v in LIBVIRT_LEVELS.items()}[settings.level.upper()]
    return f"{number}:stderr"


def parse_filters(text: str) -> dict[str, str]:
    """``"a=DEBUG b.c=ERROR"`` -> ``{"a": "DEBUG", "b.c": "ERROR"}``; ValueError says what is
    wrong with a malformed item."""
    result: dict[str, str] = {}
    for item in text.replace(",", " ").split():
        name, sep, level = item.partition("=")
        if not sep or not name or level.upper() not in LEVELS:
            raise ValueError(
                f"'{item}' is not LOGGER=LEVEL with a level among {', '.join(LEVELS)}"
            )
        result[name] = level.upper()
    return result


class _Formatter(logging.Formatter):
    """Names the process (``pyvirtd``, ``pyvirtd[test]``) and stamps the time in UTC."""

    def __init__(self, component: str) -> None:
        super().__init__()
        self.component = component

    @staticmethod
    def stamp(record: logging.LogRecord, sep: str) -> str:
        day_time = time.strftime(f"%Y-%m-%d{sep}%H:%M:%S", time.gmtime(record.created))
        return f"{day_time}.{int(record.msecs):03d}"


class _TextFormatter(_Formatter):
    """``2026-12-05 05:54:42.545+0000 pyvirtd[test] WARNING pyvirtd.worker: message``."""

    def format(self, record: logging.LogRecord) -> str:
        line = (
            f"{self.stamp(record, ' ')}+0000 {self.component} {record.levelname} "
            f"{record.name}: {record.getMessage()}"
        )
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


class _JsonFormatter(_Formatter):
    """One JSON object per line: time (RFC 3339, UTC), level, logger, process, message."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": f"{self.stamp(record, 'T')}Z",
            "level": record.levelname,
            "logger": record.name,
            "component": self.component,
            "pid": record.process,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry)


_named: set[str] = set()  # loggers given their own level by the filters in force


def configure(settings: LogSettings, component: str) -> None:
    """(Re)configure this process's logging: one stderr handler, the format, the levels."""
    filters = parse_filters(settings.filters)
    # Without outputs, one stderr handler that takes what the loggers pass (their levels are
    # log_level and the filters); an output's own level applies on top of those.
    outputs: list[tuple[str, str | None]] = parse_outputs(settings.outputs) or [("NOTSET", None)]
    handlers: list[logging.Handler] = []
    for level, path in outputs:  # opened before anything is removed: a bad path changes nothing
        handler: logging.Handler = (
            logging.StreamHandler(sys.stderr) if path is None else logging.FileHandler(path)
        )
        handler._pyvirtd = True  # type: ignore[attr-defined]
        handler.setLevel(level)
        handler.setFormatter(
            _JsonFormatter(component) if settings.format == "json" else _TextFormatter(component)
        )
        handlers.append(handler)
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, "_pyvirtd", False):
            root.removeHandler(old)
            old.close()
    for handler in handlers:
        root.addHandler(handler)
    levels = [settings.level.upper(), *(level for level, _ in outputs if level != "NOTSET")]
    root.setLevel(min(logging.getLevelName(level) for level in levels))
    for name in _named - set(filters):
        logging.getLogger(name).setLevel(logging.NOTSET)
    for name, level in filters.items():
        logging.getLogger(name).setLevel(level)
    _named.clear()
    _named.update(filters)


def publish(settings: LogSettings, rundir: str) -> None:
    """Write *settings* where the workers read them on SIGHUP (atomically: rename)."""
    path = os.path.join(rundir, SETTINGS_FILE)
    tmp = f"{path}.{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(asdict(settings), handle)
    os.replace(tmp, path)


def reload_from(rundir: str, component: str) -> None:
    """A worker's SIGHUP: apply the settings the daemon published, if any (a bad file is
    logged and ignored: the worker keeps the settings it has)."""
    path = os.path.join(rundir, SETTINGS_FILE)
    try:
        with open(path, encoding="utf-8") as handle:
            settings = LogSettings(**json.load(handle))
        configure(settings, component)
    except FileNotFoundError:
        return
    except (OSError, ValueError, TypeError) as exc:
        logging.getLogger("pyvirtd").error("cannot apply %s: %s", path, exc)
