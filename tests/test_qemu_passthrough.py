"""libvirt-qemu's calls on real QEMU through the QEMU driver: monitor commands straight to
QMP (HMP through human-monitor-command), QMP events forwarded to the connection that
registered for them (name, regex and case filters, QEMU's timestamp, the event's data as
JSON), the domain tainted "custom-monitor" in its log as libvirt logs it, and libvirt's
errors for what it refuses.  The answers and messages expected are those libvirtd 9.0 gave
on qemu:///system for the same commands (see tests/test_cli_qemu_lxc.py for virsh's side);
tests/test_qemu_guest_agent.py has the guest agent's passthrough with the booted guest.
"""

# ruff: noqa: F811 - fixtures imported from qemu_helpers are test parameters
from __future__ import annotations

import json
import os
import queue
import re
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from daemon_helpers import start_daemon
from pyvirt import Domain, ErrorCode, ErrorDomain, ObjectEvent, VirtError
from qemu_guest import AGENT_BANNER, Guest, agent_missing, guest_domain_xml
from qemu_helpers import (  # noqa: F401 - fixtures
    InProcessDriver,
    daemon_env,
    guest_xml,
    needs_libvirtd_qemu,
    needs_qemu,
    qemu_driver,
    qemu_pids,
    qemu_root,
    wait_for,
)

pytestmark = needs_qemu

_WAIT = 120.0  # a busy machine: generous, and not a timed assertion


@pytest.fixture
def running(qemu_driver: InProcessDriver) -> Domain:
    dom = qemu_driver.connect().define_domain(guest_xml("pt", None))
    dom.start()
    return dom


def _error(call) -> VirtError:  # type: ignore[no-untyped-def]
    with pytest.raises(VirtError) as info:
        call()
    return info.value


def test_qmp_commands_reach_qemu_and_answer_its_whole_reply(running: Domain) -> None:
    reply = json.loads(running.qemu_monitor_command('{"execute":"query-status"}'))
    assert reply["return"]["status"] == "running" and reply["id"] == "libvirt-1"
    # libvirt's compact text, QEMU's order: "return" then "id"
    text = running.qemu_monitor_command('{"execute":"query-name"}')
    assert text == '{"return":{"name":"pt"},"id":"libvirt-2"}'
    text = running.qemu_monitor_command('{"execute":"nosuchcmd"}')
    assert text == (
        '{"id":"libvirt-3","error":{"class":"CommandNotFound",'
        '"desc":"The command nosuchcmd has not been found"}}'
    )
    assert running.qemu_monitor_command("{}") == (
        '{"error":{"class":"GenericError","desc":"QMP input lacks member \'execute\'"}}'
    )


def test_hmp_goes_through_human_monitor_command(running: Domain) -> None:
    assert running.qemu_monitor_command("info status", 1) == "VM status: running\r\n"
    assert running.qemu_monitor_command("info name", 1) == "pt\r\n"
    assert running.qemu_monitor_command("nosuch", 1) == "unknown command: 'nosuch'\r\n"


def test_what_libvirt_refuses_is_refused_in_its_words(
    running: Domain, qemu_driver: InProcessDriver
) -> None:
    err = _error(lambda: running.qemu_monitor_command("query-status"))
    assert (err.code, err.domain) == (ErrorCode.INTERNAL_ERROR, ErrorDomain.NONE)
    assert str(err) == (
        "internal error: cannot parse json query-status: lexical error: invalid char in json "
        "text.\n" + " " * 39 + "query-status\n" + " " * 21 + "(right here) ------^\n"
    )
    err = _error(lambda: running.qemu_monitor_command(""))
    assert "parse error: premature EOF" in str(err)
    err = _error(lambda: running.qemu_monitor_command('{"execute":"query-status","id":"x"}'))
    assert (err.code, err.domain, str(err)) == (
        ErrorCode.INTERNAL_ERROR, ErrorDomain.QEMU,
        "internal error: Unable to append command 'id' string",
    )  # fmt: skip
    err = _error(lambda: running.qemu_monitor_command('{"execute":"query-status"}', 2))
    assert (err.code, err.domain, str(err)) == (
        ErrorCode.INVALID_ARG, ErrorDomain.QEMU,
        "unsupported flags (0x2) in function qemuDomainQemuMonitorCommandWithFiles",
    )  # fmt: skip
    off = qemu_driver.connect().define_domain(guest_xml("pt-off", None))
    err = _error(lambda: off.qemu_monitor_command('{"execute":"query-status"}'))
    assert (err.code, str(err)) == (
        ErrorCode.OPERATION_INVALID, "Requested operation is not valid: domain is not running"
    )
    err = _error(lambda: off.qemu_agent_command('{"execute":"guest-ping"}'))
    assert str(err) == "Requested operation is not valid: domain is not running"
    err = _error(lambda: running.qemu_agent_command('{"execute":"guest-ping"}', 5))
    assert (err.code, str(err)) == (
        ErrorCode.ARGUMENT_UNSUPPORTED,
        "argument unsupported: QEMU guest agent is not configured",
    )
    err = _error(lambda: running.qemu_agent_command("x", 5, 1))
    assert str(err) == "unsupported flags (0x1) in function qemuDomainQemuAgentCommand"


