"""The QEMU driver's small domain calls with a real (TCG) QEMU: is-updated, inject-nmi,
send-key, the balloon's statistics period, the job queries and abort, lifecycle actions.

In process, each call goes to QEMU (its answers read back over QMP) or to the definition,
and every refusal carries libvirt's code and words; through pyvirtd, the same virsh script
runs against libvirtd's QEMU driver and must print the same, byte for byte.
"""

# ruff: noqa: F811 - fixtures imported from qemu_helpers are test parameters
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from daemon_helpers import start_daemon
from pyvirt import Domain, ErrorCode, NoDomainError, VirtError
from pyvirt_qemu._keymap_gen import MAN_DIR, render
from qemu_helpers import (  # noqa: F401 - fixtures
    InProcessDriver,
    daemon_env,
    needs_libvirtd_qemu,
    needs_qemu,
    qemu_driver,
    qemu_root,
    virsh_script,
)

pytestmark = needs_qemu
VIRSH = shutil.which("virsh") or "virsh"
PYVIRSH = shutil.which("pyvirsh", path=os.path.dirname(sys.executable)) or "pyvirsh"
#: VIR_KEYCODE_SET_*
LINUX, XT, USB, OS_X, QNUM = 0, 1, 7, 5, 9
#: VIR_DOMAIN_LIFECYCLE_* and _ACTION_*; VIR_DOMAIN_AFFECT_*
POWEROFF, REBOOT, CRASH = 0, 1, 2
DESTROY, RESTART, RENAME_RESTART, PRESERVE, COREDUMP_DESTROY = 0, 1, 2, 3, 4
LIVE, CONFIG = 1, 2


def _xml(name: str) -> str:
    return (f"<domain type='qemu'><name>{name}</name><memory unit='MiB'>64</memory>"
            "<os><type arch='x86_64'>hvm</type></os><devices>"
            "<memballoon model='virtio'/></devices></domain>")  # fmt: skip


@pytest.fixture
def dom(qemu_driver: InProcessDriver) -> Iterator[Domain]:
    conn = qemu_driver.connect()
    d = conn.define_domain(_xml("misc"))
    yield d
    if d.is_active():
        d.destroy()


def _qmp(dom: Domain, command: str, arguments: dict[str, object] | None = None) -> object:
    cmd = {"execute": command, **({"arguments": arguments} if arguments else {})}
    return json.loads(dom.qemu_monitor_command(json.dumps(cmd)))["return"]


def _fails(code: ErrorCode, message: str) -> pytest.RaisesContext[VirtError]:
    return pytest.raises(VirtError, match=f"^{message}$")


def test_calls_on_a_shut_off_domain_get_libvirts_errors(dom: Domain) -> None:
    not_running = "Requested operation is not valid: domain is not running"
    for call in (dom.inject_nmi, lambda: dom.send_key(LINUX, 0, [30]), dom.job_info,
                 dom.abort_job, lambda: dom.set_memory_stats_period(5, LIVE)):  # fmt: skip
        with pytest.raises(VirtError, match=f"^{not_running}$") as info:
            call()
        assert info.value.code == ErrorCode.OPERATION_INVALID
    # the codes are translated before the domain is looked at
    with pytest.raises(VirtError, match="^internal error: cannot translate keycode 600 of linux "
                       "codeset to qnum keycode$"):  # fmt: skip
        dom.send_key(LINUX, 0, [600])
    assert dom.job_stats_list(1) == (0, [])  # COMPLETED: none kept
    assert dom.is_updated() is False


def test_send_key_and_nmi_reach_qemu(dom: Domain) -> None:
    dom.start()
    dom.inject_nmi()
    dom.send_key(LINUX, 0, [30, 48])  # KEY_A KEY_B
    dom.send_key(XT, 50, [30])
    dom.send_key(USB, 0, [4])
    dom.send_key(QNUM, 0, [600])  # qnum goes to QEMU untranslated, as libvirt sends it
    dom.send_key(LINUX, 0, [0])  # libvirt finds 0 in every table
    with pytest.raises(VirtError, match="cannot translate keycode 57344 of xt codeset"):
        dom.send_key(XT, 0, [57344])
    with pytest.raises(VirtError, match="cannot translate the os_x codeset") as info:
        dom.send_key(OS_X, 0, [0])
    assert info.value.code == ErrorCode.OPERATION_UNSUPPORTED
    with pytest.raises(VirtError, match="nkeycodes"):
        dom.send_key(LINUX, 0, [30] * 17)
    with pytest.raises(VirtError, match="unsupported flags \\(0x1\\) in function "
                       "qemuDomainInjectNMI"):  # fmt: skip
        dom.inject_nmi(1)


