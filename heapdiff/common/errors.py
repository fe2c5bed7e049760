"""The one error type users see. Every decoder and loader raises it; the CLI turns it into
`heapdiff: SOURCE: what is wrong` and exit status 2."""
from __future__ import annotations


class InputError(Exception):
    """Bad input: a file or URL that cannot be read or is not what it should be."""

    def __init__(self, source: str, message: str):
        super().__init__(f"{source}: {message}")
        self.source = source
        self.message = message

    def __str__(self) -> str:
        return f"{self.source}: {self.message}"
