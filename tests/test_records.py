"""common/records.Record builds what typing.NamedTuple builds: a namedtuple of the annotated
fields, with their defaults, the class's methods, properties and docstring."""
from __future__ import annotations

from typing import NamedTuple

import pytest

from heapdiff.common.records import Record


class Point(Record):
    """A point."""

    x: int
    y: int = 0
    label: str = "origin"

    @property
    def norm1(self) -> int:
        return abs(self.x) + abs(self.y)

    def moved(self, dx: int) -> Point:
        return self._replace(x=self.x + dx)


class TypedPoint(NamedTuple):
    x: int
    y: int = 0
    label: str = "origin"


def test_fields_and_defaults_are_those_of_typing_namedtuple():
    assert Point._fields == TypedPoint._fields == ("x", "y", "label")
    assert Point._field_defaults == TypedPoint._field_defaults == {"y": 0, "label": "origin"}
    assert Point(3) == TypedPoint(3) == (3, 0, "origin")


def test_a_record_is_a_tuple_hashed_and_compared_as_one():
    assert hash(Point(1, 2, "a")) == hash((1, 2, "a"))
    assert {Point(1, 2): "seen"}[Point(1, 2)] == "seen"
    assert Point(1, 2) < Point(1, 3)


def test_methods_properties_and_docstring_are_kept():
    p = Point(-2, 3)
    assert p.norm1 == 5
    assert p.moved(4) == Point(2, 3)
    assert Point.__doc__ == "A point."
    assert Point.__module__ == __name__


def test_a_record_is_immutable():
    with pytest.raises(AttributeError):
        Point(1).x = 2  # type: ignore[misc]
