"""Secret values: bytes end to end, refused to read-only connections, never in pyvirtd's log.

libvirt's test driver keeps no secrets, so a value given to pyvirtd meets VIR_ERR_NO_SUPPORT
in the worker; what matters here is everything on its way there and back: the codec carries
any bytes, malformed values are refused without echoing them, and nothing logs them, at
debug level too.
"""

from __future__ import annotations

import pytest
import pyvirt
from daemon_helpers import RawPeer, running_daemon
from pyvirt import ErrorCode, ErrorDomain, SecretRef
from pyvirt.rpc import PROC_CONNECT_OPEN, PROGRAM_REMOTE, Status, encode

#: A value no log line would contain by chance, binary and textual halves.
VALUE = b"\x00\xffpyvirt-secret-canary-7f3a9c\x01\x02"
TEXT_CANARY = "pyvirt-secret-canary-7f3a9c"
REF = SecretRef("5ec7e700-0000-4000-8000-00000000abcd", 1, "/var/lib/libvirt/images/x.img")
SET_VALUE = pyvirt._procedures.BY_METHOD["secret_set_value"].number
GET_VALUE = pyvirt._procedures.BY_METHOD["secret_get_value"].number


@pytest.fixture(scope="module")
def debug_daemon():
    with running_daemon(config='log_level = "DEBUG"\n') as daemon:
        yield daemon


def _raw_call(daemon, socket_name: str, number: int, args: list) -> tuple[int, dict]:
    with RawPeer(daemon.rundir / socket_name) as peer:
        status, body = peer.call(PROGRAM_REMOTE, PROC_CONNECT_OPEN, encode(["test:///default", 0]))
        assert status == Status.OK, body
        return peer.call(PROGRAM_REMOTE, number, encode(args))  # type: ignore[return-value]


def test_set_value_reaches_the_driver_and_its_answer_is_libvirts(debug_daemon) -> None:
    status, body = _raw_call(debug_daemon, "pyvirt-test-sock", SET_VALUE, [REF, VALUE, 0])
    assert status == Status.ERROR
    assert (body["code"], body["domain"]) == (ErrorCode.NO_SUPPORT, ErrorDomain.SECRET)
    assert body["message"] == (
        "this function is not supported by the connection driver: virSecretSetValue"
    )


def test_read_only_socket_refuses_values_both_ways(debug_daemon) -> None:
    for number, args, api in (
        (SET_VALUE, [REF, VALUE, 0], "virSecretSetValue"),
        (GET_VALUE, [REF, 0], "virSecretGetValue"),
    ):
        status, body = _raw_call(debug_daemon, "pyvirt-test-sock-ro", number, args)
        assert status == Status.ERROR
        assert body["code"] == ErrorCode.OPERATION_DENIED
        assert body["message"] == f"operation forbidden: read only access prevents {api}"


def test_a_malformed_value_is_refused_without_echoing_it(debug_daemon) -> None:
    status, body = _raw_call(debug_daemon, "pyvirt-test-sock", SET_VALUE, [REF, TEXT_CANARY, 0])
    assert status == Status.ERROR
    assert TEXT_CANARY not in str(body)


def test_no_value_in_the_debug_log(debug_daemon) -> None:
    # the values of every path: accepted, malformed, refused, and through the client
    _raw_call(debug_daemon, "pyvirt-test-sock", SET_VALUE, [REF, VALUE, 0])
    _raw_call(debug_daemon, "pyvirt-test-sock", SET_VALUE, [REF, TEXT_CANARY, 0])
    _raw_call(debug_daemon, "pyvirt-test-sock-ro", SET_VALUE, [REF, VALUE, 0])
    with pyvirt.open("test+unix:///default") as conn:
        secret = pyvirt.Secret(conn, REF)
        with pytest.raises(pyvirt.NoSupportError):
            secret.set_value(VALUE)
    log = debug_daemon.log.read_bytes()
    assert b"DEBUG" in log, "the daemon did not log at debug level"
    assert TEXT_CANARY.encode() not in log
    assert VALUE.hex().encode() not in log


def test_in_process_value_checks() -> None:
    with pyvirt.open("test:///default", read_only=True) as conn:
        secret = pyvirt.Secret(conn, REF)
        with pytest.raises(pyvirt.OperationDeniedError) as info:
            secret.value()
        assert info.value.domain == ErrorDomain.SECRET
        with pytest.raises(pyvirt.InvalidArgError):
            secret.set_value("not bytes")  # type: ignore[arg-type]
    with pyvirt.open("test:///default") as conn:
        with pytest.raises(pyvirt.NoSupportError) as nosup:
            pyvirt.Secret(conn, REF).set_value(VALUE)
        assert nosup.value.domain == ErrorDomain.SECRET
