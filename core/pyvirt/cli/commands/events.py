"""virsh's event commands: ``event`` (group "Domain Events") and ``net-event`` (Networking).

Both wait on the connection's event callbacks and print one line per event in virsh's words.
Through the daemon (``test+unix:///default``) they see what other clients do; on an
in-process URI (``test:///default``) only commands of the same process could cause events, and
none run while ``event`` waits, so it times out as virsh does.

pyvirt's drivers emit lifecycle and (for domains) metadata-change events; the other domain
event types are accepted (as libvirt's test driver accepts them) and never fire.
"""

from __future__ import annotations

import queue
import signal
import threading
import time

from pyvirt.cli._control import Control, Failure
from pyvirt.cli._format import strtol
from pyvirt.cli._parser import Cmd, Opt, Parsed, T
from pyvirt.cli.commands._common import domain, exclusive, network, string_req

# Not typing.TYPE_CHECKING: importing typing costs more than pyvirsh's own start-up.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from pyvirt import Connection, ObjectEvent

#: virshDomainEventCallbacks' names, in libvirt's event id order (VIR_DOMAIN_EVENT_ID_*).
DOMAIN_EVENTS = (
    "lifecycle",
    "reboot",
    "rtc-change",
    "watchdog",
    "io-error",
    "graphics",
    "io-error-reason",
    "control-error",
    "block-job",
    "disk-change",
    "tray-change",
    "pm-wakeup",
    "pm-suspend",
    "balloon-change",
    "pm-suspend-disk",
    "device-removed",
    "block-job-2",
    "tunable",
    "agent-lifecycle",
    "device-added",
    "migration-iteration",
    "job-completed",
    "device-removal-failed",
    "metadata-change",
    "block-threshold",
    "memory-failure",
    "memory-device-size-change",
)
NETWORK_EVENTS = ("lifecycle",)

_DOMAIN_EVENT_TYPES = (
    "Defined",
    "Undefined",
    "Started",
    "Suspended",
    "Resumed",
    "Stopped",
    "Shutdown",
    "PMSuspended",
    "Crashed",
)
_DOMAIN_EVENT_DETAILS: tuple[tuple[str, ...], ...] = (
    ("Added", "Updated", "Renamed", "Snapshot"),
    ("Removed", "Renamed"),
    ("Booted", "Migrated", "Restored", "Snapshot", "Event wakeup"),
    (
        "Paused",
        "Migrated",
        "I/O Error",
        "Watchdog",
        "Restored",
        "Snapshot",
        "API error",
        "Post-copy",
        "Post-copy Error",
    ),
    ("Unpaused", "Migrated", "Snapshot", "Post-copy", "Post-copy Error"),
    ("Shutdown", "Destroyed", "Crashed", "Migrated", "Saved", "Failed", "Snapshot"),
    ("Finished", "Finished after guest request", "Finished after host request"),
    ("Memory", "Disk"),
    ("Panicked", "Crashloaded"),
)
_NETWORK_EVENT_TYPES = ("Defined", "Undefined", "Started", "Stopped")
_INT_MAX = 2**31 - 1


def _pick(names: tuple[str, ...], index: int) -> str:
    return names[index] if 0 <= index < len(names) else "unknown"


def domain_event_text(ev: ObjectEvent) -> str:
    """virshEventLifecyclePrint's line for one domain lifecycle event."""
    details = _DOMAIN_EVENT_DETAILS[ev.event] if 0 <= ev.event < len(_DOMAIN_EVENT_DETAILS) else ()
    return (
        f"event 'lifecycle' for domain '{ev.name}': "
        f"{_pick(_DOMAIN_EVENT_TYPES, ev.event)} {_pick(details, ev.detail)}\n"
    )


#: virshEventMetadataChangeType names, by VIR_DOMAIN_METADATA_* number.
_METADATA_TYPES = ("description", "title", "element")
_METADATA_CHANGE = 23  # VIR_DOMAIN_EVENT_ID_METADATA_CHANGE
#: The device events virsh prints as "event 'NAME' for domain 'DOM': ALIAS", by
#: VIR_DOMAIN_EVENT_ID_* (virshEventDeviceRemovedPrint and its two siblings).
_DEVICE_EVENTS = {"device-removed": 15, "device-added": 19, "device-removal-failed": 22}