def test_the_domain_is_tainted_once_per_run_in_its_log(
    running: Domain, qemu_root: Path
) -> None:
    assert running.messages() == []
    running.qemu_monitor_command('{"execute":"query-status"}')
    tainted = ["tainted: custom monitor control commands issued"]  # (libvirtd 9.0's words)
    assert running.messages() == running.messages(2) == tainted  # 2: TAINTING
    assert running.messages(1) == []  # DEPRECATION: none
    with pytest.raises(VirtError, match=r"unsupported flags \(0x4\) in function qemuDomainGet"):
        running.messages(4)
    running.qemu_monitor_command("info status", 1)
    log = next(qemu_root.rglob("pt.log")).read_text(errors="replace")
    lines = [line for line in log.splitlines() if "tainted" in line]
    assert len(lines) == 1, lines
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\+0000: Domain id=\d+ is tainted: custom-monitor",
        lines[0],
    )
    running.destroy()
    assert running.messages() == []  # the next run starts clean


def _events(dom: Domain, conn_events: queue.Queue[ObjectEvent]) -> list[ObjectEvent]:
    found = []
    while True:
        try:
            found.append(conn_events.get(timeout=_WAIT if not found else 2.0))
        except queue.Empty:
            return found


def test_qmp_events_reach_the_registrations_that_match(
    qemu_driver: InProcessDriver, running: Domain
) -> None:
    conn = running._conn
    other = qemu_driver.connect()  # a second connection registers nothing: gets nothing
    got: queue.Queue[ObjectEvent] = queue.Queue()
    stray: queue.Queue[ObjectEvent] = queue.Queue()
    conn.register_event_callback(lambda _c, ev: got.put(ev), kind="qemu-monitor")
    other.register_event_callback(lambda _c, ev: stray.put(ev), kind="qemu-monitor")
    stop = conn.qemu_monitor_event_register(running, "STOP")
    every = conn.qemu_monitor_event_register(None, None)
    resume = conn.qemu_monitor_event_register(None, "^res", 3)  # REGEX | NOCASE
    exact_case = conn.qemu_monitor_event_register(None, "resume")  # no match: case differs
    running.suspend()
    running.resume()
    seen = _events(running, got)
    by_id: dict[int, list[str]] = {}
    for ev in seen:
        assert (ev.kind, ev.name, ev.uuid, ev.id) == ("qemu-monitor", "pt", running.uuid, running.id)
        assert ev.event > 1_000_000_000 and 0 <= ev.detail < 1_000_000  # QEMU's timestamp
        by_id.setdefault(ev.event_id, []).append(ev.text or "")
    assert by_id[stop] == ["STOP"]
    assert by_id[resume] == ["RESUME"]
    assert {"STOP", "RESUME"} <= set(by_id[every])
    assert exact_case not in by_id
    assert stray.empty()
    conn.qemu_monitor_event_deregister(every)
    err = _error(lambda: conn.qemu_monitor_event_deregister(every))
    assert (err.code, err.domain, str(err)) == (
        ErrorCode.INVALID_ARG, ErrorDomain.NONE,
        f"invalid argument: could not find event callback {every} for deletion",
    )  # fmt: skip
    err = _error(lambda: other.qemu_monitor_event_deregister(stop))  # not its registration
    assert err.code == ErrorCode.INVALID_ARG
    err = _error(lambda: conn.qemu_monitor_event_register(None, "(", 1))
    assert err.code == ErrorCode.INVALID_ARG and "failed to compile regex '('" in str(err)


