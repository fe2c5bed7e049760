"""NamedTuple records that do not import typing when the program runs.

typing's import is 14.5M of the 193.6M instructions `top` spends on a 4,000-sample profile,
and the small route's records are its only use there. The type checker sees
typing.NamedTuple; the program gets the same collections.namedtuple, built from the class's
annotations (kept as strings: never evaluated) and defaults, with its methods and properties.
"""
from __future__ import annotations

from collections import namedtuple

TYPE_CHECKING = False  # typing.TYPE_CHECKING without typing's import; the checker reads it
if TYPE_CHECKING:
    from typing import NamedTuple as Record
else:
    class _RecordMeta(type):
        """What typing's NamedTupleMeta does for a subclass: a namedtuple of its fields."""

        def __new__(mcls, name, bases, namespace):
            if not bases:  # Record itself
                return super().__new__(mcls, name, bases, namespace)
            fields = tuple(namespace.get("__annotations__", {}))
            defaults = [namespace[f] for f in fields if f in namespace]
            record = namedtuple(name, fields, defaults=defaults, module=namespace["__module__"])
            for key, value in namespace.items():
                if key not in fields and key not in ("__module__", "__annotations__"):
                    setattr(record, key, value)
            return record

    class Record(metaclass=_RecordMeta):
        """Subclass it as typing.NamedTuple: `class Row(Record): name: str; flat: int`."""
