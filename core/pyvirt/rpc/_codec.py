"""msgpack encoding of call arguments and results, with pyvirt's records as ext types.

Why ext types rather than dicts: a record's type travels with it, so the receiver rebuilds the
exact record class and checks every field's type; nothing is ever unpickled or imported by name.
Decoding caps strings, binaries, arrays and maps, so a hostile peer cannot make the decoder
allocate without bound.

The checks are compiled once per annotation (:func:`checker`) and per record class
(:class:`_RecordType`): a listing decodes a thousand records, so a record whose values all
have exactly their fields' types is checked by one tuple comparison, and only a record that
fails it goes through the per-field checks (which then name the offending field).
"""

from __future__ import annotations

import sys
import threading
import types

import msgpack

from pyvirt import _records

# Not typing.TYPE_CHECKING: the client imports this module on every remote pyvirsh run.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    Checker = Callable[[Any, str], Any]

#: libvirt's message cap; every decoder limit below fits inside it.
MAX_MESSAGE = 16 * 1024 * 1024
MAX_STRING = 4 * 1024 * 1024
MAX_ARRAY = 65536
MAX_MAP = 1024


class ProtocolError(Exception):
    """A frame or body that does not follow the protocol (never reaches a driver)."""


# ext code -> record class: each record declares its code (pyvirt._records.wire); the numbers
# are part of the protocol (docs/protocol.md).
RECORD_TYPES: dict[int, type] = {cls.__wire_code__: cls for cls in _records.WIRE_RECORDS}  # type: ignore[attr-defined]
if len(RECORD_TYPES) != len(_records.WIRE_RECORDS):
    raise ImportError("two pyvirt records declare one wire code")
_CODE_OF: dict[type, int] = {cls: code for code, cls in RECORD_TYPES.items()}
#: The ext code of a record batch: a list of records of one class (a listing) travels as
#: ``[record code, [fields, fields, ...]]``, one msgpack array unpacked in one C call, instead
#: of one ext (and one unpack call) per record.  Not a record's code (checked below).
BATCH_CODE = 125
#: Lists shorter than this go record by record: a batch saves nothing on a handful.
BATCH_MIN = 8
if BATCH_CODE in RECORD_TYPES:
    raise ImportError(f"a record declares the batch's wire code {BATCH_CODE}")
if not all(type(code) is int and 0 <= code <= 127 for code in RECORD_TYPES):
    raise ImportError("a record's wire code is not a msgpack ext code (an int of 0-127)")
#: record class -> (ext code, its field values as a tuple); made on first encoding.
_ENCODERS: dict[type, tuple[int, Callable[[Any], tuple[Any, ...]]]] = {}


def _encoder(cls: type) -> tuple[int, Callable[[Any], tuple[Any, ...]]]:
    code = _CODE_OF.get(cls)
    if code is None:
        raise TypeError(f"cannot encode {cls.__name__} in a pyvirt message")
    from operator import attrgetter

    names: tuple[str, ...] = cls.__match_args__  # type: ignore[attr-defined]  # (its fields)
    many = attrgetter(*names)
    values = many if len(names) > 1 else (lambda record: (many(record),))
    found = _ENCODERS[cls] = (code, values)
    return found


def _ext(code: int, payload: bytes) -> msgpack.ExtType:
    """``msgpack.ExtType(code, payload)`` without its two Python-level constructors (its own
    argument checks, then namedtuple's): one C call, as every record of every call makes one.
    *code* is a declared wire code (0-127, checked at import) and *payload* packed bytes."""
    return _tuple_new(msgpack.ExtType, (code, payload))


_tuple_new = tuple.__new__
_ExtType = msgpack.ExtType


def _new_packer() -> msgpack.Packer:
    """A packer that packs a record as an ext whose payload the next packer (made on first
    need) packs: a pack in progress is never reused for a record inside it."""
    inner: msgpack.Packer | None = None

    def pack_record(record: Any) -> msgpack.ExtType:
        nonlocal inner
        code, values = _ENCODERS.get(type(record)) or _encoder(type(record))
        if inner is None:
            inner = _new_packer()
        return _tuple_new(_ExtType, (code, inner.pack(values(record))))  # _ext, a frame less

    return msgpack.Packer(default=pack_record, use_bin_type=True)


def _batch(value: list[Any]) -> msgpack.ExtType | None:
    """*value* as one record batch when it is a list of records of one class (a listing),
    else None.  The rows are packed by a packer of their own (a row may hold records)."""
    cls = type(value[0])
    if cls not in _CODE_OF:
        return None
    for item in value:
        if type(item) is not cls:
            return None
    code, values = _ENCODERS.get(cls) or _encoder(cls)
    rows = getattr(_local, "rows", None)
    if rows is None:
        rows = _local.rows = _new_packer()
    try:
        return _ext(BATCH_CODE, rows.pack([code, list(map(values, value))]))
    except BaseException:
        rows.reset()
        raise


