"""Why a capture read gave nothing: its own module, so that reading /proc and cgroup files
(proc.py, imported by every command through the endpoint table) does not import the HTTP
client."""
from __future__ import annotations


class FetchError(Exception):
    """Why a fetch gave no body, in one line; status is the HTTP status when there was one."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status
