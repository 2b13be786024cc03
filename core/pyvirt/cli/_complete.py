"""What virsh's readline completion offers for a partial command line (the ``complete`` command).

virsh 9.0 has a hidden command, ``virsh complete -- WORD...``, that its bash completion script
calls: the words are joined into one line, the line is parsed as far as it goes, and the
candidates for the last word are printed one per line.  This module reproduces that logic from
pyvirsh's own command tables, so the shell scripts (``pyvirsh completion bash|zsh``) never
hold a list of commands or options that could drift:

* no command yet, or an unknown one → command names;
* the word is an option value (``--domain <TAB>``) or fills a positional option
  (``dominfo t<TAB>``) → that option's completer: names of domains, networks, pools or
  volumes read from the connection, filtered by state as virsh's completers are
  (``start`` offers inactive domains, ``destroy`` active ones);
* otherwise → the command's options not given yet, in declaration order.

Candidates are those starting with the last word as typed, as ``vshCompleterFilter`` keeps.
"""

from __future__ import annotations

from pyvirt.cli._parser import Cmd, Opt, StringTokens, T, _End, _isalnum

# Not typing.TYPE_CHECKING: importing typing costs more than pyvirsh's own start-up.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

    from pyvirt import Connection

#: Which domains virsh's ``virshDomainNameCompleter`` offers, per command (its flags); commands
#: not named here offer every domain.  ``domname`` completes UUIDs, as virsh does.
DOMAIN_FILTER: dict[str, str] = {
    "destroy": "active",
    "domid": "active",
    "reboot": "active",
    "reset": "active",
    "screenshot": "active",
    "shutdown": "active",
    "start": "inactive",
    "suspend": "running",
    "resume": "paused",
    "domname": "uuid",
}
#: The same for networks and storage pools (``vol-*`` commands want an active pool).
NETWORK_FILTER: dict[str, str] = {"net-destroy": "active", "net-start": "inactive"}
POOL_FILTER: dict[str, str] = {
    "pool-destroy": "active",
    "pool-start": "inactive",
    "vol-create-as": "active",
    "vol-delete": "active",
    "vol-dumpxml": "active",
    "vol-info": "active",
    "vol-list": "active",
}


def candidates(
    line: str,
    text: str,
    conn: Callable[[], Connection | None],
    report: Callable[[str], None] | None = None,
) -> list[str]:
    """The completions for the word *text* that ends *line* (virsh's ``complete -- WORDS``
    passes the words joined by blanks and the last word).

    *conn* returns the connection when names are needed (None when none can be opened);
    it is not called for command or option names.  *report* gets the tokeniser's complaint
    about a line it cannot split (``missing "``), as virsh prints it.
    """
    from pyvirt.cli._registry import lookup

    words = _current_command(line, report or (lambda _message: None))
    if words is None:
        return []
    *done, partial = words
    cmd = lookup(done[0]) if done else None
    if cmd is None:
        found = _command_names()
    else:
        found = _for_command(cmd, done[1:], partial, conn)
    return [c for c in found if c.startswith(text)]


def _command_names() -> list[str]:
    """Every listed command, in help's order (hidden ones, such as ``complete``, are not)."""
    from pyvirt.cli._registry import GROUPS, group_commands

    return [cmd.name for keyword, _title in GROUPS for cmd in group_commands(keyword)]


def _current_command(line: str, report: Callable[[str], None]) -> list[str] | None:
    """The words of the line's last command; the last item is the word being typed ("" when
    the line ends in a blank).  None when the line cannot be tokenised (an open quote)."""
    tokens = StringTokens(line, report)
    words: list[str] = []
    while True:
        kind, word = tokens.next()
        if kind == _End.ERROR:
            return None
        if kind == _End.END:
            break
        if kind == _End.SUBCMD_END:
            words = []
            continue
        assert word is not None
        words.append(word)
    if not line or line[-1] in " \t;" or not words:
        words.append("")
    return words