def _device_event_text(name: str) -> Callable[[ObjectEvent], str]:
    def text(ev: ObjectEvent) -> str:
        return f"event '{name}' for domain '{ev.name}': {ev.text}\n"

    return text


#: virshEventAgentLifecycleState/ReasonTypeToString, by libvirt's numbers.
_AGENT_STATES = ("unknown", "connected", "disconnected")
_AGENT_REASONS = ("unknown", "domain started", "channel event")
_AGENT_LIFECYCLE = 18  # VIR_DOMAIN_EVENT_ID_AGENT_LIFECYCLE


def agent_event_text(ev: ObjectEvent) -> str:
    """virshEventAgentLifecyclePrint's line."""
    return (
        f"event 'agent-lifecycle' for domain '{ev.name}': state: "
        f"'{_pick(_AGENT_STATES, ev.event)}' reason: '{_pick(_AGENT_REASONS, ev.detail)}'\n"
    )


_TRAY_CHANGE = 10  # VIR_DOMAIN_EVENT_ID_TRAY_CHANGE
#: virshEventTrayChangeReasonTypeToString, by VIR_DOMAIN_EVENT_TRAY_CHANGE_*.
_TRAY_REASONS = ("opened", "closed")


def tray_event_text(ev: ObjectEvent) -> str:
    """virshEventTrayChangePrint's line: the disk's alias and which way its tray moved."""
    return (
        f"event 'tray-change' for domain '{ev.name}' disk {ev.text}: "
        f"{_pick(_TRAY_REASONS, ev.event)}\n"
    )


_BLOCK_THRESHOLD = 24  # VIR_DOMAIN_EVENT_ID_BLOCK_THRESHOLD
#: The block-job events, by VIR_DOMAIN_EVENT_ID_*: BLOCK_JOB names the image, _2 the disk.
_BLOCK_JOB_EVENTS = {"block-job": 8, "block-job-2": 16}
_BLOCK_JOB_TYPES = ("unknown", "Block Pull", "Block Copy", "Block Commit", "Active Block Commit",
                    "Backup")  # fmt: skip
_BLOCK_JOB_STATUSES = ("completed", "failed", "canceled", "ready")


def _block_job_text(name: str) -> Callable[[ObjectEvent], str]:
    """virshEventBlockJobPrint's line: the job's type, its disk and its new status."""

    def text(ev: ObjectEvent) -> str:
        return (
            f"event '{name}' for domain '{ev.name}': {_pick(_BLOCK_JOB_TYPES, ev.event)} "
            f"for {ev.text} {_pick(_BLOCK_JOB_STATUSES, ev.detail)}\n"
        )

    return text


def block_threshold_text(ev: ObjectEvent) -> str:
    """virshEventBlockThresholdPrint's line: the disk, its image, threshold and excess."""
    return (
        f"event 'block-threshold' for domain '{ev.name}': dev: {ev.text}({ev.details}) "
        f"{ev.event} {ev.detail}\n"
    )


def metadata_event_text(ev: ObjectEvent) -> str:
    """virshEventMetadataChangePrint's line (a NULL namespace URI prints as ``<null>``)."""
    uri = "<null>" if ev.text is None else ev.text
    return (
        f"event 'metadata-change' for domain '{ev.name}': "
        f"type {_pick(_METADATA_TYPES, ev.event)}, uri {uri}\n"
    )


def network_event_text(ev: ObjectEvent) -> str:
    """vshEventLifecyclePrint's line (virsh-network.c): the name is not quoted there."""
    return f"event 'lifecycle' for network {ev.name}: {_pick(_NETWORK_EVENT_TYPES, ev.event)}\n"


def timestamp_now() -> str:
    """virTimeStringNowRaw: UTC with milliseconds and a literal +0000."""
    now = time.time()
    secs = int(now)
    millis = int((now - secs) * 1000)
    return f"{time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime(secs))}.{millis:03d}+0000"


