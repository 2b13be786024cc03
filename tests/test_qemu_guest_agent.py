"""The QEMU driver talking to a real guest agent: Debian's qemu-ga runs in the test guest
(:mod:`qemu_guest`) on the virtio-serial port ``org.qemu.guest_agent.0``, and the driver's
calls that go through it (the guest's clock, host name, vCPUs and interfaces, shutdown and
reboot from inside, its filesystems, a user's SSH keys, ACPI suspend) answer what the guest says, with libvirt 9.0's errors when the agent is
not configured, not connected or not answering.  The answers expected were taken from
libvirtd (qemu:///system) with the same guest.
"""

# ruff: noqa: F811 - fixtures imported from qemu_helpers are test parameters
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from daemon_helpers import start_daemon
from lxml import etree
from pyvirt import Domain, DomainState, ErrorCode, VirtError
from qemu_guest import (
    AGENT_BANNER,
    HOSTNAME,
    Guest,
    agent_missing,
    guest_domain_xml,
    readable_copy,
)
from qemu_helpers import (  # noqa: F401 - fixtures
    InProcessDriver,
    daemon_env,
    kill_leftovers,
    needs_libvirtd_qemu,
    needs_qemu,
    qemu_root,
    wait_for,
)

pytestmark = needs_qemu

VIRSH = shutil.which("virsh")
PYVIRSH = shutil.which("pyvirsh", path=os.path.dirname(sys.executable)) or "pyvirsh"

#: Generous: a TCG boot takes a few seconds, but the machine may be busy.
BOOT_TIMEOUT = 240.0
CHANNEL = "<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>"
#: VIR_DOMAIN_SHUTDOWN_GUEST_AGENT (and VIR_DOMAIN_REBOOT_GUEST_AGENT), _ACPI_POWER_BTN.
GUEST_AGENT, ACPI = 2, 1
SRC_AGENT = 1  # VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT
TIME_SYNC = 1  # VIR_DOMAIN_TIME_SYNC
VCPU_GUEST = 8  # VIR_DOMAIN_VCPU_GUEST


@pytest.fixture(scope="module")
def agent_guest(linux_guest: Guest) -> Guest:
    missing = agent_missing()
    if missing is not None:
        pytest.skip(missing)
    return linux_guest


@pytest.fixture(scope="module")
def agent_root() -> Iterator[Path]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PYVIRT_QEMU_ACCEL", "tcg")
        root = Path(tempfile.mkdtemp(prefix="pqa-", dir="/tmp"))
        try:
            yield root
        finally:
            kill_leftovers(root)
            shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def agent_driver(agent_root: Path) -> Iterator[InProcessDriver]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PYVIRT_QEMU_ACCEL", "tcg")
        drv = InProcessDriver(agent_root)
        try:
            yield drv
        finally:
            drv.stop()


def _define(drv: InProcessDriver, guest: Guest, root: Path, name: str, devices: str) -> Domain:
    return drv.connect().define_domain(
        guest_domain_xml(guest, name, root / f"{name}.log", devices=devices)
    )


def _agent_target(dom: Domain) -> etree._Element:
    target = etree.fromstring(dom.xml_desc()).find(
        "devices/channel/target[@name='org.qemu.guest_agent.0']"
    )
    assert target is not None
    return target


def _wait_agent(dom: Domain, log: Path) -> None:
    """Until the guest started its agent and QEMU told the driver the port is open."""
    assert wait_for(lambda: AGENT_BANNER in log.read_text(errors="replace")
                    if log.exists() else False, BOOT_TIMEOUT), "the guest's agent never started"  # fmt: skip
    assert wait_for(lambda: _agent_target(dom).get("state") == "connected", BOOT_TIMEOUT)


@pytest.fixture(scope="module")
def running(agent_driver: InProcessDriver, agent_guest: Guest, agent_root: Path) -> Domain:
    """One guest with its agent connected, shared by the read-only checks below."""
    dom = _define(agent_driver, agent_guest, agent_root, "ga", CHANNEL)
    dom.start()
    _wait_agent(dom, agent_root / "ga.log")
    return dom


