"""Listings cross the wire as one record batch (ext 125: ``[record code, [fields, ...]]``):
the same records come out as record by record, checked as strictly, and a malformed batch is
refused with a ProtocolError that names what is wrong, never a traceback of another kind."""

from __future__ import annotations

import msgpack
import pytest
from pyvirt import DomainRecord, DomainRef, DomainState, TypedParameter, TypedParameterType
from pyvirt._records import DomainStatsRecord
from pyvirt.rpc._codec import BATCH_CODE, BATCH_MIN, ProtocolError, decode, encode
from test_codec import BAD_FIELDS, FIELDS


def listing(n: int) -> list[DomainRecord]:
    return [
        DomainRecord(
            f"d{i}",
            f"6695eb01-f6a4-8304-79aa-{i:012x}",
            i - 1,
            DomainState(i % 8),
            0,
            True,
            i % 2 == 0,
        )
        for i in range(n)
    ]


def batch_body(code: object, rows: object) -> bytes:
    return msgpack.packb(msgpack.ExtType(BATCH_CODE, msgpack.packb([code, rows])))


def test_a_listing_travels_as_one_batch_and_comes_back_equal_with_its_enum_members() -> None:
    records = listing(50)
    body = encode(records)
    outer = msgpack.unpackb(body)
    assert isinstance(outer, msgpack.ExtType) and outer.code == BATCH_CODE
    decoded = decode(body)
    assert decoded == records
    assert all(type(r.state) is DomainState for r in decoded)


def test_short_and_mixed_lists_go_record_by_record_and_come_back_equal() -> None:
    short = listing(BATCH_MIN - 1)
    mixed: list[object] = [*listing(BATCH_MIN), DomainRef("x", "u", 1)]
    for value in (short, mixed, [], [1, 2, 3] * BATCH_MIN):
        body = encode(value)
        assert not isinstance(msgpack.unpackb(body, strict_map_key=False), msgpack.ExtType)
        assert decode(body) == value


def test_records_that_hold_records_and_lists_round_trip_in_a_batch() -> None:
    param = TypedParameter("state.state", TypedParameterType.INT, 1)
    records = [
        DomainStatsRecord(DomainRef(f"d{i}", "u", i), [param, param]) for i in range(BATCH_MIN)
    ]
    assert decode(encode(records)) == records


def test_an_enum_value_the_enum_does_not_know_stays_a_number_in_a_batch() -> None:
    rows = [FIELDS[:3] + [99] + FIELDS[4:], FIELDS]
    unknown, known = decode(batch_body(2, rows))
    assert unknown.state == 99 and type(unknown.state) is int
    assert known.state is DomainState.RUNNING


@pytest.mark.parametrize(("index", "bad", "field"), BAD_FIELDS)
def test_one_bad_field_in_a_batch_is_refused_and_named(index: int, bad: object, field: str) -> None:
    wrong = list(FIELDS)
    wrong[index] = bad
    with pytest.raises(ProtocolError, match=field):
        decode(batch_body(2, [FIELDS] * 20 + [wrong] + [FIELDS] * 20))


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ("web", "malformed record batch"),
        ([2], "malformed record batch"),
        ([2, [FIELDS], 3], "malformed record batch"),
        ([2, {"a": 1}], "malformed record batch"),
        ([99, [FIELDS]], "unknown record type 99"),
        (["DomainRecord", [FIELDS]], "unknown record type DomainRecord"),
        ([BATCH_CODE, [FIELDS]], f"unknown record type {BATCH_CODE}"),
        ([2, [FIELDS, FIELDS[:-1]]], "malformed DomainRecord record"),
        ([2, [FIELDS, "web"]], "malformed DomainRecord record"),
    ],
)
def test_a_malformed_batch_is_refused(payload: object, message: str) -> None:
    body = msgpack.packb(msgpack.ExtType(BATCH_CODE, msgpack.packb(payload)))
    with pytest.raises(ProtocolError, match=message):
        decode(body)


def test_an_empty_batch_is_an_empty_list() -> None:
    assert decode(batch_body(2, [])) == []
