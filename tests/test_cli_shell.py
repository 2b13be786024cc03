"""pyvirsh against virsh: the interactive shell fed through a pipe."""

from __future__ import annotations

import pytest
from cli_helpers import URI, compare, needs_virsh

pytestmark = needs_virsh

SESSIONS = [
    "list\nsuspend test; domstate test\n\nbogus\nuri\nquit\nuri\n",
    "uri\n",
    "domstate nope\n",
    "domstate nope\nexit\n",
    "list --bogus\ndominfo\nhelp uri\nlist",
    "suspend test\nresume test\nresume test\ndomstate --reason test\n",
    "# comment\n   \nuri # trailing\n",
    "quit\n",
    "",
    "list; quit; list\nuri\n",
]


@pytest.mark.parametrize("session", SESSIONS)
@pytest.mark.parametrize("opts", [[], ["-q"], ["-r"], ["-q", "-r"]])
def test_piped_sessions(session, opts):
    compare(*opts, "-c", URI, stdin=session, listing=True)


@pytest.mark.parametrize("session", [SESSIONS[0], SESSIONS[5], SESSIONS[9]])
@pytest.mark.parametrize("opts", [[], ["-r"]])
def test_piped_sessions_through_daemons(daemon_uri, session, opts):
    compare(*opts, "-c", daemon_uri, stdin=session, listing=True)


def test_shell_bad_uri():
    compare("-c", "test:///", stdin="uri\n")
