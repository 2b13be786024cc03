"""The daemon's logs: time-stamped lines or JSON lines, with levels per module changeable at run time.

Every process (the daemon and each worker) sets its logging up with :func:`configure` from the
same :class:`LogSettings`: the daemon from its config file, a worker from the settings the
daemon hands it.  On SIGHUP the daemon reads the file again and writes the new settings to
``<rundir>/pyvirtd-log.json`` before passing the signal on, and each worker applies that
file (:func:`reload_from`), so ``log_filters`` can be changed without a restart, as libvirt's
``virt-admin daemon-log-filters`` changes libvirtd's.

``log_filters`` and the outputs are libvirt's syntax (``"1:transport 4:worker"``,
``"1:file:/var/log/pyvirtd.log 3:stderr"``; see pyvirtd._logspec): the first filter whose
pattern matches a logger's name sets its level, a logger no filter matches keeps
``log_level``, and each output takes what passes that at its own level.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from dataclasses import asdict, dataclass

from pyvirtd import _logspec
from pyvirtd._logspec import LEVEL_NAMES, LogFilter, LogOutput, parse_filters, parse_outputs

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
FORMATS = ("text", "json")
SETTINGS_FILE = "pyvirtd-log.json"


@dataclass(frozen=True)
class LogSettings:
    level: str = "WARNING"
    format: str = "text"
    filters: str = ""
    #: libvirt's log_outputs (``LEVEL:stderr``, ``LEVEL:file:PATH``, ``LEVEL:syslog:IDENT``,
    #: ``LEVEL:journald``; levels 1 debug ... 4 error); "" logs to stderr at ``level``.
    outputs: str = ""


def format_outputs(settings: LogSettings) -> str:
    """The outputs in effect, as libvirt shows them (``3:stderr`` by default)."""
    outputs = parse_outputs(settings.outputs)
    if outputs:
        return _logspec.format_outputs(outputs)
    number = {v: k for k, v in LEVEL_NAMES.items()}[settings.level.upper()]
    return f"{number}:stderr"


def format_filters(settings: LogSettings) -> str:
    """The filters in effect, as libvirt shows them (``1:*qemu* 3:*remote* ``)."""
    return _logspec.format_filters(parse_filters(settings.filters))


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


class _LevelByName(logging.Filter):
    """libvirt's filters on a handler: the first filter whose pattern matches the record's
    logger decides the least level that passes, ``log_level`` when none does."""

    def __init__(self, filters: list[LogFilter], default: int) -> None:
        super().__init__()
        self.filters = filters
        self.default = default
        self._least: dict[str, int] = {}  # per logger name: the patterns are matched once

    def filter(self, record: logging.LogRecord) -> bool:
        least = self._least.get(record.name)
        if least is None:
            least = next(
                (logging.getLevelName(f.level) for f in self.filters if f.matches(record.name)),
                self.default,
            )
            self._least[record.name] = least
        return record.levelno >= least


class _SyslogHandler(logging.Handler):
    """libvirt's ``syslog:IDENT`` output: openlog(IDENT) and syslog(), which never fail (no
    syslog daemon: the lines are lost, as libvirt's are)."""

    _PRIORITY = {"DEBUG": 7, "INFO": 6, "WARNING": 4, "ERROR": 3, "CRITICAL": 2}

    def __init__(self, ident: str) -> None:
        super().__init__()
        import syslog

        self._syslog = syslog
        syslog.openlog(ident, syslog.LOG_PID, syslog.LOG_DAEMON)

    def emit(self, record: logging.LogRecord) -> None:
        priority = self._PRIORITY.get(record.levelname, 6)
        self._syslog.syslog(priority, self.format(record))


class _JournaldHandler(logging.Handler):
    """libvirt's ``journald`` output: journald's native protocol (KEY=value lines in one
    datagram to its socket); a missing journald drops the lines, as libvirt's output does."""

    SOCKET = "/run/systemd/journal/socket"
    _PRIORITY = _SyslogHandler._PRIORITY

    def __init__(self) -> None:
        super().__init__()
        import socket

        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)

    def emit(self, record: logging.LogRecord) -> None:
        fields = {
            "MESSAGE": self.format(record),
            "PRIORITY": str(self._PRIORITY.get(record.levelname, 6)),
            "SYSLOG_IDENTIFIER": "pyvirtd",
            "CODE_FUNC": record.funcName,
            "LOGGER": record.name,
        }
        payload = b"".join(_journal_field(k, v) for k, v in fields.items())
        try:
            self._sock.sendto(payload, self.SOCKET)
        except OSError:
            pass

    def close(self) -> None:
        self._sock.close()
        super().close()


def _journal_field(key: str, value: str) -> bytes:
    data = value.encode("utf-8", "replace")
    if b"\n" not in data:
        return key.encode() + b"=" + data + b"\n"
    # a value with newlines: the key, a newline, its length (64-bit little endian), the value
    return key.encode() + b"\n" + len(data).to_bytes(8, "little") + data + b"\n"


def _handler(output: LogOutput) -> logging.Handler:
    if output.dest == "file":
        try:
            return logging.FileHandler(output.name)
        except OSError as exc:
            # libvirt's words; one argument, so that str() is exactly them
            raise OSError(f"failed to open {output.name}: {exc.strerror}") from None
    if output.dest == "syslog":
        return _SyslogHandler(output.name)
    if output.dest == "journald":
        return _JournaldHandler()
    return logging.StreamHandler(sys.stderr)


def configure(settings: LogSettings, component: str) -> None:
    """(Re)configure this process's logging: the outputs, the format, the levels."""
    filters = parse_filters(settings.filters)
    outputs = parse_outputs(settings.outputs)
    # A logger no filter matches passes log_level, or an output's lower level (pyvirt's
    # choice: "1:file:PATH" alone means "everything into PATH").  Without outputs, one
    # stderr handler takes what the filters pass; an output's own level applies on top.
    default = min(
        logging.getLevelName(x) for x in [settings.level.upper(), *(o.level for o in outputs)]
    )
    handlers: list[logging.Handler] = []
    for output in outputs or [LogOutput(1, "stderr")]:
        # all opened before anything is removed: a bad path changes nothing
        try:
            handler = _handler(output)
        except OSError:
            for opened in handlers:
                opened.close()
            raise
        handler._pyvirtd = True  # type: ignore[attr-defined]
        handler.setLevel(output.level if outputs else logging.NOTSET)
        handler.addFilter(_LevelByName(filters, default))
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
    # The loggers let through the least level any filter asks for; the handlers sort it out.
    root.setLevel(min([default, *(logging.getLevelName(f.level) for f in filters)]))


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