def _error(call) -> VirtError:  # type: ignore[no-untyped-def]
    with pytest.raises(VirtError) as e:
        call()
    return e.value


# -- the channel in the live XML ---------------------------------------------------------


def test_the_live_channel_gets_its_socket_path_and_state_as_libvirt_writes_them(
    running: Domain, agent_root: Path
) -> None:
    target = _agent_target(running)
    assert dict(target.attrib) == {"type": "virtio", "name": "org.qemu.guest_agent.0",
                                   "state": "connected"}  # fmt: skip
    channel = target.getparent()
    assert channel is not None
    source = channel.find("source")
    assert source is not None and source.get("mode") == "bind"
    assert source.get("path", "").endswith("/org.qemu.guest_agent.0")
    assert Path(source.get("path", "")).is_socket()
    assert "state=" not in running.xml_desc(2)  # VIR_DOMAIN_XML_INACTIVE: not in the config


def test_a_paused_guest_s_port_is_disconnected_and_the_agent_refused_at_once(
    agent_driver: InProcessDriver, agent_guest: Guest, agent_root: Path
) -> None:
    dom = _define(agent_driver, agent_guest, agent_root, "gap", CHANNEL)
    dom.start(1)  # VIR_DOMAIN_START_PAUSED: the guest never opens its port
    try:
        assert _agent_target(dom).get("state") == "disconnected"
        err = _error(dom.hostname)
        assert err.code == ErrorCode.AGENT_UNRESPONSIVE
        assert str(err) == "Guest agent is not responding: QEMU guest agent is not connected"
    finally:
        dom.destroy()


# -- what the agent answers --------------------------------------------------------------


def test_hostname_comes_from_the_guest(running: Domain) -> None:
    assert running.hostname() == HOSTNAME
    assert running.hostname(2) == HOSTNAME  # VIR_DOMAIN_GET_HOSTNAME_AGENT
    err = _error(lambda: running.hostname(1))  # _LEASE: it has no NIC on a network
    assert (err.code, str(err)) == (ErrorCode.NO_HOSTNAME,
                                    "no hostname found: no hostname found for domain ga")  # fmt: skip


def test_guest_vcpus_are_the_guest_s_view(running: Domain) -> None:
    # libvirtd on the same guest: vcpus 0, online 0, offlinable (none: cpu0 cannot go).
    assert running.guest_vcpus() == {"vcpus": "0", "online": "0", "offlinable": ""}
    assert running.vcpus(VCPU_GUEST) == 1
    err = _error(lambda: running.set_guest_vcpus("0", 0))
    assert (err.code, str(err)) == (ErrorCode.OPERATION_UNSUPPORTED,
                                    "Operation not supported: vCPU '0' is not offlinable")  # fmt: skip
    # libvirtd's words for the same guest
    err = _error(lambda: running.set_guest_vcpus("5-6", 1))
    assert str(err) == "invalid argument: guest is missing vCPUs '5-6'"
    err = _error(lambda: running.set_vcpus(3, VCPU_GUEST))
    assert str(err) == ("invalid argument: requested vcpu count is greater than the count of "
                        "enabled vcpus in the domain: 3 > 1")  # fmt: skip
    running.set_vcpus(1, VCPU_GUEST)  # already so: nothing to change


def test_interface_addresses_from_the_agent(running: Domain) -> None:
    ifaces = running.interface_addresses(SRC_AGENT)
    lo = [i for i in ifaces if i.name == "lo"]
    assert len(lo) == 1
    assert lo[0].hwaddr == "00:00:00:00:00:00"
    assert [(a.type, a.addr, a.prefix) for a in lo[0].addrs] == [(0, "127.0.0.1", 8), (1, "::1", 128)]


