"""virsh's libvirt-qemu and libvirt-lxc commands compared with the real virsh byte for byte
(stdout, stderr, exit status), in process and through the daemons (virsh → libvirtd,
pyvirsh → pyvirtd): ``qemu-monitor-command``, ``qemu-agent-command``, ``qemu-monitor-event``,
``qemu-attach`` and ``lxc-enter-namespace``.  libvirt's test driver answers none of their
calls, so what is compared is everything before and around the call: option checks in
virsh's order, the QMP wrapper virsh builds from ``NAME KEY:VALUE...`` words (and yajl's
words when they are not JSON), ``--pass-fds`` parsing, domain lookups, read-only refusals and
the driver's NO_SUPPORT.  tests/test_qemu_passthrough.py runs them on a real QEMU guest.
"""

from __future__ import annotations

import pytest
from cli_helpers import compare, needs_virsh

_JSON_WORDS = [
    "a b c", "a '\"x\":1'", "a '\"x\":1' '\"y\":[2'", "a x", "a 1", "a '\"x\"'", "a '\"x\":1}'",
    "a '/*c*/\"x\":1'", "a '\"x\":tru'", "a '\"x\":\"a\\q\"'", "a '\"x\":-'", "a '\"x\":1.'",
    "a '\"x\":1e+'", "a '\"x\":\"\\u12g4\"'", "a '\"x\":[1,]'", "a '\"x\":{\"a\" 1}'",
    "a '\"x\":1 \"y\":2'", "a '\"x\":]'", "a '\"x\":01'", "a '\"x\":[1 \"ab\"]'",
    "a '\"x\":{'", "a '\"x\":\"abc'", "a '\"x\":1} x'", "a '\"x\":1}/'", "a '\"x\":1,'",
    "a '\"x\":[1,2],\"y\":{\"a\":[{}]}'", "a '\"x\":-0.5e-3' '\"z\":null'",
    "a '\"" + "k" * 50 + "\":1 2'", "a '\"x\":\"abc\"" + " " * 40 + "1'",
]  # fmt: skip


@pytest.mark.parametrize("words", _JSON_WORDS)
@needs_virsh
def test_monitor_command_wraps_words_into_qmp_as_virsh(uri: str, words: str) -> None:
    compare("-c", uri, f"qemu-monitor-command test {words}")


@pytest.mark.parametrize(
    "commands",
    [
        "qemu-monitor-command test query-status",
        "qemu-monitor-command test --pretty '{\"execute\":\"query-status\"}'",
        "qemu-monitor-command test --hmp info status",
        "qemu-monitor-command test --hmp a b c",
        "qemu-monitor-command test --return-value --pretty query-kvm",
        "qemu-monitor-command test --hmp --pretty info",
        "qemu-monitor-command test --hmp --return-value info",
        "qemu-monitor-command nosuch --hmp --pretty info",
        "qemu-monitor-command test",
        "qemu-monitor-command test ''",
        "qemu-monitor-command nosuch query",
        "qemu-monitor-command nosuch a b c",
        "qemu-monitor-command test --pass-fds x query",
        "qemu-monitor-command test --pass-fds 1,x query",
        "qemu-monitor-command test --pass-fds 1, query",
        "qemu-monitor-command test --pass-fds '' query",
        "qemu-monitor-command test --pass-fds 0 query",
        "qemu-monitor-command nosuch --pass-fds x q",
        "qemu-monitor-command test x,y query",
        "qemu-monitor-command --bogus",
        "help qemu-monitor-command",
    ],
)
@needs_virsh
def test_monitor_command_checks_and_refusals_as_virsh(uri: str, commands: str) -> None:
    compare("-c", uri, commands)


@pytest.mark.parametrize(
    "commands",
    [
        "qemu-agent-command test '{\"execute\":\"guest-ping\"}'",
        "qemu-agent-command test a b",
        "qemu-agent-command test --timeout 5 --pretty x",
        "qemu-agent-command test --timeout 0 x",
        "qemu-agent-command test --timeout -3 x",
        "qemu-agent-command test --timeout abc x",
        "qemu-agent-command test --timeout 5 --async x",
        "qemu-agent-command test --async --block x",
        "qemu-agent-command test --timeout 5 --block x",
        "qemu-agent-command test --async x; qemu-agent-command test --block x",
        "qemu-agent-command test 0 x",
        "qemu-agent-command test",
        "qemu-agent-command nosuch x",
        "qemu-agent-command nosuch --timeout 0 x",
        "help qemu-agent-command",
    ],
)
@needs_virsh
def test_agent_command_checks_and_refusals_as_virsh(uri: str, commands: str) -> None:
    compare("-c", uri, commands)


@pytest.mark.parametrize(
    "commands",
    [
        "qemu-monitor-event --timeout 1",
        "qemu-monitor-event --domain test --event STOP --regex --no-case --loop --pretty",
        "qemu-monitor-event --regex --event '('",
        "qemu-monitor-event test STOP 5",
        "qemu-monitor-event test STOP abc",
        "qemu-monitor-event --domain nosuch",
        "qemu-monitor-event nosuch",
        "qemu-monitor-event --timeout 0",
        "qemu-monitor-event --timeout -1",
        "qemu-monitor-event --timeout 2147484",
        "qemu-monitor-event --event ''",
        "help qemu-monitor-event",
        "qemu-attach 1234",
        "qemu-attach 0",
        "qemu-attach abc",
        "qemu-attach -5",
        "qemu-attach ' 5'",
        "qemu-attach 2147483648",
        "qemu-attach 4294967296",
        "qemu-attach",
        "help qemu-attach",
        "lxc-enter-namespace test /bin/true",
        "lxc-enter-namespace test --noseclabel /bin/true -x",
        "lxc-enter-namespace test",
        "lxc-enter-namespace nosuch /bin/true",
        "help lxc-enter-namespace",
    ],
)
@needs_virsh
def test_event_attach_and_namespace_commands_as_virsh(uri: str, commands: str) -> None:
    compare("-c", uri, commands)


@pytest.mark.parametrize(
    "commands",
    [
        "qemu-monitor-command test query-status",
        "qemu-monitor-command test --hmp info",
        "qemu-monitor-command test a b c",
        "qemu-agent-command test x",
        "qemu-agent-command test --timeout 0 x",
        "qemu-monitor-event --timeout 1",
        "qemu-attach 1234",
        "qemu-attach 0",
        "lxc-enter-namespace test /bin/true",
    ],
)
@needs_virsh
def test_read_only_connections_are_refused_as_virsh(uri: str, commands: str) -> None:
    compare("-r", "-c", uri, commands)
