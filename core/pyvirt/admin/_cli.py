"""``pyvirt-admin``: virt-admin's commands, texts and exit codes, on pyvirt.admin.

The grammar, help layout and error texts are pyvirsh's (virt-admin and virsh share libvirt's
``vsh`` layer), so the parser and help renderer are pyvirsh's own; only the commands and the
connection differ.  Each command's output is virt-admin 9.0's, byte for byte.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from pyvirt._errors import VirtError
from pyvirt.admin._connection import AdminConnection, Client, open_admin
from pyvirt.cli._control import Control, Failure
from pyvirt.cli._format import strtol
from pyvirt.cli._parser import ArgvTokens, Cmd, Opt, Parsed, ParseError, StringTokens, T
from pyvirt.cli._parser import parse as parse_commands
from pyvirt.cli._table import render
from pyvirt.cli.commands._common import LIBVIRT_VERSION, opt_uint

USAGE = """
{prog} [options]... [<command_string>]
{prog} [options]... <command> [args...]

  options:
    -c | --connect=URI      daemon admin connection URI
    -h | --help             this help
    -q | --quiet            quiet mode
    -v                      short version
    -V                      long version
         --version[=TYPE]   version, TYPE is short or long (default short)
  commands (non interactive mode):

"""


class AdminControl(Control):
    """pyvirsh's run state, holding an admin connection instead of a hypervisor one."""

    def __init__(self) -> None:
        super().__init__()
        self._admin: AdminConnection | None = None

    def connect(self) -> None:
        try:
            self._admin = open_admin(self.uri)
        except VirtError as e:
            raise Failure("Failed to connect to the admin server", cause=e) from None

    @property
    def admin(self) -> AdminConnection:
        """The connection; when there is none (a failed ``connect`` in the shell), one more
        try, whose failure virt-admin reports with "no valid connection" too."""
        if self._admin is None:
            try:
                self._admin = open_admin(self.uri)
            except VirtError as e:
                raise Failure(
                    "Failed to connect to the admin server", "no valid connection", cause=e
                ) from None
        return self._admin

    def close(self) -> None:
        if self._admin is not None:
            self._admin.close()
            self._admin = None


def _ver(number: int) -> str:
    return f"{number // 1_000_000}.{number // 1000 % 1000}.{number % 1000}"


def _stamp(seconds: int) -> str:
    """virt-admin's connection time: local time with its UTC offset."""
    return time.strftime("%Y-%m-%d %H:%M:%S%z", time.localtime(seconds))


def _ctl(ctl: Control) -> AdminControl:
    assert isinstance(ctl, AdminControl)
    return ctl


def _server_name(p: Parsed) -> str:
    name = p.str("server")
    assert name is not None  # a required option
    return name


def _client_id(p: Parsed) -> int:
    """vshCommandOptULongLong: strtoull's reading, where "-3" is 2**64 - 3."""
    text = p.str("client") or ""
    parsed = strtol(text)
    if parsed is None or parsed[1] or not -(2**64) < parsed[0] < 2**64:
        raise Failure(f"Numeric value '{text}' for <client> option is malformed or out of range")
    return parsed[0] % 2**64


def _client(ctl: Control, p: Parsed) -> Client:
    client_id = _client_id(p)
    return _ctl(ctl).admin.lookup_server(_server_name(p)).lookup_client(client_id)


# -- the commands -------------------------------------------------------------------------
def cmd_version(ctl: Control, _p: Parsed) -> None:
    daemon = _ctl(ctl).admin.lib_version()
    ctl.print(
        f"Compiled against library: libvirt {_ver(LIBVIRT_VERSION)}\n"
        f"Using library: libvirt {_ver(LIBVIRT_VERSION)}\n"
        f"Running against daemon: {_ver(daemon)}\n"
    )


def cmd_uri(ctl: Control, _p: Parsed) -> None:
    ctl.print(_ctl(ctl).admin.uri() + "\n")


