"""The library's debug log, set up from the environment as libvirt's ``LIBVIRT_DEBUG`` family.

=======================  ====================================================================
``PYVIRT_DEBUG``         default level: 1 debug, 2 info, 3 warning, 4 error
``PYVIRT_LOG_FILTERS``   ``"1:rpc 3:pyvirt_qemu"``: level per logger whose name contains the
                         match (the most specific filter given first wins, as in libvirt)
``PYVIRT_LOG_OUTPUTS``   ``"1:stderr 2:file:/var/log/x.log"``: where lines go, each with its
                         own level (default: ``stderr`` at the default level)
=======================  ====================================================================

Lines look like libvirt's: ``2026-12-05 05:54:42.545+0000: 7257: debug : open_driver:112 :
driver 'test' accepted test:///default``.  A malformed value is libvirt's
``VIR_ERR_INVALID_ARG`` with libvirt's message, raised by the first :func:`pyvirt.open`.

With none of the variables set nothing is configured and :mod:`logging` is never imported,
so a pyvirsh run pays only for reading three environment variables.  Code that logs calls
:func:`debug` (or checks :func:`enabled` first when building the message costs).
"""

from __future__ import annotations

import os

ENV_VARS = ("PYVIRT_DEBUG", "PYVIRT_LOG_FILTERS", "PYVIRT_LOG_OUTPUTS")
#: libvirt's priorities -> Python's logging levels
_LEVELS = {1: 10, 2: 20, 3: 30, 4: 40}
_LEVEL_WORDS = {10: "debug", 20: "info", 30: "warning", 40: "error", 50: "error"}

_state: bool | None = None  # None: not set up yet; False: no variable set


def enabled() -> bool:
    """True when one of the variables asks for logging (sets it up on first use)."""
    if _state is None:
        configure_from_env()
    return bool(_state)


def debug(logger: str, message: str, *args: object) -> None:
    """Log *message* (``%`` formatted with *args*) at debug level to logger *logger*."""
    if enabled():
        import logging

        logging.getLogger(logger).debug(message, *args, stacklevel=2)


def configure_from_env(environ: dict[str, str] | None = None) -> None:
    """Install the handlers the variables describe, once; raise VIR_ERR_INVALID_ARG when one
    of them is malformed (and stay unconfigured, so the next call reports it again)."""
    global _state
    env = os.environ if environ is None else environ
    values = [env.get(name, "") for name in ENV_VARS]
    if not any(values):
        _state = False
        return
    level_text, filters_text, outputs_text = values
    default = _priority(level_text) if level_text else 3
    filters = [_filter(item) for item in filters_text.split()]
    outputs = [_output(item) for item in outputs_text.split()] or [(default, "stderr", "")]
    _install(default, filters, outputs)
    _state = True


def _invalid(detail: str) -> Exception:
    from pyvirt._codes import ErrorCode, ErrorDomain
    from pyvirt._errors import make_error

    return make_error(ErrorCode.INVALID_ARG, ErrorDomain.NONE, detail)


def _priority(text: str) -> int:
    if text.strip() not in ("1", "2", "3", "4"):
        raise _invalid(f"Failed to set logging priority, argument '{text}' is invalid")
    return int(text)


def _filter(item: str) -> tuple[int, str]:
    level, sep, match = item.partition(":")
    if not sep or not match or level not in ("1", "2", "3", "4"):
        raise _invalid(f"Malformed format for filter '{item}'")
    return int(level), match.lstrip("+")


def _output(item: str) -> tuple[int, str, str]:
    level, sep, rest = item.partition(":")
    if not sep or level not in ("1", "2", "3", "4"):
        raise _invalid(f"Malformed format for output '{item}'")
    dest, _, arg = rest.partition(":")
    if dest not in ("stderr", "file") or (dest == "file" and not arg.startswith("/")):
        raise _invalid(f"Invalid log destination '{dest}' for log output '{item}'")
    return int(level), dest, arg


def _install(default: int, filters: list[tuple[int, str]], outputs: list[tuple[int, str, str]]) -> None:
    import logging
    import sys
    import time

    class LibvirtFormatter(logging.Formatter):
        def format(self, record: logging.LogRecord) -> str:
            stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(record.created))
            millis = int(record.msecs)
            level = _LEVEL_WORDS.get(record.levelno, "debug")
            return (
                f"{stamp}.{millis:03d}+0000: {record.process}: {level} : "
                f"{record.funcName}:{record.lineno} : {record.getMessage()}"
            )

    def wanted(record: logging.LogRecord) -> bool:
        for level, match in filters:
            if match in record.name:
                return record.levelno >= _LEVELS[level]
        return record.levelno >= _LEVELS[default]

    root = logging.getLogger("pyvirt")
    root.setLevel(logging.DEBUG)
    root.propagate = False
    for level, dest, arg in outputs:
        handler: logging.Handler
        if dest == "file":
            handler = logging.FileHandler(arg, encoding="utf-8")
        else:
            handler = logging.StreamHandler(sys.stderr)
        handler.setLevel(_LEVELS[level])
        handler.addFilter(wanted)
        handler.setFormatter(LibvirtFormatter())
        root.addHandler(handler)
