"""Records made by pyvirt._record behave as the dataclasses they replace.

Each record class is held against a real ``@dataclass(frozen=True, slots=...)`` declared with
the same fields and defaults: signature, repr, equality, hashing, immutability, pickling,
copying and the functions of :mod:`dataclasses` must give the same answers.
"""

from __future__ import annotations

import copy
import dataclasses
import inspect
import pickle
import subprocess
import sys

import pytest
from pyvirt import _procedures, _records, _uri
from pyvirt._record import dict_record, record
from pyvirt.rpc import _signatures, _target


def record_classes() -> list[type]:
    modules = (_records, _uri, _procedures, _signatures, _target)
    return [
        value
        for module in modules
        for value in vars(module).values()
        if isinstance(value, type) and "__record_defaults__" in vars(value)
    ]


def twin(cls: type) -> type:
    """A real dataclass with *cls*'s name, fields and defaults."""
    slots = "__slots__" in vars(cls)
    namespace = {
        "__annotations__": dict(cls.__annotations__),
        "__qualname__": cls.__qualname__,
        "__module__": cls.__module__,
        **cls.__record_defaults__,  # type: ignore[attr-defined]
    }
    made = type(cls.__name__, (), namespace)
    return dataclasses.dataclass(frozen=True, slots=slots)(made)


def sample(cls: type, offset: int = 0) -> list[object]:
    return [f"value{i + offset}" for i in range(len(cls.__match_args__))]  # type: ignore[attr-defined]


@pytest.mark.parametrize("cls", record_classes(), ids=lambda c: c.__name__)
def test_a_record_behaves_as_its_dataclass_twin(cls: type) -> None:
    real = twin(cls)
    assert str(inspect.signature(cls)) == str(inspect.signature(real))
    values = sample(cls)
    ours, theirs = cls(*values), real(*values)
    assert repr(ours) == repr(theirs)
    assert cls(*values) == ours and hash(cls(*values)) == hash(ours) == hash(theirs)
    assert cls(*sample(cls, 1)) != ours
    assert ours != theirs  # another class is never equal, as between two dataclasses
    assert cls.__match_args__ == real.__match_args__  # type: ignore[attr-defined]
    assert hasattr(ours, "__dict__") == hasattr(theirs, "__dict__")
    assert getattr(cls, "__slots__", None) == getattr(real, "__slots__", None)
    for name in cls.__match_args__:  # type: ignore[attr-defined]
        for action in (setattr, delattr):
            messages = []
            for obj in (ours, theirs):
                with pytest.raises(dataclasses.FrozenInstanceError) as raised:
                    action(obj, name, 1) if action is setattr else action(obj, name)
                messages.append(str(raised.value))
            assert messages[0] == messages[1]
    with pytest.raises(dataclasses.FrozenInstanceError):
        ours.not_a_field = 1  # type: ignore[attr-defined]
    # what dataclasses' functions see
    assert dataclasses.is_dataclass(cls) and dataclasses.is_dataclass(ours)
    assert [(f.name, f.type, f.default) for f in dataclasses.fields(ours)] == [
        (f.name, f.type, f.default) for f in dataclasses.fields(theirs)
    ]
    assert dataclasses.asdict(ours) == dataclasses.asdict(theirs)
    assert dataclasses.astuple(ours) == dataclasses.astuple(theirs)
    first = cls.__match_args__[0]  # type: ignore[attr-defined]
    changed = dataclasses.replace(ours, **{first: "changed"})
    assert type(changed) is cls and getattr(changed, first) == "changed"
    # pickling and copying
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        assert pickle.loads(pickle.dumps(ours, protocol)) == ours
    assert copy.copy(ours) == ours and copy.deepcopy(ours) == ours


def test_defaults_keyword_arguments_and_errors_are_the_dataclass_ones() -> None:
    @record
    class Point:
        """A point."""

        x: int
        y: int = 0

    @dataclasses.dataclass(frozen=True, slots=True)
    class Twin:
        x: int
        y: int = 0

    assert Point(1) == Point(x=1, y=0) and repr(Point(y=2, x=1)).endswith(".Point(x=1, y=2)")
    for bad in ((), (1, 2, 3)):
        with pytest.raises(TypeError) as ours:
            Point(*bad)
        with pytest.raises(TypeError) as theirs:
            Twin(*bad)
        assert str(ours.value).replace("Point.", "") == str(theirs.value).replace("Twin.", "")
    with pytest.raises(TypeError, match="unexpected keyword argument 'z'"):
        Point(1, z=3)  # type: ignore[call-arg]
    with pytest.raises(dataclasses.FrozenInstanceError, match="cannot assign to field 'x'"):
        Point(1).x = 2  # type: ignore[misc]
    assert Point.__doc__ == "A point."


def test_one_field_a_recursive_value_and_an_instance_dict() -> None:
    @record
    class Box:
        """A box."""

        content: object

    @dict_record
    class Label:
        """A label."""

        text: str = ""

    inner: list[object] = []
    box = Box(inner)
    inner.append(box)
    assert repr(box).endswith(".Box(content=[...])")
    assert hash(Box(1)) == hash((1,)) and Box(1) == Box(1) != Box(2)
    assert Label().text == "" and Label.text == "" and vars(Label("x")) == {"text": "x"}


def test_a_record_with_a_base_class_or_a_misplaced_default_is_refused() -> None:
    class Base:
        pass

    with pytest.raises(TypeError, match="no base class"):

        @record
        class Derived(Base):
            x: int

    with pytest.raises(TypeError, match="non-default argument 'y' follows default argument"):

        @record
        class Misordered:
            x: int = 0
            y: int


def test_importing_the_records_imports_no_dataclasses() -> None:
    """The point of pyvirt._record: the records cost no dataclasses (nor inspect) to import,
    and neither does making and comparing them; dataclasses come only when asked for."""
    code = (
        "import sys, pyvirt._records as r, pyvirt._uri as u\n"
        "d = r.DomainRecord('a', 'u', 1, 1, 0, True, False)\n"
        "assert d == r.DomainRecord('a', 'u', 1, 1, 0, True, False) and repr(d) and hash(d)\n"
        "u.parse_uri('test+unix:///default?socket=/x')\n"
        "print(sorted({'dataclasses', 'inspect'} & set(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
