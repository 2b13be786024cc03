"""Whether each running guest's agent is there, as libvirt tracks it: the ``state``
attribute of a virtio channel's ``<target>`` in the live XML (``connected`` once the guest
opened its end of the port, ``disconnected`` before and after), from QEMU's
``query-chardev`` (``frontend-open``) at start and its ``VSERPORT_CHANGE`` events since.

Why not just try the socket: QEMU accepts a connection on the host end whether or not
anything listens in the guest, and a command sent into a closed port waits for ever;
libvirt answers "QEMU guest agent is not connected" at once instead, and so do we.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from pyvirt import (
    ConnectDomainEventAgentLifecycleReason,
    ConnectDomainEventAgentLifecycleState,
    ErrorCode,
    ErrorDomain,
    VirtError,
    make_error,
)

from pyvirt_qemu._agent import Agent, agent_channel, not_configured
from pyvirt_qemu._console import chardev_alias

if TYPE_CHECKING:
    from pyvirt_qemu._domain import QemuDomain, Run
    from pyvirt_qemu._qemudriver import QemuDriver

__all__ = [
    "agent_of",
    "agent_shutdown",
    "announce_agent_state",
    "on_vserport_change",
    "refresh_channel_states",
]

_ACPI, _AGENT = 1, 2  # VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN / _GUEST_AGENT (reboot's alike)
_STATE = ConnectDomainEventAgentLifecycleState
_REASON = ConnectDomainEventAgentLifecycleReason


def _virtio_channels(live: Any) -> list[Any]:
    return [ch for ch in live.chardevs
            if ch.kind == "channel" and ch.target.get("type") == "virtio"]  # fmt: skip


def _set_state(ch: Any, connected: bool) -> None:
    """``state`` after ``name`` in ``<target>``, as libvirt writes it."""
    ch.target = {k: v for k, v in ch.target.items() if k != "state"}
    ch.target["state"] = "connected" if connected else "disconnected"


def refresh_channel_states(live: Any, chardevs: list[dict[str, Any]]) -> None:
    """At start: every virtio channel's state from query-chardev's ``frontend-open``."""
    open_by_label = {str(c.get("label")): bool(c.get("frontend-open")) for c in chardevs}
    for ch in _virtio_channels(live):
        _set_state(ch, open_by_label.get(f"char{chardev_alias(live, ch)}", False))


def announce_agent_state(driver: QemuDriver, dom: QemuDomain, live: Any) -> None:
    """At start, once the domain has its id: the agent channel's state with the reason
    "domain started", as libvirt emits it (before STARTED) for a guest with an agent."""
    ch = agent_channel(live)
    if ch is None or ch.target.get("type") != "virtio":
        return
    connected = ch.target.get("state") == "connected"
    driver.emit_agent_lifecycle(
        dom, _STATE.CONNECTED if connected else _STATE.DISCONNECTED, _REASON.DOMAIN_STARTED
    )


def on_vserport_change(
    driver: QemuDriver, dom: QemuDomain, run: Run, alias: str, connected: bool
) -> None:
    """QEMU's VSERPORT_CHANGE (on the monitor's loop thread): the guest opened or closed
    the port *alias*; the agent's connection follows its port, and subscribers hear of it
    (AGENT_LIFECYCLE, reason "channel event") as from libvirt."""
    from pyvirt_qemu._lifecycle import save_run_status  # (it imports this module)

    with driver.lock:
        live = dom.live
        if dom.run is not run or live is None:
            return
        is_agent = False
        for ch in _virtio_channels(live):
            if chardev_alias(live, ch) == alias:
                _set_state(ch, connected)
                is_agent = ch is agent_channel(live)
                if is_agent and run.agent is not None:
                    run.agent.set_connected(connected)
                break
        else:
            return
    with contextlib.suppress(VirtError):
        save_run_status(driver, dom)
    if is_agent:
        state = _STATE.CONNECTED if connected else _STATE.DISCONNECTED
        driver.emit_agent_lifecycle(dom, state, _REASON.CHANNEL)


def agent_of(driver: QemuDriver, dom: QemuDomain) -> Agent:
    """The running *dom*'s agent (libvirt's qemuDomainAgentAvailable): "domain is not
    running", "QEMU guest agent is not configured" without the channel."""
    with driver.lock:
        run, live = dom.run, dom.live
        if run is None or live is None:
            raise make_error(ErrorCode.OPERATION_INVALID, ErrorDomain.DOMAIN,
                             "domain is not running")  # fmt: skip
        ch = agent_channel(live)
        if ch is None or not ch.sources or not ch.sources[0].get("path"):
            raise not_configured()
        if run.agent is None:
            run.agent = Agent(ch.sources[0]["path"])
            run.agent.connected = ch.target.get("state") == "connected"
        agent: Agent = run.agent
        agent.timeout = dom.agent_timeout
        return agent


def agent_shutdown(driver: QemuDriver, dom: QemuDomain, mode: str, flags: int) -> bool:
    """shutdown/reboot through the agent (guest-shutdown, *mode* "powerdown" or "reboot")
    when *flags* ask for it, or ask for nothing and the agent is connected.  True when the
    agent took it; False when the caller should press the ACPI button instead (not asked
    for the agent, or it failed and the button is allowed); the agent's error otherwise."""
    if not flags & _AGENT and flags:
        return False
    if not flags:
        with driver.lock:
            live = dom.live
            ch = agent_channel(live) if live is not None else None
            if ch is None or ch.target.get("state") != "connected":
                return False
    try:
        agent_of(driver, dom).execute("guest-shutdown", {"mode": mode})
    except VirtError:
        if flags & _ACPI or not flags:
            return False
        raise
    return True
