"""pyvirt's msgpack codec against msgspec: per record, and the import every client pays.

Run: .venv/bin/python benchmarks/codec.py   (needs msgspec importable: ``uv pip install
msgspec`` into a scratch venv that also has pyvirt; it is not a pyvirt dependency)

Issue 14 asked whether msgspec (its typed msgpack decoder checks records in C) should replace
msgpack.  Measured here: encoding and decoding one DomainInfo reply and a 1,000-row listing
with pyvirt's own codec (pyvirt.rpc.encode/decode: ext types, records rebuilt and checked) and
with msgspec Structs of the same fields, and the import time of each library in a fresh
interpreter (``-X importtime``, median of 15), which every pyvirsh run pays.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import timeit

import msgspec
from pyvirt import DomainInfo, DomainRecord, DomainState
from pyvirt.rpc import decode, encode


class SInfo(msgspec.Struct, array_like=True, frozen=True):
    state: int
    max_memory: int
    memory: int
    nr_virt_cpu: int
    cpu_time: int


class SRecord(msgspec.Struct, array_like=True, frozen=True):
    name: str
    uuid: str
    id: int
    state: int
    reason: int
    persistent: bool
    autostart: bool
    managed_save: bool


UUID = "6695eb01-f6a4-8304-79aa-97f2502e193f"


def per_op(stmt: str, number: int, names: dict[str, object]) -> float:
    """Best of 5 runs, in microseconds per operation."""
    return min(timeit.repeat(stmt, number=number, repeat=5, globals=names)) / number * 1e6


def import_ms(module: str) -> float:
    """Median cumulative import time of *module* in a fresh interpreter, in ms."""
    runs = []
    for _ in range(15):
        err = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", f"import {module}"],
            capture_output=True,
            text=True,
            check=True,
        ).stderr
        last = [line for line in err.splitlines() if line.rstrip().endswith(f"| {module}")][-1]
        runs.append(int(last.split("|")[1]))
    return statistics.median(runs) / 1000


def main() -> None:
    info = DomainInfo(DomainState.RUNNING, 1 << 20, 1 << 19, 2, 123456789)
    rows = [
        DomainRecord(f"bench{i}", UUID, -1, DomainState.SHUTOFF, 0, True, False)
        for i in range(1000)
    ]
    sinfo = SInfo(1, 1 << 20, 1 << 19, 2, 123456789)
    srows = [SRecord(f"bench{i}", UUID, -1, 5, 0, True, False, False) for i in range(1000)]
    encoder = msgspec.msgpack.Encoder()
    names = {
        "encode": encode,
        "decode": decode,
        "info": info,
        "rows": rows,
        "sinfo": sinfo,
        "srows": srows,
        "encoder": encoder,
        "info_decoder": msgspec.msgpack.Decoder(SInfo),
        "rows_decoder": msgspec.msgpack.Decoder(list[SRecord]),
        "b_info": encode(info),
        "b_rows": encode(rows),
        "s_info": encoder.encode(sinfo),
        "s_rows": encoder.encode(srows),
    }
    print(f"{'':28}{'pyvirt (msgpack)':>18}{'msgspec':>12}")
    for label, ours, theirs, number in (
        ("encode 1 DomainInfo (us)", "encode(info)", "encoder.encode(sinfo)", 20000),
        ("decode 1 DomainInfo (us)", "decode(b_info)", "info_decoder.decode(s_info)", 20000),
        ("encode 1,000 rows (us)", "encode(rows)", "encoder.encode(srows)", 50),
        ("decode 1,000 rows (us)", "decode(b_rows)", "rows_decoder.decode(s_rows)", 50),
    ):
        print(
            f"{label:<28}{per_op(ours, number, names):>18.2f}{per_op(theirs, number, names):>12.2f}"
        )
    print(f"{'import (ms)':<28}{import_ms('msgpack'):>18.1f}{import_ms('msgspec'):>12.1f}")


if __name__ == "__main__":
    main()
