"""The code the procedure table generates is committed, current, and the only way in.

``python -m pyvirt._tools.gen_api --check`` fails when a generated module differs from what
the table and the driver contract say (CI runs it too); and no source outside the generated
modules names a driver method in a string, so every driver call is a typed attribute call
that mypy checks.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pyvirt
from pyvirt._procedures import BY_METHOD, PROCEDURES
from pyvirt._tools import gen_api

ROOT = Path(__file__).resolve().parents[1]
#: Where rows are read as data (the table, the generator, the signature reader, the doc).
_READS_THE_TABLE = {"_procedures.py", "gen_api.py", "_signatures.py", "_doc.py"}


def test_the_generated_modules_are_up_to_date() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pyvirt._tools.gen_api", "--check"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_check_names_a_file_that_drifted(tmp_path, monkeypatch) -> None:
    stale = tmp_path / "_calls.py"
    stale.write_text("# edited by hand\n")
    monkeypatch.setattr(gen_api, "TARGETS", {stale: lambda: gen_api.gen_calls(False)})
    monkeypatch.setattr(gen_api, "ROOT", tmp_path)
    assert gen_api.main(["--check"]) == 1
    assert stale.read_text() == "# edited by hand\n"
    assert gen_api.main([]) == 0
    assert "class DriverCalls" in stale.read_text()
    assert gen_api.main(["--check"]) == 0


def test_every_procedure_has_a_public_entry_a_stub_and_a_handler() -> None:
    from pyvirt._calls import DriverCalls
    from pyvirt.rpc import DISPATCH
    from pyvirt.rpc._client_stubs import AsyncRemoteStubs, RemoteStubs
    from pyvirt.rpc._signatures import STREAM_OPENERS, crosses_the_wire
    from pyvirt.rpc._sync_backend import ClientBase
    from pyvirt.rpc._sync_client import RemoteConnection

    for proc in PROCEDURES:
        if proc.method in ("connect_open", "connect_close"):
            continue
        assert hasattr(DriverCalls, proc.method), proc.method
        if crosses_the_wire(proc):
            assert DISPATCH[proc.key].__name__ == f"_{proc.method}"
            if proc.method in STREAM_OPENERS:  # written by hand, synchronous client only
                assert proc.method in vars(ClientBase), proc.method
                assert hasattr(RemoteConnection, proc.method)
                continue
            assert hasattr(RemoteStubs, proc.method) and hasattr(AsyncRemoteStubs, proc.method)


def _sources() -> list[Path]:
    generated = {p.name for p in gen_api.TARGETS if p.suffix == ".py"}
    skip = generated | _READS_THE_TABLE
    found = []
    for top in ("core/pyvirt", "daemon/pyvirtd", "plugins"):
        found += [p for p in (ROOT / top).rglob("*.py") if p.name not in skip]
    return found


def test_no_driver_method_is_called_by_a_string() -> None:
    offenders = []
    for path in _sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            for arg in node.args:
                if isinstance(arg, ast.Constant) and arg.value in BY_METHOD:
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}: {arg.value}")
    # unsupported("method") names the API in a NO_SUPPORT error: it calls nothing (so does
    # _no_support of the other tables: secrets, filters, storage and network extras).
    offenders = [o for o in offenders if not o.split(":")[0].endswith(("driver.py", "_drivers.py"))]
    assert not offenders


def test_a_closed_connection_is_refused_by_the_generated_entry() -> None:
    conn = pyvirt.open("test:///default")
    conn.close()
    try:
        conn.lookup_domain_by_name("test")
    except pyvirt.VirtError as exc:
        assert exc.code == pyvirt.ErrorCode.INVALID_CONN
        assert "virDomainLookupByName" in str(exc)
    else:
        raise AssertionError("a closed connection answered")