def test_memory_stats_period_live_goes_to_the_balloon_and_config_to_the_xml(dom: Domain) -> None:
    dom.set_memory_stats_period(5, CONFIG)
    assert "<stats period='5'/>" in dom.xml_desc(2)
    dom.start()  # the period comes along at start
    path = "/machine/peripheral/balloon0"
    prop = "guest-stats-polling-interval"
    assert _qmp(dom, "qom-get", {"path": path, "property": prop}) == 5
    dom.set_memory_stats_period(9, LIVE)
    assert _qmp(dom, "qom-get", {"path": path, "property": prop}) == 9
    assert "<stats period='9'/>" in dom.xml_desc()
    assert "<stats period='5'/>" in dom.xml_desc(2)
    dom.set_memory_stats_period(0, CONFIG)
    assert "<stats" not in dom.xml_desc(2)
    with pytest.raises(VirtError, match="period in virDomainSetMemoryStatsPeriod must be zero"):
        dom.set_memory_stats_period(-1)


def test_memory_stats_period_needs_a_balloon(qemu_driver: InProcessDriver) -> None:
    conn = qemu_driver.connect()
    xml = _xml("nob").replace("<memballoon model='virtio'/>", "<memballoon model='none'/>")
    with pytest.raises(VirtError, match="^Requested operation is not valid: No memory balloon "
                       "device configured, can not set the collection period$"):  # fmt: skip
        conn.define_domain(xml).set_memory_stats_period(3, CONFIG)


def test_job_queries_and_abort(qemu_driver: InProcessDriver, dom: Domain) -> None:
    dom.start()
    assert dom.job_info() == [0] * 12
    assert dom.job_stats_list() == (0, [])
    with pytest.raises(VirtError, match="^Requested operation is not valid: no job is active "
                       "on the domain$"):  # fmt: skip
        dom.abort_job()
    # a save in progress (its job held, as the save holds it): reported and cancellable
    obj = qemu_driver.state._driver.domains.from_ref(dom._ref)  # type: ignore[union-attr]
    obj.job.acquire("virDomainSaveFlags", 5)
    try:
        kind, params = dom.job_stats_list()
        assert kind == 2 and {p.field for p in params} == {"operation", "time_elapsed"}
        assert next(p.value for p in params if p.field == "operation") == 2  # SAVE
        assert dom.job_info()[0] == 2
        dom.abort_job()  # QEMU's migrate_cancel: no stream running, nothing to stop
    finally:
        obj.job.release()


def test_lifecycle_actions_with_libvirts_combinations(dom: Domain) -> None:
    dom.set_lifecycle_action(POWEROFF, RESTART)
    dom.set_lifecycle_action(CRASH, COREDUMP_DESTROY, CONFIG)
    xml = dom.xml_desc(2)
    assert "<on_poweroff>restart</on_poweroff>" in xml
    assert "<on_crash>coredump-destroy</on_crash>" in xml
    unsupported = {
        (REBOOT, DESTROY): "qemu driver doesn't support 'onReboot' set to 'destroy and "
                           "'onPoweroff' set to 'reboot'",
        (POWEROFF, RENAME_RESTART): "qemu driver doesn't support the 'rename-restart' action "
                                    "for 'on_reboot'/'on_poweroff'/'on_crash'",
        (REBOOT, PRESERVE): "qemu driver doesn't support the 'preserve' action for "
                            "'on_reboot'/'on_poweroff'",
        (POWEROFF, COREDUMP_DESTROY): "Lifecycle event 'poweroff' doesn't support "
                                      "'coredump-destroy' action",
    }  # fmt: skip
    for (kind, action), message in unsupported.items():
        with pytest.raises(VirtError, match=f"^unsupported configuration: {message}$") as info:
            dom.set_lifecycle_action(kind, action)
        assert info.value.code == ErrorCode.CONFIG_UNSUPPORTED
    dom.set_lifecycle_action(POWEROFF, DESTROY)
    dom.set_lifecycle_action(CRASH, DESTROY)  # (pyvirt starts no guest that dumps on a crash)
    dom.start()
    dom.set_lifecycle_action(REBOOT, DESTROY, LIVE)  # QEMU now stops on a guest reboot
    dom.set_lifecycle_action(CRASH, PRESERVE, LIVE)
    live = dom.xml_desc()
    assert "<on_reboot>destroy</on_reboot>" in live and "<on_crash>preserve</on_crash>" in live
    assert "<on_reboot>restart</on_reboot>" in dom.xml_desc(2)
    with pytest.raises(VirtError, match="unsupported flags \\(0x4\\) in function "
                       "qemuDomainSetLifecycleAction"):  # fmt: skip
        dom.set_lifecycle_action(POWEROFF, DESTROY, 4)


