"""Why a capture read gave nothing: its own module, so that reading /proc and cgroup files
(proc.py, imported by every command through the endpoint table) does not import the HTTP
client."""
from __future__ import annotations


class FetchError(Exception):
    """Why a fetch gave no body, in one line; status is the HTTP status when there was one,
    body the start of an error response's body when the caller asked for it."""

    def __init__(self, message: str, status: int | None = None, body: bytes = b""):
        super().__init__(message)
        self.status = status
        self.body = body
