"""A domain's block I/O tuning (``<blkiotune>``) for drivers: the weight, the per-device
lists as libvirt's typed parameters spell them ("path,value,path,value"), and the XML.

Why in the kit: libvirt parses and merges the per-device lists in code its drivers share
(virDomainDriverParseBlkioDeviceStr, virDomainDriverMergeBlkioDevice), so the test and
QEMU drivers answer the same strings with the same errors and write the same XML; only
where the values go (nowhere, or the guest's blkio cgroup) differs.
"""

from __future__ import annotations

from pyvirt._codes import ErrorCode, ErrorDomain
from pyvirt._core_enums import TypedParameterType
from pyvirt._errors import make_error

# Not typing.TYPE_CHECKING: importing typing costs a pyvirsh run several milliseconds.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyvirt._records import TypedParameter
    from pyvirt.conf import DomainDef

__all__ = [
    "BLKIO_DEVICE_FIELDS",
    "BLKIO_PARAM_TYPES",
    "apply_blkio_params",
    "BlkioDevice",
    "blkio_device_params",
    "blkio_tune",
    "merge_blkio_devices",
    "parse_blkio_devices",
    "set_blkio_tune",
]

BLKIO_DEVICE_FIELDS: tuple[tuple[str, str, int], ...] = (
    ("device_weight", "weight", 2**32 - 1),
    ("device_read_iops_sec", "read_iops_sec", 2**32 - 1),
    ("device_write_iops_sec", "write_iops_sec", 2**32 - 1),
    ("device_read_bytes_sec", "read_bytes_sec", 2**64 - 1),
    ("device_write_bytes_sec", "write_bytes_sec", 2**64 - 1),
)
"""The per-device lists of ``virDomainGet/SetBlkioParameters``: (typed-parameter field,
``<device>`` child, largest value), in libvirt's order."""
BLKIO_PARAM_TYPES: dict[str, TypedParameterType] = {
    "weight": TypedParameterType.UINT,
    **{field: TypedParameterType.STRING for field, _child, _limit in BLKIO_DEVICE_FIELDS},
}
"""The typed parameters ``virDomainSetBlkioParameters`` takes, and their types (for
``validate_typed_params``)."""
#: <device> children in the order libvirt writes them.
_DEVICE_ORDER = tuple(child for _field, child, _limit in BLKIO_DEVICE_FIELDS)
BlkioDevice = dict[str, "int | str"]
"""One ``<blkiotune><device>``: its ``path`` and its values by ``<device>`` child (0: unset)."""


def blkio_tune(defn: DomainDef) -> tuple[int, list[BlkioDevice]]:
    """The weight and the devices (path and their values, 0 where unset)."""
    tune = defn.extra.get("blkiotune")
    if not tune:
        return 0, []
    weight = int(tune[0].findtext("weight") or "0")
    devices: list[BlkioDevice] = []
    for dev in tune[0].findall("device"):
        entry: BlkioDevice = {"path": dev.findtext("path") or ""}
        for child in _DEVICE_ORDER:
            entry[child] = int(dev.findtext(child) or "0")
        devices.append(entry)
    return weight, devices


def set_blkio_tune(defn: DomainDef, weight: int, devices: list[BlkioDevice]) -> None:
    """libvirt's <blkiotune>: the weight if set, each device with a value set."""
    from lxml import etree

    tune = etree.Element("blkiotune")
    if weight:
        etree.SubElement(tune, "weight").text = str(weight)
    for entry in devices:
        if not any(entry[child] for child in _DEVICE_ORDER):
            continue
        dev = etree.SubElement(tune, "device")
        etree.SubElement(dev, "path").text = str(entry["path"])
        for child in _DEVICE_ORDER:
            if entry[child]:
                etree.SubElement(dev, child).text = str(entry[child])
    if len(tune):
        defn.extra["blkiotune"] = [tune]
    else:
        defn.extra.pop("blkiotune", None)


def blkio_device_params(devices: list[BlkioDevice]) -> list[TypedParameter]:
    """The five per-device typed parameters: "path,value" of each device with that value."""
    from pyvirt._typed_params import typed_param

    return [
        typed_param(field, TypedParameterType.STRING,
                    ",".join(f"{d['path']},{d[child]}" for d in devices if d[child]))  # fmt: skip
        for field, child, _limit in BLKIO_DEVICE_FIELDS
    ]


def _blkio_error(message: str) -> Exception:
    return make_error(ErrorCode.INVALID_ARG, ErrorDomain.DOMAIN, message)


def _leading_number(text: str) -> tuple[int | None, str]:
    """virStrToLong_uip/ullp with an end pointer: blanks, an optional "+", digits; the number
    (None when there is none, or a minus sign) and what follows it."""
    i = len(text) - len(text.lstrip(" \t\n\v\f\r"))
    if text[i : i + 1] == "-":
        return None, text
    i += text[i : i + 1] == "+"
    start = i
    while i < len(text) and text[i].isascii() and text[i].isdigit():
        i += 1
    return (int(text[start:i]) if i > start else None), text[i:]


def parse_blkio_devices(text: str, field: str, limit: int) -> list[tuple[str, int]]:
    """virDomainDriverParseBlkioDeviceStr: "path,value,path,value..."."""
    if not text:
        return []
    unparsable = _blkio_error(f"unable to parse blkio device '{field}' '{text}'")
    if (text.count(",") + 1) % 2:
        raise unparsable
    out: list[tuple[str, int]] = []
    rest = text
    while True:
        path, comma, rest = rest.partition(",")
        if not comma:
            raise unparsable
        value, after = _leading_number(rest)
        if value is None or value > limit:
            raise _blkio_error(f"invalid value '{rest}' for parameter '{field}' of device '{path}'")
        out.append((path, value))
        if not after:
            return out
        if not after.startswith(","):
            raise unparsable
        rest = after[1:]


def merge_blkio_devices(devices: list[BlkioDevice], given: list[tuple[str, int]], child: str) -> None:
    """virDomainDriverMergeBlkioDevice: update a known path, add a new one with a value."""
    for path, value in given:
        known = next((d for d in devices if d["path"] == path), None)
        if known is not None:
            known[child] = value
        elif value:
            devices.append({"path": path, **dict.fromkeys(_DEVICE_ORDER, 0), child: value})


def apply_blkio_params(defn: DomainDef, params: list[TypedParameter]) -> None:
    """virDomainDriverSetupPersistentDefBlkioParams: the weight and each device list into
    *defn*; a list that does not parse is skipped, the others applied, and the last
    failure raised afterwards, as libvirt goes on and reports the last error."""
    from pyvirt._errors import VirtError

    children = {field: (child, limit) for field, child, limit in BLKIO_DEVICE_FIELDS}
    weight, devices = blkio_tune(defn)
    failure: VirtError | None = None
    for p in params:
        if p.field == "weight":
            weight = int(p.value)
            continue
        child, limit = children[p.field]
        try:
            given = parse_blkio_devices(str(p.value), p.field, limit)
        except VirtError as e:
            failure = e
            continue
        merge_blkio_devices(devices, given, child)
    set_blkio_tune(defn, weight, devices)
    if failure is not None:
        raise failure
