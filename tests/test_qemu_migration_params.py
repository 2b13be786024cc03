"""A QEMU guest's migration settings (bandwidth cap, post-copy cap, longest pause, XBZRLE
cache) and its dirty-rate measurement: one virsh script through pyvirtd beside libvirtd's QEMU driver, stdout, stderr and
exit code equal, including what a shut-off guest keeps (the cap) and refuses (the rest),
values QEMU refuses, and an overflowing cap; and the settings in QEMU itself afterwards."""

# ruff: noqa: F811 - fixtures imported from qemu_helpers are test parameters
from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import pytest
from pyvirt import ErrorCode, VirtError
from qemu_helpers import (  # noqa: F401 - fixtures
    InProcessDriver,
    daemon_env,
    needs_libvirtd_qemu,
    needs_qemu,
    qemu_driver,
    qemu_root,
    scripts_on_both_daemons,
    wait_for,
)

pytestmark = needs_qemu

_XML = ("<domain type='qemu'><name>{name}</name><memory unit='MiB'>64</memory>"
        "<os><type arch='x86_64'>hvm</type></os></domain>")  # fmt: skip


def test_migration_settings_reach_qemu_and_the_cap_outlives_a_shut_off_guest(
    qemu_driver: InProcessDriver,
) -> None:
    conn = qemu_driver.connect()
    dom = conn.define_domain(_XML.format(name="mig"))
    assert dom.migrate_get_max_speed() == (2**63 - 1) // 2**20
    dom.migrate_set_max_speed(42)
    for call in (dom.migrate_get_max_downtime, dom.migrate_get_compression_cache):
        with pytest.raises(VirtError, match="domain is not running") as e:
            call()
        assert e.value.code == ErrorCode.OPERATION_INVALID
    dom.start()
    assert dom.migrate_get_max_speed() == 42
    dom.migrate_set_max_speed(77)
    dom.migrate_set_max_speed(5, 1)  # VIR_DOMAIN_MIGRATE_MAX_SPEED_POSTCOPY
    dom.migrate_set_max_downtime(1234)
    dom.migrate_set_compression_cache(2 * 2**20)
    got = json.loads(dom.qemu_monitor_command('{"execute":"query-migrate-parameters"}'))
    got = got["return"]
    assert (got["max-bandwidth"], got["max-postcopy-bandwidth"]) == (77 * 2**20, 5 * 2**20)
    assert (got["downtime-limit"], got["xbzrle-cache-size"]) == (1234, 2 * 2**20)
    assert dom.migrate_get_max_speed(1) == 5
    with pytest.raises(VirtError, match="unable to execute QEMU command 'migrate-set-param"):
        dom.migrate_set_compression_cache(1000)  # QEMU wants a power of two
    with pytest.raises(VirtError, match="unsupported flags") as e:
        dom.migrate_get_max_speed(2)
    assert e.value.code == ErrorCode.INVALID_ARG
    dom.start_dirty_rate_calc(1)  # page sampling for a second; domstats shows the result
    measured = lambda: dict(conn.get_all_domain_stats(512)[0][1])  # noqa: E731 (DIRTYRATE)
    assert wait_for(lambda: measured().get("dirtyrate.calc_status") == 2, 30)
    assert measured()["dirtyrate.calc_period"] == 1
    assert measured()["dirtyrate.calc_mode"] == "page-sampling"
    dom.destroy()


@needs_libvirtd_qemu
def test_migration_settings_through_pyvirtd_match_libvirtd(
    daemon_env: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    name = f"pyvirt-mig-{uuid.uuid4().hex[:8]}"
    os.chmod(tmp_path, 0o755)
    xml = tmp_path / "dom.xml"
    xml.write_text(_XML.format(name=name))
    n = name
    script = (
        f"define {xml}; migrate-getspeed {n}; migrate-getspeed {n} --postcopy; "
        f"migrate-setspeed {n} 50; migrate-getspeed {n}; migrate-setspeed {n} 50 --postcopy; "
        f"migrate-setspeed {n} 8796093022208; migrate-getmaxdowntime {n}; "
        f"migrate-setmaxdowntime {n} 10; migrate-compcache {n}; domdirtyrate-calc {n}; "
        f"start {n}; "
        f"migrate-getspeed {n}; migrate-setspeed {n} 100; migrate-getspeed {n}; "
        f"migrate-getspeed {n} --postcopy; migrate-setspeed {n} 100 --postcopy; "
        f"migrate-getspeed {n} --postcopy; migrate-getmaxdowntime {n}; "
        f"migrate-setmaxdowntime {n} 500; migrate-getmaxdowntime {n}; "
        f"migrate-setmaxdowntime {n} 0; migrate-compcache {n}; "
        f"migrate-compcache {n} --size 1048576; migrate-compcache {n}; "
        f"migrate-compcache {n} --size 1000; migrate-setspeed {n} -- -1; "
        f"domdirtyrate-calc {n} --seconds 0; domdirtyrate-calc {n} --seconds 61; "
        f"domdirtyrate-calc {n} --mode dirty-ring; domdirtyrate-calc {n} --seconds 1; "
        f"destroy {n}; migrate-getspeed {n}; undefine {n}"
    )
    want, got = scripts_on_both_daemons((script, script), name, daemon_env)
    assert got == want
