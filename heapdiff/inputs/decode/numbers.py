"""Numbers read from text and JSON inputs, checked where they are read.

A decoder hands every number it reads to one of these, so what it returns holds only finite
numbers of the right type and range: nothing downstream (the waterfall, GC health, findings,
the report, JSON output) ever meets a 5,000-digit integer, an infinity, a NaN, a list where a
count belongs or a negative size. Each refusal is the InputError `FILE: what is wrong`.
"""
from __future__ import annotations

import json
import math
from typing import Any

from ...common.errors import InputError

UINT64_MAX = (1 << 64) - 1
INT64_MIN, INT64_MAX = -(1 << 63), (1 << 63) - 1
# The longest decimal an int64 or uint64 needs: a longer digit string is refused before int()
# (which raises ValueError past 4,300 digits) spends time on it.
MAX_DIGITS = 20


def integer(value: Any, source: str, what: str, low: int = 0, high: int = UINT64_MAX) -> int:
    """An integer within [low, high]: a JSON int (not a bool) or a decimal string."""
    if isinstance(value, str):
        digits = value.lstrip("+-")
        if not digits.isascii() or not digits.isdigit() or len(digits) > MAX_DIGITS \
                or len(value) - len(digits) > 1:
            raise InputError(source, f"{what} is not an integer: {_quoted(value)}")
        value = int(value)
    elif isinstance(value, bool) or not isinstance(value, int):
        raise InputError(source, f"{what} is {_kind(value)}, not an integer")
    if not low <= value <= high:
        raise InputError(source, f"{what} is out of range ({_shown(value)}; "
                                 f"expected {low} to {high})")
    return value


def hex_address(text: str, source: str, what: str) -> int:
    """A hexadecimal address (without 0x) that fits 64 bits."""
    if len(text.lstrip("0")) > 16:
        raise InputError(source, f"{what} does not fit 64 bits: 0x{_quoted(text)[1:-1]}")
    return int(text, 16)


def real(value: Any, source: str, what: str, low: float = -math.inf) -> float:
    """A finite number no smaller than `low`: a JSON int or float (not a bool) or a decimal
    string."""
    given = value
    if isinstance(value, str):
        if len(value) > 64:
            raise InputError(source, f"{what} is not a number: {_quoted(value)}")
        try:
            value = float(value)
        except ValueError:
            raise InputError(source, f"{what} is not a number: {_quoted(value)}") from None
    elif isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(source, f"{what} is {_kind(value)}, not a number")
    if isinstance(value, int):
        value = integer(value, source, what, INT64_MIN, UINT64_MAX)
    number = float(value)
    if not math.isfinite(number):
        raise InputError(source, f"{what} is not a finite number ({_shown(given)})")
    if number < low:
        raise InputError(source, f"{what} is negative ({_shown(given)})")
    return value


def json_document(text: str, source: str) -> Any:
    """Parsed JSON whose numbers are all finite and of a length a 64-bit field can hold:
    Python's json would read NaN, Infinity and 1e400 (as inf) and fail with a ValueError on
    a 5,000-digit integer."""
    def whole(digits: str) -> int:
        if len(digits.lstrip("-")) > MAX_DIGITS:
            raise InputError(source, f"a JSON number with {len(digits)} digits")
        return int(digits)

    def fraction(digits: str) -> float:
        return real(digits, source, f"the JSON number {digits[:40]}")

    def constant(name: str) -> float:
        raise InputError(source, f"{name} in JSON: not a number JSON allows")
    try:
        return json.loads(text, parse_int=whole, parse_float=fraction, parse_constant=constant)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise InputError(source, f"not valid JSON: {exc}") from None


def _kind(value: Any) -> str:
    names = {bool: "a boolean", list: "a list", dict: "an object", str: "a string",
             type(None): "null", float: "a fraction"}
    return names.get(type(value), type(value).__name__)


def _shown(value: Any) -> str:
    if isinstance(value, int) and value.bit_length() > 70:
        return f"a {value.bit_length()}-bit number"
    text = repr(value)
    return text if len(text) <= 24 else f"a {len(text)}-digit number"


def _quoted(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:40] + "...")
