"""Mutable model classes that behave as ``@dataclass`` ones, without dataclasses at import.

Why: the parsed configuration (``pyvirt.conf``: a domain, its devices, a network, a pool) and
a driver's object state are mutable dataclasses, and every ``pyvirsh -c test:///default``
run builds the test driver's default state from them.  ``import dataclasses`` pulls in
:mod:`inspect` (and with it ast, dis, tokenize...) and ``@dataclass`` compiles several methods
per class as the class is created: about a fifth of such a run, measured in instructions.
:mod:`pyvirt._record` does the same for the frozen records; this module is its mutable twin.

:func:`model` makes of a class what ``@dataclass`` (or ``@dataclass(slots=True)``) makes of it,
for the subset these classes use: fields declared as annotations, with a plain default or a
:func:`field` (``default``, ``default_factory``, ``kw_only``); ``ClassVar`` annotations are not
fields; a model may derive from another model, whose fields come first.  It gets the same
``__init__`` (compiled on first instantiation, not at import), ``__repr__``, ``__eq__`` (and
so no ``__hash__``) and ``__match_args__``.  Copying and pickling work as for any class.
``tests/test_model.py`` holds each behaviour against a real dataclass.
"""

from __future__ import annotations

from pyvirt._record import InitOnFirstUse, value_methods

# Not typing.TYPE_CHECKING: importing typing costs a pyvirsh run several milliseconds.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, TypeVar, dataclass_transform

    _C = TypeVar("_C", bound=type)
    _T = TypeVar("_T")
else:
    from pyvirt._record import dataclass_transform


class _Missing:
    """No default given (dataclasses' MISSING)."""

    def __repr__(self) -> str:
        return "<missing>"


MISSING: Any = _Missing()


class Field:
    """What :func:`field` returns, and what a model keeps per field (``__model_fields__``)."""

    __slots__ = ("default", "default_factory", "kw_only", "name")

    def __init__(self, default: Any, default_factory: Any, kw_only: bool) -> None:
        if default is not MISSING and default_factory is not MISSING:
            raise ValueError("cannot specify both default and default_factory")
        self.name = ""
        self.default = default
        self.default_factory = default_factory
        self.kw_only = kw_only

    @property
    def has_default(self) -> bool:
        return self.default is not MISSING or self.default_factory is not MISSING

    def __repr__(self) -> str:
        return (
            f"Field(name={self.name!r}, default={self.default!r}, "
            f"default_factory={self.default_factory!r}, kw_only={self.kw_only})"
        )


def field(
    *,
    default: Any = MISSING,
    default_factory: Callable[[], Any] | Any = MISSING,
    kw_only: bool = False,
) -> Any:
    """A field's default, or the callable that makes a fresh one per instance, and whether it
    is keyword-only: :func:`dataclasses.field`'s parameters that models use."""
    return Field(default, default_factory, kw_only)


def _compile_init(cls: type) -> Callable[..., None]:
    """The ``__init__`` that @dataclass writes: positional fields in order, then the
    keyword-only ones; a factory is called per instance when its argument is not given."""
    fields: dict[str, Field] = cls.__model_fields__  # type: ignore[attr-defined]
    namespace: dict[str, Any] = {"__missing": MISSING}
    positional: list[str] = []
    keyword: list[str] = []
    body: list[str] = []
    for name, spec in fields.items():
        if spec.default_factory is not MISSING:
            namespace[f"__factory_{name}"] = spec.default_factory
            param = f"{name}=__missing"
            body.append(
                f"    __model.{name} = __factory_{name}() if {name} is __missing else {name}"
            )
        else:
            if spec.default is not MISSING:
                namespace[f"__default_{name}"] = spec.default
                param = f"{name}=__default_{name}"
            else:
                param = name
            body.append(f"    __model.{name} = {name}")
        (keyword if spec.kw_only else positional).append(param)
    params = ", ".join(positional + (["*", *keyword] if keyword else []))
    if hasattr(cls, "__post_init__"):
        body.append("    __model.__post_init__()")
    # (the instance is not called "self", which a field may be called)
    source = f"def __init__(__model, {params}) -> None:\n" + ("\n".join(body) or "    pass") + "\n"
    exec(source, namespace)
    init: Callable[..., None] = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    return init


def _own_fields(cls: type) -> list[Field]:
    """The fields *cls* itself declares, in order (ClassVar annotations are not fields)."""
    found: list[Field] = []
    for name, annotation in cls.__dict__.get("__annotations__", {}).items():
        text = annotation if isinstance(annotation, str) else repr(annotation)
        if text.startswith(("ClassVar", "typing.ClassVar")):
            continue
        value = cls.__dict__.get(name, MISSING)
        spec = value if isinstance(value, Field) else Field(value, MISSING, False)
        spec.name = name
        found.append(spec)
    return found


