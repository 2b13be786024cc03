"""Who a client is, and what a rules file lets it do: pyvirt's access-control driver.

libvirt hands every connection an identity (``virIdentity``: the unix user, group and process
of a local peer, the SASL user name, the x509 distinguished name) and asks an access driver
(``none``, ``polkit``) whether that identity holds a permission (``domain:start``) on an
object.  pyvirt does the same with a TOML rules file instead of polkit's JavaScript:

.. code-block:: toml

    default = "socket"        # unmatched calls: libvirt's socket policy ("deny": refuse)

    [[rule]]
    user = "alice"            # any of: user, group, uid, scram_user, x509_dn (fnmatch)
    permissions = ["domain:*", "connect:getattr", "connect:search_domains"]
    objects = ["dev-*"]       # optional: object names the rule covers (fnmatch)
    action = "allow"          # or "deny"

The first rule whose identity fields, permission and object patterns all match decides.  A
call no rule decides falls back on the file's ``default``: ``"socket"`` is libvirt's own
policy without an access driver (a read-write socket holds every permission, a read-only one
the read permissions), ``"deny"`` refuses.  Without a rules file nothing here runs: the
worker's one check (:func:`pyvirt._access.check_access`) keeps the socket policy alone.

This module is the daemon's and the ``pyvirt-admin acl explain`` command's; no client imports
it, so it may cost what it costs.
"""

from __future__ import annotations

import fnmatch
import tomllib
from dataclasses import dataclass, field
from typing import Any

from pyvirt._access import read_only_holds
from pyvirt._codes import ErrorCode, ErrorDomain
from pyvirt._errors import VirtError, make_error
from pyvirt._procedures import PROCEDURES

#: Identity fields a rule may match on, each an fnmatch pattern over the identity's value.
MATCH_FIELDS = ("user", "group", "uid", "scram_user", "x509_dn")
ACTIONS = ("allow", "deny")
DEFAULTS = ("socket", "deny")
#: The object types of the table's permissions (libvirt's viraccessperm.h families), as the
#: procedure table names them.
OBJECT_TYPES = tuple(sorted({p.object for p in PROCEDURES}))


class AclError(Exception):
    """The rules file is unreadable or holds a bad rule (the message names the rule)."""


@dataclass(frozen=True)
class Identity:
    """One connection's identity, as libvirt's ``virIdentity`` holds it.

    Unix peers are known from the kernel (SO_PEERCRED): uid, gid, pid and their names.  A
    tcp (or tls) peer is known by what it proved: its SCRAM user name, its certificate's DN.
    ``socket`` is the kind of socket it came in on ("rw", "ro", "tcp", "tls"), which decides
    the default policy.
    """

    socket: str = "rw"
    uid: int | None = None
    gid: int | None = None
    pid: int | None = None
    user: str | None = None
    group: str | None = None
    #: Supplementary group names of a unix peer (a rule's ``group`` matches any of them).
    groups: tuple[str, ...] = ()
    scram_user: str | None = None
    x509_dn: str | None = None

    @property
    def read_only(self) -> bool:
        return self.socket == "ro"

    def values(self, name: str) -> list[str]:
        """The identity's values for rule field *name* (several for ``group``)."""
        if name == "group":
            return [g for g in (self.group, *self.groups) if g is not None]
        value = getattr(self, name)
        return [] if value is None else [str(value)]

    def describe(self) -> str:
        """How log lines and ``acl explain`` name the identity."""
        parts = [f"{k}={v}" for k in ("user", "uid", "scram_user", "x509_dn", "pid")
                 if (v := getattr(self, k)) is not None]
        return f"{' '.join(parts) or 'anonymous'} on the {self.socket} socket"


@dataclass(frozen=True)
class Rule:
    """One ``[[rule]]`` of the file: who (identity patterns), what, on which objects."""

    index: int
    action: str
    permissions: tuple[str, ...]
    who: tuple[tuple[str, str], ...]
    objects: tuple[str, ...] = ()

    def matches(self, identity: Identity, permission: str, obj: str | None) -> bool:
        for name, pattern in self.who:
            if not any(fnmatch.fnmatchcase(v, pattern) for v in identity.values(name)):
                return False
        if not any(fnmatch.fnmatchcase(permission, p) for p in self.permissions):
            return False
        if self.objects:
            # A rule limited to objects never covers the connection's own permissions, nor
            # a call whose object is not known by name.
            if obj is None or permission.startswith("connect:"):
                return False
            return any(fnmatch.fnmatchcase(obj, p) for p in self.objects)
        return True

    def describe(self) -> str:
        who = " ".join(f"{k}={v!r}" for k, v in self.who) or "everyone"
        where = f" on {list(self.objects)}" if self.objects else ""
        return f"rule {self.index} ({self.action} {who}: {list(self.permissions)}{where})"


