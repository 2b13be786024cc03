"""Lifecycle hook specifications: where any installed plugin can act on a domain's life.

These are libvirt's hook-script points (``/etc/libvirt/hooks/qemu``: prepare, start, started,
stopped, release) plus connection open, as pluggy hooks.  A plugin implements them with
``@pyvirt.hookimpl`` and registers the module or object under the entry-point group
``pyvirt.hooks``.  Drivers call them outside their locks, so an implementation may call back
into the API.  A ``prepare`` or ``start`` implementation that raises stops the domain from
starting (as a failing libvirt hook script does); the others cannot veto.
"""

from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("pyvirt")


@hookspec
def pyvirt_domain_prepare(driver: str, name: str, uuid: str, xml: str) -> None:
    """Before a domain's resources are allocated (libvirt: ``prepare begin``)."""


@hookspec
def pyvirt_domain_start(driver: str, name: str, uuid: str, xml: str) -> None:
    """Resources are ready and the guest is about to run (libvirt: ``start begin``)."""


@hookspec
def pyvirt_domain_started(driver: str, name: str, uuid: str, xml: str) -> None:
    """The guest is running (libvirt: ``started begin``)."""


@hookspec
def pyvirt_domain_stopped(driver: str, name: str, uuid: str, xml: str) -> None:
    """The guest has stopped (libvirt: ``stopped end``)."""


@hookspec
def pyvirt_domain_release(driver: str, name: str, uuid: str, xml: str) -> None:
    """The guest's resources have been released (libvirt: ``release end``)."""


@hookspec
def pyvirt_connection_open(uri: str, read_only: bool) -> None:
    """A connection was opened by a client of this process."""