def test_calls_on_a_domain_that_is_gone(qemu_driver: InProcessDriver) -> None:
    d = qemu_driver.connect().define_domain(_xml("gone"))
    d.undefine()
    for call in (d.is_updated, d.inject_nmi, d.job_info, lambda: d.set_lifecycle_action(0, 0)):
        with pytest.raises(NoDomainError):
            call()


def test_the_key_table_is_what_libvirts_manual_pages_say() -> None:
    if not (MAN_DIR / "virkeycode-qnum.7.gz").exists():
        pytest.skip("libvirt's virkeycode-*(7) manual pages are not installed")
    committed = Path(__file__).parents[1] / "plugins/qemu/pyvirt_qemu/_keymaps.py"
    assert committed.read_text() == render(), "run python -m pyvirt_qemu._keymap_gen --write"


# -- against libvirtd ------------------------------------------------------------------------
@needs_libvirtd_qemu
def test_virsh_script_matches_libvirtd(
    daemon_env: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    name = f"pyvirt-misc-{uuid.uuid4().hex[:8]}"
    xml = tmp_path / "misc.xml"
    xml.write_text(_xml(name))
    steps = [
        f"define {xml}", f"inject-nmi {name}", f"send-key {name} KEY_A",
        f"send-key {name} --codeset linux 600", f"domjobinfo {name}",
        f"domjobinfo {name} --completed", f"domjobabort {name}",
        f"dommemstat {name} --period 5 --config", f"set-lifecycle-action {name} poweroff restart",
        f"set-lifecycle-action {name} reboot destroy", f"set-lifecycle-action {name} reboot preserve",
        f"set-lifecycle-action {name} poweroff coredump-destroy",
        f"set-lifecycle-action {name} crash coredump-restart --config",
        f"dumpxml --inactive {name}", f"set-lifecycle-action {name} crash destroy --config",
        f"set-lifecycle-action {name} poweroff destroy", f"start {name}", f"inject-nmi {name}",
        f"send-key {name} KEY_LEFTCTRL KEY_C", f"send-key {name} --codeset xt 30 --holdtime 20",
        f"send-key {name} --codeset usb 49", f"send-key {name} --codeset qnum 600",
        f"domjobinfo {name}", f"domjobabort {name}", f"dommemstat {name} --period 7 --live",
        f"set-lifecycle-action {name} reboot destroy --live",
        f"set-lifecycle-action {name} crash preserve --live", f"dumpxml {name}",
        f"dumpxml --inactive {name}", f"destroy {name}", f"undefine {name}",
    ]  # fmt: skip
    plain = {k: v for k, v in os.environ.items() if not k.endswith("DEFAULT_URI")}
    want = []
    try:
        for step in steps:
            want.append(virsh_script([VIRSH], step, name, plain))
    finally:
        for cleanup in ("destroy", "undefine"):
            subprocess.run([VIRSH, "-c", "qemu:///system", cleanup, name], capture_output=True,
                           timeout=60, check=False)  # fmt: skip
    rundir, env = daemon_env
    daemon = start_daemon(rundir, env=env)
    try:
        daemon.wait_worker("qemu")
        penv = {**plain, "PYVIRT_RUNTIME_DIR": str(rundir)}
        got = [virsh_script([PYVIRSH], step, name, penv) for step in steps]
    finally:
        daemon.stop()
    for step, mine, theirs in zip(steps, got, want, strict=True):
        if step.startswith("dumpxml"):  # the two daemons' definitions differ; the actions not
            mine = (mine[0], _lifecycle_lines(mine[1]), mine[2])
            theirs = (theirs[0], _lifecycle_lines(theirs[1]), theirs[2])
        assert mine == theirs, step


def _lifecycle_lines(xml: str) -> list[str]:
    return [line.strip() for line in xml.splitlines()
            if line.strip().startswith(("<on_", "<stats"))]  # fmt: skip
