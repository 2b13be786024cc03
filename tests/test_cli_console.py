"""pyvirsh against virsh: ``console`` without a terminal, as scripts run it (the sessions
themselves are tested against real guests in tests/test_qemu_guest_console.py)."""

from __future__ import annotations

from cli_helpers import needs_virsh, on_test

pytestmark = needs_virsh


def test_console_refuses_to_run_without_a_terminal(uri):
    on_test("console test", "console nope", "console test --devname serial0 --safe", uri=uri)
