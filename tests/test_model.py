"""pyvirt._kit_model's mutable models behave as the dataclasses they replace.

Each model here has a real dataclass twin with the same fields; the tests compare what
callers see: the ``__init__`` signature, defaults and factories, equality, hashing, repr,
``__match_args__``, inheritance with keyword-only base fields, slots, copying and pickling.
"""

from __future__ import annotations

import copy
import dataclasses
import inspect
import pickle
from typing import ClassVar

import pytest
from pyvirt._kit_model import deep_copy, field, model, model_fields


@model
class Base:
    attrs: dict[str, str] = field(default_factory=dict)
    address: str | None = field(default=None, kw_only=True)
    extra: list[str] = field(default_factory=list, kw_only=True)
    tag: ClassVar[str] = ""


@model
class Disk(Base):
    device: str = "disk"
    source: dict[str, str] = field(default_factory=dict)
    tag: ClassVar[str] = "disk"


@model(slots=True)
class Slotted:
    name: str
    count: int = 0
    items: list[int] = field(default_factory=list)


@dataclasses.dataclass
class TwinBase:
    attrs: dict[str, str] = dataclasses.field(default_factory=dict)
    address: str | None = dataclasses.field(default=None, kw_only=True)
    extra: list[str] = dataclasses.field(default_factory=list, kw_only=True)
    tag: ClassVar[str] = ""


@dataclasses.dataclass
class TwinDisk(TwinBase):
    device: str = "disk"
    source: dict[str, str] = dataclasses.field(default_factory=dict)
    tag: ClassVar[str] = "disk"


@dataclasses.dataclass(slots=True)
class TwinSlotted:
    name: str
    count: int = 0
    items: list[int] = dataclasses.field(default_factory=list)


PAIRS = [(Disk, TwinDisk), (Base, TwinBase), (Slotted, TwinSlotted)]


def _params(cls: type) -> list[tuple[str, inspect._ParameterKind, bool]]:
    """Name, kind and whether it is required, of each parameter after the instance's."""
    parameters = list(inspect.signature(cls.__init__).parameters.values())[1:]
    return [(p.name, p.kind, p.default is inspect.Parameter.empty) for p in parameters]


@pytest.mark.parametrize(("made", "twin"), PAIRS)
def test_init_takes_the_same_parameters_as_the_dataclass(made: type, twin: type) -> None:
    assert _params(made) == _params(twin)
    assert made.__match_args__ == twin.__match_args__


def test_base_fields_come_first_and_keyword_only_ones_last() -> None:
    disk = Disk({"a": "b"}, "cdrom", {"file": "/x"}, address="pci")
    twin = TwinDisk({"a": "b"}, "cdrom", {"file": "/x"}, address="pci")
    assert repr(disk).removeprefix("Disk") == repr(twin).removeprefix("TwinDisk")
    with pytest.raises(TypeError):
        Disk({}, "disk", {}, "pci")  # address is keyword-only


def test_each_instance_gets_a_fresh_default_from_the_factory() -> None:
    one, two = Disk(), Disk()
    one.extra.append("x")
    assert two.extra == [] and one.extra == ["x"]
    assert Slotted("a").items is not Slotted("a").items


def test_equality_compares_fields_of_the_same_class_and_models_are_unhashable() -> None:
    assert Disk(device="cdrom") == Disk(device="cdrom")
    assert Disk(device="cdrom") != Disk(device="disk")
    assert Disk() != Base()
    with pytest.raises(TypeError):
        hash(Disk())
    assert Disk.__hash__ is None and TwinDisk.__hash__ is None


def test_classvars_and_defaults_are_class_attributes_as_in_dataclasses() -> None:
    assert Disk.tag == "disk" and Base.tag == ""
    assert Disk.device == TwinDisk.device == "disk"
    assert "source" not in Disk.__dict__ and not hasattr(TwinDisk, "source")
    assert [f.name for f in model_fields(Disk)] == [f.name for f in dataclasses.fields(TwinDisk)]


def test_slotted_models_have_no_instance_dict() -> None:
    item = Slotted("a", 2)
    assert not hasattr(item, "__dict__")
    assert Slotted.__slots__ == TwinSlotted.__slots__
    with pytest.raises(AttributeError):
        item.other = 1  # type: ignore[attr-defined]


@pytest.mark.parametrize("value", [Disk({"k": "v"}, address="pci"), Slotted("a", 2, [1])])
def test_copy_deepcopy_and_pickle_keep_every_field(value: object) -> None:
    for made in (copy.copy(value), copy.deepcopy(value), pickle.loads(pickle.dumps(value))):
        assert made == value and made is not value


def test_bad_declarations_are_refused_as_dataclasses_refuses_them() -> None:
    with pytest.raises(TypeError, match="non-default argument 'b' follows default argument"):

        @model
        class Wrong:
            a: int = 1
            b: int

    with pytest.raises(ValueError, match="mutable default"):

        @model
        class Shared:
            a: list[int] = []  # noqa: RUF012

    with pytest.raises(ValueError, match="both default and default_factory"):
        field(default=1, default_factory=list)


def test_post_init_runs_after_the_fields_are_set() -> None:
    @model
    class Checked:
        size: int

        def __post_init__(self) -> None:
            if self.size < 0:
                raise ValueError("negative")

    assert Checked(1).size == 1
    with pytest.raises(ValueError, match="negative"):
        Checked(-1)


def test_deep_copy_is_deepcopy_for_model_trees() -> None:
    """deep_copy (the fast copy of parsed definitions) against copy.deepcopy: equal values,
    nothing mutable shared with the original, what the original shared shared in the copy,
    slotted models, extra instance attributes and non-model values (sets, lxml) copied too."""
    from lxml import etree

    shared = ["x"]
    disk = Disk({"k": "v"}, address="pci", extra=shared)
    disk.note = {"set": {1, 2}}  # type: ignore[attr-defined] - not a field: copied as well
    tree = {"disks": [disk, disk], "slot": Slotted("a", 2, [1]), "also": shared,
            "pair": (Slotted("b"), [3]), "xml": etree.fromstring("<a><b/></a>")}  # fmt: skip
    made = deep_copy(tree)
    expected = copy.deepcopy(tree)
    assert made["disks"] == expected["disks"] and made["slot"] == expected["slot"]
    assert made["pair"] == expected["pair"]
    assert made["disks"][0].note == {"set": {1, 2}}
    assert etree.tostring(made["xml"]) == b"<a><b/></a>" and made["xml"] is not tree["xml"]
    # nothing mutable is the original's
    assert made["disks"][0] is not disk and made["disks"][0].extra is not shared
    assert made["slot"].items is not tree["slot"].items
    assert made["disks"][0].note["set"] is not disk.note["set"]  # type: ignore[attr-defined]
    # what was one object is one object in the copy
    assert made["disks"][0] is made["disks"][1]
    assert made["disks"][0].extra is made["also"]