def test_event_data_arrives_as_json_text(qemu_driver: InProcessDriver, running: Domain) -> None:
    conn = running._conn
    got: queue.Queue[ObjectEvent] = queue.Queue()
    conn.register_event_callback(lambda _c, ev: got.put(ev), kind="qemu-monitor")
    conn.qemu_monitor_event_register(running, "RESET|STOP", 1)  # REGEX
    running.suspend()
    running.qemu_monitor_command('{"execute":"system_reset"}')
    seen = {ev.text: ev.details for ev in _events(running, got)}
    assert seen["STOP"] is None  # no data: libvirt's NULL
    # libvirt's compact JSON of QEMU's "data"
    assert seen["RESET"] == '{"guest":false,"reason":"host-qmp-system-reset"}'


VIRSH = shutil.which("virsh") or "virsh"
PYVIRSH = shutil.which("pyvirsh", path=os.path.dirname(sys.executable)) or "pyvirsh"
#: One session each way; ids and QEMU's message counters differ by nature.
_MASKS = [(re.compile(r'"libvirt-\d+"'), '"libvirt-N"'), (re.compile(r"id=\d+"), "id=N")]


def _session(program: str, script: str, name: str, env: dict[str, str]) -> tuple[int, str, str]:
    done = subprocess.run([program, "-c", "qemu:///system", script], capture_output=True,
                          text=True, timeout=600, env=env, check=False)  # fmt: skip
    out, err = done.stdout.replace(name, "NAME"), done.stderr.replace(name, "NAME")
    for pattern, repl in _MASKS:
        out, err = pattern.sub(repl, out), pattern.sub(repl, err)
    return done.returncode, out, err


@needs_libvirtd_qemu
def test_virsh_commands_through_pyvirtd_answer_as_through_libvirtd(
    daemon_env: tuple[Path, dict[str, str]], qemu_root: Path, tmp_path: Path
) -> None:
    """The same virsh script on a running guest: virsh -> libvirtd (qemu:///system) and
    pyvirsh -> a pyvirtd of the test's own; outputs, errors and status equal, byte for byte
    once ids are masked."""
    name = f"pyvirt-pt-{uuid.uuid4().hex[:8]}"
    xml = tmp_path / "pt.xml"
    xml.write_text(
        f"<domain type='qemu'><name>{name}</name><memory unit='MiB'>64</memory>"
        "<os><type arch='x86_64'>hvm</type></os></domain>"
    )
    script = (
        f"create {xml}; "
        f"qemu-monitor-command {name} --return-value query-name; "
        f"qemu-monitor-command {name} --pretty --return-value query-status; "
        f"qemu-monitor-command {name} --pretty cont; "
        f"qemu-monitor-command {name} --return-value cont; "
        f"qemu-monitor-command {name} query-status; "
        f"qemu-monitor-command {name} --hmp info name; "
        f"qemu-monitor-command {name} --hmp 'info  status'; "
        f"qemu-monitor-command {name} --return-value human-monitor-command "
        "'\"command-line\":\"info name\"'; "
        f"qemu-monitor-command {name} --pretty nosuchcmd; "
        f"qemu-monitor-command {name} --return-value nosuchcmd; "
        f"qemu-monitor-command {name} query-status x; "
        f"qemu-monitor-command {name} '{{\"execute\":\"query-name\",\"id\":\"x\"}}'; "
        f"qemu-monitor-command {name} 'query-status'; "
        f"qemu-agent-command {name} '{{\"execute\":\"guest-ping\"}}'; "
        f"qemu-monitor-event --domain {name} --timeout 1; "
        f"qemu-monitor-event --event nomatch --timeout 1 --loop; "
        f"qemu-attach 1; destroy {name}; "
        f"qemu-monitor-command {name} --hmp info name"
    )
    plain = {k: v for k, v in os.environ.items() if not k.endswith("DEFAULT_URI")}
    try:
        want = _session(VIRSH, script, name, plain)
    finally:
        subprocess.run([VIRSH, "-c", "qemu:///system", "destroy", name],
                       capture_output=True, timeout=60, check=False)  # fmt: skip
    rundir, env = daemon_env
    daemon = start_daemon(rundir, env=env)
    try:
        daemon.wait_worker("qemu")
        got = _session(PYVIRSH, script, name, {**plain, "PYVIRT_RUNTIME_DIR": str(rundir)})
    finally:
        daemon.stop()
    assert '"name":"NAME"' in want[1]  # libvirtd answered (the comparison is not empty)
    assert got == want
    assert qemu_pids(qemu_root) == []