def test_the_guest_clock_is_read_set_and_synced_from_its_rtc(running: Domain) -> None:
    seconds, nseconds = running.get_time()
    assert abs(seconds - time.time()) < 600  # the guest's clock came from the host's RTC
    assert 0 <= nseconds < 1_000_000_000
    running.set_time(1_700_000_000)
    assert 1_700_000_000 <= running.get_time()[0] < 1_700_000_000 + 600
    # qemu-ga wrote the new time to the RTC as well (libvirtd then reports an RTC_CHANGE),
    # so syncing from the RTC keeps it
    running.set_time(0, 0, TIME_SYNC)
    assert 1_700_000_000 <= running.get_time()[0] < 1_700_000_000 + 600
    running.set_time(int(time.time()))
    assert abs(running.get_time()[0] - time.time()) < 600
    err = _error(lambda: running.set_time(2**62))
    assert str(err) == f"invalid argument: Time '{2**62}' is too big for guest agent"


def test_an_agent_command_the_guest_refuses_is_libvirt_s_internal_error(running: Domain) -> None:
    running.set_guest_vcpus("0", 1)  # already online: nothing to ask
    err = _error(lambda: running.set_time(-5))  # qemu-ga: settimeofday fails
    assert err.code == ErrorCode.INTERNAL_ERROR
    assert str(err).startswith(
        "internal error: unable to execute QEMU agent command 'guest-set-time': "
    )


def test_a_guest_that_does_not_answer_is_unresponsive_after_the_wait(running: Domain) -> None:
    running.suspend()  # the port stays open, but nobody in the guest runs to answer
    try:
        err = _error(running.hostname)
        assert err.code == ErrorCode.AGENT_UNRESPONSIVE
        assert str(err) == "Guest agent is not responding: Guest agent not available for now"
    finally:
        running.resume()
    assert running.hostname() == HOSTNAME  # the stale reply is skipped by the next sync


# -- no agent ----------------------------------------------------------------------------


def test_without_the_channel_the_agent_is_not_configured(
    agent_driver: InProcessDriver, agent_guest: Guest, agent_root: Path
) -> None:
    dom = _define(agent_driver, agent_guest, agent_root, "gan", "")
    err = _error(dom.hostname)
    assert (err.code, str(err)) == (ErrorCode.OPERATION_INVALID,
                                    "Requested operation is not valid: domain is not running")  # fmt: skip
    dom.start(1)
    try:
        for call in (dom.hostname, dom.get_time, dom.guest_vcpus,
                     lambda: dom.interface_addresses(SRC_AGENT)):  # fmt: skip
            err = _error(call)
            assert err.code == ErrorCode.ARGUMENT_UNSUPPORTED
            assert str(err) == "argument unsupported: QEMU guest agent is not configured"
        err = _error(lambda: dom.shutdown(GUEST_AGENT))
        assert err.code == ErrorCode.ARGUMENT_UNSUPPORTED
    finally:
        dom.destroy()


# -- shutdown and reboot from inside -------------------------------------------------------


def test_shutdown_and_reboot_through_the_agent(
    agent_driver: InProcessDriver, agent_guest: Guest, agent_root: Path
) -> None:
    dom = _define(agent_driver, agent_guest, agent_root, "gas", CHANNEL)
    log = agent_root / "gas.log"
    dom.start()
    _wait_agent(dom, log)
    dom.reboot(GUEST_AGENT)
    assert wait_for(lambda: "shutdown -h -r" in log.read_text(errors="replace"), BOOT_TIMEOUT)
    assert wait_for(lambda: log.read_text(errors="replace").count(AGENT_BANNER) >= 2,
                    BOOT_TIMEOUT), log.read_text(errors="replace")  # fmt: skip
    assert dom.state()[0] == DomainState.RUNNING
    assert wait_for(lambda: _agent_target(dom).get("state") == "connected", BOOT_TIMEOUT)
    dom.shutdown(GUEST_AGENT)
    assert wait_for(lambda: dom.state()[0] == DomainState.SHUTOFF, BOOT_TIMEOUT), dom.state()
    assert "shutdown -h -P" in log.read_text(errors="replace")


# -- the same guest under libvirtd -------------------------------------------------------


def _virsh(program: list[str], script: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*program, "-c", "qemu:///system", script], capture_output=True,
                          text=True, timeout=180, env=env, check=False)  # fmt: skip


