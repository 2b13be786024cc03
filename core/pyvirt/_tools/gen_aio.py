"""Generate the asyncio public API (``pyvirt._aio_objects``) from the synchronous one.

The synchronous classes (:class:`pyvirt.Connection`, :class:`pyvirt.Domain`, ...) are the
single source, as httpcore keeps one source for its two APIs; this goes the other way round
(sync to async), which works because every driver call in them is a call of the generated
entries, ``self._calls.X(...)`` or ``self._conn._calls.X(...)``.  The transformation:

- a method that makes such a call, or calls a method of its class that does, becomes
  ``async def`` and awaits those calls (a property that does becomes an awaitable method:
  ``await dom.autostart()``);
- ``Connection``, ``Domain``, ``Network``, ``StoragePool``, ``StorageVol`` and the handles of
  :mod:`pyvirt._objects_secrets` (``Secret``, ``NWFilter``, ``NWFilterBinding``) become
  ``AsyncConnection`` ... everywhere, annotations included;
- the connection's plumbing (opening, closing, context management, events) is not copied: it
  lives in the hand-written :class:`pyvirt._aio_connection.AsyncConnectionBase`.
"""

from __future__ import annotations

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parents[1]

RENAMES = {
    "Connection": "AsyncConnection",
    "Domain": "AsyncDomain",
    "DomainSnapshot": "AsyncDomainSnapshot",
    "DomainCheckpoint": "AsyncDomainCheckpoint",
    "Network": "AsyncNetwork",
    "StoragePool": "AsyncStoragePool",
    "StorageVol": "AsyncStorageVol",
    "Secret": "AsyncSecret",
    "NWFilter": "AsyncNWFilter",
    "NWFilterBinding": "AsyncNWFilterBinding",
    "Interface": "AsyncInterface",
    "NodeDevice": "AsyncNodeDevice",
    "NetworkPort": "AsyncNetworkPort",
    "Stream": "AsyncStream",
}
#: Connection members that are plumbing, written by hand for asyncio in the base class.
_CONNECTION_PLUMBING = frozenset(
    {
        "__init__",
        "_events",
        "new_stream",
        "_open_driver",
        "driver",
        "read_only",
        "close",
        "__enter__",
        "__exit__",
        "is_alive",
        "set_keepalive",
        "register_event_callback",
        "deregister_event_callback",
        "events",
        "__iter__",
        "__repr__",
    }
)


def _calls_driver(node: ast.AST) -> bool:
    """Whether *node* is a call of a generated entry (``<...>._calls.<method>(...)``)."""
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
        return False
    owner = node.func.value
    return isinstance(owner, ast.Attribute) and owner.attr == "_calls"


def _binds(node: ast.AST) -> bool:
    """Whether *node* ties a stream to its transfer (``stream._bind(...)``): an asyncio
    stream's binding is awaited (it may have to abort the end it refuses)."""
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "_bind"
    )


def _self_call(node: ast.AST) -> str | None:
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "self"
    ):
        return node.func.attr
    return None


def _async_methods(cls: ast.ClassDef) -> set[str]:
    """The methods of *cls* that must become coroutines (a fixed point over self-calls)."""
    methods = {f.name: f for f in cls.body if isinstance(f, ast.FunctionDef)}
    found: set[str] = set()
    changed = True
    while changed:
        changed = False
        for name, func in methods.items():
            if name in found:
                continue
            for node in ast.walk(func):
                if _calls_driver(node) or _self_call(node) in found:
                    found.add(name)
                    changed = True
                    break
    return found


class _Asyncify(ast.NodeTransformer):
    def __init__(self, async_names: set[str]) -> None:
        self.async_names = async_names

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        if _calls_driver(node) or _self_call(node) in self.async_names or _binds(node):
            return ast.Await(value=node)
        return node

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id in RENAMES:
            return ast.Name(id=RENAMES[node.id], ctx=node.ctx)
        return node

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        if isinstance(node.value, str):
            for old, new in RENAMES.items():
                node.value = node.value.replace(f"<pyvirt.{old} ", f"<pyvirt.aio.{new} ")
        return node