# -- the guest agent's passthrough, with the booted guest's qemu-ga ------------------------------
_CHANNEL = "<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>"


def test_agent_commands_reach_the_guest_agent_and_taint_the_domain(
    linux_guest: Guest, qemu_driver: InProcessDriver, qemu_root: Path
) -> None:
    missing = agent_missing()
    if missing is not None:
        pytest.skip(missing)
    log = qemu_root / "ptga-console.log"
    dom = qemu_driver.connect().define_domain(
        guest_domain_xml(linux_guest, "ptga", log, devices=_CHANNEL)
    )
    dom.start()
    assert wait_for(lambda: AGENT_BANNER in log.read_text(errors="replace")
                    if log.exists() else False, 240.0), "the guest's agent never started"  # fmt: skip
    assert wait_for(lambda: "state='connected'" in dom.xml_desc(), 240.0)  # QEMU saw the port open
    # qemu-ga answers; libvirt hands back its whole reply as compact JSON
    assert dom.qemu_agent_command('{"execute":"guest-ping"}', 30) == '{"return":{}}'
    info = json.loads(dom.qemu_agent_command('{"execute":"guest-info"}', -2))  # BLOCK
    assert "version" in info["return"]
    err = _error(lambda: dom.qemu_agent_command('{"execute":"nosuch"}', 30))
    assert (err.code, err.domain) == (ErrorCode.INTERNAL_ERROR, ErrorDomain.QEMU)
    assert str(err).startswith("internal error: unable to execute QEMU agent command 'nosuch': ")
    err = _error(lambda: dom.qemu_agent_command("guest-ping", 30))
    assert str(err).startswith(
        "internal error: cannot parse json guest-ping: lexical error: invalid char in json text."
    )
    err = _error(lambda: dom.qemu_agent_command('{"execute":"guest-ping"}', -3))
    assert (err.code, str(err)) == (
        ErrorCode.INVALID_ARG,
        "invalid argument: guest agent timeout '-3' is less than the minimum '-2'",
    )
    qemu_log = next(qemu_root.rglob("ptga.log")).read_text(errors="replace")
    assert qemu_log.count("is tainted: custom-ga-command") == 1
    dom.destroy()


def test_monitor_events_cross_pyvirtd_to_pyvirt_and_to_libvirt_qemu_callbacks(
    daemon_env: tuple[Path, dict[str, str]], qemu_root: Path
) -> None:
    """Through the daemon: pyvirt's callbacks get the events of their connection's
    registrations; libvirt_qemu.qemuMonitorEventRegister's callback runs from the event
    loop with libvirt-python's arguments (conn, dom, event, seconds, micros, details)."""
    import pyvirt
    import pyvirt.libvirt as libvirt
    import pyvirt.libvirt_qemu as libvirt_qemu

    rundir, env = daemon_env
    daemon = start_daemon(rundir, env=env)
    try:
        daemon.wait_worker("qemu")
        with pyvirt.open("qemu:///system") as conn:
            dom = conn.create_domain(guest_xml("ptev", None))
            got: queue.Queue[ObjectEvent] = queue.Queue()
            conn.register_event_callback(lambda _c, ev: got.put(ev), kind="qemu-monitor")
            callback_id = conn.qemu_monitor_event_register(dom, "STOP")
            dom.suspend()
            ev = got.get(timeout=_WAIT)
            assert (ev.kind, ev.text, ev.name, ev.event_id, ev.details) == (
                "qemu-monitor", "STOP", "ptev", callback_id, None
            )
            conn.qemu_monitor_event_deregister(callback_id)

            libvirt.virEventRegisterDefaultImpl()
            vconn = libvirt.open("qemu:///system")
            seen: list[tuple[object, ...]] = []
            vdom = vconn.lookupByName("ptev")
            cb_id = libvirt_qemu.qemuMonitorEventRegister(
                vconn, vdom, "RESUME", lambda *args: seen.append(args), "opaque"
            )
            assert vconn.qemuMonitorEventCallbackID == {cb_id: "opaque"}
            dom.resume()
            for _ in range(int(_WAIT * 10)):
                if seen:
                    break
                libvirt.virEventRunDefaultImpl()
            c, d, name, seconds, micros, details, opaque = seen[0]
            assert (c, d.name(), name, details, opaque) == (vconn, "ptev", "RESUME", None, "opaque")
            assert isinstance(seconds, int) and 0 <= micros < 1_000_000
            libvirt_qemu.qemuMonitorEventDeregister(vconn, cb_id)
            with pytest.raises(libvirt.libvirtError) as info:
                libvirt_qemu.qemuMonitorEventDeregister(vconn, cb_id)
            assert str(info.value) == f"invalid argument: event callback id {cb_id} not registered"
            vconn.close()
            dom.destroy()
    finally:
        daemon.stop()
    assert qemu_pids(qemu_root) == []