def _for_command(
    cmd: Cmd, words: list[str], partial: str, conn: Callable[[], Connection | None]
) -> list[str]:
    """Options not given yet, and/or the values of the option the partial word belongs to."""
    positional = [o for o in cmd.opts if o.positional]
    seen: set[str] = set()
    values: dict[str, str] = {}
    pending: Opt | None = None
    data_only = False
    for word in words:
        if pending is not None:
            values[pending.name] = word
            pending = None
        elif not data_only and _is_option(word):
            name, eq, value = word[2:].partition("=")
            opt = _option(cmd, name)
            if opt is None:
                continue
            seen.add(opt.name)
            if opt.type != T.BOOL and not eq:
                pending = opt
            elif eq:
                values[opt.name] = value
        elif not data_only and word == "--":
            data_only = True
        else:
            opt = next((o for o in positional if o.name not in seen), None)
            if opt is not None and opt.type != T.ARGV:
                seen.add(opt.name)
                values[opt.name] = word
    target = pending
    if target is None and partial and (data_only or not partial.startswith("-")):
        target = next((o for o in positional if o.name not in seen), None)
    elif target is None and _is_option(partial):
        known = _option(cmd, partial[2:].partition("=")[0])
        if known is not None:
            seen.add(known.name)
    found: list[str] = []
    if target is None or target.type == T.BOOL:
        # not pyvirsh's own --json: virsh's answers (and exit status) stay virsh's
        found += [
            f"--{o.name}"
            for o in cmd.opts
            if o.type != T.ALIAS and o.name not in seen and o.name != "json"
        ]
    if target is not None:
        found += _values(cmd, target, values, conn)
    return found


def _is_option(word: str) -> bool:
    return len(word) > 2 and word[:2] == "--" and _isalnum(word[2])


def _option(cmd: Cmd, name: str) -> Opt | None:
    """The option called *name*, following aliases (``--diff`` may name ``--delta``)."""
    for _ in range(len(cmd.opts) + 1):
        opt = cmd.option(name)
        if opt is None or opt.type != T.ALIAS:
            return opt
        name = opt.help.partition("=")[0]
    return None


def _values(
    cmd: Cmd, opt: Opt, values: dict[str, str], conn: Callable[[], Connection | None]
) -> list[str]:
    """The names virsh's completer for *opt* offers (none when no connection is open)."""
    if cmd.name == "help" and opt.name == "command":
        return _command_names()
    if opt.name not in ("domain", "network", "pool", "vol"):
        return []
    connection = conn()
    if connection is None:
        return []
    from pyvirt import VirtError

    try:
        if opt.name == "domain":
            return _domains(connection, DOMAIN_FILTER.get(cmd.name, "all"))
        if opt.name == "network":
            return _networks(connection, NETWORK_FILTER.get(cmd.name, "all"))
        if opt.name == "pool":
            return _pools(connection, POOL_FILTER.get(cmd.name, "all"))
        pool = values.get("pool")
        if not pool:
            return []
        return [v.name for v in connection.lookup_storage_pool_by_name(pool).list_volumes()]
    except VirtError:
        return []


def _domains(conn: Connection, which: str) -> list[str]:
    from pyvirt import ListDomainsFlags as F

    flags = {"active": F.ACTIVE, "inactive": F.INACTIVE, "running": F.RUNNING,
             "paused": F.PAUSED}.get(which, 0)
    domains = conn.list_domains(int(flags))
    if which == "uuid":
        return [d.uuid for d in domains]
    return [d.name for d in domains]


def _networks(conn: Connection, which: str) -> list[str]:
    from pyvirt import ListNetworksFlags as F

    flags = {"active": F.ACTIVE, "inactive": F.INACTIVE}.get(which, 0)
    return [n.name for n in conn.list_networks(int(flags))]


def _pools(conn: Connection, which: str) -> list[str]:
    from pyvirt import ListStoragePoolsFlags as F

    flags = {"active": F.ACTIVE, "inactive": F.INACTIVE}.get(which, 0)
    return [p.name for p in conn.list_storage_pools(int(flags))]