def _local_only(func: ast.FunctionDef) -> bool:
    """Whether *func* calls a procedure that does not cross the wire (a console's file
    descriptor) or opens a stream the asyncio API does not offer (pyvirt.rpc._signatures'
    ASYNC_STREAM_OPENERS): the asyncio API, served by the asyncio client for daemons, leaves
    it out."""
    from pyvirt.rpc._signatures import ASYNC_STREAM_OPENERS, LOCAL_ONLY, STREAM_OPENERS

    skip = LOCAL_ONLY | (STREAM_OPENERS - ASYNC_STREAM_OPENERS)
    return any(
        _calls_driver(node) and node.func.attr in skip  # type: ignore[attr-defined]
        for node in ast.walk(func)
    )


def _convert(cls: ast.ClassDef, *, skip: frozenset[str] = frozenset(), base: str = "") -> str:
    async_names = _async_methods(cls)
    body: list[ast.stmt] = []
    for item in cls.body:
        if isinstance(item, ast.FunctionDef) and (item.name in skip or _local_only(item)):
            continue
        if isinstance(item, ast.FunctionDef) and item.name in async_names:
            item = _Asyncify(async_names).visit(item)
            decorators = [
                d
                for d in item.decorator_list
                if not (isinstance(d, ast.Name) and d.id == "property")
            ]
            new = ast.AsyncFunctionDef(
                name=item.name,
                args=item.args,
                body=item.body,
                decorator_list=decorators,
                returns=item.returns,
                type_comment=None,
            )
            body.append(ast.copy_location(new, item))
        else:
            body.append(_Asyncify(async_names).visit(item))
    name = RENAMES[cls.name]
    bases: list[ast.expr] = [ast.Name(id=base, ctx=ast.Load())] if base else []
    doc = ast.get_docstring(cls) or ""
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    twin = f"The asyncio twin of :class:`pyvirt.{cls.name}`: the same methods, awaitable."
    docstring = "\n    ".join(f"{doc}\n\n{twin}".splitlines())
    body.insert(0, ast.Expr(ast.Constant(docstring)))
    out = ast.ClassDef(name=name, bases=bases, keywords=[], body=body, decorator_list=[])
    return ast.unparse(ast.fix_missing_locations(out))


#: Method families of the synchronous classes kept in modules of their own (mixins): their
#: methods join the class's, and the module's private helpers are imported by the twin.
MIXINS = {
    "DomainMetadataMethods": "_domain_extras.py",
    "DomainVcpuMethods": "_domain_vcpus.py",
    "DomainStatsMethods": "_domain_stats.py",
    "ConnectionStatsMethods": "_connection_stats.py",
    "ConnectionHostCpuMethods": "_connection_host.py",
    "DomainCheckpointMethods": "_objects_checkpoint.py",
    "DomainDeviceMethods": "_domain_devices.py",
    "ConnectionSaveImageMethods": "_domain_devices.py",
    "DomainTuneMethods": "_domain_tune.py",
    "DomainGuestMethods": "_domain_guest.py",
    "DomainJobMethods": "_domain_jobs.py",
    "DomainMemoryMethods": "_domain_memory.py",
    "DomainQemuMethods": "_domain_qemu.py",
    "ConnectionQemuMethods": "_domain_qemu.py",
    "StorageVolExtraMethods": "_storage_net_extras.py",
    "NetworkExtraMethods": "_storage_net_extras.py",
}


def _top_level_names(node: ast.stmt) -> list[str]:
    """The names a module-level statement defines (functions and assigned constants)."""
    if isinstance(node, ast.FunctionDef):
        return [node.name]
    if isinstance(node, ast.Assign):
        return [n.id for t in node.targets for n in ast.walk(t) if isinstance(n, ast.Name)]
    return []


def _with_mixins(cls: ast.ClassDef) -> tuple[ast.ClassDef, list[str]]:
    """*cls* with the methods of its mixin bases (see MIXINS) folded in, and the import
    lines the folded methods' module-level helpers need."""
    imports: list[str] = []
    body = list(cls.body)
    for base in cls.bases:
        if not isinstance(base, ast.Name) or base.id not in MIXINS:
            continue
        module = MIXINS[base.id]
        tree = ast.parse((CORE / module).read_text(encoding="utf-8"))
        helpers = sorted(
            name
            for node in tree.body
            for name in _top_level_names(node)
            if name.startswith("_") and not name.startswith("__")
        )
        if helpers:
            imports.append(f"from pyvirt.{module[:-3]} import {', '.join(helpers)}")
        mixin = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == base.id)
        body += [f for f in mixin.body if isinstance(f, ast.FunctionDef)]
    merged = ast.ClassDef(
        name=cls.name, bases=[], keywords=[], body=body, decorator_list=cls.decorator_list
    )
    return ast.copy_location(merged, cls), imports