def timeout_ms(p: Parsed) -> int | None:
    """vshCommandOptTimeoutToMs: whole seconds, 1..INT_MAX/1000; None without --timeout."""
    text = p.str("timeout")
    if text is None:
        return None
    parsed = strtol(text)
    if parsed is None or parsed[1] or "-" in text or parsed[0] > 2**32 - 1:
        raise Failure(f"Numeric value '{text}' for <timeout> option is malformed or out of range")
    seconds = parsed[0]
    if seconds == 0 or seconds > _INT_MAX // 1000:
        raise Failure(
            f"Numeric value '{seconds}' for <timeout> option is malformed or out of range"
        )
    return seconds * 1000


class _Waiter:
    """vshEventStart/vshEventWait: collect matching events until one (or, looping, the
    timeout or ^C) ends the wait.  Counts and prints as virsh's event callbacks do."""

    def __init__(self, ctl: Control, loop: bool, timestamp: bool) -> None:
        self.ctl = ctl
        self.loop = loop
        self.timestamp = timestamp
        self.count = 0
        self.pending: queue.Queue[str] = queue.Queue()
        self._ids: list[int] = []

    def watch(
        self,
        conn: Connection,
        kind: str,
        uuid: str | None,
        text: Callable[[ObjectEvent], str],
        *,
        name: str | None = None,
        event_id: int = 0,
    ) -> None:
        """Print *text* of each event of *kind* and *event_id* (0: lifecycle) of the object
        with *uuid*, or *name* for objects without one, such as node devices."""

        def relay(_conn: Connection, ev: ObjectEvent) -> None:
            if ev.event_id == event_id and (name is None or ev.name == name):
                self.pending.put(text(ev))

        self._ids.append(conn.register_event_callback(relay, kind=kind, uuid=uuid))

    def wait(self, timeout: int | None) -> None:
        deadline = None if timeout is None else time.monotonic() + timeout / 1000
        # Like vshEventStart, take SIGINT even where it was ignored (a shell's `cmd &`).
        previous = None
        if threading.current_thread() is threading.main_thread():
            previous = signal.signal(signal.SIGINT, signal.default_int_handler)
        try:
            while True:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    self.ctl.print("event loop timed out\n")
                    return
                try:
                    line = self.pending.get(timeout=remaining)
                except queue.Empty:
                    continue
                stamp = f"{timestamp_now()}: " if self.timestamp else ""
                self.ctl.print(stamp + line)
                self.ctl.out.flush()
                self.count += 1
                if not self.loop:
                    return
        except KeyboardInterrupt:
            self.ctl.print("event loop interrupted\n")
        finally:
            if previous is not None:
                signal.signal(signal.SIGINT, previous)

    def close(self, conn: Connection) -> None:
        for callback_id in self._ids:
            conn.deregister_event_callback(callback_id)
        self._ids.clear()

    def report(self) -> bool:
        self.ctl.print(f"events received: {self.count}\n")
        return self.count > 0


def _list_names(ctl: Control, names: tuple[str, ...]) -> bool:
    ctl.print("".join(f"{n}\n" for n in names))
    return True


