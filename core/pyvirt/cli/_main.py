"""pyvirsh's entry: global options (virsh's getopt rules), then one-shot commands or the shell.

Nothing here imports a driver: ``--help`` and ``--version`` finish before any connection, and
the connection (hence the driver) is opened only when a command needs it (or eagerly with -c,
as virsh does, so a bad URI fails before any command runs).
"""

from __future__ import annotations

import gc
import os
import sys
import time

from pyvirt import _log
from pyvirt.cli._control import INFO, Control, Failure
from pyvirt.cli._getopt import LONG, GetOpt, OptError
from pyvirt.cli._parser import ArgvTokens, Parsed, ParseError, StringTokens, parse

_ESCAPE_OK = "@[\\]^_"
#: error codes after which virsh marks the connection as lost and reconnects
_DISCONNECT_CODES = {39, 5, 6}


def _version() -> str:
    from pyvirt import __version__

    return __version__


def _long_name(letter: str) -> str:
    return next(n for n, (ltr, _) in LONG.items() if ltr == letter)


class _StartupGC:
    """Cyclic garbage collection paused while pyvirsh starts, when pyvirsh is the process.

    Start-up creates tens of thousands of objects that live until exit (modules, classes,
    enum members, dataclass methods) and next to no garbage, yet they trigger collections
    that walk them all, and the interpreter walks them once more at exit: together about
    12 ms of a run that virsh finishes in 13.  So collection is paused until the connection
    is open and the commands are parsed; then what is alive is moved to the permanent
    generation (``gc.freeze``: never examined again, right for objects kept until exit) and
    collection resumes for the commands themselves, an interactive shell included.

    Only when ``main`` is the process's entry point (called without *argv*, as the console
    script calls it): a program embedding ``main(argv)`` keeps its collector as it was.
    """

    def __init__(self, active: bool) -> None:
        self.active = active and gc.isenabled()
        if self.active:
            gc.disable()

    def end(self) -> None:
        if self.active:
            self.active = False
            gc.freeze()
            gc.enable()


class Exit(Exception):
    def __init__(self, code: int) -> None:
        self.code = code


def _global_options(ctl: Control, args: list[str], prog: str) -> list[str]:
    """Apply the global options; raise Exit for --help/--version and option errors."""
    parser = GetOpt(args)
    try:
        for letter, value, was_long in parser:
            flag = f"--{_long_name(letter)}" if was_long else f"-{letter}"
            if letter == "c":
                ctl.uri = value
            elif letter == "d":
                from pyvirt.cli._format import to_int

                level = to_int(value or "")
                if level is None:
                    ctl.error(f"option {flag} takes a numeric argument")
                    raise Exit(1)
                if not 0 <= level <= 4:
                    ctl.error(f"ignoring debug level {level} out of range [0-4]")
                else:
                    ctl.debug = level
            elif letter == "e":
                v = value or ""
                if not (
                    (
                        len(v) == 2
                        and v[0] == "^"
                        and (v[1].isalpha() and v[1].isascii() or v[1] in _ESCAPE_OK)
                    )
                    or (len(v) == 1 and v != "^")
                ):
                    ctl.error(f"Invalid string '{v}' for escape sequence")
                    raise Exit(1)
                ctl.escape = v
            elif letter == "h":
                from pyvirt.cli._help import usage

                ctl.print(usage(prog))
                raise Exit(0)
            elif letter in "kK":
                from pyvirt.cli._format import to_int

                number = to_int(value or "", base=0)
                if number is None:
                    ctl.error(f"Invalid value for option {flag}")
                    raise Exit(1)
                if number < 0:
                    ctl.error(f"option {flag} requires a positive integer argument")
                    raise Exit(1)
                ctl.keepalive_forced = True
                if letter == "k":
                    ctl.keepalive_interval = number
                else:
                    ctl.keepalive_count = number
            elif letter == "l":
                if not ctl.open_log(value or ""):
                    ctl.error("failed to open the log file. check the log file path")
                    raise Exit(1)
            elif letter == "q":
                ctl.quiet = True
            elif letter == "t":
                ctl.timing = True
            elif letter == "r":
                ctl.readonly = True
            elif letter == "v" and value != "long":
                ctl.print(_version() + "\n")
                raise Exit(0)
            elif letter in "vV":
                ctl.print(
                    f"Pyvirsh command line tool of pyvirt {_version()}\n"
                    "A re-implementation of virsh on pyvirt; see docs/cli-json.md for --json\n"
                )
                raise Exit(0)
    except OptError as e:
        if e.kind == ":":
            ctl.error(f"option '-{e.letter}'/'--{_long_name(e.letter)}' requires an argument")
        elif e.letter:
            ctl.error(f"unsupported option '-{e.letter}'. See --help.")
        else:
            ctl.error(f"unsupported option '{e.text}'. See --help.")
        raise Exit(1) from None
    return parser.rest