@dataclass(frozen=True)
class Decision:
    """What the policy says, and which rule (None: the default) said it."""

    allowed: bool
    rule: Rule | None
    reason: str


@dataclass
class AccessPolicy:
    """The rules of one file, in order, and what happens when none matches."""

    rules: list[Rule] = field(default_factory=list)
    default: str = "socket"
    origin: str = "<rules>"

    def decide(self, identity: Identity, permission: str, obj: str | None = None) -> Decision:
        # A read-only socket never holds more than the read permissions, whatever the rules
        # say: libvirt checks the read-only flag before asking its access driver.
        if identity.read_only and not read_only_holds(permission):
            return Decision(False, None, "the read-only socket holds only read permissions")
        for rule in self.rules:
            if rule.matches(identity, permission, obj):
                return Decision(rule.action == "allow", rule, rule.describe())
        if self.default == "deny":
            return Decision(False, None, f"no rule matches: default \"deny\" of {self.origin}")
        return Decision(True, None, f"no rule matches: default \"socket\" of {self.origin}")

    def allows(self, identity: Identity, permission: str, obj: str | None = None) -> bool:
        return self.decide(identity, permission, obj).allowed


def access_denied(driver: str) -> VirtError:
    """libvirt's refusal by its access driver: VIR_ERR_ACCESS_DENIED from the ACCESS error
    domain, "access denied: 'QEMU' denied access" (the generated ``*EnsureACL`` checks of
    ``viraccessapicheck.c`` name the connection's driver)."""
    return make_error(ErrorCode.ACCESS_DENIED, ErrorDomain.ACCESS, f"'{driver}' denied access")