_STAMP = re.compile(r"at \d+\.\d{6} for")
_CLOCK = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\+0000: event", re.M)


def _watch_events(program: str, name: str, options: str, fire: str, env: dict[str, str]) -> str:
    """Run ``qemu-monitor-event`` (one-shot) with *options* in the background and fire the
    *fire* script until it has seen its event; its output with QEMU's timestamps masked."""
    watcher = subprocess.Popen([program, "-c", "qemu:///system", f"qemu-monitor-event {options}"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)  # fmt: skip
    try:
        for _ in range(300):  # each round fires and waits a little: the watcher may register late
            subprocess.run([program, "-c", "qemu:///system", fire], capture_output=True,
                           timeout=120, env=env, check=False)  # fmt: skip
            try:
                out, err = watcher.communicate(timeout=0.5)
                break
            except subprocess.TimeoutExpired:
                continue
        else:
            raise AssertionError("the watcher never saw its event")
    finally:
        if watcher.poll() is None:
            watcher.kill()
            watcher.communicate()
    text = _STAMP.sub("at T for", (out + err).replace(name, "NAME"))
    return _CLOCK.sub("TIME: event", text)


@needs_libvirtd_qemu
def test_qemu_monitor_event_prints_events_as_virsh_through_libvirtd(
    daemon_env: tuple[Path, dict[str, str]], qemu_root: Path, tmp_path: Path
) -> None:
    name = f"pyvirt-ev-{uuid.uuid4().hex[:8]}"
    xml = tmp_path / "ev.xml"
    xml.write_text(
        f"<domain type='qemu'><name>{name}</name><memory unit='MiB'>64</memory>"
        "<os><type arch='x86_64'>hvm</type></os></domain>"
    )
    cases = [
        (f"--domain {name} --event STOP", f"suspend {name}; resume {name}"),
        (f"--domain {name} --event resume --no-case --timestamp", f"suspend {name}; resume {name}"),
        ("--event '^ST.P$' --regex --pretty", f"suspend {name}; resume {name}"),
    ]

    def session(program: str, env: dict[str, str]) -> list[str]:
        subprocess.run([program, "-c", "qemu:///system", f"create {xml}"], capture_output=True,
                       timeout=120, env=env, check=True)  # fmt: skip
        try:
            return [_watch_events(program, name, opts, fire, env) for opts, fire in cases]
        finally:
            subprocess.run([program, "-c", "qemu:///system", f"destroy {name}"],
                           capture_output=True, timeout=120, env=env, check=False)  # fmt: skip

    plain = {k: v for k, v in os.environ.items() if not k.endswith("DEFAULT_URI")}
    want = session(VIRSH, plain)
    rundir, env = daemon_env
    daemon = start_daemon(rundir, env=env)
    try:
        daemon.wait_worker("qemu")
        got = session(PYVIRSH, {**plain, "PYVIRT_RUNTIME_DIR": str(rundir)})
    finally:
        daemon.stop()
    assert want[0] == "event STOP at T for domain 'NAME': <null>\nevents received: 1\n\n"
    assert got == want
