"""virsh's command-line grammar: option declarations as data, a tokenizer and one parser.

Why not argparse: virsh's grammar fills *any* non-boolean option positionally in declaration
order (``vol-info v1 default-pool`` sets ``--pool``), lets ``--opt=value`` and ``--opt value``
coexist with literal ``--``, separates commands by ``;`` inside one string, treats ``#`` as a
comment, and reports errors with its own fixed texts (``command 'list' doesn't support option
--bogus``).  None of that maps onto argparse, so this module is a small declarative parser that
walks the same state machine as libvirt's ``vshCommandParse``.
"""

from __future__ import annotations

# Not typing.TYPE_CHECKING: importing typing costs more than pyvirsh's own start-up.
TYPE_CHECKING = False

if TYPE_CHECKING:  # (plain classes, no dataclasses/enum/typing at run time: start-up speed)
    from collections.abc import Callable, Iterator
    from typing import Any


class T:
    """Option types, as virsh's VSH_OT_*."""

    BOOL = "bool"
    STRING = "string"  # optional string; positional unless REQ_OPT
    INT = "int"
    DATA = "data"  # string shown as <name> in the synopsis
    ALIAS = "alias"  # hidden: another name for an option (help holds the target)
    ARGV = "argv"  # every remaining data word, as a list (virsh's VSH_OT_ARGV)


class Opt:
    """One option of a command.

    ``req``: must be given.  ``req_opt``: only accepted as ``--name value`` (never positional).
    ``hidden``: left out of help (virsh's aliases, and pyvirsh's own ``--json``).
    """

    __slots__ = ("name", "type", "help", "req", "req_opt", "empty_ok", "hidden")

    def __init__(
        self,
        name: str,
        type: str,
        help: str = "",
        *,
        req: bool = False,
        req_opt: bool = False,
        empty_ok: bool = False,
        hidden: bool = False,
    ) -> None:
        self.name = name
        self.type = type
        self.help = help
        self.req = req
        self.req_opt = req_opt
        self.empty_ok = empty_ok
        self.hidden = hidden

    @property
    def positional(self) -> bool:
        return self.type not in (T.BOOL, T.ALIAS) and not self.req_opt


class Cmd:
    """One command: names and texts for help, its options, and the handler that runs it."""

    __slots__ = ("name", "group", "brief", "desc", "opts", "handler", "noconnect")

    def __init__(
        self,
        name: str,
        group: str,
        brief: str,
        desc: str | None,
        opts: tuple[Opt, ...],
        handler: Callable[..., Any] | None = None,
        noconnect: bool = False,
    ) -> None:
        self.name = name
        self.group = group
        self.brief = brief
        self.desc = desc
        self.opts = opts
        self.handler = handler
        self.noconnect = noconnect

    def option(self, name: str) -> Opt | None:
        for o in self.opts:
            if o.name == name:
                return o
        return None


def opts(*specs: Opt) -> tuple[Opt, ...]:
    return tuple(specs)


HELP_OPT = Opt("help", T.BOOL, "print help for this function")


class Parsed:
    """A parsed command: its definition and the option values given (bool True or str)."""

    __slots__ = ("cmd", "values")

    def __init__(self, cmd: Cmd, values: dict[str, Any] | None = None) -> None:
        self.cmd = cmd
        self.values: dict[str, Any] = values if values is not None else {}

    def bool(self, name: str) -> bool:
        return bool(self.values.get(name))

    def str(self, name: str) -> str | None:
        v = self.values.get(name)
        return v if isinstance(v, str) else None


class _End:
    ARG = 0
    SUBCMD_END = 1
    END = 2
    ERROR = 3


class StringTokens:
    """Split one command string like virsh: quotes, backslashes, ``;``/newline, ``#`` comments."""

    def __init__(self, text: str, report: Callable[[str], None]) -> None:
        self.s = text
        self.pos = 0
        self.report = report

    def next(self, report: bool = True) -> tuple[int, str | None]:
        s, p = self.s, self.pos
        n = len(s)
        while p < n and (s[p] in " \t" or (s[p] == "\\" and p + 1 < n and s[p + 1] == "\n")):
            p += 2 if s[p] == "\\" else 1
        if p >= n:
            self.pos = p
            return _End.END, None
        if s[p] in ";\n":
            self.pos = p + 1
            return _End.SUBCMD_END, None
        if s[p] == "#":
            while p < n and s[p] != "\n":
                p += 1
            self.pos = p + (1 if p < n else 0)
            return _End.SUBCMD_END, None
        out: list[str] = []
        sq = dq = False
        while p < n:
            c = s[p]
            if not sq and not dq and c in " \t;\n":
                break
            if not dq and c == "'":
                sq = not sq
                p += 1
                continue
            if not sq and c == "\\":
                p += 1
                if p >= n:
                    if report:
                        self.report("dangling \\")
                    return _End.ERROR, None
                if s[p] == "\n":
                    p += 1
                    continue
                c = s[p]
            elif not sq and c == '"':
                dq = not dq
                p += 1
                continue
            out.append(c)
            p += 1
        if dq:
            if report:
                self.report('missing "')
            return _End.ERROR, None
        self.pos = p
        return _End.ARG, "".join(out)


