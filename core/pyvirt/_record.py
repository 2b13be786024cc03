"""Frozen, slotted record classes that behave as dataclasses, without dataclasses at import.

Why: ``import dataclasses`` pulls in :mod:`inspect` (and with it ast, dis, tokenize...), and
``@dataclass`` generates and compiles half a dozen methods per class as the class is created:
together about 12 ms of a ``pyvirsh list`` run here, more than Python's own start-up.  The
classes decorated here (pyvirt's records, :class:`pyvirt.URI`, the procedure table's rows)
need none of that generality: each is frozen, slotted, has no base class, and its defaults are
immutable values.

:func:`record` turns such a class into what ``@dataclass(frozen=True, slots=True)`` makes of
it, behaving the same way: ``__init__`` with the same signature, ``__repr__``, ``__eq__`` and
``__hash__`` over the fields in order, ``__match_args__``, ``__slots__``, immutability (raising
:class:`dataclasses.FrozenInstanceError`), pickling and copying.  The work is moved to first
use instead: ``__init__`` is compiled when the class is first instantiated (or inspected), and
``__dataclass_fields__`` and ``__dataclass_params__`` are made by :mod:`dataclasses` itself,
from a twin dataclass, the first time anything asks for them, so ``dataclasses.fields``,
``replace``, ``asdict``, ``astuple`` and ``is_dataclass`` work unchanged.

``tests/test_record.py`` holds every such class against a real dataclass of the same fields.
"""

from __future__ import annotations

import reprlib
from operator import attrgetter

# Not typing.TYPE_CHECKING: importing typing costs more than pyvirsh's own start-up.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, TypeVar, dataclass_transform

    _C = TypeVar("_C", bound=type)
else:

    def dataclass_transform(**kwargs):
        """Run time stand-in for typing.dataclass_transform (type checkers read the real one)."""
        return lambda decorated: decorated


#: Names of the attributes :mod:`dataclasses` reads, made on first access.
_DATACLASS_ATTRIBUTES = ("__dataclass_fields__", "__dataclass_params__")


class InitOnFirstUse:
    """A record's (or model's) ``__init__`` until it is first looked up (to make an instance,
    or by :mod:`inspect`): then it is compiled and put in this placeholder's place."""

    def __init__(self, owner: type, compile_init: Callable[[type], Any] | None = None) -> None:
        self.owner = owner
        self.compile_init = compile_init or _compile_init

    def __get__(self, instance: object, cls: type | None = None) -> Any:
        init = self.compile_init(self.owner)
        type.__setattr__(self.owner, "__init__", init)
        return init if instance is None else init.__get__(instance, self.owner)


class _DataclassAttribute:
    """``__dataclass_fields__`` or ``__dataclass_params__`` until first looked up; then both are
    made (see :func:`_dataclass_attributes`) and stored on the class in place of the two."""

    def __init__(self, owner: type, name: str) -> None:
        self.owner = owner
        self.name = name

    def __get__(self, instance: object, cls: type | None = None) -> Any:
        made = _dataclass_attributes(self.owner)
        for name, value in zip(_DATACLASS_ATTRIBUTES, made, strict=True):
            type.__setattr__(self.owner, name, value)
        return made[_DATACLASS_ATTRIBUTES.index(self.name)]


def _compile_init(cls: type) -> Callable[..., None]:
    """The ``__init__`` that @dataclass would write: each argument stored in its field,
    bypassing the frozen ``__setattr__`` (through the slot itself when there are slots,
    which is the fastest way: a listing makes thousands of records)."""
    names: tuple[str, ...] = cls.__match_args__  # type: ignore[attr-defined]
    defaults: dict[str, object] = cls.__record_defaults__  # type: ignore[attr-defined]
    params = ", ".join(f"{n}=__default_{n}" if n in defaults else n for n in names)
    namespace: dict[str, Any] = {f"__default_{n}": v for n, v in defaults.items()}
    if "__slots__" in cls.__dict__:
        namespace |= {f"__set_{i}": cls.__dict__[n].__set__ for i, n in enumerate(names)}
        stores = [f"__set_{i}(__record, {n})" for i, n in enumerate(names)]
    else:
        namespace["__store"] = object.__setattr__
        stores = [f"__store(__record, {n!r}, {n})" for n in names]
    # (the instance is not called "self", which a field may be called)
    body = "".join(f"    {store}\n" for store in stores) or "    pass\n"
    exec(f"def __init__(__record, {params}) -> None:\n{body}", namespace)
    init: Callable[..., None] = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    init.__annotations__ = {n: cls.__annotations__[n] for n in names} | {"return": None}
    return init


