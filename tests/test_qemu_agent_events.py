"""AGENT_LIFECYCLE events from a real guest agent: libvirt reports the agent's channel as
disconnected (reason "domain started") when a guest with one starts, connected (reason
"channel event") once qemu-ga in the guest opens its port (QEMU's VSERPORT_CHANGE), and
disconnected again when the agent stops.  Heard through pyvirt's callbacks, libvirt-python
style callbacks of pyvirt.libvirt, and ``pyvirsh event`` compared with ``virsh event``
against libvirtd on the same guest.
"""

# ruff: noqa: F811 - fixtures imported from qemu_helpers are test parameters
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import uuid
from pathlib import Path

import pytest
from daemon_helpers import start_daemon
from qemu_guest import AGENT_BANNER, Guest, agent_missing, guest_domain_xml, readable_copy
from qemu_helpers import (  # noqa: F401 - fixtures
    InProcessDriver,
    daemon_env,
    needs_libvirtd_qemu,
    needs_qemu,
    qemu_driver,
    qemu_root,
    wait_for,
)
from test_qemu_guest_console import _ask

pytestmark = needs_qemu

VIRSH = shutil.which("virsh") or "virsh"
PYVIRSH = shutil.which("pyvirsh", path=os.path.dirname(sys.executable)) or "pyvirsh"
CHANNEL = "<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>"
#: Generous: a TCG boot takes seconds, but the machine may be busy (not a timed assertion).
BOOT_TIMEOUT = 240.0
CONNECTED, DISCONNECTED = 1, 2  # VIR_CONNECT_DOMAIN_EVENT_AGENT_LIFECYCLE_STATE_*
STARTED, CHANNEL_EVENT = 1, 2  # ..._REASON_DOMAIN_STARTED, _CHANNEL


@pytest.fixture
def agent_guest(linux_guest: Guest) -> Guest:
    missing = agent_missing()
    if missing is not None:
        pytest.skip(missing)
    return linux_guest


def test_the_agent_s_channel_is_reported_at_start_on_connect_and_on_disconnect(
    qemu_driver: InProcessDriver, agent_guest: Guest, qemu_root: Path
) -> None:
    import pyvirt.libvirt as libvirt

    conn = qemu_driver.connect()
    log = qemu_root / "ga.log"
    dom = conn.define_domain(guest_domain_xml(agent_guest, "gaev", log, devices=CHANNEL))
    # pyvirt's own callbacks see the event id and libvirt's numbers ...
    raw: list[tuple[int, int, int]] = []
    conn.register_event_callback(
        lambda _c, ev: raw.append((ev.event_id, ev.event, ev.detail)) if ev.event_id else None,
        uuid=dom.uuid,
    )
    # ... and a libvirt-python program's: callback(conn, dom, state, reason, opaque)
    libvirt.virEventRegisterDefaultImpl()
    vconn = libvirt.virConnect(conn)
    heard: list[tuple[str, str, int, int]] = []
    vconn.domainEventRegisterAny(
        None, libvirt.VIR_DOMAIN_EVENT_ID_AGENT_LIFECYCLE,
        lambda _c, d, state, reason, opaque: heard.append((opaque, d.name(), state, reason)),
        "agent",
    )  # fmt: skip

    def heard_of(entry: tuple[str, str, int, int]) -> bool:
        libvirt.virEventRunDefaultImpl()
        return entry in heard

    dom.start()
    try:
        assert wait_for(lambda: heard_of(("agent", "gaev", DISCONNECTED, STARTED)), 30)
        assert wait_for(lambda: AGENT_BANNER in log.read_text(errors="replace")
                        if log.exists() else False, BOOT_TIMEOUT)  # fmt: skip
        assert wait_for(lambda: heard_of(("agent", "gaev", CONNECTED, CHANNEL_EVENT)), BOOT_TIMEOUT)
        # the agent stops inside the guest: its port closes
        fd = dom.open_console()
        try:
            _ask(fd, 'kill $(cat /run/qemu-ga.pid) && echo "K=$((2+2))"', b"K=4")
        finally:
            os.close(fd)
        assert wait_for(lambda: heard_of(("agent", "gaev", DISCONNECTED, CHANNEL_EVENT)), 120)
        assert heard == [("agent", "gaev", DISCONNECTED, STARTED),
                         ("agent", "gaev", CONNECTED, CHANNEL_EVENT),
                         ("agent", "gaev", DISCONNECTED, CHANNEL_EVENT)]  # fmt: skip
        agent_id = libvirt.VIR_DOMAIN_EVENT_ID_AGENT_LIFECYCLE
        assert [e for e in raw if e[0] == agent_id] == [
            (agent_id, DISCONNECTED, STARTED),
            (agent_id, CONNECTED, CHANNEL_EVENT),
            (agent_id, DISCONNECTED, CHANNEL_EVENT),
        ]
    finally:
        dom.destroy()