def cmd_server_list(ctl: Control, _p: Parsed) -> None:
    servers = _ctl(ctl).admin.list_servers()
    rows = [[str(i), s.name] for i, s in enumerate(servers)]
    ctl.print(render(["Id", "Name"], rows))


def _print_params(ctl: Control, params: dict[str, int] | list[tuple[str, Any]], width: int) -> None:
    items = params.items() if isinstance(params, dict) else params
    for name, value in items:
        shown = ("yes" if value else "no") if isinstance(value, bool) else value
        ctl.print(f"{name:<{width}}: {shown}\n")


def cmd_threadpool_info(ctl: Control, p: Parsed) -> None:
    server = _ctl(ctl).admin.lookup_server(_server_name(p))
    _print_params(ctl, server.threadpool_parameters(), 15)


def cmd_threadpool_set(ctl: Control, p: Parsed) -> None:
    wanted = {
        key: value
        for option, key in (
            ("min-workers", "minWorkers"),
            ("max-workers", "maxWorkers"),
            ("priority-workers", "prioWorkers"),
        )
        if (value := opt_uint(p, option)) is not None
    }
    if not wanted:
        raise Failure(
            "At least one of options --min-workers, --max-workers, --priority-workers is mandatory "
        )
    server = _ctl(ctl).admin.lookup_server(_server_name(p))
    try:
        server.set_threadpool_parameters(wanted)
    except VirtError as e:
        raise Failure("Unable to change server workerpool parameters", cause=e) from None


def cmd_client_list(ctl: Control, p: Parsed) -> None:
    server = _ctl(ctl).admin.lookup_server(_server_name(p))
    rows = [[str(c.id), c.transport_name, _stamp(c.timestamp)] for c in server.list_clients()]
    ctl.print(render(["Id", "Transport", "Connected since"], rows))


def cmd_client_info(ctl: Control, p: Parsed) -> None:
    client = _client(ctl, p)
    info = client.info()
    ctl.print(
        f"{'id':<15}: {client.id}\n"
        f"{'connection_time':<15}: {_stamp(client.timestamp)}\n"
        f"{'transport':<15}: {client.transport_name}\n"
    )
    _print_params(ctl, info, 15)


def cmd_client_disconnect(ctl: Control, p: Parsed) -> None:
    client = _client(ctl, p)
    client.close()
    ctl.print(f"Client '{client.id}' disconnected\n")


def cmd_clients_info(ctl: Control, p: Parsed) -> None:
    server = _ctl(ctl).admin.lookup_server(_server_name(p))
    _print_params(ctl, server.client_limits(), 20)


def cmd_clients_set(ctl: Control, p: Parsed) -> None:
    most = opt_uint(p, "max-clients")
    unauth = opt_uint(p, "max-unauth-clients")
    if most is None and unauth is None:
        raise Failure("At least one of options --max-clients, --max-unauth-clients is mandatory")
    if most is not None and unauth is not None and unauth > most:
        raise Failure("--max-unauth-clients must be less than or equal to --max-clients")
    wanted = {"nclients_max": most, "nclients_unauth_max": unauth}
    server = _ctl(ctl).admin.lookup_server(_server_name(p))
    try:
        server.set_client_limits({k: v for k, v in wanted.items() if v is not None})
    except VirtError as e:
        raise Failure(
            "Unable to change server's client-related configuration limits", cause=e
        ) from None


def cmd_update_tls(ctl: Control, p: Parsed) -> None:
    server = _ctl(ctl).admin.lookup_server(_server_name(p))
    try:
        server.update_tls_files()
    except VirtError as e:
        raise Failure("Unable to update server's tls related files.", cause=e) from None
    ctl.print("update tls related files succeed\n")


def _log_setting(
    name: str, get: Callable[[AdminConnection], str], set_: Callable[[AdminConnection, str], None]
) -> Callable[[Control, Parsed], None]:
    def run(ctl: Control, p: Parsed) -> None:
        admin = _ctl(ctl).admin
        value = p.str(name)
        if value is None:
            ctl.print(f" Logging {name}: {get(admin)}\n")
            return
        try:
            set_(admin, value)
        except VirtError as e:
            raise Failure("Unable to change daemon logging settings", cause=e) from None

    return run


