"""msgpack bodies: records survive the round trip, enums are rebuilt, bad input is refused."""

from __future__ import annotations

import threading

import msgpack
import pytest
from pyvirt._enums import DomainState, StorageVolType
from pyvirt._records import DomainInfo, DomainRecord, DomainRef, ObjectEvent, StorageVolInfo
from pyvirt.rpc._codec import RECORD_TYPES, ProtocolError, check, decode, encode

REF = DomainRef("test", "6695eb01-f6a4-8304-79aa-97f2502e193f", 1)


def test_records_in_lists_and_maps_come_back_equal_with_their_enums():
    value = [
        REF,
        [DomainRecord("a", "u", -1, DomainState.SHUTOFF, 0, True, False)],
        {"info": DomainInfo(DomainState.RUNNING, 1024, 512, 1, 10**12)},
        StorageVolInfo(StorageVolType.FILE, 1 << 40, 0),
        ObjectEvent("domain", "a", "u", 1, 3, 0, "boot", 7),
        None,
        b"\x00bytes",
    ]
    back = decode(encode(value))
    assert back == value
    assert type(back[2]["info"].state) is DomainState


def test_an_enum_value_this_side_does_not_know_stays_a_number():
    code = next(c for c, cls in RECORD_TYPES.items() if cls is DomainInfo)
    body = msgpack.packb(msgpack.ExtType(code, msgpack.packb([99, 1, 1, 1, 1])))
    info = decode(body)
    assert info.state == 99 and type(info.state) is int
    assert check(5, DomainState, "state") is DomainState.SHUTOFF


def test_a_record_with_a_field_of_the_wrong_type_is_refused():
    code = next(c for c, cls in RECORD_TYPES.items() if cls is DomainRef)
    with pytest.raises(ProtocolError, match="DomainRef.id"):
        decode(msgpack.packb(msgpack.ExtType(code, msgpack.packb(["n", "u", "1"]))))
    with pytest.raises(ProtocolError, match="unknown record type"):
        decode(msgpack.packb(msgpack.ExtType(120, b"\x90")))


def test_what_cannot_cross_the_wire_is_refused_and_the_encoder_stays_usable():
    with pytest.raises(TypeError, match="cannot encode object"):
        encode([REF, object()])
    assert decode(encode([REF])) == [REF]


def test_threads_encoding_at_once_do_not_mix_their_records():
    errors: list[BaseException] = []

    def encode_many(index: int) -> None:
        ref = DomainRef(f"dom{index}", f"uuid{index}", index)
        try:
            for _ in range(2000):
                assert decode(encode([ref, [ref, ref]])) == [ref, [ref, ref]]
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=encode_many, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
