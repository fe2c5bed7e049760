"""How many bytes one input may be, inflated: limits stated before anything is allocated.

A real Go profile inflates 2-10x (the samples and public profiles: at most 3x), so a gzip
input may inflate to 64x its compressed size, never less than 256 MiB nor more than 4 GiB: a
gzip bomb stops there instead of filling memory. A file that is not gzip may be 4 GiB.
HEAPDIFF_MAX_INFLATED=SIZE (bytes, or with K, M, G) sets both limits for every command and
the TUI, wherever the input is read.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass

from ..common.errors import InputError

ENVIRONMENT = "HEAPDIFF_MAX_INFLATED"
RATIO = 64
FLOOR = 256 << 20
CEILING = 4 << 30
# The gzip trailer's ISIZE sizes the output buffer only up to this ratio: beyond it the
# buffer grows as the data really comes, so a forged trailer costs nothing.
TRUSTED_RATIO = 16
UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
SIZE = re.compile(r"\s*(\d{1,15})\s*([KMGT]?)(?:I?B)?\s*", re.IGNORECASE)


@dataclass(frozen=True)
class InflateLimit:
    bytes: int  # the most a gzip input may inflate to
    initial: int  # the most the output buffer is sized to before the data comes
    configured: bool  # set by the environment, not the default
    message: str = ""  # what passing it says, when not the environment's limit (capture's cap)

    @property
    def exceeded(self) -> str:
        return self.message or f"inflates past {self.bytes} bytes ({self.option})"

    def too_large(self, size: int) -> str:
        return f"too large ({size} bytes; the limit is {self.bytes}: {self.option})"

    @property
    def option(self) -> str:
        return f"{'raise' if self.configured else 'set'} {ENVIRONMENT}=SIZE to allow more"


def input_limit() -> InflateLimit:
    """The limit for a file as it is on disk (checked before it is read)."""
    setting = os.environ.get(ENVIRONMENT)
    limit = parse_size(setting) if setting else CEILING
    return InflateLimit(limit, limit, bool(setting))


def cap(limit: int, compressed: int, message: str) -> InflateLimit:
    """A limit of the caller's (capture's --max-bytes), the trailer trusted as for any input."""
    return InflateLimit(limit, min(limit, TRUSTED_RATIO * compressed), False, message)


def inflate_limit(compressed: int) -> InflateLimit:
    """The limit for a gzip input of `compressed` bytes."""
    setting = os.environ.get(ENVIRONMENT)
    if setting:
        limit = parse_size(setting)
    else:
        limit = min(CEILING, max(FLOOR, RATIO * compressed))
    return InflateLimit(limit, min(limit, TRUSTED_RATIO * compressed), bool(setting))


def parse_size(text: str) -> int:
    """A size like 512M, 2G or 1048576; anything else is an error naming the variable."""
    match = SIZE.fullmatch(text)
    if not match:
        raise InputError(ENVIRONMENT, f"not a size: {text!r} (bytes, or a number with K, M or G)")
    return int(match.group(1)) * UNITS[match.group(2).upper()]
