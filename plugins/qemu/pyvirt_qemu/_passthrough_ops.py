"""libvirt-qemu's calls in the QEMU driver: monitor and guest-agent passthrough, and raw QMP
events forwarded to the connections that asked for them.

Why apart from the other ops: these hand the caller QEMU's own protocol, unchecked, so they
share libvirt's rules for that: the domain is tainted ("custom-monitor", "custom-ga-command",
logged once per run in the domain's log as libvirt logs it), JSON is read and written as
libvirt does (:func:`pyvirt.driver.json_from_text`: yajl's errors, numbers kept as written), and a monitor
command gets libvirt's ``id`` ("libvirt-N") unless it already has one, which libvirt refuses.
"""

from __future__ import annotations

import itertools
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pyvirt import DomainRef, ErrorCode, ErrorDomain, ObjectEvent, make_error
from pyvirt.driver import unsupported_flags

from pyvirt_qemu._listeners import deliver

if TYPE_CHECKING:
    from pyvirt_qemu._domain import QemuDomain, Run
    from pyvirt_qemu._qemudriver import QemuDriver

__all__ = ["MonitorEventRegistry", "PassthroughOps", "forward_monitor_event"]

_Q = ErrorDomain.QEMU
_HMP = 1  # VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP
_REGEX, _NOCASE = 1, 2  # VIR_CONNECT_DOMAIN_QEMU_MONITOR_EVENT_REGISTER_*
_AGENT_TIMEOUT_MIN = -2  # VIR_DOMAIN_QEMU_AGENT_COMMAND_MIN


def _not_running() -> Exception:
    return make_error(ErrorCode.OPERATION_INVALID, ErrorDomain.DOMAIN, "domain is not running")


def taint(driver: QemuDriver, dom: QemuDomain, run: Run, flag: str) -> None:
    """qemuDomainObjTaint: the first time per run, note *flag* in the domain's log."""
    if flag in run.taints:
        return
    run.taints.add(flag)
    now = time.time()
    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(now)) + f".{int(now * 1000) % 1000:03d}"
    line = f"{stamp}+0000: Domain id={dom.id} is tainted: {flag}\n"
    try:
        with open(driver.paths.log_dir / f"{dom.name}.log", "a", encoding="utf-8") as log:
            log.write(line)
    except OSError:
        pass  # (libvirt logs the taint where it can; the call goes on)


#: libvirt's taint flags in its order, with the words virDomainGetMessages shows for each.
_TAINT_MESSAGES = (
    ("custom-argv", "custom configuration parameters specified"),
    ("custom-monitor", "custom monitor control commands issued"),
    ("high-privileges", "running with undesirable elevated privileges"),
    ("shell-scripts", "network configuration using opaque shell scripts"),
    ("disk-probing", "potentially unsafe disk format probing"),
    ("external-launch", "managing externally launched configs"),
    ("host-cpu", "potentially unsafe use of host CPU passthrough"),
    ("hook-script", "configuration potentially modified by hook script"),
    ("cdrom-passthrough", "use of host cdrom passthrough"),
    ("custom-dtb", "use of custom device tree blob"),
    ("custom-ga-command", "custom guest agent control commands issued"),
    ("custom-hypervisor-feature", "hypervisor feature autodetection override"),
    ("deprecated-config", "use of deprecated configuration settings"),
    ("deprecated-command", "deprecated commands used"),
)
#: VIR_DOMAIN_MESSAGE_DEPRECATION, VIR_DOMAIN_MESSAGE_TAINTING
_DEPRECATION, _TAINTING = 1, 2


# -- monitor events ------------------------------------------------------------------------------
@dataclass
class _Registration:
    owner: Any  # the connection whose event subscribers get the events
    uuid: str | None
    event: str | None
    pattern: re.Pattern[str] | None
    nocase: bool

    def matches(self, dom: QemuDomain, name: str) -> bool:
        if self.uuid is not None and self.uuid != dom.uuid:
            return False
        if self.pattern is not None:
            return self.pattern.search(name) is not None
        if self.event is None:
            return True
        return self.event.lower() == name.lower() if self.nocase else self.event == name


class MonitorEventRegistry:
    """virConnectDomainQemuMonitorEventRegister's registrations, numbered across the driver
    (the number is the events' ``event_id``, so a client can tell its registrations apart)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._registrations: dict[int, _Registration] = {}

    def register(self, registration: _Registration) -> int:
        with self._lock:
            callback_id = next(self._ids)
            self._registrations[callback_id] = registration
            return callback_id

    def deregister(self, owner: Any, callback_id: int) -> None:
        with self._lock:
            found = self._registrations.get(callback_id)
            if found is None or found.owner is not owner:
                raise make_error(ErrorCode.INVALID_ARG, ErrorDomain.NONE,
                                 f"could not find event callback {callback_id} for deletion")  # fmt: skip
            del self._registrations[callback_id]

    def drop(self, owner: Any) -> None:
        """A connection closed: its registrations go with it."""
        with self._lock:
            for callback_id in [i for i, r in self._registrations.items() if r.owner is owner]:
                del self._registrations[callback_id]

    def forward(self, dom: QemuDomain, name: str, seconds: int, micros: int, data: Any) -> None:
        """A QMP event of *dom*: to each matching registration's connection."""
        with self._lock:
            targets = [(i, r) for i, r in self._registrations.items() if r.matches(dom, name)]
        if not targets:
            return
        from pyvirt.driver import json_to_text

        details = None if data is None else json_to_text(data)
        for callback_id, registration in targets:
            ev = ObjectEvent("qemu-monitor", dom.name, dom.uuid, dom.id, seconds, micros,
                             event_id=callback_id, text=name, details=details)  # fmt: skip
            deliver(registration.owner.event_listeners(), ev)