def cmd_daemon_timeout(ctl: Control, p: Parsed) -> None:
    seconds = opt_uint(p, "timeout")
    assert seconds is not None
    _ctl(ctl).admin.set_daemon_timeout(seconds)


def cmd_connect(ctl: Control, p: Parsed) -> None:
    """(Re)connect, to --name or to the URI in use; virt-admin's words, which say whether a
    connection was open before."""
    admin = _ctl(ctl)
    name = p.str("name")
    if name is not None:
        admin.uri = name
    was_open = admin._admin is not None
    admin.close()
    try:
        admin.connect()
    except Failure as f:
        if was_open:
            raise Failure("Failed to reconnect to the admin server", cause=f.cause) from None
        raise
    ctl.print("Reconnected to the admin server\n" if was_open else "Connected to the admin server\n")


def cmd_help(ctl: Control, p: Parsed) -> None:
    from pyvirt.cli._help import command_help

    name = p.str("command")
    if name is None:
        ctl.print(global_help())
        return
    cmd = lookup(name)
    if cmd is None:
        raise Failure(f"command or command group '{name}' doesn't exist")
    ctl.print(command_help(cmd))


def _shell_commands() -> dict[str, Cmd]:
    """pyvirsh's cd, echo, pwd, exit and quit (virt-admin's are the same vsh commands), in
    virt-admin's group."""
    from pyvirt.cli.commands import hostinfo, shell_dirs, virsh

    found = {
        c.name: c
        for c in (*shell_dirs.COMMANDS, *hostinfo.COMMANDS, *virsh.COMMANDS)
        if c.name in ("cd", "echo", "pwd", "exit", "quit")
    }
    return {
        name: Cmd(name, "virt-admin", c.brief, c.desc, c.opts, c.handler, noconnect=True)
        for name, c in found.items()
    }


_SHELL = _shell_commands()


def _server_opt(text: str) -> Opt:
    return Opt("server", T.DATA, text, req=True)


def _uint_opt(name: str, text: str) -> Opt:
    return Opt(name, T.INT, text, req_opt=True)


GROUPS = (
    ("virt-admin", "Virt-admin itself"),
    ("monitor", "Monitoring commands"),
    ("management", "Management commands"),
)