def _agent_session(program: list[str], env: dict[str, str], xml: Path, name: str) -> str:
    """Define and start the guest, wait until its agent answers, run the agent commands
    and return their output (stdout and stderr of each, the name masked)."""
    try:
        assert _virsh(program, f"define {xml}; start {name}", env).returncode == 0
        assert wait_for(lambda: _virsh(program, f"domhostname {name} --source agent",
                                       env).returncode == 0, BOOT_TIMEOUT)  # fmt: skip
        out = []
        keys = xml.parent / "keys"
        keys.write_text("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPyvirtTestKeyOnlyForTheGuest pyvirt@test\n")
        for cmd in (f"domhostname {name} --source agent", f"domhostname {name}",
                    f"guestvcpus {name}", f"domifaddr {name} --source agent",
                    f"vcpucount {name} --guest", f"guestvcpus {name} --cpulist 0 --disable",
                    f"guestvcpus {name} --cpulist 5-6 --enable", f"setvcpus {name} 3 --guest",
                    f"guestinfo {name}", f"guestinfo {name} --hostname --os",
                    f"domfsfreeze {name}", f"domfsthaw {name}", f"domfsthaw {name} --mountpoint /",
                    f"set-user-password {name} root secret",
                    f"set-user-password {name} nobody secret",
                    f"guest-agent-timeout {name} --timeout -3",
                    f"guest-agent-timeout {name} --timeout 10",
                    f"domfsinfo {name}", f"domfstrim {name}",
                    f"domfstrim {name} --minimum 4096 --mountpoint /",
                    f"get-user-sshkeys {name} root",
                    f"set-user-sshkeys {name} root --file {keys}",
                    f"get-user-sshkeys {name} root",
                    f"set-user-sshkeys {name} root --reset --file {keys}",
                    f"set-user-sshkeys {name} root --remove --file {keys}",
                    f"get-user-sshkeys {name} root", f"get-user-sshkeys {name} nosuchuser",
                    f"dompmsuspend {name} --target mem --duration 5",
                    f"dompmsuspend {name} --target disk --duration 0 --target mem",
                    f"domtime {name} --time 9300000000000",
                    f"setvcpus {name} 5 --live", f"setvcpus {name} 3 --live",
                    f"vcpucount {name}", f"setvcpu {name} 2 --enable --live",
                    f"setvcpu {name} 0 --disable --live"):  # fmt: skip
            done = _virsh(program, cmd, env)
            out.append(f"$ {cmd}\n{done.stdout}{done.stderr}rc={done.returncode}\n")
        # ACPI S3: the guest suspends a moment after the agent is asked (QEMU then says
        # SUSPEND), and a wake-up before that is refused by QEMU: each side waits for it.
        for cmd, state in ((f"dompmsuspend {name} --target mem", "pmsuspended"),
                           (f"dompmwakeup {name}", "running")):  # fmt: skip
            done = _virsh(program, cmd, env)
            out.append(f"$ {cmd}\n{done.stdout}{done.stderr}rc={done.returncode}\n")
            assert wait_for(lambda s=state: _virsh(program, f"domstate {name}", env)
                            .stdout.strip() == s, BOOT_TIMEOUT)  # fmt: skip
            done = _virsh(program, f"domstate {name} --reason", env)
            out.append(f"$ domstate --reason\n{done.stdout}{done.stderr}rc={done.returncode}\n")
        return "".join(out).replace(name, "NAME")
    finally:
        _virsh(program, f"destroy {name}; undefine {name}", env)