def forward_monitor_event(driver: QemuDriver, dom: QemuDomain, run: Run, name: str) -> None:
    """Called for every QMP event of *run* on the monitor's loop thread (cheap when nobody
    registered): the event's timestamp and raw data are the monitor's last event's."""
    seconds, micros, data = run.monitor.last_event
    driver.monitor_events.forward(dom, name, seconds, micros, data)


def _registration(owner: Any, dom: DomainRef | None, event: str | None, flags: int) -> _Registration:
    pattern = None
    if flags & _REGEX and event is not None:
        try:
            pattern = re.compile(event, re.IGNORECASE if flags & _NOCASE else 0)
        except re.error as exc:
            raise make_error(ErrorCode.INVALID_ARG, ErrorDomain.NONE,
                             f"failed to compile regex '{event}': {exc}") from None  # fmt: skip
    uuid = None if dom is None else dom.uuid
    return _Registration(owner, uuid, event, pattern, bool(flags & _NOCASE))


# -- the connection's calls --------------------------------------------------------------------
class PassthroughOps:
    """Mixin for :class:`~pyvirt_qemu._driver.QemuConnection`."""

    driver: QemuDriver
    _subscriptions: dict[int, Callable[[ObjectEvent], None]]

    if TYPE_CHECKING:

        def _dom(self, ref: DomainRef) -> QemuDomain: ...

    def domain_get_messages(self, dom_ref: DomainRef, flags: int) -> list[str]:
        """The running guest's taints ("tainted: ..."), in libvirt's order; no deprecation
        is ever noted (this driver uses none of the settings QEMU deprecates), and a shut-off
        guest has none, as in libvirt."""
        unsupported_flags(flags, _DEPRECATION | _TAINTING, "qemuDomainGetMessages", _Q)
        with self.driver.lock:
            run = self._dom(dom_ref).run
            taints = set(run.taints) if run is not None else set()
        if flags and not flags & _TAINTING:
            return []
        return [f"tainted: {words}" for flag, words in _TAINT_MESSAGES if flag in taints]

    def event_listeners(self) -> list[Callable[[ObjectEvent], None]]:
        """This connection's event subscribers (monitor events go to them alone)."""
        with self.driver.lock:
            return list(self._subscriptions.values())

    def _passthrough_run(self, ref: DomainRef) -> tuple[QemuDomain, Run]:
        dom = self._dom(ref)
        with self.driver.lock:
            run = dom.run
        if run is None:
            raise _not_running()
        return dom, run

    def domain_qemu_monitor_command(self, dom: DomainRef, cmd: str, flags: int) -> str:
        return self.domain_qemu_monitor_command_with_files(dom, cmd, [], flags)

    def domain_qemu_monitor_command_with_files(
        self, dom: DomainRef, cmd: str, files: list[int], flags: int
    ) -> str:
        unsupported_flags(flags, _HMP, "qemuDomainQemuMonitorCommandWithFiles", _Q)
        if files:
            # pyvirtd's wire carries no descriptors: the numbers would be the client's
            raise make_error(ErrorCode.OPERATION_UNSUPPORTED, _Q,
                             "passing file descriptors with a monitor command through pyvirtd")  # fmt: skip
        qdom = self._dom(dom)
        with qdom.job.hold("virDomainQemuMonitorCommand", self.driver.job_wait):
            qdom, run = self._passthrough_run(dom)
            taint(self.driver, qdom, run, "custom-monitor")
            if flags & _HMP:
                reply = run.monitor.execute("human-monitor-command", {"command-line": cmd})
                return str(reply)
            return run.monitor.arbitrary(cmd)

    def domain_qemu_agent_command(
        self, dom: DomainRef, cmd: str, timeout: int, flags: int
    ) -> str | None:
        from pyvirt_qemu._agent_state import agent_of  # (it imports the lifecycle, which us)

        unsupported_flags(flags, 0, "qemuDomainQemuAgentCommand", _Q)
        qdom = self._dom(dom)
        agent = agent_of(self.driver, qdom)
        with self.driver.lock:
            run = qdom.run
        if run is None:
            raise _not_running()
        taint(self.driver, qdom, run, "custom-ga-command")
        if timeout < _AGENT_TIMEOUT_MIN:
            raise make_error(ErrorCode.INVALID_ARG, _Q,
                             f"guest agent timeout '{timeout}' is less than the minimum "
                             f"'{_AGENT_TIMEOUT_MIN}'")  # fmt: skip
        return agent.execute_raw(cmd, timeout)

    def connect_domain_qemu_monitor_event_register(
        self, dom: DomainRef | None, event: str | None, flags: int
    ) -> int:
        unsupported_flags(flags, _REGEX | _NOCASE, "qemuConnectDomainQemuMonitorEventRegister", _Q)
        if dom is not None:
            self._dom(dom)  # (no such domain: libvirt's error)
        return self.driver.monitor_events.register(_registration(self, dom, event, flags))

    def connect_domain_qemu_monitor_event_deregister(self, callback_id: int) -> None:
        self.driver.monitor_events.deregister(self, callback_id)
