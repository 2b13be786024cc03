"""Help texts laid out exactly as virsh's ``help``, ``help GROUP``, ``help CMD`` and ``--help``."""

from __future__ import annotations

from pyvirt.cli._parser import Cmd, T
from pyvirt.cli._registry import GROUPS, group_commands

USAGE = """
{prog} [options]... [<command_string>]
{prog} [options]... <command> [args...]

  options:
    -c | --connect=URI      hypervisor connection URI
    -d | --debug=NUM        debug level [0-4]
    -e | --escape <char>    set escape sequence for console
    -h | --help             this help
    -k | --keepalive-interval=NUM
                            keepalive interval in seconds, 0 for disable
    -K | --keepalive-count=NUM
                            number of possible missed keepalive messages
    -l | --log=FILE         output logging to file
    -q | --quiet            quiet mode
    -r | --readonly         connect readonly
    -t | --timing           print timing information
    -v                      short version
    -V                      long version
         --version[=TYPE]   version, TYPE is short or long (default short)
  commands (non interactive mode):

"""


def _group_lines(keyword: str) -> str:
    return "".join(f"    {c.name:<30} {c.brief}\n" for c in group_commands(keyword))


def usage(prog: str) -> str:
    """``virsh --help``: options, then every group (headers without the trailing colon)."""
    parts = [USAGE.format(prog=prog)]
    for kw, title in GROUPS:
        parts.append(f" {title} (help keyword '{kw}')\n{_group_lines(kw)}\n")
    parts.append(
        "\n  (specify help <group> for details about the commands in the group)\n"
        "\n  (specify help <command> for details about the command)\n\n"
    )
    return "".join(parts)


def global_help() -> str:
    parts = ["Grouped commands:\n\n"]
    for kw, title in GROUPS:
        parts.append(f" {title} (help keyword '{kw}'):\n{_group_lines(kw)}\n")
    return "".join(parts)


def group_help(keyword: str) -> str | None:
    for kw, title in GROUPS:
        if keyword in (kw, title):
            return f" {title} (help keyword '{kw}'):\n{_group_lines(kw)}"
    return None


def command_help(cmd: Cmd) -> str:
    visible = [o for o in cmd.opts if not o.hidden and o.type != T.ALIAS]
    synopsis = [cmd.name]
    # virsh's "shortopt": once an option can be given by position, an argv option after it
    # is shown with its --name too
    shortopt = False
    for o in visible:
        if o.type in (T.INT, T.STRING, T.DATA) and not o.req_opt:
            shortopt = True
        if o.type == T.BOOL:
            synopsis.append(f"[--{o.name}]")
        elif o.type == T.INT:
            synopsis.append(f"<{o.name}>" if o.req else f"[--{o.name} <number>]")
        elif o.type == T.STRING:
            synopsis.append(f"[--{o.name} <string>]")
        elif o.type == T.ARGV and shortopt:
            synopsis.append(
                f"{{[--{o.name}] <string>}}..." if o.req else f"[[--{o.name}] <string>]..."
            )
        elif o.type == T.ARGV:
            if shortopt:
                synopsis.append(f"{{[--{o.name}] <string>}}..." if o.req else f"[[--{o.name}] <string>]...")
            else:
                synopsis.append(f"<{o.name}>..." if o.req else f"[<{o.name}>]...")
        else:
            synopsis.append(f"<{o.name}>" if o.req else f"[<{o.name}>]")
        if o.type in (T.INT, T.STRING, T.DATA) and not o.req_opt:
            shortopt = True
    out = [f"  NAME\n    {cmd.name} - {cmd.brief}\n\n  SYNOPSIS\n    {' '.join(synopsis)}\n"]
    if cmd.desc:
        # virsh indents the text's start only: its texts carry their own continuation
        # indentation (start's, memtune's) or none (vol-resize's, domdirtyrate-calc's)
        out.append(f"\n  DESCRIPTION\n    {cmd.desc}\n")
    if visible:
        out.append("\n  OPTIONS\n")
        for o in visible:
            if o.type == T.BOOL:
                label = f"--{o.name}"
            elif o.type == T.INT:
                label = f"[--{o.name}] <number>" if o.req else f"--{o.name} <number>"
            elif o.type == T.STRING:
                label = f"--{o.name} <string>"
            elif o.type == T.ARGV:
                label = f"[--{o.name}] <string>" if shortopt else f"<{o.name}>"
            else:
                label = f"[--{o.name}] <string>"
            out.append(f"    {label:<15}  {o.help}\n")
    out.append("\n")
    return "".join(out)
