"""Host perf counters on a guest's QEMU (virsh perf): an enabled software event counts the
QEMU process (its count grows while the guest runs), is kept in the live and persistent
``<perf>``, comes back after a daemon restart, and one the host cannot count (Intel's cqm
events where there is no cqm PMU) fails the call, or the start, with libvirt's words;
compared with libvirtd's QEMU driver through the same virsh script."""

# ruff: noqa: F811 - fixtures imported from qemu_helpers are test parameters
from __future__ import annotations

import os
import re
import uuid
from pathlib import Path

import pytest
from pyvirt import ErrorCode, TypedParameterType, VirtError, typed_param
from qemu_helpers import (  # noqa: F401 - fixtures
    InProcessDriver,
    daemon_env,
    needs_libvirtd_qemu,
    needs_qemu,
    qemu_root,
    scripts_on_both_daemons,
)

pytestmark = needs_qemu

_XML = ("<domain type='qemu'><name>{name}</name><memory unit='MiB'>64</memory>"
        "<os><type arch='x86_64'>hvm</type></os></domain>")  # fmt: skip
_CQM = Path("/sys/devices/intel_cqm/type").exists()


def _on(enabled: bool, *names: str) -> list:  # type: ignore[type-arg]
    return [typed_param(n, TypedParameterType.BOOLEAN, enabled) for n in names]


def _states(params: dict[str, object]) -> dict[str, bool]:
    return {name: bool(value) for name, value in params.items()}


def test_a_software_perf_event_counts_the_guests_qemu_and_survives_a_daemon_restart(
    qemu_root: Path,
) -> None:
    driver = InProcessDriver(qemu_root, privileged=True)
    conn = driver.connect()
    dom = conn.define_domain(_XML.format(name="perf"))
    try:
        dom.start()
        dom.set_perf_events(_on(True, "cpu_clock", "page_faults"), 1)  # LIVE
        assert {k for k, v in _states(dom.perf_events()).items() if v} == {
            "cpu_clock", "page_faults"}  # fmt: skip
        assert "<event name='cpu_clock' enabled='yes'/>" in dom.xml_desc()
        assert "<perf>" not in dom.xml_desc(2)  # the persistent definition: untouched
        run = driver.state._driver.domains.lookup_by_name("perf").run  # type: ignore[union-attr]
        first = run.perf.read("cpu_clock")
        for _ in range(20):  # work for QEMU's main thread, the one counted (as libvirt's)
            dom.qemu_monitor_command('{"execute":"query-status"}')
        assert run.perf.read("cpu_clock") > first
        ((_, stats),) = conn.get_all_domain_stats(0x40)  # VIR_DOMAIN_STATS_PERF
        assert list(stats) == ["perf.cpu_clock", "perf.page_faults"]
        dom.set_perf_events(_on(False, "page_faults"), 1)
        assert not _states(dom.perf_events())["page_faults"]
        driver.stop()

        driver = InProcessDriver(qemu_root, privileged=True)  # the daemon restarts
        dom = driver.connect().lookup_domain_by_name("perf")
        assert _states(dom.perf_events())["cpu_clock"]
        assert not _states(dom.perf_events())["page_faults"]
        if not _CQM:
            with pytest.raises(VirtError, match="unable to enable host cpu perf event for cmt") as e:
                dom.set_perf_events(_on(True, "cmt"), 1)
            assert e.value.code == ErrorCode.ARGUMENT_UNSUPPORTED
        with pytest.raises(VirtError, match="unsupported flags") as e:
            dom.perf_events(1 << 6)
        assert e.value.code == ErrorCode.INVALID_ARG
        dom.destroy()
    finally:
        driver.stop()


@needs_libvirtd_qemu
def test_virsh_perf_through_pyvirtd_matches_libvirtd(
    daemon_env: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    name = f"pyvirt-perf-{uuid.uuid4().hex[:8]}"
    os.chmod(tmp_path, 0o755)
    xml = tmp_path / "dom.xml"
    xml.write_text(_XML.format(name=name))
    n = name
    script = (
        f"define {xml}; perf {n}; perf {n} --enable cmt --config; perf {n} --config; "
        f"start {n}; perf {n} --disable cmt --config; start {n}; "
        f"perf {n} --enable cpu_clock,page_faults; domstats {n} --perf; "
        f"perf {n} --enable instructions; "
        f"perf {n} --disable page_faults --live; perf {n} --enable cmt,task_clock; perf {n}; "
        f"perf {n} --config; destroy {n}; perf {n} --live; undefine {n}"
    )
    want, got = scripts_on_both_daemons((script, script), name, daemon_env)
    counts = re.compile(r"^(  perf\.\w+=)\d+$", re.M)  # (the counts differ by nature)
    assert "  perf.cpu_clock=" in want[1]
    assert [got[0], counts.sub(r"\1N", got[1]), got[2]] == [
        want[0], counts.sub(r"\1N", want[1]), want[2]]  # fmt: skip