_local = threading.local()


def encode(value: Any) -> bytes:
    """Encode *value* (plain data and pyvirt records) as one msgpack body."""
    # Building a Packer costs several microseconds: each thread keeps its own (they are not
    # thread-safe), which keeps encoding a record at about a microsecond.
    packer = getattr(_local, "packer", None)
    if packer is None:
        packer = _local.packer = _new_packer()
    if type(value) is list and len(value) >= BATCH_MIN:
        value = _batch(value) or value
    try:
        data: bytes = packer.pack(value)
        return data
    except BaseException:
        packer.reset()
        raise


#: Bodies up to this size are unpacked with msgpack's own limits: it limits each length to
#: the body's size (maps to half), below every limit of ours when the body is no larger
#: than the smallest (MAX_MAP), so they refuse the same bodies.  Ten keyword arguments
#: fewer per unpack; measured with 16 client processes on 2 cores (cold caches at every
#: call), with one record per reply, ~4 us of client CPU per call less.  msgpack's other
#: defaults are the options given below (raw=False, strict_map_key=True, use_list=True).
_SMALL = min(MAX_MAP, MAX_ARRAY, MAX_STRING, MAX_MESSAGE)
_unpackb = msgpack.unpackb


def _unpack(data: bytes | memoryview) -> Any:
    """A body or record payload larger than _SMALL (decode and _ext_hook unpack the others
    themselves: a frame less)."""
    # (written out, as in _ext_hook: passed as **a_dict the arguments cost twice as much)
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


def type_hints(obj: Any) -> dict[str, Any]:
    """The annotations of a record class or a contract method, evaluated.

    What ``typing.get_type_hints`` answers for them (their annotations are names of their
    module, builtin generics and ``X | Y``; ``None`` becomes ``NoneType``), without importing
    typing, which a client would import for this alone.
    """
    namespace = vars(sys.modules[obj.__module__]) if isinstance(obj, type) else obj.__globals__
    hints = {}
    for name, annotation in obj.__annotations__.items():
        value = eval(annotation, namespace) if isinstance(annotation, str) else annotation
        hints[name] = type(None) if value is None else value
    return hints


class _RecordType:
    """What decoding one record class needs, worked out on its first record."""

    def __init__(self, cls: type) -> None:
        hints = type_hints(cls)
        names: tuple[str, ...] = cls.__match_args__  # type: ignore[attr-defined]
        self.cls = cls
        self.count = len(names)
        self.checks = tuple((f"{cls.__name__}.{n}", checker(hints[n])) for n in names)
        # The fast path: the exact type each value must have when its field's check is a
        # plain type test (an enum field's check wants an int, then finds the member).
        wire = tuple(_exact_wire_type(hints[n]) for n in names)
        self.fast = None not in wire
        self.exact = tuple(int if t is _ENUM else t for t in wire)
        self.members = tuple(
            (i, _enum_member(hints[n])) for i, n in enumerate(names) if wire[i] is _ENUM
        )
        #: The same fields with their enums' known members by value: a record's decoding
        #: finds a known one without calling the member function (a frame per enum field).
        self.known = tuple(
            (i, {m.value: m for m in hints[names[i]]}, member) for i, member in self.members
        )

    def checked(self, values: Any) -> Any:
        """The record from *values* that failed the fast path: each field checked alone, so
        the error names the field."""
        if type(values) is not list or len(values) != self.count:
            raise ProtocolError(f"malformed {self.cls.__name__} record")
        return self.cls(*[c(v, where) for (where, c), v in zip(self.checks, values, strict=True)])


_RECORDS: dict[int, _RecordType] = {}


def _record_type(code: Any) -> _RecordType:
    kind = _RECORDS.get(code)
    if kind is None:
        if type(code) is not int or code not in RECORD_TYPES:
            raise ProtocolError(f"unknown record type {code}")
        kind = _RECORDS[code] = _RecordType(RECORD_TYPES[code])
    return kind


def _batch_rows(values: Any) -> list[Any]:
    """The records of a batch's payload ``[record code, [fields, ...]]``, each checked as a
    record of its own would be.

    Checked column by column, in C loops (a listing has thousands of rows): every row a list
    of the record's length, every column's values of its field's one wire type; then the
    records are made in one ``map``.  A batch that fails this goes row by row, so the error
    names the row's offending field."""
    if type(values) is not list or len(values) != 2 or type(values[1]) is not list:
        raise ProtocolError("malformed record batch")
    kind = _record_type(values[0])
    rows: list[Any] = values[1]
    if not rows:
        return []
    if kind.fast and set(map(type, rows)) == {list} and set(map(len, rows)) == {kind.count}:
        columns: list[Any] = list(zip(*rows, strict=True))
        if all(
            set(map(type, column)) == {tp} for column, tp in zip(columns, kind.exact, strict=True)
        ):
            for i, member in kind.members:
                columns[i] = map(member, columns[i])
            return list(map(kind.cls, *columns))
    return [kind.checked(row) for row in rows]


