"""virsh's host statistics commands and ``echo``, compared with the real virsh byte for byte
(stdout, stderr, exit status), in process and through the daemons: freecell, nodecpustats,
nodememstats (the test driver's NO_SUPPORT), nodecpumap, nodesuspend (its errors), echo."""

from __future__ import annotations

import pytest
from cli_helpers import compare, needs_virsh

pytestmark = needs_virsh


@pytest.mark.parametrize(
    "command",
    [
        "freecell",
        "freecell --all",
        "freecell 0",
        "freecell --cellno 1",
        "freecell --cellno 2",
        "freecell --cellno -1",
        "freecell --cellno x",
        "freecell 0 --all",
        "nodecpustats",
        "nodecpustats 0",
        "nodecpustats --cpu 8",
        "nodecpustats --cpu -1",
        "nodecpustats --cpu -2",
        "nodecpustats --cpu x",
        "nodememstats",
        "nodememstats --cell 0",
        "nodememstats --cell -2",
        "nodecpumap",
        "nodecpumap --pretty",
        "nodesuspend mem 60",
        "nodesuspend disk 59",
        "nodesuspend hybrid 100",
        "nodesuspend foo 60",
        "nodesuspend mem x",
        "nodesuspend mem -1",
        "nodesuspend",
        "help freecell",
        "help nodecpustats",
        "help nodememstats",
        "help nodecpumap",
        "help nodesuspend",
    ],
)
def test_host_statistics(uri: str, command: str) -> None:
    compare("-c", uri, command)


def test_cpu_percentages_over_one_second(uri: str) -> None:
    # The test host's counters never move: virsh prints glibc's "-nan" for 0/0.
    compare("-c", uri, "nodecpustats --percent")


def test_read_only_connections(uri: str) -> None:
    compare("-r", "-c", uri, "freecell --all; nodecpustats; nodecpumap")
    compare("-r", "-c", uri, "nodesuspend mem 60")


@pytest.mark.parametrize(
    "command",
    [
        "echo",
        "echo hello 'a b'",
        "echo --shell a 'b c' \"d'e\" '' 'ok-_/.=,:@%+' 'a!b'",
        "echo --xml '<a&b>' \"'\" '\"'",
        "echo --split a,b,,c d",
        "echo --split --shell 'a b,c'",
        "echo --split --xml 'a<b,c'",
        "echo --shell --xml --split a",
        "echo --err hi there",
        "echo --shell --xml a",
        "echo -- --foo",
        "echo --hi",
        "echo --hi x",
        "echo --string x y",
        "echo --str x --str y",
        "echo a --bogus",
        "help echo",
    ],
)
def test_echo(command: str) -> None:
    compare(command)
    compare("-q", command)