def _strings(value: Any, where: str, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise AclError(f"{where}: '{key}' must be a string or a non-empty list of strings")


def _check_permission_pattern(pattern: str, where: str) -> None:
    obj, sep, perm = pattern.partition(":")
    if not sep or not perm:
        raise AclError(f"{where}: permission '{pattern}' is not \"object:permission\"")
    if not any(fnmatch.fnmatchcase(t, obj) for t in OBJECT_TYPES):
        raise AclError(
            f"{where}: permission '{pattern}' names no object type ({', '.join(OBJECT_TYPES)})"
        )


def _rule(index: int, data: Any, origin: str) -> Rule:
    where = f"{origin}: rule {index}"
    if not isinstance(data, dict):
        raise AclError(f"{where}: must be a table")
    known = {*MATCH_FIELDS, "permissions", "objects", "action"}
    for key in data:
        if key not in known:
            raise AclError(f"{where}: unknown key '{key}'")
    action = data.get("action", "allow")
    if action not in ACTIONS:
        raise AclError(f"{where}: 'action' must be \"allow\" or \"deny\"")
    if "permissions" not in data:
        raise AclError(f"{where}: 'permissions' is missing")
    permissions = _strings(data["permissions"], where, "permissions")
    for pattern in permissions:
        _check_permission_pattern(pattern, where)
    who: list[tuple[str, str]] = []
    for name in MATCH_FIELDS:
        if name in data:
            value = data[name]
            if type(value) is int and name == "uid":
                value = str(value)
            if not isinstance(value, str) or not value:
                raise AclError(f"{where}: '{name}' must be a non-empty string")
            who.append((name, value))
    objects = _strings(data["objects"], where, "objects") if "objects" in data else ()
    return Rule(index, action, permissions, tuple(who), objects)


def parse_policy(data: dict[str, Any], origin: str) -> AccessPolicy:
    """The policy of a loaded TOML document; :class:`AclError` names what is wrong."""
    for key in data:
        if key not in ("default", "rule"):
            raise AclError(f"{origin}: unknown key '{key}'")
    default = data.get("default", "socket")
    if default not in DEFAULTS:
        raise AclError(f"{origin}: 'default' must be \"socket\" or \"deny\"")
    rules = data.get("rule", [])
    if not isinstance(rules, list):
        raise AclError(f"{origin}: 'rule' must be an array of tables ([[rule]])")
    return AccessPolicy([_rule(i, r, origin) for i, r in enumerate(rules, 1)], default, origin)


def load_policy(path: str) -> AccessPolicy:
    """Read and check the rules file at *path*."""
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except OSError as exc:
        raise AclError(f"cannot read {path}: {exc.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise AclError(f"{path}: not valid TOML: {exc}") from None
    return parse_policy(data, path)


# -- which object a call acts on ------------------------------------------------------------
def _ref_type(value: object) -> tuple[str, str] | None:
    """(object type, name) of a reference or record the wire carries, else None."""
    from pyvirt import _records as r

    if isinstance(value, r.DomainRef | r.DomainRecord):
        return "domain", value.name
    if isinstance(value, r.DomainSnapshotRef | r.DomainCheckpointRef):
        return "domain", value.domain.name
    if isinstance(value, r.DomainStatsRecord):
        return "domain", value.dom.name
    if isinstance(value, r.NetworkRef | r.NetworkRecord):
        return "network", value.name
    if isinstance(value, r.StoragePoolRef | r.StoragePoolRecord):
        return "storage_pool", value.name
    if isinstance(value, r.StorageVolRef):
        return "storage_vol", value.name
    if isinstance(value, r.InterfaceRef | r.InterfaceRecord):
        return "interface", value.name
    if isinstance(value, r.NodeDeviceRecord):
        return "node_device", value.name
    if isinstance(value, r.SecretRef):  # a secret has no name: libvirt's rules use its UUID
        return "secret", value.uuid
    if isinstance(value, r.NWFilterRef):
        return "nwfilter", value.name
    if isinstance(value, r.NWFilterBindingRef):
        return "nwfilter_binding", value.portdev
    return None


def _xml_name(text: str) -> str | None:
    """The ``<name>`` of an object's XML (None when the XML does not parse: the driver then
    refuses it with its own error, and a rule limited to objects matches nothing)."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(text.encode(), parser)
    except (etree.XMLSyntaxError, ValueError):
        return None
    name = root.findtext("name")
    return name.strip() if name else None


def call_object(
    obj_type: str, names: tuple[str, ...], args: list[Any], *, prefer_xml: bool = False
) -> str | None:
    """The name of the *obj_type* object a call with argument *names* and values *args* acts
    on, as far as it is known before the call: a reference argument of that type, a ``name``
    argument (lookups by name), the ``<name>`` of an ``xml`` argument (define, create).
    None for the connection's own calls, and for lookups by UUID, id, key or path (their
    object is checked on the result, :func:`result_object`).  *prefer_xml*: the XML names
    the object even when a reference of its type is given (a volume cloned from another)."""
    if obj_type == "connect":
        return None
    xml = next((v for n, v in zip(names, args, strict=False) if n == "xml"), None)
    if prefer_xml and isinstance(xml, str):
        return _xml_name(xml)  # a volume created (from another): the new one's name
    for value in args:
        found = _ref_type(value)
        if found is not None and found[0] == obj_type:
            return found[1]
    for name, value in zip(names, args, strict=False):
        if name == "name" and isinstance(value, str):
            return value
        if name == "xml" and isinstance(value, str):
            return _xml_name(value)
    return None


def result_object(result: object) -> str | None:
    """The name of the one object a call returned (a lookup's answer), else None."""
    found = _ref_type(result)
    return None if found is None else found[1]


def filter_listing(
    policy: AccessPolicy, identity: Identity, result: list[Any], permission: str = "getattr"
) -> list[Any]:
    """libvirt's ``@aclfilter``: of the objects a list call returns, those the identity may
    see (``<type>:getattr`` on each, or the *permission* the call's filter names, such as
    ``read`` for virConnectGetAllDomainStats); other values pass unchanged."""
    kept = []
    for value in result:
        found = _ref_type(value)
        if found is None or policy.allows(identity, f"{found[0]}:{permission}", found[1]):
            kept.append(value)
    return kept