def _dataclass_attributes(cls: type) -> tuple[object, object]:
    """``__dataclass_fields__`` and ``__dataclass_params__``, from a real dataclass twin."""
    import dataclasses

    defaults: dict[str, object] = cls.__record_defaults__  # type: ignore[attr-defined]
    spec = [
        (n, cls.__annotations__[n], dataclasses.field(default=defaults[n]))
        if n in defaults
        else (n, cls.__annotations__[n])
        for n in cls.__match_args__  # type: ignore[attr-defined]
    ]
    slots = "__slots__" in cls.__dict__
    twin = dataclasses.make_dataclass(cls.__name__, spec, frozen=True, slots=slots)
    return twin.__dataclass_fields__, twin.__dataclass_params__  # type: ignore[attr-defined]


def _frozen(action: str, name: str) -> Exception:
    from dataclasses import FrozenInstanceError

    return FrozenInstanceError(f"cannot {action} field {name!r}")


def value_methods(
    names: tuple[str, ...],
) -> tuple[Callable[[Any], tuple[object, ...]], Callable[[Any], str], Callable[[Any, object], bool]]:
    """The field values as a tuple (what eq and hash compare and hash), and the ``__repr__``
    and ``__eq__`` over them that @dataclass writes for fields *names*."""
    values: Callable[[Any], tuple[object, ...]]
    if len(names) > 1:
        values = attrgetter(*names)
    else:
        values = lambda self: tuple(getattr(self, n) for n in names)  # noqa: E731

    @reprlib.recursive_repr()
    def __repr__(self: Any) -> str:
        shown = ", ".join(f"{n}={getattr(self, n)!r}" for n in names)
        return f"{self.__class__.__qualname__}({shown})"

    def __eq__(self: Any, other: object) -> bool:
        if other.__class__ is self.__class__:
            return bool(values(self) == values(other))
        return NotImplemented

    return values, __repr__, __eq__


@dataclass_transform(frozen_default=True)
def record(cls: _C) -> _C:
    """Make *cls* a frozen slotted record, as ``@dataclass(frozen=True, slots=True)`` would:
    fields declared as annotations, optionally with (immutable) defaults."""
    return _build(cls, slots=True)  # type: ignore[return-value]


@dataclass_transform(frozen_default=True)
def dict_record(cls: _C) -> _C:
    """Make *cls* a frozen record whose instances keep a ``__dict__``, as
    ``@dataclass(frozen=True)`` would (defaults stay class attributes, as there)."""
    return _build(cls, slots=False)  # type: ignore[return-value]


def _build(cls: type, *, slots: bool) -> type:
    """The record class made from *cls* (a new class: slots can only be given at creation)."""
    if cls.__bases__ != (object,):
        raise TypeError(f"{cls.__name__}: a record has no base class")
    namespace = dict(cls.__dict__)
    names = tuple(namespace.get("__annotations__", {}))
    defaults: dict[str, object] = {}
    for name in names:
        if name in namespace:
            defaults[name] = namespace.pop(name) if slots else namespace[name]
        elif defaults:
            raise TypeError(f"non-default argument {name!r} follows default argument")
    values, __repr__, __eq__ = value_methods(names)
    fields = frozenset(names)
    made: type[Any]  # the class made at the end, which the methods below refer to

    def __hash__(self: Any) -> int:
        return hash(values(self))

    def __setattr__(self: Any, name: str, value: object) -> None:
        if type(self) is made or name in fields:
            raise _frozen("assign to", name)
        super(made, self).__setattr__(name, value)

    def __delattr__(self: Any, name: str) -> None:
        if type(self) is made or name in fields:
            raise _frozen("delete", name)
        super(made, self).__delattr__(name)

    def __replace__(self: Any, **changes: object) -> Any:
        return self.__class__(**{n: getattr(self, n) for n in names} | changes)

    methods: dict[str, Callable[..., Any]] = {
        "__repr__": __repr__,
        "__eq__": __eq__,
        "__hash__": __hash__,
        "__setattr__": __setattr__,
        "__delattr__": __delattr__,
        "__replace__": __replace__,
    }
    if slots:
        # Pickling and copying restore the slots without going through __setattr__.
        def __getstate__(self: Any) -> list[object]:
            return [getattr(self, n) for n in names]

        def __setstate__(self: Any, state: list[object]) -> None:
            for name, value in zip(names, state, strict=False):
                object.__setattr__(self, name, value)

        methods |= {"__getstate__": __getstate__, "__setstate__": __setstate__}
    for method_name, method in methods.items():
        if method_name not in namespace:
            method.__qualname__ = f"{cls.__qualname__}.{method_name}"
            namespace[method_name] = method
    namespace["__match_args__"] = names
    namespace["__record_defaults__"] = defaults
    namespace["__qualname__"] = cls.__qualname__
    for name in ("__dict__", "__weakref__"):  # the old class's: the new one makes its own
        namespace.pop(name, None)
    if slots:
        namespace["__slots__"] = names
    made = type(cls)(cls.__name__, cls.__bases__, namespace)
    if "__init__" not in namespace:
        type.__setattr__(made, "__init__", InitOnFirstUse(made))
    for attribute in _DATACLASS_ATTRIBUTES:
        type.__setattr__(made, attribute, _DataclassAttribute(made, attribute))
    return made
