"""msgpack encoding of call arguments and results, with pyvirt's records as ext types.

Why ext types rather than dicts: a record's type travels with it, so the receiver rebuilds the
exact dataclass and checks every field's type; nothing is ever unpickled or imported by name.
Decoding caps strings, binaries, arrays and maps, so a hostile peer cannot make the decoder
allocate without bound.
"""

from __future__ import annotations

import dataclasses
import enum
import operator
import threading
import types
import typing
from typing import Any, NamedTuple

import msgpack

from pyvirt import _records

#: libvirt's message cap; every decoder limit below fits inside it.
MAX_MESSAGE = 16 * 1024 * 1024
MAX_STRING = 4 * 1024 * 1024
MAX_ARRAY = 65536
MAX_MAP = 1024


class ProtocolError(Exception):
    """A frame or body that does not follow the protocol (never reaches a driver)."""


# ext code -> record class; the numbers are part of the protocol (docs/protocol.md).
RECORD_TYPES: dict[int, type] = {
    1: _records.DomainRef,
    2: _records.DomainRecord,
    3: _records.DomainInfo,
    4: _records.NodeInfo,
    5: _records.SecurityLabel,
    6: _records.SecurityModel,
    7: _records.NetworkRef,
    8: _records.NetworkRecord,
    9: _records.StoragePoolRef,
    10: _records.StoragePoolRecord,
    11: _records.StoragePoolInfo,
    12: _records.StorageVolRef,
    13: _records.StorageVolInfo,
    14: _records.ObjectEvent,
}
_CODE_OF: dict[type, int] = {cls: code for code, cls in RECORD_TYPES.items()}
_FIELDS: dict[type, tuple[str, ...]] = {}
_FIELD_CHECKS: dict[type, tuple[tuple[str, Any], ...]] = {}


def _fields(cls: type) -> tuple[str, ...]:
    cached = _FIELDS.get(cls)
    if cached is None:
        cached = _FIELDS[cls] = tuple(f.name for f in dataclasses.fields(cls))
    return cached


def _field_checks(cls: type) -> tuple[tuple[str, Any], ...]:
    cached = _FIELD_CHECKS.get(cls)
    if cached is None:
        hints = typing.get_type_hints(cls)
        cached = tuple(
            (f"{cls.__name__}.{f.name}", checker(hints[f.name])) for f in dataclasses.fields(cls)
        )
        _FIELD_CHECKS[cls] = cached
    return cached


def _values_getter(cls: type) -> typing.Callable[[Any], tuple[Any, ...]]:
    names = _fields(cls)
    if len(names) == 1:
        single = operator.attrgetter(names[0])
        return lambda obj: (single(obj),)
    getter: typing.Callable[[Any], tuple[Any, ...]] = operator.attrgetter(*names)
    return getter


# record class -> (ext code, the record's field values as a tuple), built on first use.
_ENCODERS: dict[type, tuple[int, typing.Callable[[Any], tuple[Any, ...]]]] = {}


class _Packers(threading.local):
    """This thread's msgpack Packers, one per record nesting depth.

    Building a Packer costs several microseconds, so each thread keeps its own (they are not
    thread-safe); a record inside a record is packed while the outer pack is in progress, so
    each nesting depth has its own.
    """

    def __init__(self) -> None:
        self.depth = 0
        self.packers = [msgpack.Packer(default=_default, use_bin_type=True)]


def _default(obj: Any) -> Any:
    """msgpack's hook for what it cannot pack itself: pyvirt records, as ext types."""
    encoder = _ENCODERS.get(type(obj))
    if encoder is None:
        code = _CODE_OF.get(type(obj))
        if code is None:
            raise TypeError(f"cannot encode {type(obj).__name__} in a pyvirt message")
        encoder = _ENCODERS[type(obj)] = (code, _values_getter(type(obj)))
    state = _local
    depth = state.depth = state.depth + 1
    try:
        packers = state.packers
        if depth == len(packers):
            packers.append(msgpack.Packer(default=_default, use_bin_type=True))
        data = packers[depth].pack(encoder[1](obj))
    finally:
        state.depth = depth - 1
    return msgpack.ExtType(encoder[0], data)


_local = _Packers()


def encode(value: Any) -> bytes:
    """Encode *value* (plain data and pyvirt records) as one msgpack body."""
    packer = _local.packers[0]
    try:
        data: bytes = packer.pack(value)
        return data
    except BaseException:
        packer.reset()
        raise


def _unpack(data: bytes) -> Any:
    return msgpack.unpackb(
        data,
        ext_hook=_ext_hook,
        raw=False,
        strict_map_key=True,
        use_list=True,
        max_str_len=MAX_STRING,
        max_bin_len=MAX_MESSAGE,
        max_array_len=MAX_ARRAY,
        max_map_len=MAX_MAP,
        max_ext_len=MAX_MESSAGE,
    )


class _RecordDecoder(NamedTuple):
    """How to rebuild one record class from its ext payload."""

    cls: type
    #: The exact type of each field on the wire (int for an enum), when every field has one;
    #: None when some field needs its checker (optional, list, tuple fields).
    kinds: tuple[type, ...] | None
    #: (field index, number -> member) of the enum fields.
    enums: tuple[tuple[int, dict[int, enum.IntEnum]], ...]
    checks: tuple[tuple[str, Any], ...]


