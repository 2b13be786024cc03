"""Access control as pyvirtd applies it: identities, the rules file, and the checks on calls.

The public face of :mod:`pyvirt._acl` (identities and the TOML rules) for the daemon and for
third-party tools that read the same rules file; the one permission check itself is
:func:`pyvirt.rpc.check_access`.
"""

from pyvirt._acl import (
    AccessPolicy,
    AclError,
    Decision,
    Identity,
    Rule,
    access_denied,
    call_object,
    filter_listing,
    load_policy,
    parse_policy,
    result_object,
)

__all__ = [
    "AccessPolicy",
    "AclError",
    "Decision",
    "Identity",
    "Rule",
    "access_denied",
    "call_object",
    "filter_listing",
    "load_policy",
    "parse_policy",
    "result_object",
]