def cmd_event(ctl: Control, p: Parsed) -> bool:
    exclusive(p, "all", "event")
    exclusive(p, "list", "all")
    exclusive(p, "list", "event")
    if p.bool("list"):
        return _list_names(ctl, DOMAIN_EVENTS)
    name = string_req(p, "event")
    if name is None and not p.bool("all"):
        raise Failure("one of --list, --all, or --event <type> is required")
    if name is not None and name not in DOMAIN_EVENTS:
        raise Failure(f"unknown event type {name}")
    timeout = timeout_ms(p)
    uuid = domain(ctl, p)[0].uuid if p.str("domain") is not None else None
    waiter = _Waiter(ctl, p.bool("loop"), p.bool("timestamp"))
    conn = ctl.conn
    if name in (None, "lifecycle"):
        waiter.watch(conn, "domain", uuid, domain_event_text)
    if name in (None, "metadata-change"):
        waiter.watch(conn, "domain", uuid, metadata_event_text, event_id=_METADATA_CHANGE)
    if name in (None, "agent-lifecycle"):
        waiter.watch(conn, "domain", uuid, agent_event_text, event_id=_AGENT_LIFECYCLE)
    for job_event, event_id in _BLOCK_JOB_EVENTS.items():
        if name in (None, job_event):
            waiter.watch(conn, "domain", uuid, _block_job_text(job_event), event_id=event_id)
    if name in (None, "tray-change"):
        waiter.watch(conn, "domain", uuid, tray_event_text, event_id=_TRAY_CHANGE)
    if name in (None, "block-threshold"):
        waiter.watch(conn, "domain", uuid, block_threshold_text, event_id=_BLOCK_THRESHOLD)
    for device_event, event_id in _DEVICE_EVENTS.items():
        if name in (None, device_event):
            waiter.watch(conn, "domain", uuid, _device_event_text(device_event), event_id=event_id)
    try:
        waiter.wait(timeout)
    finally:
        waiter.close(conn)
    return waiter.report()


def object_events(
    ctl: Control,
    p: Parsed,
    kind: str,
    names: tuple[str, ...],
    lookup: Callable[[], str | None],
    texts: Mapping[str, Callable[[ObjectEvent], str]],
) -> bool:
    """``net-event``, ``pool-event`` and ``secret-event``: list the event *names* (libvirt's
    event ids in order), or wait for events of *kind* (of the object *lookup* finds, when its option is
    given: virsh reports a failed lookup, then listens to every object all the same) and
    print each with its entry in *texts*.  Events without one are accepted and wait in
    vain (pyvirt's drivers do not emit them)."""
    if p.bool("list"):
        return _list_names(ctl, names)
    name = string_req(p, "event")
    if name is None:
        raise Failure("either --list or --event <type> is required")
    if name not in names:
        raise Failure(f"unknown event type {name}")
    timeout = timeout_ms(p)
    uuid = None
    lookup_error: BaseException | None = None
    try:
        uuid = lookup()
    except Failure as f:
        for line in f.lines:
            ctl.error(line)
        lookup_error = f.cause
    waiter = _Waiter(ctl, p.bool("loop"), p.bool("timestamp"))
    conn = ctl.conn
    if name in texts:
        waiter.watch(conn, kind, uuid, texts[name], event_id=names.index(name))
    try:
        waiter.wait(timeout)
    finally:
        waiter.close(conn)
    if waiter.report():
        return True
    if lookup_error is not None:
        ctl.error(str(lookup_error))
    return False


def cmd_net_event(ctl: Control, p: Parsed) -> bool:
    def lookup() -> str | None:
        return network(ctl, p)[0].uuid if p.str("network") is not None else None

    texts = {"lifecycle": network_event_text}
    return object_events(ctl, p, "network", NETWORK_EVENTS, lookup, texts)


_LOOP = Opt("loop", T.BOOL, "loop until timeout or interrupt, rather than one-shot")
_TIMEOUT = Opt("timeout", T.INT, "timeout seconds")
_LIST = Opt("list", T.BOOL, "list valid event types")
_TIMESTAMP = Opt("timestamp", T.BOOL, "show timestamp for each printed event")
_EVENT = Opt("event", T.STRING, "which event type to wait for")

COMMANDS = [
    Cmd(
        "event",
        "events",
        "Domain Events",
        "List event types, or wait for domain events to occur",
        (
            Opt("domain", T.STRING, "filter by domain name, id or uuid"),
            _EVENT,
            Opt("all", T.BOOL, "wait for all events instead of just one type"),
            _LOOP,
            _TIMEOUT,
            _LIST,
            _TIMESTAMP,
        ),
        cmd_event,
    ),
]

NET_EVENT = Cmd(
    "net-event",
    "network",
    "Network Events",
    "List event types, or wait for network events to occur",
    (
        Opt("network", T.STRING, "filter by network name or uuid"),
        _EVENT,
        _LOOP,
        _TIMEOUT,
        _LIST,
        _TIMESTAMP,
    ),
    cmd_net_event,
)
