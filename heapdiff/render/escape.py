"""Names from profiles are data: escape them for each output, once, here."""
from __future__ import annotations

import re

CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def terminal(text: str) -> str:
    """No control characters reach the terminal: ESC, newlines, tabs and the C1 range become
    visible \\xNN escapes."""
    return CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
