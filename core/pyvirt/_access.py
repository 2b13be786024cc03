"""The one permission check: may this connection make this call with these flags?

libvirt checks access in two layers that agree: its public API refuses a read-only
connection anything that needs more than the read permissions (``virCheckReadOnlyGoto``, and
per flag, e.g. ``VIR_DOMAIN_XML_SECURE``), and its access-control drivers check the ``@acl``
permissions of ``remote_protocol.x``.  A read-only connection holds only the read permissions
on every object: ``getattr``, ``read`` and the ``search_*`` ones.  So here the permissions a
call needs come from its row in the procedure table, and the one rule decides; the public API
(in process), the clients and the daemon's workers all call :func:`check_access`.

The refusal is libvirt's: VIR_ERR_OPERATION_DENIED, "read only access prevents <api>", or,
when only the flag-dependent ``read_secure`` permission is missing, "<api> with secure flag"
(libvirt's message for asking secrets of a read-only connection).
"""

from __future__ import annotations

from pyvirt._codes import ErrorCode, ErrorDomain
from pyvirt._errors import OperationDeniedError

# Not typing.TYPE_CHECKING: importing typing costs more than pyvirsh's own start-up.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyvirt._acl import AccessPolicy, Identity
    from pyvirt._procedures import Procedure


def read_only_holds(permission: str) -> bool:
    """Whether a read-only connection holds *permission* ("object:permission")."""
    perm = permission.partition(":")[2]
    return perm in ("getattr", "read") or perm.startswith("search_")


def required_permissions(proc: Procedure, flags: int = 0) -> list[str]:
    """Every permission a call of *proc* with *flags* needs, unconditional ones first."""
    needed = list(proc.acl)
    needed += [rule.permission for rule in proc.flag_acl if rule.applies(flags)]
    return needed


def api_error_domain(api: str) -> ErrorDomain:
    """The error domain libvirt's public API file for *api* reports in (virNetwork* lives in
    libvirt-network.c, which reports as NETWORK; storage, secrets (SECRET) and network filters
    (NWFILTER) likewise; the snapshot calls of
    libvirt-domain-snapshot.c as DOMAIN_SNAPSHOT; the rest as DOMAIN)."""
    if "Snapshot" in api:
        return ErrorDomain.DOMAIN_SNAPSHOT
    if "Checkpoint" in api:  # libvirt-domain-checkpoint.c
        return ErrorDomain.DOMAIN_CHECKPOINT
    if api.startswith("virNetwork"):
        return ErrorDomain.NETWORK
    if api.startswith("virStorage") or "StoragePool" in api:  # libvirt-storage.c
        return ErrorDomain.STORAGE
    if api.startswith("virSecret"):
        return ErrorDomain.SECRET
    if api.startswith("virNWFilter"):
        return ErrorDomain.NWFILTER
    # libvirt-interface.c and libvirt-nodedev.c (virConnectNumOfInterfaces, virNodeListDevices)
    if api.startswith("virInterface") or api.endswith("Interfaces"):
        return ErrorDomain.INTERFACE
    if api.startswith("virNodeDevice") or api.endswith("Devices"):
        return ErrorDomain.NODEDEV
    if "Qemu" in api or "Lxc" in api:  # libvirt-qemu.c and libvirt-lxc.c: VIR_FROM_NONE
        return ErrorDomain.NONE
    return ErrorDomain.DOMAIN


def denied(api: str, detail: str | None = None) -> OperationDeniedError:
    """libvirt's VIR_ERR_OPERATION_DENIED for *api* (default detail: the read-only one)."""
    detail = detail or f"read only access prevents {api}"
    return OperationDeniedError(
        f"operation forbidden: {detail}",
        code=ErrorCode.OPERATION_DENIED,
        domain=api_error_domain(api),
        str1="operation forbidden: %s",
        str2=detail,
    )


def check_access(
    proc: Procedure,
    flags: int,
    read_only: bool,
    api: str | None = None,
    *,
    policy: AccessPolicy | None = None,
    identity: Identity | None = None,
    obj: str | None = None,
    driver: str = "",
) -> None:
    """Refuse the call (raise libvirt's error) unless the connection holds every permission
    *proc* needs with *flags*.  *api* names the public function called, when it is not the
    row's own (``virDomainShutdown`` for the flags-less form of ``virDomainShutdownFlags``).

    With a *policy* (pyvirtd's rules file, :mod:`pyvirt._acl`) the *identity* must also hold
    each permission on the object named *obj*, else libvirt's access-driver refusal
    ("access denied: '<driver>' denied access").  The read-only rule comes first, as in
    libvirt, so a read-only connection is refused the same way with or without rules."""
    if read_only:
        _check_read_only(proc, flags, api or proc.api)
    if policy is not None and identity is not None:
        from pyvirt._acl import access_denied

        for permission in required_permissions(proc, flags):
            if not policy.allows(identity, permission, obj):
                raise access_denied(driver)


def _check_read_only(proc: Procedure, flags: int, api: str) -> None:
    """libvirt's public API on a read-only connection: only the read permissions."""
    if proc.refuses_read_only:
        raise denied(api)
    for permission in proc.acl:
        if not read_only_holds(permission):
            raise denied(api)
    for rule in proc.flag_acl:
        if rule.applies(flags) and not read_only_holds(rule.permission):
            if rule.permission.endswith(":read_secure"):
                raise denied(api, f"{api} with secure flag")
            raise denied(api)
