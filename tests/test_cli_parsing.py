"""pyvirsh against virsh: global options, the command grammar and its error texts."""

from __future__ import annotations

import pytest
from cli_helpers import URI, compare, needs_virsh, pyvirsh

pytestmark = needs_virsh

# one string each, run as `virsh -c test:///default '<string>'`
STRINGS = [
    "frobnicate",
    "list --bogus",
    "dominfo",
    "dominfo test extra",
    "setmem",
    "dominfo --domain",
    "dominfo --domain=test --domain test",
    "list --all --all",
    "list --all=1",
    "vol-info v --pool",
    "dominfo --domain=test",
    "dominfo -- test",
    "dominfo -- --test",
    "domstate test --reason",
    "domstate --reason -- test",
    "list; frobnicate",
    "list;;list",
    "list ; ; list",
    "list #x",
    "#comment",
    "list # comment; dominfo test",
    "dominfo 'test'",
    'dominfo "test"',
    "dominfo te\\st",
    "dominfo 'te'st",
    'dominfo "te\\"st"',
    'dominfo "test',
    "dominfo test\\",
    "dominfo 'test",
    "   list   ",
    "list\n dominfo test",
    "list\\\n --all",
    "help list",
    "help bogus",
    "help help --command list",
    "list --help",
    "dominfo --help",
    "help dominfo extra --bogus",
    "quit",
    "exit; list",
    "list; quit; list",
    "vol-info v1 default-pool extra",
    "setmem test 1 X",
    "dumpxml test X",
    "dominfo --=x",
    "dominfo -x",
    "list --All",
    "setmem test --size",
    "setmem test --size=",
    "setmem --size 1 test",
    "undefine --delete-snapshots=1 x",
    "list --table --uuid",
    "list --name --title",
]


@pytest.mark.parametrize("string", STRINGS)
def test_command_strings(string):
    compare("-c", URI, string)


# the strings above that run commands (not only parse), and a multi-command run
THROUGH_DAEMONS = [
    "dominfo --domain=test", "dominfo -- test", "domstate test --reason", "list;;list",
    "list # comment; dominfo test", "dominfo te\\st", "exit; list", "list; quit; list",
    "vol-info v1 default-pool extra", "setmem --size 1 test", "undefine --delete-snapshots=1 x",
    "suspend test; list; resume test; resume test; domstate --reason test; net-list --all; "
    "pool-list --all; vol-list default-pool; nope; list",
]


@pytest.mark.parametrize("string", THROUGH_DAEMONS)
def test_command_strings_through_daemons(daemon_uri, string):
    compare("-c", daemon_uri, string)


ARGVS = [
    ["dominfo", "test"],
    ["dominfo", "test", "extra"],
    ["list", "--all", "--name"],
    ["dominfo", "test;", "list"],
    ["list;", "list"],
    ["dominfo", "te st"],
    ["#", "list"],
    ["help", "dominfo"],
    ["list", "--"],
    ["dominfo", "--", "test"],
    ["frobnicate", "x"],
    ["dominfo", ""],
    ["dominfo", "--domain"],
]


@pytest.mark.parametrize("argv", ARGVS)
def test_argv_commands(argv):
    compare("-c", URI, *argv)


@pytest.mark.parametrize("argv", [["dominfo", "test;", "list"], ["dominfo", ""],
                                  ["list", "--all", "--name"]])
def test_argv_commands_through_daemons(daemon_uri, argv):
    compare("-c", daemon_uri, *argv)


OPTIONS = [
    ["-c"],
    ["-x"],
    ["--bogus"],
    ["--bogus=1", "uri"],
    ["--k", "5", "uri"],
    ["--quiet=1", "uri"],
    ["-d", "x", "list"],
    ["-d", "9", "-c", URI, "uri"],
    ["-d", "2", "-c", URI, "uri"],
    ["-e", "xx"],
    ["-e", "^", "-c", URI, "uri"],
    ["-e", "^a", "-c", URI, "uri"],
    ["-e", "^1"],
    ["-e", "a", "-c", URI, "uri"],
    ["-k", "-1"],
    ["-k", "abc"],
    ["-k", "0x10", "-c", URI, "uri"],
    ["-k", "0", "-c", URI, "uri"],
    ["-K", "5", "-c", URI, "uri"],
    ["-K", "5", "-k", "0", "-c", URI, "uri"],
    ["-K", "x"],
    ["--conn", URI, "uri"],
    ["--connect=" + URI, "uri"],
    ["-c" + URI, "uri"],
    ["-qc", URI, "uri"],
    ["-c", URI, "--", "uri"],
    ["--c=" + URI, "uri"],
    ["-d"],
    ["--debug"],
    ["-l"],
    ["-c", URI, "-q", "list; dominfo test"],
    ["-q", "-c", URI, "suspend test; list"],
    ["-c", URI, "-r", "destroy test"],
    ["-c", URI, "uri", "-q"],
    ["-c", URI, "-t", "uri"],
]


@pytest.mark.parametrize("args", OPTIONS)
def test_global_options(args):
    compare(*args)


@pytest.mark.parametrize("args", [
    ["-q", "-c", "{uri}", "suspend test; list"], ["-c", "{uri}", "-r", "destroy test"],
    ["-r", "-c", "{uri}", "suspend test; list; dominfo test; net-destroy default"],
    ["-K", "5", "-k", "0", "-c", "{uri}", "uri"], ["-d", "2", "-c", "{uri}", "uri"],
    ["-t", "-c", "{uri}", "uri; nodeinfo"],
])
def test_global_options_through_daemons(daemon_uri, args):
    compare(*(a.format(uri=daemon_uri) for a in args))


@pytest.mark.parametrize("args", [["-k", "5"], ["-K", "5"]])
def test_keepalive_through_daemons(daemon_uri, args):
    compare(*args, "-c", daemon_uri, "uri")


@pytest.mark.parametrize("args", [["-h"], ["--help"], ["-hq"], ["-h", "--bogus"]])
def test_usage(args):
    compare(*args, listing=True)


@pytest.mark.parametrize(
    "string",
    [
        "help",
        "help domain",
        "help network",
        "help virsh",
        "help monitor",
        "help volume",
        "help pool",
        "help host",
        "help --command=network",
        "help ''",
        "help; help host",
    ],
)
def test_help_listings(string):
    """Listings equal virsh's with the commands pyvirsh lacks (and emptied groups) removed."""
    compare("-c", URI, string, listing=True)


def test_version_is_pyvirts():
    import pyvirt

    for flag in ("-v", "--version", "--version=short", "--vers"):
        r = pyvirsh(flag)
        assert (r.out, r.err, r.rc) == (pyvirt.__version__ + "\n", "", 0)
    long = pyvirsh("-V")
    assert long.rc == 0 and pyvirt.__version__ in long.out


def test_exit_status_is_the_last_commands():
    assert pyvirsh("-c", URI, "dominfo nope; uri").rc == 0
    assert pyvirsh("-c", URI, "uri; dominfo nope").rc == 1


def test_broken_pipe_has_no_traceback():
    import subprocess

    from cli_helpers import PYVIRSH

    cmd = f"{PYVIRSH} -c {URI} 'help; help; list; capabilities' | head -c0"
    proc = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True)
    assert "Traceback" not in proc.stderr
    assert proc.stderr == ""