def test_a_guest_without_an_agent_channel_has_no_agent_events(
    qemu_driver: InProcessDriver, linux_guest: Guest, qemu_root: Path
) -> None:
    conn = qemu_driver.connect()
    dom = conn.define_domain(guest_domain_xml(linux_guest, "noga", qemu_root / "noga.log"))
    seen: list[int] = []
    conn.register_event_callback(lambda _c, ev: seen.append(ev.event_id), uuid=dom.uuid)
    dom.start()
    try:
        assert wait_for(lambda: 0 in seen, 30)  # STARTED came
    finally:
        dom.destroy()
    assert 18 not in seen  # VIR_DOMAIN_EVENT_ID_AGENT_LIFECYCLE


def _agent_lines(program: str, env: dict[str, str], xml: Path, name: str) -> list[str]:
    """Watch every event while *xml*'s guest starts and its agent connects, then destroy it:
    the agent-lifecycle lines and the start, in the order printed.

    The watcher is known to listen once it printed the event of a throwaway definition, and
    is stopped once it printed the agent's connection: waits, never sleeps."""
    stdbuf = shutil.which("stdbuf")  # virsh's stdout to a pipe is block-buffered
    watcher = subprocess.Popen(
        [*([stdbuf, "-oL"] if stdbuf else []), program, "-c", "qemu:///system", "event",
         "--all", "--loop", "--timeout", "900"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env,
    )  # fmt: skip
    heard: list[str] = []
    assert watcher.stdout is not None
    reader = threading.Thread(target=lambda: heard.extend(watcher.stdout or []), daemon=True)
    reader.start()

    def virsh(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([program, "-c", "qemu:///system", *args], capture_output=True,
                              text=True, env=env, timeout=300, check=False)  # fmt: skip

    probe = xml.with_name("probe.xml")
    probe_name = f"{name}-probe"
    probe.write_text(f"<domain type='qemu'><name>{probe_name}</name><memory unit='MiB'>64"
                     "</memory><os><type arch='x86_64'>hvm</type></os></domain>")  # fmt: skip
    try:
        def listening() -> bool:
            virsh("define", str(probe))
            virsh("undefine", probe_name)
            return any(probe_name in line for line in heard)

        assert wait_for(listening, 120), "the event watcher never heard anything"
        done = virsh("create", str(xml))
        assert done.returncode == 0, done.stderr
        assert wait_for(lambda: any(f"'{name}': state: 'connected'" in line for line in heard),
                        BOOT_TIMEOUT), "the guest's agent never connected"  # fmt: skip
    finally:
        virsh("destroy", name)
        virsh("undefine", probe_name)
        watcher.terminate()
        watcher.wait(60)
        reader.join(60)
    lines = [ln.rstrip("\n").replace(name, "NAME") for ln in heard if f"'{name}'" in ln]
    return [ln for ln in lines if "agent-lifecycle" in ln or "Started" in ln]


@needs_libvirtd_qemu
def test_virsh_event_prints_the_agent_s_events_as_against_libvirtd(
    agent_guest: Guest, daemon_env: tuple[Path, dict[str, str]]
) -> None:
    name = f"pyvirt-agev-{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory(prefix="pqe-", dir="/tmp") as tmp:
        shared = Path(tmp)
        xml = shared / "agent.xml"
        xml.write_text(
            f"<domain type='qemu'><name>{name}</name><memory unit='MiB'>256</memory>"
            f"{readable_copy(agent_guest, shared).os_xml()}"
            f"<features><acpi/></features><devices>{CHANNEL}</devices></domain>"
        )
        plain = {k: v for k, v in os.environ.items() if not k.endswith("DEFAULT_URI")}
        want = _agent_lines(VIRSH, plain, xml, name)
        rundir, env = daemon_env
        daemon = start_daemon(rundir, env=env)
        try:
            daemon.wait_worker("qemu")
            got = _agent_lines(PYVIRSH, {**plain, "PYVIRT_RUNTIME_DIR": str(rundir)}, xml, name)
        finally:
            daemon.stop()
    assert want == [
        "event 'agent-lifecycle' for domain 'NAME': state: 'disconnected' reason: 'domain started'",
        "event 'lifecycle' for domain 'NAME': Started Booted",
        "event 'agent-lifecycle' for domain 'NAME': state: 'connected' reason: 'channel event'",
    ]
    assert got == want
