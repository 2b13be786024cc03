"""The worker's access control: the rules file applied to every call through the one check.

With ``access_rules`` set, each call a worker runs goes through
:func:`pyvirt._access.check_access` with the rules (:class:`pyvirt._acl.AccessPolicy`), the
session's identity and the name of the object the call acts on, as libvirt's generated
``*EnsureACL`` checks run in its drivers:

* before the call, for what the arguments name (a domain reference, a lookup's name, the
  ``<name>`` of the XML being defined);
* after a lookup by UUID, id, key or path, on the object found (libvirt checks those on the
  object the driver found, so an unseen object is "access denied", never "not found");
* list calls keep only the objects the identity may see (``<type>:getattr`` on each, the
  ``@aclfilter`` of libvirt's list calls), and events go only to who may see their object.

A refusal is logged (who, what, which object) and answered with libvirt's error.
"""

from __future__ import annotations

import logging
from typing import Any

from pyvirt import ObjectEvent, VirtError
from pyvirt.acl import (
    AccessPolicy,
    Identity,
    access_denied,
    call_object,
    filter_listing,
    result_object,
)
from pyvirt.rpc import Signature, check_access

log = logging.getLogger("pyvirtd.access")

#: ObjectEvent.kind -> the object type of its permission.
_EVENT_TYPES = {
    "domain": "domain", "network": "network", "pool": "storage_pool", "secret": "secret",
}  # fmt: skip


class AccessGuard:
    """The rules of one worker, and the driver name its refusals carry."""

    def __init__(self, policy: AccessPolicy, driver: str) -> None:
        self.policy = policy
        self.driver = driver

    def _check(self, identity: Identity, sig: Signature, flags: int, obj: str | None) -> None:
        proc = sig.procedure
        try:
            check_access(
                proc, flags, identity.read_only, policy=self.policy, identity=identity,
                obj=obj, driver=self.driver,
            )
        except VirtError:
            log.warning(
                "access denied: %s called %s%s", identity.describe(), proc.api,
                f" on {proc.object} '{obj}'" if obj is not None else "",
            )
            raise

    def may_open(self, identity: Identity) -> None:
        """CONNECT_OPEN needs ``connect:getattr`` (libvirt's virConnectOpenEnsureACL): who
        holds nothing at all is refused at the door rather than on every call."""
        if not self.policy.allows(identity, "connect:getattr"):
            log.warning("access denied: %s opening a connection", identity.describe())
            raise access_denied(self.driver)

    def call(self, identity: Identity, sig: Signature, args: list[Any], run: Any) -> Any:
        """Run *run()* (the dispatched call) if *identity* may; its result, filtered."""
        proc, names = sig.procedure, sig.names
        flags = sig.flags_of(args)
        obj = call_object(proc.object, names, args, prefer_xml=proc.object == "storage_vol")
        deferred = obj is None and proc.object != "connect" and "lookup" in proc.method
        if not deferred:
            self._check(identity, sig, flags, obj)
        result = run()
        if deferred:
            self._check(identity, sig, flags, result_object(result))
        if isinstance(result, list) and proc.method.startswith(("connect_list_all_", "storage_pool_list_all_")):
            result = filter_listing(self.policy, identity, result)
        elif isinstance(result, list) and proc.method == "connect_get_all_domain_stats":
            result = filter_listing(self.policy, identity, result, "read")  # @aclfilter
        return result

    def sees(self, identity: Identity, event: ObjectEvent) -> bool:
        """Whether *identity* may see the object of *event* (libvirt filters events by
        ``<type>:getattr``, as it filters lists)."""
        obj_type = _EVENT_TYPES.get(event.kind)
        if obj_type is None:
            return True
        # A secret has no name: rules name it by UUID, as they do in its calls (pyvirt._acl).
        name = event.uuid if event.kind == "secret" else event.name
        return self.policy.allows(identity, f"{obj_type}:getattr", name)
