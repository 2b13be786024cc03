"""virsh's ``connect``: as a one-shot command and in the interactive shell, with and without
``--name`` and ``--readonly``, compared with the real virsh byte for byte (stdout, stderr,
exit status), in process and through the daemons.
"""

from __future__ import annotations

import pytest
from cli_helpers import compare, needs_virsh


@pytest.mark.parametrize(
    "command",
    [
        "connect {uri}",
        "connect --name {uri}; uri",
        "connect; uri",
        "connect --readonly {uri}; destroy test",
        "connect {uri} --readonly; uri; destroy test; connect {uri}; destroy test",
        "destroy test; connect {uri}; list --all",
        "connect {uri} extra",
        "connect --bogus",
        "help connect",
        "help virsh",
    ],
)
@needs_virsh
def test_connect_one_shot(uri, command):
    compare("-c", uri, command.format(uri=uri))


@needs_virsh
def test_connect_in_the_shell(uri):
    compare("-c", uri, stdin=f"connect {uri} --readonly\nuri\ndestroy test\nconnect {uri}\n"
            "destroy test\nlist --all\nquit\n")