@needs_libvirtd_qemu
def test_agent_commands_and_vcpu_hotplug_match_libvirtd_on_the_same_guest(
    agent_guest: Guest, daemon_env: tuple[Path, dict[str, str]], qemu_root: Path
) -> None:
    name = f"pyvirt-agent-{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory(prefix="pqg-", dir="/tmp") as tmp:
        shared = Path(tmp)
        xml = shared / "agent.xml"
        xml.write_text(
            f"<domain type='qemu'><name>{name}</name><memory unit='MiB'>256</memory>"
            "<vcpu placement='static' current='1'>4</vcpu>"
            f"{readable_copy(agent_guest, shared).os_xml()}"
            f"<features><acpi/></features><devices>{CHANNEL}</devices></domain>"
        )
        plain = {k: v for k, v in os.environ.items() if not k.endswith("DEFAULT_URI")}
        want = _agent_session([VIRSH or "virsh"], plain, xml, name)
        rundir, env = daemon_env
        daemon = start_daemon(rundir, env=env)
        try:
            daemon.wait_worker("qemu")
            got = _agent_session([PYVIRSH], {**plain, "PYVIRT_RUNTIME_DIR": str(rundir)}, xml, name)
        finally:
            daemon.stop()
    assert f"$ domhostname NAME --source agent\n{HOSTNAME}\n" in want
    assert got.splitlines() == want.splitlines()


# -- the "guest" family's calls, on the driver itself ------------------------------------
# (their procedure rows and public methods come with another branch; these exercise the
# QEMU driver's side against the real agent until they are merged)


def _raw(drv: InProcessDriver):  # type: ignore[no-untyped-def]
    from pyvirt import parse_uri

    return drv.state.open_connection(parse_uri("qemu:///session"), read_only=False)


def test_guestinfo_is_what_libvirtd_reports_for_this_guest(
    agent_driver: InProcessDriver, running: Domain
) -> None:
    raw = _raw(agent_driver)
    params = {p.field: p.value for p in raw.domain_get_guest_info(running.ref, 0, 0)}
    # libvirtd 9.0's guestinfo for the same guest, field for field
    assert list(params) == [
        "user.count", "os.machine", "os.kernel-release", "os.kernel-version", "timezone.name",
        "timezone.offset", "hostname", "if.count", "if.0.name", "if.0.hwaddr", "if.0.addr.count",
        "if.0.addr.0.type", "if.0.addr.0.addr", "if.0.addr.0.prefix", "if.0.addr.1.type",
        "if.0.addr.1.addr", "if.0.addr.1.prefix",
    ]  # fmt: skip
    assert params["hostname"] == HOSTNAME and params["user.count"] == 0
    assert params["timezone.name"] == "UTC" and params["if.0.addr.1.addr"] == "::1"
    only = raw.domain_get_guest_info(running.ref, 8, 0)  # VIR_DOMAIN_GUEST_INFO_HOSTNAME
    assert [(p.field, p.value) for p in only] == [("hostname", HOSTNAME)]


def test_fsfreeze_thaw_and_a_user_password_through_the_agent(
    agent_driver: InProcessDriver, running: Domain
) -> None:
    raw = _raw(agent_driver)
    assert raw.domain_fsfreeze(running.ref, [], 0) == 0  # libvirtd: "Froze 0 filesystem(s)"
    assert raw.domain_fsthaw(running.ref, [], 0) == 0
    err = _error(lambda: raw.domain_fsthaw(running.ref, ["/"], 0))
    assert str(err) == "argument unsupported: specifying mountpoints is not supported"
    raw.domain_set_user_password(running.ref, "root", "secret", 0)
    err = _error(lambda: raw.domain_set_user_password(running.ref, "nobody", "secret", 0))
    assert str(err) == ("internal error: unable to execute QEMU agent command "
                        "'guest-set-user-password': child process has failed to set user "
                        "password")  # fmt: skip


def test_the_agent_timeout_applies_to_later_calls(
    agent_driver: InProcessDriver, running: Domain
) -> None:
    raw = _raw(agent_driver)
    err = _error(lambda: raw.domain_agent_set_response_timeout(running.ref, -3, 0))
    assert str(err) == "invalid argument: guest agent timeout '-3' is less than the minimum '-2'"
    raw.domain_agent_set_response_timeout(running.ref, 0, 0)  # NOWAIT: no time for an answer
    try:
        err = _error(running.hostname)
        assert str(err) == "Guest agent is not responding: Guest agent not available for now"
    finally:
        raw.domain_agent_set_response_timeout(running.ref, -1, 0)
    assert running.hostname() == HOSTNAME


