"""Record decoding: the fast path (one type comparison per record) and the per-field checks
give the same records, and refuse the same malformed ones."""

from __future__ import annotations

import msgpack
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyvirt import DomainRecord, DomainState, ObjectEvent
from pyvirt.rpc import _codec
from pyvirt.rpc._codec import ProtocolError, decode, encode

FIELDS = ["web", "6695eb01-f6a4-8304-79aa-97f2502e193f", 3, 1, 2, True, False, True]


def record_body(code: int, values: list[object]) -> bytes:
    return msgpack.packb([msgpack.ExtType(code, msgpack.packb(values))])


def test_records_survive_a_round_trip_with_their_enum_members() -> None:
    record = DomainRecord(*FIELDS[:3], DomainState.RUNNING, *FIELDS[4:])  # type: ignore[arg-type]
    event = ObjectEvent("domain", "web", "u", 3, 5, 1, "boot", 7)
    decoded = decode(encode([record, event]))
    assert decoded == [record, event]
    assert decoded[0].state is DomainState.RUNNING


def test_an_enum_value_the_enum_does_not_know_stays_a_number() -> None:
    values = FIELDS[:3] + [99] + FIELDS[4:]
    [record] = decode(record_body(2, values))
    assert record.state == 99 and type(record.state) is int


#: (field index, a value of the wrong type, the field the error names)
BAD_FIELDS = [
    (0, b"web", "DomainRecord.name"),  # bytes for str
    (2, True, "DomainRecord.id"),  # bool for int
    (3, "running", "DomainRecord.state"),  # str for an enum
    (5, 1, "DomainRecord.persistent"),  # int for bool
    (7, None, "DomainRecord.managed_save"),
]


@pytest.mark.parametrize(("index", "bad", "field"), BAD_FIELDS)
def test_a_field_of_the_wrong_type_is_refused_and_named(
    index: int, bad: object, field: str
) -> None:
    values = list(FIELDS)
    values[index] = bad
    with pytest.raises(ProtocolError, match=field):
        decode(record_body(2, values))


@pytest.mark.parametrize("values", [FIELDS[:-1], [*FIELDS, 1], {"name": "web"}, "web"])
def test_a_record_of_the_wrong_shape_is_refused(values: object) -> None:
    with pytest.raises(ProtocolError, match="malformed DomainRecord record"):
        decode(msgpack.packb([msgpack.ExtType(2, msgpack.packb(values))]))


def test_an_unknown_record_type_is_refused() -> None:
    with pytest.raises(ProtocolError, match="unknown record type 99"):
        decode(record_body(99, FIELDS))


def test_signatures_read_without_typing_agree_with_typing_and_inspect() -> None:
    """The RPC layer reads the contract's and the records' annotations without typing and
    inspect; they must answer as typing.get_type_hints and inspect.signature do."""
    import inspect
    import typing

    from pyvirt.driver import DriverConnection
    from pyvirt.rpc._codec import RECORD_TYPES, type_hints
    from pyvirt.rpc._signatures import _parameters, signatures

    for sig in signatures().values():
        method = getattr(DriverConnection, sig.procedure.method)
        assert type_hints(method) == typing.get_type_hints(method), sig.procedure.method
        names = tuple(p for p in inspect.signature(method).parameters if p != "self")
        assert _parameters(method) == names == sig.names
    for cls in RECORD_TYPES.values():
        assert type_hints(cls) == typing.get_type_hints(cls), cls.__name__


def test_what_cannot_cross_the_wire_is_refused_and_the_encoder_stays_usable() -> None:
    from pyvirt import DomainRef

    ref = DomainRef("web", "u", 3)
    with pytest.raises(TypeError, match="cannot encode object"):
        encode([ref, object()])
    assert decode(encode([ref])) == [ref]


def test_threads_encoding_at_once_do_not_mix_their_records() -> None:
    import threading

    from pyvirt import DomainRef

    errors: list[BaseException] = []

    def encode_many(index: int) -> None:
        ref = DomainRef(f"dom{index}", f"uuid{index}", index)
        try:
            for _ in range(2000):
                assert decode(encode([ref, [ref, ref]])) == [ref, [ref, ref]]
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=encode_many, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors


def _decoded(body: bytes) -> object:
    try:
        return decode(body)
    except ProtocolError:
        return ProtocolError


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=_codec._SMALL))
def test_small_bodies_are_read_as_with_every_limit_spelt_out(body: bytes) -> None:
    """Bodies up to _SMALL are unpacked with msgpack's own limits (the body's size): they
    take and refuse what the spelt-out limits take and refuse."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_codec, "_SMALL", -1)  # every unpack spells the limits out
        expected = _decoded(body)
    got = _decoded(body)
    if isinstance(expected, float) and expected != expected:  # NaN
        assert isinstance(got, float) and got != got
    else:
        assert got == expected


@pytest.mark.parametrize(
    "body",
    [
        b"\xdd\xff\xff\xff\xff",  # an array longer than the body
        b"\xdf\x00\x01\x00\x00",  # a map of 65536 pairs
        b"\xdb\xff\xff\xff\xff",  # a string longer than the body
        b"\xc7\x05\x03\x01",  # a record cut short
        b"\x81\x01\x02",  # a map keyed by a number
        msgpack.packb({str(i): i for i in range(_codec.MAX_MAP + 1)}),  # over MAX_MAP
        msgpack.packb([msgpack.ExtType(3, msgpack.packb([1] * 3))]),  # a malformed record
    ],
)
def test_malformed_bodies_are_refused_small_or_large(body: bytes) -> None:
    assert _decoded(body) is ProtocolError
