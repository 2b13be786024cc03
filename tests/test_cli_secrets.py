"""pyvirsh against virsh: the secret commands on test:///default and through both daemons.

libvirt's test driver keeps no secrets: every call past the public API's own checks is
VIR_ERR_NO_SUPPORT (domain SECRET), so these compare the checks virsh and the public API
make first (options, files, UUIDs, read-only) and the failures that follow, word for word.
"""

from __future__ import annotations

import pytest
from cli_helpers import compare, needs_virsh, on_test

pytestmark = needs_virsh

U = "00000000-0000-0000-0000-000000000000"
SECRET = """<secret ephemeral='no' private='yes'>
  <uuid>5ec7e700-0000-4000-8000-00000000abcd</uuid>
  <usage type='volume'><volume>/var/lib/libvirt/images/x.img</volume></usage>
</secret>
"""


@pytest.fixture
def xmldir(tmp_path):
    (tmp_path / "s.xml").write_text(SECRET)
    (tmp_path / "bad.xml").write_text("<secret><usage")
    (tmp_path / "value.b64").write_text("AAEC/w==\n")
    (tmp_path / "value.bin").write_bytes(b"\x00\x01\x02\xff")
    return tmp_path


@pytest.mark.parametrize(
    "cmd",
    [
        "secret-list",
        "secret-list --ephemeral",
        "secret-list --no-ephemeral --private",
        "secret-list --no-private",
        "secret-define s.xml",
        "secret-define bad.xml --validate",
        "secret-define /nonexistent",
        "secret-define",
        f"secret-dumpxml {U}",
        "secret-dumpxml not-a-uuid",
        "secret-dumpxml ''",
        f"secret-dumpxml {U} --xpath //uuid",
        f"secret-get-value {U}",
        f"secret-get-value --plain {U}",
        "secret-get-value",
        f"secret-set-value {U} --base64 AAEC/w==",
        f"secret-set-value {U} --file value.b64",
        f"secret-set-value {U} --file value.bin --plain",
        f"secret-set-value {U} --file value.b64 --base64 AAEC",
        f"secret-set-value {U} --plain --base64 AAEC",
        f"secret-set-value {U} --interactive --file value.b64",
        f"secret-set-value {U}",
        "secret-set-value bad-uuid --base64 AAEC",
        f"secret-undefine {U}",
        "secret-undefine 5ec7e700-0000-4000-8000-00000000abcd",
        "secret-undefine nope",
        "secret-list --bogus",
    ],
)
def test_secret_commands(uri, xmldir, cmd):
    on_test(cmd, cwd=xmldir, uri=uri)


@pytest.mark.parametrize(
    "cmd",
    [
        "secret-event --list",
        "secret-event",
        "secret-event --event bogus",
        "secret-event --event lifecycle --timeout x",
        "secret-event --event value-changed --timeout 0",
        "secret-event --event lifecycle --timeout 1",
        f"secret-event --event lifecycle --secret {U} --timeout 1",
        "secret-event --event lifecycle --secret nope --loop --timeout 1",
        "secret-event --list --event lifecycle",
    ],
)
def test_secret_event(uri, cmd):
    on_test(cmd, uri=uri)


@pytest.mark.parametrize(
    "cmd", ["secret-define s.xml", "secret-list", f"secret-get-value {U}", f"secret-undefine {U}"]
)
def test_secret_commands_read_only(uri, xmldir, cmd):
    compare("-r", "-c", uri, cmd, cwd=xmldir)


def test_secret_help_and_group(uri):
    on_test(
        "help secret", "help secret-set-value", "help secret-list", "help secret-event", uri=uri
    )