COMMANDS = (
    _SHELL["cd"],
    _SHELL["echo"],
    _SHELL["exit"],
    Cmd(
        "help",
        "virt-admin",
        "print help",
        "Prints global help, command specific help, or help for a\ngroup of related commands",
        (
            Opt(
                "command",
                T.STRING,
                "Prints global help, command specific help, or help for a group of related commands",
            ),
        ),
        cmd_help,
        noconnect=True,
    ),
    _SHELL["pwd"],
    _SHELL["quit"],
    Cmd(
        "uri",
        "virt-admin",
        "print the admin server URI",
        None,
        (),
        cmd_uri,
        noconnect=True,
    ),
    Cmd(
        "version",
        "virt-admin",
        "show version",
        "Display the system and also the daemon version information.",
        (),
        cmd_version,
        noconnect=True,
    ),
    Cmd(
        "connect",
        "virt-admin",
        "connect to daemon's admin server",
        "Connect to a daemon's administrating server.",
        (Opt("name", T.STRING, "daemon's admin server connection URI"),),
        cmd_connect,
        noconnect=True,
    ),
    Cmd(
        "server-list",
        "monitor",
        "list available servers on a daemon",
        "List all manageable servers on a daemon.",
        (),
        cmd_server_list,
        noconnect=True,
    ),
    Cmd(
        "server-threadpool-info",
        "monitor",
        "get server workerpool parameters",
        "Retrieve threadpool attributes from a server. ",
        (_server_opt("Server to retrieve threadpool attributes from."),),
        cmd_threadpool_info,
        noconnect=True,
    ),
    Cmd(
        "client-list",
        "monitor",
        "list clients connected to <server>",
        "List all manageable clients connected to <server>.",
        (_server_opt("server which to list connected clients from"),),
        cmd_client_list,
        noconnect=True,
    ),
    Cmd(
        "client-info",
        "monitor",
        "retrieve client's identity info from server",
        "Retrieve identity details about <client> from <server>",
        (
            _server_opt("server to which <client> is connected to"),
            Opt("client", T.DATA, "client which to retrieve identity information for", req=True),
        ),
        cmd_client_info,
        noconnect=True,
    ),
    Cmd(
        "server-clients-info",
        "monitor",
        "get server's client-related configuration limits",
        "Retrieve server's client-related configuration limits ",
        (_server_opt("Server to retrieve the client limits from."),),
        cmd_clients_info,
        noconnect=True,
    ),
    Cmd(
        "server-threadpool-set",
        "management",
        "set server workerpool parameters",
        "Tune threadpool attributes on a server. See OPTIONS for currently supported attributes.",
        (
            _server_opt("Server to alter threadpool attributes on."),
            _uint_opt("min-workers", "Change bottom limit to number of workers."),
            _uint_opt("max-workers", "Change upper limit to number of workers."),
            _uint_opt("priority-workers", "Change the current number of priority workers"),
        ),
        cmd_threadpool_set,
        noconnect=True,
    ),
    Cmd(
        "client-disconnect",
        "management",
        "force disconnect a client from the given server",
        "Force close a specific client's connection to the given server.",
        (
            _server_opt("server which the client is currently connected to"),
            Opt("client", T.INT, "client which to disconnect, specified by ID", req=True),
        ),
        cmd_client_disconnect,
        noconnect=True,
    ),
    Cmd(
        "server-clients-set",
        "management",
        "set server's client-related configuration limits",
        "Tune server's client-related configuration limits. See OPTIONS for currently supported attributes.",
        (
            _server_opt("Server to alter the client-related configuration limits on."),
            _uint_opt(
                "max-clients",
                "Change the upper limit to overall number of clients connected to the server.",
            ),
            _uint_opt(
                "max-unauth-clients",
                "Change the upper limit to number of clients waiting for authentication to be connected to the server",
            ),
        ),
        cmd_clients_set,
        noconnect=True,
    ),
    Cmd(
        "server-update-tls",
        "management",
        "notify server to update TLS related files online.",
        "notify server to update the CA cert, CA CRL, server cert / key without restarts. "
        "See OPTIONS for currently supported attributes.",
        (_server_opt("Available servers on a daemon. Currently only supports 'pyvirtd'."),),
        cmd_update_tls,
        noconnect=True,
    ),
    Cmd(
        "daemon-log-filters",
        "management",
        "fetch or set the currently defined set of logging filters on daemon",
        "Depending on whether run with or without options, the command fetches or redefines the existing active set of filters on daemon.",
        (Opt("filters", T.STRING, "redefine the existing set of logging filters"),),
        _log_setting(
            "filters", AdminConnection.logging_filters, AdminConnection.set_logging_filters
        ),
        noconnect=True,
    ),
    Cmd(
        "daemon-log-outputs",
        "management",
        "fetch or set the currently defined set of logging outputs on daemon",
        "Depending on whether run with or without options, the command fetches or redefines the existing active set of outputs on daemon.",
        (Opt("outputs", T.STRING, "redefine the existing set of logging outputs"),),
        _log_setting(
            "outputs", AdminConnection.logging_outputs, AdminConnection.set_logging_outputs
        ),
        noconnect=True,
    ),
    Cmd(
        "daemon-timeout",
        "management",
        "set the auto shutdown timeout of the daemon",
        "set the auto shutdown timeout of the daemon",
        (
            Opt(
                "timeout",
                T.INT,
                "number of seconds the daemon will run without any active connection",
                req=True,
                req_opt=True,
            ),
        ),
        cmd_daemon_timeout,
        noconnect=True,
    ),
)

