"""virsh's ``inject-nmi``, ``send-key``, ``send-process-signal`` and ``set-lifecycle-action``
compared with the real virsh byte for byte (stdout, stderr, exit status), in process and
through the daemons (virsh → libvirtd, pyvirsh → pyvirtd): key names and numbers in every
codeset, the key limit, signal names and numbers, lifecycle actions in the live and persistent
XML, and the error paths (missing domain, wrong state, bad values, read-only connections).
"""

from __future__ import annotations

import re

import pytest
from cli_helpers import URI, compare, needs_virsh
from pyvirt.cli import _keynames


@pytest.mark.parametrize(
    "commands",
    [
        "inject-nmi test",
        "suspend test; inject-nmi test",
        "destroy test; inject-nmi test",
        "inject-nmi nope",
        "inject-nmi test --bogus",
        "help inject-nmi",
    ],
)
@needs_virsh
def test_inject_nmi_as_virsh(uri: str, commands: str) -> None:
    compare("-c", uri, commands)


@pytest.mark.parametrize(
    "commands",
    [
        "send-key test KEY_A",
        "send-key test --holdtime 500 KEY_LEFTCTRL KEY_LEFTALT KEY_DELETE",
        "send-key test 30 0x1e 0X1E 036 ' 30' +30 KEY_A KEY_A",
        "send-key test --codeset win32 VK_A VK_LSHIFT VK_IME_OFF",
        "send-key test --codeset os_x ANSI_A",
        "send-key test --codeset xt 1 57469",
        "send-key test --codeset rfb 1",
        "send-key test --codeset qnum 0x54",
        "send-key test --codeset atset3 1",
        "send-key test --codeset usb 4 300",
        "send-key test --codeset win32 3",
        "send-key test --codeset os_x 1000",
        "send-key test 600",
        "send-key test 0xffff",
        "send-key test 0x10000",
        "send-key test 99999",
        "send-key test -- -1",
        "send-key test ''",
        "send-key test foo",
        "send-key test key_a",
        "send-key test unnamed",
        "send-key test KEY_ALT_F1",
        "send-key test --codeset xt KEY_A",
        "send-key test --codeset usb KEY_A",
        "send-key test --codeset osx ANSI_A",
        "send-key test --codeset LINUX 30",
        "send-key test --codeset bogus 30",
        "send-key test --codeset bogus --holdtime x 30",
        "send-key test --holdtime -1 30",
        "send-key test --holdtime 4294967296 30",
        "send-key test 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16",
        "send-key test 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17",
        "send-key test linux 5 30",
        "send-key test",
        "send-key test --holdtime 5",
        "send-key nope --codeset bogus 30",
        "suspend test; send-key test 30",
        "destroy test; send-key test 30; send-key test 600",
        "help send-key",
    ],
)
@needs_virsh
def test_send_key_reads_names_and_codesets_as_virsh(uri: str, commands: str) -> None:
    compare("-c", uri, commands)


@pytest.mark.parametrize(
    "commands",
    [
        "send-process-signal test 1 9",
        "send-process-signal test 1 0; send-process-signal test 1 64",
        "send-process-signal test 1 SIGKILL; send-process-signal test 1 kill",
        "send-process-signal test 1 sigkill; send-process-signal test 1 SIG_TERM",
        "send-process-signal test 1 rt32; send-process-signal test 1 sig_rt0",
        "send-process-signal test 1 SIGNOP; send-process-signal test 1 ' 9'",
        "send-process-signal test 1 65",
        "send-process-signal test 1 rt33",
        "send-process-signal test 1 9x",
        "send-process-signal test 1 -1",
        "send-process-signal test 1 nosig",
        "send-process-signal test 1 99999999999",
        "send-process-signal test 1 ''",
        "send-process-signal test 2 9",
        "send-process-signal test -5 9",
        "send-process-signal test 0 9",
        "send-process-signal test x foo",
        "send-process-signal test 99999999999999999999 9",
        "send-process-signal nope 1 foo",
        "destroy test; send-process-signal test 1 9; send-process-signal test 1 70",
        "send-process-signal test 1",
        "help send-process-signal",
    ],
)
@needs_virsh
def test_send_process_signal_reads_signals_as_virsh(uri: str, commands: str) -> None:
    compare("-c", uri, commands)


@pytest.mark.parametrize(
    "commands",
    [
        "set-lifecycle-action test poweroff restart; set-lifecycle-action test reboot preserve "
        "--config; set-lifecycle-action test crash coredump-restart --live --config; "
        "dumpxml test; dumpxml test --inactive",
        "set-lifecycle-action test crash coredump-destroy --current; dumpxml test",
        "set-lifecycle-action test reboot rename-restart --config; destroy test; dumpxml test",
        "destroy test; set-lifecycle-action test poweroff destroy; dumpxml test",
        "destroy test; set-lifecycle-action test poweroff restart --live",
        "set-lifecycle-action test poweroff coredump-restart",
        "set-lifecycle-action test reboot coredump-destroy --config",
        "set-lifecycle-action test Poweroff restart",
        "set-lifecycle-action test on_poweroff restart",
        "set-lifecycle-action test reboot Restart",
        "set-lifecycle-action test crash bogus",
        "set-lifecycle-action nope bogus x",
        "set-lifecycle-action nope crash destroy",
        "set-lifecycle-action test crash preserve --live --current",
        "set-lifecycle-action test crash preserve --config --current",
        "set-lifecycle-action test bogus x --live --current",
        "set-lifecycle-action test crash",
        "help set-lifecycle-action",
    ],
)
@needs_virsh
def test_set_lifecycle_action_changes_the_xml_as_virsh(uri: str, commands: str) -> None:
    compare("-c", uri, commands)


@pytest.mark.parametrize(
    "commands",
    [
        "inject-nmi test",
        "send-key test KEY_A",
        "send-key test foo",
        "send-process-signal test 1 9",
        "send-process-signal test 0 9",
        "set-lifecycle-action test poweroff restart",
        "set-lifecycle-action test bogus restart",
    ],
)
@needs_virsh
def test_read_only_connections_are_refused_as_in_virsh(uri: str, commands: str) -> None:
    compare("-r", "-c", uri, commands)


@pytest.mark.parametrize("codeset", ["linux", "os_x", "win32"])
@needs_virsh
def test_every_key_name_means_what_it_means_to_virsh(codeset: str) -> None:
    """Each name of pyvirsh's tables, sent alone in one virsh run per codeset: the names
    whose code libvirt's test driver refuses say which code they meant."""
    table = _keynames._TABLES[codeset]
    names = [entry.partition("=")[0] for entry in table.split()]
    assert len(names) > 100
    assert all(re.fullmatch(r"[^\s;'\"#\\]+", name) for name in names)  # one word to virsh
    compare("-c", URI, "; ".join(f"send-key test --codeset {codeset} {n}" for n in names))
