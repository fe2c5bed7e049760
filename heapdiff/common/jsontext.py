"""JSON as every `--format json` writes it: strict JSON, so a non-finite float (NaN or
±Infinity, which json.dumps would write as invalid tokens) becomes null, like a figure that
cannot be computed."""
from __future__ import annotations

import json
import math


def json_text(document: dict) -> str:
    try:
        text = json.dumps(document, separators=(",", ":"), allow_nan=False)
    except ValueError:  # a non-finite float somewhere: the rare path walks the document
        text = json.dumps(_finite(document), separators=(",", ":"), allow_nan=False)
    return text + "\n"


def _finite(value: object) -> object:
    """value with every non-finite float replaced by None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(item) for item in value]
    return value
