"""Handing an event to the driver's subscribers: one bad listener neither stops the others
nor goes unnoticed (its failure is logged)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from pyvirt import ObjectEvent

log = logging.getLogger("pyvirt.qemu")


def deliver(listeners: Iterable[Callable[[ObjectEvent], None]], event: ObjectEvent) -> None:
    """Call every listener with *event*, now (a copy of the list: one may unsubscribe)."""
    for listener in list(listeners):
        try:
            listener(event)
        except Exception:  # noqa: BLE001 - one bad listener must not stop the others
            log.exception("event listener failed")