@dataclass_transform(field_specifiers=(field,))
def model(cls: _C | None = None, /, *, slots: bool = False) -> Any:
    """Make *cls* a mutable model, as ``@dataclass`` (``slots=True``: ``@dataclass(slots=True)``)."""
    if cls is None:
        return lambda decorated: _build(decorated, slots)
    return _build(cls, slots)


def _build(cls: type, slots: bool) -> type:
    fields: dict[str, Field] = {}
    for base in reversed(cls.__mro__[1:]):
        fields.update(getattr(base, "__model_fields__", {}))
    own = _own_fields(cls)
    for spec in own:
        if isinstance(spec.default, list | dict | set):
            raise ValueError(
                f"mutable default {type(spec.default)} for field {spec.name} "
                "is not allowed: use default_factory"
            )
        fields[spec.name] = spec
    seen_default = False
    for spec in fields.values():
        if spec.kw_only:
            continue
        if spec.has_default:
            seen_default = True
        elif seen_default:
            raise TypeError(f"non-default argument {spec.name!r} follows default argument")
    names = tuple(fields)

    _, __repr__, __eq__ = value_methods(names)

    attributes: dict[str, Any] = {}
    for spec in own:
        # As dataclasses: a plain default stays a class attribute, a factory leaves none.
        if spec.default is MISSING or slots:
            if spec.name in cls.__dict__:
                attributes[spec.name] = MISSING
        else:
            attributes[spec.name] = spec.default
    for name, method in (("__repr__", __repr__), ("__eq__", __eq__)):
        if name not in cls.__dict__:
            attributes[name] = method
    own_hash = cls.__dict__.get("__hash__", MISSING)
    if own_hash is MISSING or (own_hash is None and "__eq__" in cls.__dict__):
        attributes["__hash__"] = None  # mutable and compared by value: unhashable, as there
    attributes["__model_fields__"] = fields
    attributes["__match_args__"] = tuple(n for n, s in fields.items() if not s.kw_only)
    if slots:
        # Slots can only be given when a class is made: make it anew, as dataclasses does.
        namespace = {k: v for k, v in cls.__dict__.items() if k not in ("__dict__", "__weakref__")}
        namespace |= attributes
        namespace = {k: v for k, v in namespace.items() if v is not MISSING}
        namespace["__slots__"] = tuple(spec.name for spec in own)
        made = type(cls)(cls.__name__, cls.__bases__, namespace)
        made.__qualname__ = cls.__qualname__
    else:
        made = cls
        for name, value in attributes.items():
            if value is MISSING:
                delattr(made, name)
            else:
                setattr(made, name, value)
    type.__setattr__(made, "__init__", InitOnFirstUse(made, _compile_init))
    return made


def model_fields(cls_or_instance: Any) -> tuple[Field, ...]:
    """The fields of a model (class or instance), in ``__init__`` order of declaration."""
    return tuple(cls_or_instance.__model_fields__.values())


_ATOMIC = frozenset({str, int, float, bool, bytes, type(None)})


def deep_copy(obj: _T) -> _T:
    """``copy.deepcopy`` for a tree of models (a parsed domain with its devices), several
    times faster: models, lists, dicts and tuples are copied here, atomic values shared, and
    anything else (lxml elements, enums, sets) left to :func:`copy.deepcopy`.  Like it, an
    object met twice is copied once, so the copy shares what the original shared.

    Why: the QEMU driver copies a definition at every define (the trial command line) and
    every start (the live definition); ``copy.deepcopy``'s generic dispatch made that a
    third of a define."""
    return _deep(obj, {})  # type: ignore[no-any-return]


def _deep(obj: Any, memo: dict[int, Any]) -> Any:
    kind = type(obj)
    if kind in _ATOMIC:
        return obj
    found = memo.get(id(obj))
    if found is not None:
        return found
    if kind is list:
        new_list: list[Any] = []
        memo[id(obj)] = new_list
        new_list.extend([_deep(item, memo) for item in obj])
        return new_list
    if kind is dict:
        new_dict: dict[Any, Any] = {}
        memo[id(obj)] = new_dict
        for key, value in obj.items():
            new_dict[_deep(key, memo)] = _deep(value, memo)
        return new_dict
    if kind is tuple:
        new_tuple = tuple([_deep(item, memo) for item in obj])
        memo[id(obj)] = new_tuple
        return new_tuple
    if hasattr(kind, "__model_fields__"):
        new = object.__new__(kind)
        memo[id(obj)] = new
        state = getattr(obj, "__dict__", None)
        if state is not None:  # every attribute, fields or not
            for name, value in state.items():
                object.__setattr__(new, name, _deep(value, memo))
        for name in kind.__model_fields__:  # the fields kept in slots
            if (state is None or name not in state) and hasattr(obj, name):
                object.__setattr__(new, name, _deep(getattr(obj, name), memo))
        return new
    import copy

    return copy.deepcopy(obj, memo)
