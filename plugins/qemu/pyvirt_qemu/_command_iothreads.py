"""IOThreads on the command line: one ``-object iothread`` per thread of the definition,
and which thread a virtio disk or virtio-scsi controller is given (``iothread=``).

Why the checks live here: the command line is built at define time too (the trial build of
:func:`pyvirt_qemu._domain_ops.parse_definition`), so a disk naming a thread the guest does
not have, or a disk on a bus QEMU cannot serve from an IOThread, is refused when it is
defined, with libvirt 9.0's words, as libvirt's qemu_validate.c refuses it.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from pyvirt import ErrorCode, ErrorDomain, make_error
from pyvirt.driver import iothread_ids

from pyvirt_qemu._command_base import unsupported

if TYPE_CHECKING:
    from pyvirt.conf import ControllerDef, DiskDef, DomainDef

    from pyvirt_qemu._command_base import _Builder

__all__ = [
    "check_iothread_users",
    "controller_iothread",
    "disk_iothread",
    "iothread_alias",
    "iothread_object",
    "iothread_objects",
    "iothread_users",
    "thread_pool",
]

#: The ``<iothread>`` attributes of libvirt 9.0 and QEMU's property for each.
_POOL_PROPS = (("thread_pool_min", "thread-pool-min"), ("thread_pool_max", "thread-pool-max"))


def iothread_alias(iothread_id: int) -> str:
    """QEMU's object id of IOThread *iothread_id* (libvirt names them so)."""
    return f"iothread{iothread_id}"


def _number(text: str, attr: str, element: str) -> int:
    """A positive ``iothread`` reference, with libvirt's XML errors for anything else."""
    if not text.isdigit():
        raise make_error(ErrorCode.XML_ERROR, ErrorDomain.XML,
                         f"Invalid value for attribute '{attr}' in element '{element}': "
                         f"'{text}'. Expected non-negative integer value")  # fmt: skip
    if int(text) == 0:
        raise make_error(ErrorCode.XML_ERROR, ErrorDomain.XML,
                         f"Invalid value for attribute '{attr}' in element '{element}': "
                         "Zero is not permitted")  # fmt: skip
    return int(text)


def disk_iothread(disk: DiskDef) -> int | None:
    """The IOThread a disk's ``<driver iothread='N'>`` names (None: the main loop)."""
    text = (disk.driver or {}).get("iothread")
    return None if text is None else _number(text, "iothread", "driver")


def _controller_driver(ctrl: ControllerDef) -> dict[str, str]:
    el = next((e for e in ctrl.extra if e.tag == "driver"), None)
    return {str(k): str(v) for k, v in el.attrib.items()} if el is not None else {}


def controller_iothread(ctrl: ControllerDef) -> int | None:
    """The IOThread a controller's ``<driver iothread='N'>`` names (None: none)."""
    text = _controller_driver(ctrl).get("iothread")
    if text is None:
        return None
    if ctrl.type != "scsi" or ctrl.model != "virtio-scsi":
        raise make_error(ErrorCode.XML_ERROR, ErrorDomain.DOMAIN,
                         "'iothread' attribute only supported for virtio scsi controllers")  # fmt: skip
    return _number(text, "iothread", "driver")


def iothread_users(d: DomainDef, iothread_id: int) -> str | None:
    """What keeps IOThread *iothread_id* from being removed, in libvirt's words (a disk
    by its target, or a controller), None when nothing uses it."""
    for disk in d.disks:
        if disk_iothread(disk) == iothread_id:
            return f"cannot remove IOThread {iothread_id} since it is being used by disk " \
                   f"'{disk.target_dev}'"  # fmt: skip
    for ctrl in d.controllers:
        if ctrl.type == "scsi" and controller_iothread(ctrl) == iothread_id:
            return f"cannot remove IOThread '{iothread_id}' since it is being used by " \
                   "controller"  # fmt: skip
    return None


def check_iothread_users(d: DomainDef) -> None:
    """libvirt's qemu_validate checks: a disk's IOThread only on the virtio bus, and every
    disk's and controller's IOThread one the definition has."""
    ids = set(iothread_ids(d))
    for disk in d.disks:
        wanted = disk_iothread(disk)
        if wanted is None:
            continue
        if disk.target_bus != "virtio":
            raise unsupported(f"IOThreads not available for bus {disk.target_bus} target "
                              f"{disk.target_dev}")  # fmt: skip
        if wanted not in ids:
            raise unsupported(f"Disk iothread '{wanted}' not defined in iothreadid")
    for ctrl in d.controllers:
        wanted = controller_iothread(ctrl)
        if wanted is not None and wanted not in ids:
            raise unsupported(f"controller iothread '{wanted}' not defined in iothreadid")


def thread_pool(d: DomainDef, iothread_id: int) -> dict[str, int]:
    """The thread-pool bounds ``<iothread id='N' thread_pool_min=… thread_pool_max=…>``
    gives, as QEMU's property names."""
    listed = d.extra.get("iothreadids")
    for el in listed[0] if listed else []:
        if el.get("id") == str(iothread_id):
            return {prop: int(el.get(attr, "0")) for attr, prop in _POOL_PROPS
                    if el.get(attr) is not None}  # fmt: skip
    return {}


def iothread_object(d: DomainDef, iothread_id: int) -> dict[str, object]:
    """The QOM object of one IOThread, as ``-object`` and QMP's object-add take it."""
    return {"qom-type": "iothread", "id": iothread_alias(iothread_id),
            **thread_pool(d, iothread_id)}  # fmt: skip


def iothread_objects(b: _Builder) -> None:
    """``-object iothread`` for each of the definition's IOThreads, in its order."""
    check_iothread_users(b.d)
    for iothread_id in iothread_ids(b.d):
        b.add("-object", json.dumps(iothread_object(b.d, iothread_id), separators=(",", ":")))