def test_the_agent_answers_after_the_driver_restarts(agent_guest: Guest, qemu_root: Path) -> None:
    """pyvirtd going away leaves the guest running; the next one finds it again, with its
    channel still connected (kept in the status file), and talks to the same agent."""
    first = InProcessDriver(qemu_root)
    try:
        dom = _define(first, agent_guest, qemu_root, "gar", CHANNEL)
        dom.start()
        _wait_agent(dom, qemu_root / "gar.log")
    finally:
        first.stop()
    second = InProcessDriver(qemu_root)
    try:
        dom = second.connect().lookup_domain_by_name("gar")
        assert _agent_target(dom).get("state") == "connected"
        assert dom.hostname() == HOSTNAME
        dom.destroy()
    finally:
        second.stop()


def test_with_block_a_guest_that_never_answers_still_fails_its_sync(
    agent_driver: InProcessDriver, agent_guest: Guest, agent_root: Path
) -> None:
    """guest-agent-timeout --timeout -2 (block) waits for ever for a command's reply, but,
    as libvirt, never more than 5 s for the guest-sync before it: a guest that does not run
    cannot hang the call."""
    dom = _define(agent_driver, agent_guest, agent_root, "gab", CHANNEL)
    dom.start()
    _wait_agent(dom, agent_root / "gab.log")
    _raw(agent_driver).domain_agent_set_response_timeout(dom.ref, -2, 0)
    dom.suspend()
    errors: list[VirtError] = []

    def ask() -> None:
        try:
            dom.get_time()
        except VirtError as e:
            errors.append(e)

    waiting = threading.Thread(target=ask, daemon=True)
    waiting.start()
    waiting.join(BOOT_TIMEOUT)
    try:
        assert not waiting.is_alive()
        assert [str(e) for e in errors] == [
            "Guest agent is not responding: Guest agent not available for now"
        ]
    finally:
        dom.destroy()


def test_acpi_suspend_and_wakeup_change_the_state_with_libvirts_events(
    agent_driver: InProcessDriver, running: Domain, agent_root: Path
) -> None:
    """dompmsuspend asks the agent; QEMU's SUSPEND makes the domain pmsuspended and WAKEUP
    (after system_wakeup) running again, reason wakeup, each with libvirt's lifecycle and
    power-management events."""
    from pyvirt import (
        DomainEventID,
        DomainEventPMSuspendedDetail,
        DomainEventStartedDetail,
        DomainEventType,
        DomainRunningReason,
    )

    conn = running.connection
    seen: list[tuple[int, int, int]] = []
    kept = (0, DomainEventID.PMSUSPEND, DomainEventID.PMWAKEUP)  # (not the agent's own)
    cb = conn.register_event_callback(
        lambda _c, e: seen.append((e.event_id, e.event, e.detail)) if e.event_id in kept
        else None, uuid=running.uuid,
    )  # fmt: skip
    try:
        running.pm_suspend_for_duration(0, 0)  # VIR_NODE_SUSPEND_TARGET_MEM
        assert wait_for(lambda: running.state()[0] == DomainState.PMSUSPENDED, BOOT_TIMEOUT)
        running.pm_wakeup()
        assert wait_for(lambda: running.state()[0] == DomainState.RUNNING, BOOT_TIMEOUT)
        assert running.state() == (DomainState.RUNNING, DomainRunningReason.WAKEUP)
        assert wait_for(lambda: len(seen) >= 4, 30)
    finally:
        conn.deregister_event_callback(cb)
    assert seen == [
        (0, DomainEventType.PMSUSPENDED, DomainEventPMSuspendedDetail.MEMORY),
        (DomainEventID.PMSUSPEND, 0, 0),
        (0, DomainEventType.STARTED, DomainEventStartedDetail.WAKEUP),
        (DomainEventID.PMWAKEUP, 0, 0),
    ]
    err = _error(lambda: running.pm_suspend_for_duration(0, 5))
    assert (err.code, str(err)) == (ErrorCode.ARGUMENT_UNSUPPORTED,
                                    "argument unsupported: Duration not supported. Use 0 for now")  # fmt: skip
    _wait_agent(running, agent_root / "ga.log")  # (the agent's port reopens after the wakeup)