class ArgvTokens:
    """Tokens from argv (``pyvirsh cmd arg...``): one token per argument, no separators."""

    def __init__(self, args: list[str]) -> None:
        self.it: Iterator[str] = iter(args)

    def next(self, report: bool = True) -> tuple[int, str | None]:
        for a in self.it:
            return _End.ARG, a
        return _End.END, None


class ParseError(Exception):
    """Parsing stopped; the error lines were already reported."""


def parse(
    tokens: StringTokens | ArgvTokens,
    lookup: Callable[[str], Cmd | None],
    report: Callable[[str], None],
    log: Callable[[str], None] | None = None,
) -> list[Parsed]:
    """Parse every command of the input, or raise ParseError (nothing runs then, as in virsh).

    *log*, when given, receives virsh's INFO line for each option set
    (``dominfo: domain(optdata): test``, ``list: all(bool): (none)``)."""
    result: list[Parsed] = []
    while True:
        cmd: Cmd | None = None
        parsed: Parsed | None = None
        need_arg: list[Opt] = []
        seen: set[str] = set()
        data_only = False
        while True:
            tk, data = tokens.next()
            if tk == _End.ERROR:
                raise ParseError
            if tk != _End.ARG:
                break
            assert data is not None
            if cmd is None:
                if data.startswith("#"):
                    while tokens.next(False)[0] == _End.ARG:
                        pass
                    break
                cmd = lookup(data)
                if cmd is None:
                    report(f"unknown command: '{data}'")
                    raise ParseError
                parsed = Parsed(cmd)
                need_arg = [o for o in cmd.opts if o.positional]
                continue
            assert parsed is not None
            if not data_only and len(data) > 2 and data[:2] == "--" and _isalnum(data[2]):
                name, eq, value = data[2:].partition("=")
                opt_value: str | None = value if eq else None
                opt, opt_value = _get_option(cmd, name, seen, opt_value, report)
                if opt is None:
                    if cmd.name == "help":  # help ignores spurious options, as in virsh
                        continue
                    raise ParseError
                if opt.type != T.BOOL:
                    if opt_value is None:
                        tk, opt_value = tokens.next()
                        if tk == _End.ERROR:
                            raise ParseError
                        if tk != _End.ARG:
                            kind = "number" if opt.type == T.INT else "string"
                            report(f"expected syntax: --{opt.name} <{kind}>")
                            raise ParseError
                    if opt.type == T.ARGV:
                        # an argv option named once still takes the data words that follow
                        # (virsh: "echo --string x y" echoes both)
                        parsed.values.setdefault(opt.name, []).append(opt_value)
                        continue
                    if opt in need_arg:
                        need_arg.remove(opt)
                    parsed.values[opt.name] = opt_value
                    if log is not None:
                        log(f"{cmd.name}: {opt.name}(optdata): {opt_value}")
                else:
                    if opt_value is not None:
                        report(f"invalid '=' after option --{opt.name}")
                        raise ParseError
                    parsed.values[opt.name] = True
                    if log is not None:
                        log(f"{cmd.name}: {opt.name}(bool): (none)")
                continue
            if not data_only and data == "--":
                data_only = True
                continue
            if not need_arg:
                if cmd.name == "help":
                    continue
                report(f"unexpected data '{data}'")
                raise ParseError
            opt = need_arg[0]
            seen.add(opt.name)
            if opt.type == T.ARGV:
                parsed.values.setdefault(opt.name, []).append(data)
                continue
            need_arg.pop(0)
            parsed.values[opt.name] = data
            if log is not None:
                log(f"{cmd.name}: {opt.name}(optdata): {data}")
        if parsed is not None:
            if "help" in parsed.values and parsed.cmd.option("help") is None:
                helpcmd = lookup("help")
                assert helpcmd is not None
                parsed = Parsed(helpcmd, {"command": parsed.cmd.name})
            else:
                missing = [o for o in parsed.cmd.opts if o.req and o.name not in seen]
                for o in missing:
                    if o.type in (T.DATA, T.ARGV):  # shown as <name> in the synopsis
                        report(f"command '{parsed.cmd.name}' requires <{o.name}> option")
                    else:
                        report(f"command '{parsed.cmd.name}' requires --{o.name} option")
                if missing:
                    raise ParseError
            result.append(parsed)
        if tk == _End.END:
            return result


def _get_option(
    cmd: Cmd,
    name: str,
    seen: set[str],
    value: str | None,
    report: Callable[[str], None],
) -> tuple[Opt | None, str | None]:
    """Find option *name* (following aliases); mark it seen.  Mirrors vshCmddefGetOption."""
    if name == "help":
        return HELP_OPT, value
    for _ in range(len(cmd.opts) + 1):
        opt = cmd.option(name)
        if opt is None:
            break
        if opt.type == T.ALIAS:
            target, eq, alias_value = opt.help.partition("=")
            if eq:
                if value is not None:
                    report(f"invalid '=' after option --{opt.name}")
                    return None, None
                value = alias_value
            name = target
            continue
        if opt.name in seen and opt.type != T.ARGV:  # an argv option may come again
            report(f"option --{name} already seen")
            return None, None
        seen.add(opt.name)
        return opt, value
    if cmd.name != "help":
        report(f"command '{cmd.name}' doesn't support option --{name}")
    return None, None


def _isalnum(c: str) -> bool:
    return c.isascii() and c.isalnum()