def _ext_hook(code: int, data: bytes) -> Any:
    # Called once per record: a listing's thousand records each take this path, so it is
    # written out here rather than split into helpers.
    kind = _RECORDS.get(code)
    if kind is None:
        if code != BATCH_CODE:
            kind = _record_type(code)
    # (a record's payload is small but for a listing's batch: the common case unpacked here)
    values = _unpackb(data, ext_hook=_ext_hook) if len(data) <= _SMALL else _unpack(data)
    if kind is None:
        return _batch_rows(values)
    if (
        kind.fast
        and type(values) is list
        and len(values) == kind.count
        and tuple(map(type, values)) == kind.exact
    ):
        for i, known, member in kind.known:
            found = known.get(values[i])
            values[i] = found if found is not None else member(values[i])
        return kind.cls(*values)
    return kind.checked(values)


_ENUM = object()  # marks an IntEnum field in _exact_wire_type's answers


def _exact_wire_type(tp: Any) -> Any:
    """The one type a value of annotation *tp* has on the wire, _ENUM for an IntEnum, or None
    when the annotation admits several (unions, containers, Any)."""
    if not isinstance(tp, type) or getattr(tp, "__origin__", None) is not None:
        return None
    if tp in (bool, int, float, str, bytes) or tp in _CODE_OF:
        return tp
    import enum

    return _ENUM if issubclass(tp, enum.IntEnum) else None


def _enum_member(enum_type: Any) -> Callable[[int], Any]:
    """int -> member of *enum_type*, as ``enum_type(value)``; a number the enum does not know
    (a newer peer's value) stays a number."""
    members = {member.value: member for member in enum_type}

    def member(value: int) -> Any:
        found = members.get(value)
        if found is not None:
            return found
        try:
            return enum_type(value)  # what calling the enum finds beyond its members
        except ValueError:
            return value

    return member


def decode(data: bytes | memoryview) -> Any:
    """Decode one body; any malformation becomes :class:`ProtocolError`."""
    if len(data) > MAX_MESSAGE:
        raise ProtocolError("message too large")
    try:
        if len(data) <= _SMALL:
            return _unpackb(data, ext_hook=_ext_hook)
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
    # typing's own forms (Any, Optional, Union) can only be met if typing is imported already.
    typing = sys.modules.get("typing")
    if typing is not None and tp is typing.Any:
        return lambda value, where: value
    origin = getattr(tp, "__origin__", None)
    if isinstance(tp, types.UnionType) or (typing is not None and origin is typing.Union):
        options = [checker(t) for t in tp.__args__]
        # The plain types among the options are accepted by one type test: a typed
        # parameter's value (bool | int | float | str) would otherwise fail its way through
        # the options, an exception per value, ten thousand per domstats reply.
        plain = frozenset(t for t in tp.__args__ if t in (bool, int, float, str, bytes))

        def union(value: Any, where: str) -> Any:
            if type(value) in plain:
                return value
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
        item = checker(tp.__args__[0])
        # A list of plain values or records (a listing) is checked by one C loop over its
        # items' types when every item has exactly the one type its check accepts unchanged.
        exact = {tp.__args__[0]} if tp.__args__[0] in (int, float, str, bytes, *_CODE_OF) else None

        def list_(value: Any, where: str) -> Any:
            if not isinstance(value, list):
                raise _fail(where, "a list", value)
            if exact is not None and set(map(type, value)) <= exact:
                return value
            return [item(v, where) for v in value]

        return list_
    if origin is tuple:
        items = [checker(t) for t in tp.__args__]

        def tuple_(value: Any, where: str) -> Any:
            if not isinstance(value, (list, tuple)) or len(value) != len(items):
                raise _fail(where, f"a {len(items)}-tuple", value)
            return tuple(c(v, where) for c, v in zip(items, value, strict=True))

        return tuple_
    if not isinstance(tp, type):
        raise TypeError(f"unsupported annotation {tp!r}")
    if issubclass(tp, bool):
        return _exact(bool, "bool")
    if _exact_wire_type(tp) is _ENUM:
        enum_name = tp.__name__
        member = _enum_member(tp)

        def enum_(value: Any, where: str) -> Any:
            if type(value) is not int:
                raise _fail(where, enum_name, value)
            return member(value)

        return enum_
    if tp in (int, float, str, bytes):
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