def parse_commands(ctl: Control, tokens: StringTokens | ArgvTokens) -> list[Parsed] | None:
    from pyvirt.cli._registry import lookup

    log = None
    if ctl.debug <= INFO:  # each option given, as virsh logs while parsing

        def log(text: str) -> None:
            ctl.log(INFO, text)

    try:
        return parse(tokens, lookup, ctl.error, log)
    except ParseError:
        return None


def run_one(ctl: Control, p: Parsed) -> bool:
    """Run one command; report its failure as virsh does.  True on success."""
    from pyvirt import VirtError

    cause: BaseException | None = None
    try:
        if not p.cmd.noconnect:
            ctl.conn  # noqa: B018  (connect lazily, as virsh's connection handler)
        assert p.cmd.handler is not None
        return p.cmd.handler(ctl, p) is not False
    except Failure as f:
        for line in f.lines:
            ctl.error(line)
        cause = f.cause
        if cause is not None:
            ctl.error(str(cause) or "unknown error")
    except VirtError as e:
        cause = e
        ctl.error(str(e) or "unknown error")
    except (BrokenPipeError, KeyboardInterrupt):
        raise
    except Exception as e:  # never a traceback: report like any other failure
        ctl.error(str(e) or type(e).__name__)
    if isinstance(cause, VirtError) and (
        int(cause.code) in _DISCONNECT_CODES or (int(cause.code) == 38 and int(cause.domain) == 13)
    ):
        ctl.disconnected += 1
    return False


def run_commands(ctl: Control, cmds: list[Parsed]) -> bool:
    ok = True
    for p in cmds:
        before = time.perf_counter()
        ok = run_one(ctl, p)
        after = time.perf_counter()
        _log.debug("pyvirt.cli", "%s: %s in %.3f ms", p.cmd.name, "ok" if ok else "failed",
                   (after - before) * 1000)
        if p.cmd.name in ("quit", "exit"):
            return ok
        if ctl.timing:
            ctl.print(f"\n(Time: {(after - before) * 1000:.3f} ms)\n\n")
        else:
            ctl.print_extra("\n")
    return ok


def _run(args: list[str], prog: str, startup: _StartupGC) -> int:
    ctl = Control()
    ctl.prog = prog
    try:
        rest = _global_options(ctl, args, prog)
    except Exit as e:
        return e.code
    cmds: list[Parsed] | None = []
    if rest:
        if len(rest) == 1:
            if ctl.debug <= INFO:
                ctl.log(INFO, f'commands: "{rest[0]}"')
            cmds = parse_commands(ctl, StringTokens(rest[0], ctl.error))
        else:
            cmds = parse_commands(ctl, ArgvTokens(rest))
        if cmds is None:
            return 1
    else:
        ctl.imode = True
    if ctl.uri is not None:
        try:
            ctl.connect()
        except Failure as f:
            f.report(ctl)
            return 1
    startup.end()
    try:
        if not ctl.imode:
            assert cmds is not None
            return 0 if run_commands(ctl, cmds) else 1
        from pyvirt.cli._shell import shell

        shell(ctl, prog)
        return 0
    finally:
        ctl.out.flush()
        ctl.close()
        ctl.close_log()


def main(argv: list[str] | None = None) -> int:
    """Run pyvirsh with *argv* (default sys.argv[1:]); returns the exit status."""
    prog = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else "pyvirsh"
    args = sys.argv[1:] if argv is None else argv
    startup = _StartupGC(argv is None)
    try:
        code = _run(args, prog, startup)
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        _silence_stdout()
        return 1
    except KeyboardInterrupt:
        return 1
    except Exception as e:  # the last net: never a traceback
        try:
            sys.stderr.write(f"error: {e or type(e).__name__}\n")
        except Exception:
            pass
        return 1
    finally:
        startup.end()


def _silence_stdout() -> None:
    """After EPIPE, point stdout at /dev/null so the interpreter's final flush is quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
