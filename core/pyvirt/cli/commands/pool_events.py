"""virsh's ``pool-event`` (group "Storage Pool"): list the storage pool event types, or wait
for pool events and print one line per event in virsh's words.

pyvirt's drivers emit the lifecycle events (defined, undefined, started, stopped, created,
deleted) and, as libvirt's test driver does on ``pool-refresh``, the refresh event.
"""

from __future__ import annotations

from pyvirt.cli._control import Control
from pyvirt.cli._parser import Cmd, Opt, Parsed, T
from pyvirt.cli.commands._common import pool
from pyvirt.cli.commands.events import object_events

# Not typing.TYPE_CHECKING: importing typing costs more than pyvirsh's own start-up.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyvirt import ObjectEvent

#: virshPoolEventCallbacks' names, in libvirt's event id order (VIR_STORAGE_POOL_EVENT_ID_*).
POOL_EVENTS = ("lifecycle", "refresh")
#: virshPoolEventLifecycle's words, by VIR_STORAGE_POOL_EVENT_* number.
_LIFECYCLE = ("Defined", "Undefined", "Started", "Stopped", "Created", "Deleted")


def pool_event_text(ev: ObjectEvent) -> str:
    """vshEventLifecyclePrint's line (virsh-pool.c)."""
    kind = _LIFECYCLE[ev.event] if 0 <= ev.event < len(_LIFECYCLE) else "unknown"
    return f"event 'lifecycle' for storage pool {ev.name}: {kind}\n"


def pool_refresh_text(ev: ObjectEvent) -> str:
    """virshPoolEventGenericPrint's line for the refresh event."""
    return f"event 'refresh' for storage pool {ev.name}\n"


def cmd_pool_event(ctl: Control, p: Parsed) -> bool:
    def lookup() -> str | None:
        return pool(ctl, p)[0].uuid if p.str("pool") is not None else None

    texts = {"lifecycle": pool_event_text, "refresh": pool_refresh_text}
    return object_events(ctl, p, "pool", POOL_EVENTS, lookup, texts)


COMMANDS = [
    Cmd(
        "pool-event",
        "pool",
        "Storage Pool Events",
        "List event types, or wait for storage pool events to occur",
        (
            Opt("pool", T.STRING, "filter by storage pool name or uuid"),
            Opt("event", T.STRING, "which event type to wait for"),
            Opt("loop", T.BOOL, "loop until timeout or interrupt, rather than one-shot"),
            Opt("timeout", T.INT, "timeout seconds"),
            Opt("list", T.BOOL, "list valid event types"),
            Opt("timestamp", T.BOOL, "show timestamp for each printed event"),
        ),
        cmd_pool_event,
    ),
]
