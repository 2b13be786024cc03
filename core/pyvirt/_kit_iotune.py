"""A disk's I/O throttling (``<disk><iotune>``) for drivers: libvirt's parameter names in
the order virDomainGetBlockIoTune answers them, and the element read and written as
libvirt's virDomainDiskDefFormat writes it (only what is set, in that order).

Why in the kit: the test and QEMU drivers keep the same element; only where the values
also go (nowhere, or QEMU's throttle groups) differs.
"""

from __future__ import annotations

# Not typing.TYPE_CHECKING: importing typing costs a pyvirsh run several milliseconds.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyvirt.conf import DiskDef

__all__ = ["IOTUNE_FIELDS", "IOTUNE_MAX", "iotune_values", "write_iotune"]

IOTUNE_FIELDS = (
    "total_bytes_sec", "read_bytes_sec", "write_bytes_sec", "total_iops_sec", "read_iops_sec",
    "write_iops_sec", "total_bytes_sec_max", "read_bytes_sec_max", "write_bytes_sec_max",
    "total_iops_sec_max", "read_iops_sec_max", "write_iops_sec_max", "size_iops_sec",
    "group_name", "total_bytes_sec_max_length", "read_bytes_sec_max_length",
    "write_bytes_sec_max_length", "total_iops_sec_max_length", "read_iops_sec_max_length",
    "write_iops_sec_max_length",
)  # fmt: skip
"""The block I/O tune parameters, in the order of the answer and of <iotune>'s children."""
IOTUNE_MAX = 1_000_000_000_000_000
"""The largest limit libvirt's drivers take (QEMU_BLOCK_IOTUNE_MAX, TEST_BLOCK_IOTUNE_MAX)."""


def iotune_values(disk: DiskDef) -> dict[str, int | str]:
    """Every field of the disk's ``<iotune>``: 0 (or "" for group_name) where unset."""
    values: dict[str, int | str] = {f: 0 for f in IOTUNE_FIELDS} | {"group_name": ""}
    found = next((el for el in disk.extra if el.tag == "iotune"), None)
    for el in () if found is None else found:
        if el.tag in values:
            text = el.text or ""
            values[str(el.tag)] = text if el.tag == "group_name" else int(text or "0")
    return values


def write_iotune(disk: DiskDef, values: dict[str, int | str]) -> None:
    """virDomainDiskSetBlockIOTune, then libvirt's <iotune>: only what is set, in its order
    (an element with nothing set is dropped)."""
    from lxml import etree

    disk.extra[:] = [el for el in disk.extra if el.tag != "iotune"]
    tune = etree.Element("iotune")
    for field in IOTUNE_FIELDS:
        if values[field]:
            etree.SubElement(tune, field).text = str(values[field])
    if len(tune):
        disk.extra.append(tune)
