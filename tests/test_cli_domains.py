"""pyvirsh against virsh: domain commands on test:///default (lifecycle, info, XML, tuning)."""

from __future__ import annotations

import pytest
from cli_helpers import compare, needs_virsh, on_test

pytestmark = needs_virsh

UUID = "6695eb01-f6a4-8304-79aa-97f2502e193f"
D2 = """<domain type='test'>
  <name>d2</name>
  <uuid>2a747b25-687c-4dd1-8669-3c659f407ba2</uuid>
  <memory>1048576</memory>
  <os><type>hvm</type></os>
</domain>
"""


@pytest.fixture
def xmldir(tmp_path):
    (tmp_path / "d2.xml").write_text(D2)
    (tmp_path / "bad.xml").write_text('<domain type="test"><name')
    (tmp_path / "noname.xml").write_text(
        "<domain type='test'><memory>1024</memory><os><type>hvm</type></os></domain>"
    )
    (tmp_path / "empty.xml").write_text("")
    return tmp_path


LISTS = [
    "list", "list --all", "list --inactive", "list --name", "list --uuid", "list --id",
    "list --all --uuid --name", "list --all --id --name", "list --all --uuid --name --id",
    "list --all --title", "list --all --table --uuid", "list --all --title --uuid",
    "list --state-running --name", "list --state-shutoff --name", "list --state-paused",
    "list --state-other --all", "list --persistent --all", "list --transient --all",
    "list --autostart", "list --no-autostart --all --name", "list --all --managed-save",
    "list --table --name", "list --table --id", "list --with-managed-save --all",
    "list --without-managed-save --all --name",
]


def test_list_variants(uri, xmldir):
    on_test("define d2.xml", *LISTS, cwd=xmldir, uri=uri)


def test_list_quiet(uri, xmldir):
    on_test("define d2.xml", "list --all", "list --name --all", "list --autostart",
            "suspend test", "start d2", "list", cwd=xmldir, quiet=True, uri=uri)


def test_lifecycle_in_one_invocation(uri):
    on_test("suspend test", "list", "resume test", "domstate --reason test",
            "suspend test", "domstate --reason test", "resume test",
            "shutdown test", "domstate --reason test", "list --all",
            "start test", "domstate --reason test", "reboot test", "domstate --reason test",
            "reset test", "domstate --reason test", "destroy test", "domstate --reason test",
            "domid test", "start test", "domid test", "domname 2", "dominfo 2", uri=uri)


def test_lifecycle_errors(uri):
    on_test("start test", "resume test", "suspend test", "suspend test", "destroy test",
            "destroy test", "suspend test", "resume test", "shutdown test", "reboot test",
            "reset test", "start nope", "suspend nope", "domid 1", "domname test",
            "domuuid nope", "dominfo ''", "dominfo 00000000-0000-0000-0000-000000000000", uri=uri)


@pytest.mark.parametrize("ref", ["test", "1", UUID, UUID.upper(), "01", " 1", "+1"])
def test_lookups(uri, ref):
    on_test(f"dominfo '{ref}'", f"domstate '{ref}'", f"domid '{ref}'", f"domname '{ref}'",
            f"domuuid '{ref}'", uri=uri)


def test_lifecycle_messages_use_the_given_name(uri):
    on_test("suspend 1", f"resume {UUID}", "autostart 1", "autostart --disable 1",
            "reboot 1", "reset 1", "destroy 1", f"start {UUID}", "list --autostart --all", uri=uri)


def test_define_create_undefine(uri, xmldir):
    on_test("define d2.xml", f"define {xmldir}/d2.xml", "list --all",
            "dumpxml d2", "dumpxml --inactive d2", "start d2", "list --all", "dumpxml d2",
            "destroy d2", "undefine d2", "list --all", "create d2.xml", "list",
            "domstate --reason d2", "destroy d2", "list --all", "undefine test",
            "list --all", "destroy test", "list --all", cwd=xmldir, uri=uri)


@pytest.mark.parametrize("cmd", ["define", "create"])
@pytest.mark.parametrize("file", ["bad.xml", "noname.xml", "empty.xml", "/nonexistent.xml",
                                  "''", "."])
def test_define_errors(uri, xmldir, cmd, file):
    on_test(f"{cmd} {file}", cwd=xmldir, uri=uri)


def test_dumpxml(uri):
    on_test("dumpxml test", "dumpxml --inactive test", "dumpxml --security-info 1",
            "dumpxml test --xpath /domain/name", "dumpxml test --xpath //disk/target --wrap",
            "dumpxml test --xpath //@type", "dumpxml test --xpath //devices/disk",
            "dumpxml test --xpath 'string(/domain/name)'", "dumpxml test --xpath ///",
            "dumpxml test --xpath '//name|//uuid'", "dumpxml test --xpath /nothing",
            "net-dumpxml default --xpath //ip --wrap",
            "pool-dumpxml default-pool --xpath //target", uri=uri)


@pytest.mark.parametrize("size", ["1G", "1048576", "1024M", "1x", "-5", "0", "1.5G", "1025b",
                                  "1k", "2KB", "9999999999999999999999", "18014398509481984K",
                                  "abc", "", "1GiB", "1 "])
def test_setmem_sizes(size):
    on_test(f"setmem test '{size}'", "dominfo test")


@pytest.mark.parametrize("flags", ["--live", "--config", "--current", "--live --config",
                                   "--live --current", "--config --current"])
def test_setmem_impact(uri, flags):
    on_test(f"setmem test 1G {flags}", f"setmaxmem test 4G {flags}", "dominfo test", uri=uri)


def test_setmaxmem_and_setvcpus(uri):
    on_test("setmaxmem test 4G", "setmaxmem test 0", "setmaxmem nope 1x", "setvcpus test 1",
            "dominfo test", "setvcpus test 3", "setvcpus test 0", "setvcpus test abc",
            "setvcpus test -1", "setvcpus test 4 --maximum", "setvcpus test 4 --maximum --config",
            "setvcpus test 1 --guest --config", "setvcpus test 1 --live --current",
            "setvcpus nope 0", "setvcpus test 2 --live", "setvcpus test 1 --config",
            "dominfo test", "setmem --kilobytes 1000 test", uri=uri)


def test_modes(uri):
    on_test("shutdown test --mode bogus,acpi",
            "reboot test --mode bogus", "reboot nope --mode bogus", "shutdown test X",
            "reboot test --mode agent,initctl", uri=uri)


def test_readonly(uri):
    compare("-r", "-c", uri, "suspend test; list; dominfo test; destroy test")


def test_undefine_options(uri):
    on_test("undefine --delete-snapshots nope", "undefine test --nvram --keep-nvram",
            "undefine test --tpm --keep-tpm", "undefine nope --managed-save", uri=uri)


def test_dominfo_shut_off(uri):
    on_test("destroy test", "dominfo test", uri=uri)


def test_shutdown_mode_unsupported(uri):
    on_test("shutdown test --mode acpi", uri=uri)