_DECODERS: dict[int, _RecordDecoder] = {}


def _record_decoder(code: int) -> _RecordDecoder:
    cls = RECORD_TYPES.get(code)
    if cls is None:
        raise ProtocolError(f"unknown record type {code}")
    hints = typing.get_type_hints(cls)
    kinds: list[type] | None = []
    enums = []
    for index, field in enumerate(dataclasses.fields(cls)):
        tp = hints[field.name]
        if isinstance(tp, type) and issubclass(tp, enum.IntEnum):
            enums.append((index, {int(member): member for member in tp}))
            tp = int
        if kinds is not None and (tp in (int, str, bytes, bool) or tp in _CODE_OF):
            kinds.append(tp)
        else:
            kinds = None
    decoder = _RecordDecoder(
        cls, tuple(kinds) if kinds is not None else None, tuple(enums), _field_checks(cls)
    )
    _DECODERS[code] = decoder
    return decoder


def _ext_hook(code: int, data: bytes) -> Any:
    decoder = _DECODERS.get(code) or _record_decoder(code)
    values = _unpack(data)
    # Fast path: every field's type at once, compared in C; enums rebuilt by lookup.  Any
    # mismatch takes the field-by-field checks, which also say what is wrong.
    if type(values) is list and decoder.kinds == tuple(map(type, values)):
        for index, members in decoder.enums:
            value = values[index]
            values[index] = members.get(value, value)
        return decoder.cls(*values)
    checks = decoder.checks
    if not isinstance(values, list) or len(values) != len(checks):
        raise ProtocolError(f"malformed {decoder.cls.__name__} record")
    return decoder.cls(*[c(v, where) for (where, c), v in zip(checks, values, strict=True)])


def decode(data: bytes) -> Any:
    """Decode one body; any malformation becomes :class:`ProtocolError`."""
    if len(data) > MAX_MESSAGE:
        raise ProtocolError("message too large")
    try:
        return _unpack(data)
    except ProtocolError:
        raise
    except (
        ValueError,
        TypeError,
        msgpack.UnpackException,
        msgpack.ExtraData,
        RecursionError,
    ) as exc:
        raise ProtocolError(f"malformed message body: {exc}") from None


def check(value: Any, tp: Any, where: str) -> Any:
    """Check *value* against the annotation *tp*; return it (enums and tuples rebuilt)."""
    return checker(tp)(value, where)


Checker = typing.Callable[[Any, str], Any]
_CHECKERS: dict[Any, Checker] = {}


def checker(tp: Any) -> Checker:
    """A compiled checker for annotation *tp*: decided once, so checks cost ~1 µs per value."""
    found = _CHECKERS.get(tp)
    if found is None:
        found = _CHECKERS[tp] = _build(tp)
    return found


def _fail(where: str, what: str, value: Any) -> ProtocolError:
    return ProtocolError(f"{where}: expected {what}, got {type(value).__name__}")


def _build(tp: Any) -> Checker:  # noqa: C901 - one branch per annotation shape
    if tp is Any:
        return lambda value, where: value
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        options = [checker(t) for t in typing.get_args(tp)]

        def union(value: Any, where: str) -> Any:
            for option in options:
                try:
                    return option(value, where)
                except ProtocolError:
                    continue
            raise ProtocolError(f"{where}: unexpected {type(value).__name__}")

        return union
    if tp is type(None):

        def none(value: Any, where: str) -> Any:
            if value is None:
                return None
            raise _fail(where, "nothing", value)

        return none
    if origin is list:
        item = checker(typing.get_args(tp)[0])

        def list_(value: Any, where: str) -> Any:
            if not isinstance(value, list):
                raise _fail(where, "a list", value)
            return [item(v, where) for v in value]

        return list_
    if origin is tuple:
        items = [checker(t) for t in typing.get_args(tp)]

        def tuple_(value: Any, where: str) -> Any:
            if not isinstance(value, (list, tuple)) or len(value) != len(items):
                raise _fail(where, f"a {len(items)}-tuple", value)
            return tuple(c(v, where) for c, v in zip(items, value, strict=True))

        return tuple_
    if not isinstance(tp, type):
        raise TypeError(f"unsupported annotation {tp!r}")
    if issubclass(tp, bool):
        return _exact(bool, "bool")
    if issubclass(tp, enum.IntEnum):
        enum_type = tp
        # A dict lookup, not enum_type(value): calling an enum class costs ten times more.
        members = {int(member): member for member in enum_type}

        def enum_(value: Any, where: str) -> Any:
            if type(value) is not int:
                raise _fail(where, enum_type.__name__, value)
            return members.get(value, value)  # a newer peer's value: keep the number

        return enum_
    if tp in (int, str, bytes):
        return _exact(tp, tp.__name__)
    if tp in _CODE_OF:
        return _exact(tp, tp.__name__)
    raise TypeError(f"type {tp.__name__} cannot cross the wire")


def _exact(kind: type, name: str) -> Checker:
    def exact(value: Any, where: str) -> Any:
        if type(value) is not kind:
            raise _fail(where, name, value)
        return value

    return exact