def _classes(path: Path) -> dict[str, ast.ClassDef]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}


def gen_aio_objects() -> str:
    objects = _classes(CORE / "_objects.py")
    connection = _classes(CORE / "_connection.py")["Connection"]
    parts = [
        '"""GENERATED by ``python -m pyvirt._tools.gen_api`` from pyvirt._objects and',
        "pyvirt._connection (see pyvirt._tools.gen_aio): do not edit.",
        "",
        "The asyncio public API: the synchronous classes' methods, awaitable.",
        '"""',
        "",
        "# ruff: noqa: E501",
        "from __future__ import annotations",
        "",
        "import enum",
        "",
        "from pyvirt._aio_connection import AsyncConnectionBase",
        "from pyvirt._checks import (",
        "    check_c_long_long, check_flags, check_int, check_minus_one_or_more, check_non_negative,",
        "    check_nonzero, check_positive, check_string, check_uint, invalid_arg, required_string,",
        ")",
        "from pyvirt._codes import ErrorDomain",
        "from pyvirt._connection import canonical_uuid",
        "from pyvirt._core_enums import DomainState",
        "from pyvirt._objects import (",
        "    _INT_MAX, _MAX_MEMORY_KIB, _TYPED_PARAM_STRING_OKAY, _check_offsets,",
        ")",
        "from pyvirt._records import DomainRef, DomainSnapshotRef",
        "from pyvirt._typed_params import typed_params_dict",
        "",
        "TYPE_CHECKING = False",
        "if TYPE_CHECKING:",
        "    from pyvirt._records import (",
        "        DomainInfo, DomainRecord, NetworkRecord, NodeInfo, SecurityLabel, SecurityModel,",
        "        StoragePoolInfo, StoragePoolRecord, StoragePoolRef, StorageVolInfo, NetworkRef,",
        "        StorageVolRef, TypedParameter, SecretRef, NWFilterRef, NWFilterBindingRef,",
        "        DomainInterface, NetworkDHCPLease, NetworkPortRef,",
        "    )",
        "    from collections.abc import Sequence",
        "",
        "    from pyvirt._aio_stream import AsyncStream",
        "    from pyvirt._records import DomainCheckpointRef, DomainStatsRecord",
        "    from pyvirt._records import DomainFSInfo",
        "    from pyvirt._records import InterfaceRecord, InterfaceRef, NodeDeviceRecord",
        "    from pyvirt._typed_params import TypedValue",
        "",
        "",
    ]
    merged_connection, imports = _with_mixins(connection)
    header = parts.index("from pyvirt._typed_params import typed_params_dict")
    parts[header + 1 : header + 1] = imports
    parts.append(
        _convert(merged_connection, skip=_CONNECTION_PLUMBING, base="AsyncConnectionBase")
    )
    for name in ("Domain", "DomainSnapshot", "Network", "StoragePool", "StorageVol"):
        merged, imports = _with_mixins(objects[name])
        header = parts.index("from pyvirt._typed_params import typed_params_dict")
        parts[header + 1 : header + 1] = imports
        parts += ["", "", _convert(merged)]
    secrets = _classes(CORE / "_objects_secrets.py")
    for name in ("Secret", "NWFilter", "NWFilterBinding"):
        parts += ["", "", _convert(secrets[name])]
    checkpoints = _classes(CORE / "_objects_checkpoint.py")
    parts += ["", "", _convert(checkpoints["DomainCheckpoint"])]
    host = _classes(CORE / "_objects_host.py")  # host interfaces and node devices
    for name in ("Interface", "NodeDevice"):
        parts += ["", "", _convert(host[name])]
    ports = _classes(CORE / "_objects_ports.py")  # network ports
    parts += ["", "", _convert(ports["NetworkPort"])]
    return "\n".join(parts) + "\n"
