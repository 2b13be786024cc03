"""The error hierarchy: libvirt's codes and messages, and the builtins callers already catch."""

from __future__ import annotations

import pickle

import pytest
import pyvirt
from pyvirt import ErrorCode, ErrorDomain, ErrorLevel, NoDomainError, VirtError, make_error
from pyvirt._errors import _BY_CODE
from real_libvirt import ask_real_libvirt


@pytest.mark.parametrize(
    ("error_class", "builtin"),
    [
        (pyvirt.NoDomainError, LookupError),
        (pyvirt.NoNetworkError, LookupError),
        (pyvirt.NoStoragePoolError, LookupError),
        (pyvirt.NoStorageVolError, LookupError),
        (pyvirt.NotFoundError, LookupError),
        (pyvirt.InvalidArgError, ValueError),
        (pyvirt.XMLError, ValueError),
        (pyvirt.ConfSyntaxError, ValueError),
        (pyvirt.NoSupportError, NotImplementedError),
        (pyvirt.OperationDeniedError, PermissionError),
        (pyvirt.AuthFailedError, PermissionError),
        (pyvirt.ExistsError, FileExistsError),
        (pyvirt.SystemCallError, OSError),
        (pyvirt.RPCError, ConnectionError),
        (pyvirt.NoConnectError, ConnectionError),
        (pyvirt.OperationTimeoutError, TimeoutError),
    ],
)
def test_error_is_also_the_builtin_a_caller_would_catch(
    error_class: type[VirtError], builtin: type[Exception]
) -> None:
    assert issubclass(error_class, VirtError)
    assert issubclass(error_class, builtin)


def test_missing_domain_is_caught_by_except_lookup_error() -> None:
    with pytest.raises(LookupError):
        raise make_error(ErrorCode.NO_DOMAIN, ErrorDomain.TEST, "no domain with matching name 'x'")


@pytest.mark.parametrize(("code", "error_class"), sorted(_BY_CODE.items()))
def test_make_error_picks_the_class_for_the_code(code: int, error_class: type[VirtError]) -> None:
    error = make_error(code, ErrorDomain.NONE, "detail")
    assert type(error) is error_class
    assert error.code == code
    assert isinstance(error.code, ErrorCode)


def test_unknown_code_becomes_a_plain_virt_error_keeping_the_number() -> None:
    error = VirtError.from_fields({"code": 9999, "domain": 9999, "message": "from the future"})
    assert type(error) is VirtError
    assert (error.code, error.domain, str(error)) == (9999, 9999, "from the future")
    assert type(make_error(ErrorCode.NO_XEN, ErrorDomain.NONE, "x")) is VirtError


@pytest.mark.parametrize("code", [*sorted(_BY_CODE), ErrorCode.NO_XEN, 9999])
def test_fields_round_trip_keeps_class_and_every_field(code: int) -> None:
    original = make_error(code, ErrorDomain.QEMU, "some detail")
    original.int1, original.str3 = 7, "three"
    rebuilt = VirtError.from_fields(original.to_fields())
    assert type(rebuilt) is type(original)
    assert rebuilt.to_fields() == original.to_fields()


def test_to_fields_is_plain_data() -> None:
    fields = make_error(ErrorCode.NO_DOMAIN, ErrorDomain.TEST, "x").to_fields()
    assert fields == {
        "code": 42,
        "domain": 12,
        "message": "Domain not found: x",
        "level": int(ErrorLevel.ERROR),
        "str1": "Domain not found: %s",
        "str2": "x",
        "str3": None,
        "int1": -1,
        "int2": -1,
    }
    assert all(type(v) in (int, str, type(None)) for v in fields.values())


def test_error_survives_pickling_for_process_pools() -> None:
    error = make_error(ErrorCode.NO_DOMAIN, ErrorDomain.TEST, "x")
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is NoDomainError
    assert copy.to_fields() == error.to_fields()


def test_repr_names_class_code_and_domain() -> None:
    error = make_error(ErrorCode.NO_DOMAIN, ErrorDomain.TEST, "x")
    assert repr(error) == "NoDomainError('Domain not found: x', code=42, domain=12)"


# (code, detail, libvirt's message) as libvirt's virErrorMsg builds them.
LIBVIRT_MESSAGES = [
    (ErrorCode.INTERNAL_ERROR, "boom", "internal error: boom"),
    (ErrorCode.NO_SUPPORT, "virDomainSuspend", "this function is not supported by the connection driver: virDomainSuspend"),
    (ErrorCode.NO_CONNECT, "xen:///", "no connection driver available for xen:///"),
    (ErrorCode.INVALID_ARG, "bad", "invalid argument: bad"),
    (ErrorCode.OPERATION_FAILED, "nope", "operation failed: nope"),
    (ErrorCode.OPERATION_DENIED, "read only access prevents virDomainSuspend", "operation forbidden: read only access prevents virDomainSuspend"),
    (ErrorCode.CONF_SYNTAX, "x", "configuration file syntax error: x"),
    (ErrorCode.NO_DOMAIN, "no domain with matching name 'x'", "Domain not found: no domain with matching name 'x'"),
    (ErrorCode.NO_NETWORK, "n", "Network not found: n"),
    (ErrorCode.OPERATION_INVALID, "domain is not running", "Requested operation is not valid: domain is not running"),
    (ErrorCode.DOM_EXIST, "'x'", "domain 'x' exists already"),
    (ErrorCode.XML_DETAIL, "parser says", "parser says"),
    (ErrorCode.NO_DOMAIN, None, "Domain not found"),
]  # fmt: skip


@pytest.mark.parametrize(("code", "detail", "message"), LIBVIRT_MESSAGES)
def test_message_is_libvirts(code: int, detail: str | None, message: str) -> None:
    assert str(make_error(code, ErrorDomain.NONE, detail)) == message


# Expressions the real binding answers with an error built from a template and one detail.
REAL_ERRORS = [
    "libvirt.open('test:///default').lookupByName('nope')",
    "libvirt.open('test:///default').networkLookupByName('nope')",
    "libvirt.open('test:///default').storagePoolLookupByName('nope')",
    "libvirt.open('test:///default').storageVolLookupByPath('/nope')",
    "libvirt.open('test:///default').nodeDeviceLookupByName('nope')",
    "libvirt.open('test:///default').interfaceLookupByName('nope')",
    "libvirt.open('test:///default').secretLookupByUUIDString('00000000-0000-0000-0000-000000000000')",
    "libvirt.open('test:///default').lookupByName('test').resume()",
    "libvirt.openReadOnly('test:///default').lookupByName('test').suspend()",
    "libvirt.open('test:///de fault')",
    "libvirt.open('/path')",
]


def test_templates_and_fields_match_the_real_library() -> None:
    for expression, real in zip(REAL_ERRORS, ask_real_libvirt(REAL_ERRORS), strict=True):
        assert not real["ok"], expression
        ours = make_error(real["code"], real["domain"], real["str2"])
        assert (str(ours), ours.str1, ours.str2) == (real["message"], real["str1"], real["str2"])
        assert (int(ours.code), int(ours.domain)) == (real["code"], real["domain"])
