"""Domain jobs, dirty-page rate and launch security: virsh's ``domjobinfo`` (with
``--completed``, ``--keep-completed``, ``--anystats``, ``--rawstats``), ``domjobabort``,
``domdirtyrate-calc``, ``domlaunchsecinfo`` and ``domsetlaunchsecstate`` compared with the
real virsh byte for byte, in process and through the daemons; libvirt's test driver answers
each with an error (no jobs, no dirty-rate, no SEV), after virsh's own option checks.  And
libvirt-python's job, migration-tunable, launch-security and dirty-rate methods against the
real binding.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import compare, needs_virsh
from libvirt_compat import assert_same_answers, real_binding_available


@pytest.mark.parametrize(
    "command",
    [
        "domjobinfo test",
        "domjobinfo test --completed",
        "domjobinfo test --completed --keep-completed",
        "domjobinfo test --keep-completed",
        "domjobinfo test --anystats",
        "domjobinfo test --rawstats",
        "domjobinfo nosuch",
        "domjobinfo nosuch --keep-completed",
        "domjobinfo",
        "destroy test; domjobinfo test",
        "domjobabort test",
        "domjobabort test --postcopy",
        "domjobabort nosuch",
        "domjobabort",
        "help domjobinfo",
        "help domjobabort",
    ],
)
@needs_virsh
def test_jobs(uri, command):
    compare("-c", uri, command)


@pytest.mark.parametrize(
    "command",
    [
        "domdirtyrate-calc test",
        "domdirtyrate-calc test --seconds 5",
        "domdirtyrate-calc test --seconds 0",
        "domdirtyrate-calc test --seconds 61",
        "domdirtyrate-calc test --seconds x",
        "domdirtyrate-calc test --seconds ''",
        "domdirtyrate-calc test --mode bogus",
        "domdirtyrate-calc test --mode ''",
        "domdirtyrate-calc test --mode dirty-ring",
        "domdirtyrate-calc test --mode page-sampling",
        "domdirtyrate-calc test --mode dirty-bitmap --seconds 5",
        "domdirtyrate-calc test 5",
        "domdirtyrate-calc test 5 bogus",
        "domdirtyrate-calc nosuch --mode bogus",
        "help domdirtyrate-calc",
    ],
)
@needs_virsh
def test_dirty_rate(uri, command):
    compare("-c", uri, command)


@pytest.mark.parametrize(
    "command",
    [
        "domlaunchsecinfo test",
        "domlaunchsecinfo nosuch",
        "domlaunchsecinfo",
        "destroy test; domlaunchsecinfo test",
        "domsetlaunchsecstate test",
        "domsetlaunchsecstate test --secrethdr {hdr}",
        "domsetlaunchsecstate test --secret {secret}",
        "domsetlaunchsecstate test --secrethdr {hdr} --secret {secret}",
        "domsetlaunchsecstate test --secrethdr {hdr} --secret {secret} --set-address 4096",
        "domsetlaunchsecstate test --secrethdr {hdr} --secret {missing}",
        "domsetlaunchsecstate test --secrethdr {missing} --secret {secret}",
        "domsetlaunchsecstate test --secrethdr {hdr} --secret {secret} --set-address x",
        "domsetlaunchsecstate test --secrethdr {hdr} --secret {secret} --set-address -1",
        "domsetlaunchsecstate test --secrethdr '' --secret {secret}",
        "domsetlaunchsecstate test {hdr} {secret}",
        "domsetlaunchsecstate test --secrethdr {hdr} --secret {secret} 5",
        "domsetlaunchsecstate test --secrethdr /dev/null --secret /dev/null",
        "domsetlaunchsecstate nosuch --secrethdr {hdr} --secret {secret}",
        "help domlaunchsecinfo",
        "help domsetlaunchsecstate",
    ],
)
@needs_virsh
def test_launch_security(uri, command, tmp_path: Path):
    hdr, secret = tmp_path / "hdr", tmp_path / "secret"
    hdr.write_bytes(b"header\x00\xff")
    secret.write_text("secret")
    compare(
        "-c",
        uri,
        command.format(hdr=hdr, secret=secret, missing=tmp_path / "missing"),
    )


@needs_virsh
def test_read_only_connections_may_not_start_jobs(uri, tmp_path: Path):
    secret = tmp_path / "secret"
    secret.write_text("s")
    compare("-r", "-c", uri, "domjobinfo test; domjobabort test")
    compare("-r", "-c", uri, "domjobabort test --postcopy")
    compare("-r", "-c", uri, "domdirtyrate-calc test")
    compare("-r", "-c", uri, "domlaunchsecinfo test")
    compare("-r", "-c", uri, f"domsetlaunchsecstate test --secrethdr {secret} --secret {secret}")


_PROGRAM = """
for expr in [
    "d.jobInfo()", "d.jobStats()", "d.jobStats(1)", "d.jobStats(-1)", "d.abortJob()",
    "d.abortJobFlags()", "d.abortJobFlags(1)",
    "d.migrateSetMaxDowntime(10)", "d.migrateSetMaxDowntime(-1)", "d.migrateSetMaxDowntime('x')", "d.migrateGetMaxDowntime()",
    "d.migrateGetCompressionCache()", "d.migrateSetCompressionCache(10)", "d.migrateSetCompressionCache(-1)",
    "d.migrateSetMaxSpeed(10)", "d.migrateSetMaxSpeed(10, 1)", "d.migrateGetMaxSpeed()",
    "d.migrateGetMaxSpeed(1)", "d.migrateStartPostCopy()",
    "d.launchSecurityInfo()", "d.launchSecurityInfo(1)",
    "d.setLaunchSecurityState({})", "d.setLaunchSecurityState([])",
    "d.setLaunchSecurityState({'sev-secret': 'x', 'sev-secret-header': 'y'})",
    "d.setLaunchSecurityState({'sev-secret-set-address': 'x'})",
    "d.startDirtyRateCalc(1)", "d.startDirtyRateCalc(1, 4)",
    "r.lookupByName('test').jobInfo()", "r.lookupByName('test').abortJob()",
    "r.lookupByName('test').migrateGetMaxDowntime()",
    "r.lookupByName('test').migrateGetMaxSpeed()",
    "r.lookupByName('test').migrateSetMaxSpeed(1)",
    "r.lookupByName('test').launchSecurityInfo()",
    "r.lookupByName('test').startDirtyRateCalc(1)",
    "r.lookupByName('test').setLaunchSecurityState({'sev-secret': 'x'})",
]:
    ask(expr)
"""


@pytest.mark.skipif(not real_binding_available(), reason="the real binding is missing")
def test_libvirt_python_answers_match_the_real_binding(uri: str, tmp_path: Path) -> None:
    assert_same_answers(_PROGRAM, uri, tmp_path)