#: virt-admin's short names, kept as aliases (``srv-list`` is ``server-list``).
ALIASES = {
    "srv-list": "server-list",
    "srv-threadpool-info": "server-threadpool-info",
    "srv-threadpool-set": "server-threadpool-set",
    "srv-clients-list": "client-list",
    "srv-clients-info": "server-clients-info",
    "srv-clients-set": "server-clients-set",
    "srv-update-tls": "server-update-tls",
}
_BY_NAME = {c.name: c for c in COMMANDS}
#: Commands that need no connection (the others make pyvirt-admin connect first).
_LOCAL = ("help", "quit", "exit", "cd", "echo", "pwd")


def lookup(name: str) -> Cmd | None:
    return _BY_NAME.get(ALIASES.get(name, name))


def global_help() -> str:
    parts = ["Grouped commands:\n\n"]
    for keyword, title in GROUPS:
        lines = "".join(f"    {c.name:<30} {c.brief}\n" for c in COMMANDS if c.group == keyword)
        parts.append(f" {title} (help keyword '{keyword}'):\n{lines}\n")
    return "".join(parts)


def _options(ctl: AdminControl, args: list[str], prog: str) -> list[str] | int:
    """virt-admin's global options; the rest of *args*, or an exit status."""
    rest = list(args)
    while rest and rest[0].startswith("-") and rest[0] != "-":
        arg = rest.pop(0)
        if arg in ("-c", "--connect") and rest:
            ctl.uri = rest.pop(0)
        elif arg.startswith("--connect="):
            ctl.uri = arg.partition("=")[2]
        elif arg in ("-q", "--quiet"):
            ctl.quiet = True
        elif arg in ("-h", "--help"):
            ctl.print(USAGE.format(prog=prog) + global_help())
            return 0
        elif arg in ("-v", "--version", "--version=short", "-V", "--version=long"):
            from pyvirt import __version__

            ctl.print(f"{__version__}\n")
            return 0
        elif arg == "--":
            break
        else:
            ctl.error(f"unsupported option '{arg}'. See --help.")
            return 1
    return rest


def run(args: list[str], prog: str = "pyvirt-admin") -> int:
    """Run pyvirt-admin's commands in *args*; the exit status (0 all ran, 1 one failed)."""
    from pyvirt.cli._main import run_commands

    ctl = AdminControl()
    ctl.prog = prog
    rest = _options(ctl, args, prog)
    if isinstance(rest, int):
        return rest
    if not rest:
        return _interactive(ctl, prog)
    tokens = StringTokens(rest[0], ctl.error) if len(rest) == 1 else ArgvTokens(rest)
    try:
        cmds = parse_commands(tokens, lookup, ctl.error)
    except ParseError:
        return 1
    try:
        if cmds and cmds[0].cmd.name not in _LOCAL:
            try:
                ctl.connect()  # at once, as virt-admin: a bad URI fails before any command
            except Failure as f:
                f.report(ctl)
                return 1
        return 0 if run_commands(ctl, cmds) else 1
    finally:
        ctl.out.flush()
        ctl.close()


def _parse_line(ctl: Control, tokens: StringTokens) -> list[Parsed] | None:
    try:
        return parse_commands(tokens, lookup, ctl.error)
    except ParseError:
        return None


def _interactive(ctl: AdminControl, prog: str) -> int:
    """virt-admin's shell: connect first (a failure ends it, status 1, as virt-admin), then
    virt-admin's banner and loop, with the prompt named after this program."""
    from pyvirt.cli._shell import shell

    ctl.imode = True
    try:
        try:
            ctl.connect()
        except Failure as f:
            f.report(ctl)
            return 1
        shell(ctl, prog, kind="administrating virtualization", prompt=f"{prog} # ",
              parse=_parse_line, complete=False)  # fmt: skip
        return 0
    finally:
        ctl.out.flush()
        ctl.close()
