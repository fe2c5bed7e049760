"""What the user types about a Prometheus server (a selector, a window, a step, a moment) and
the PromQL heapdiff sends for it. A selector is label matchers only: heapdiff picks the metric
names itself, so it adds a __name__ matcher to the user's."""
from __future__ import annotations

import argparse
import math
import re
from datetime import datetime, timezone

DURATION_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
DURATION = re.compile(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*(ms|s|m|h|d|w)?\s*")
MAX_POINTS = 11000  # per series: Prometheus refuses a range query with more
DEFAULT_POINTS = 240  # per series when no --step is given
MAX_TIMEOUT = 3600.0  # seconds a request may take, at most
LAST_TIME = 253402300800.0  # 10000-01-01 in unix seconds: past what a time is written as


def duration(text: str) -> float:
    """Prometheus' units (30s, 5m, 6h, 2d, 1w, 500ms) or plain seconds; more than zero."""
    m = DURATION.fullmatch(text)
    seconds = float(m.group(1)) * DURATION_UNITS[m.group(2) or "s"] if m else 0.0
    if not 0 < seconds < math.inf:  # 400 digits make an infinite float
        raise argparse.ArgumentTypeError(f"{text!r} is not a duration such as 30s, 5m, 6h, 2d")
    return seconds


def timeout(text: str) -> float:
    """A duration up to MAX_TIMEOUT: a socket refuses a deadline past its clock's range."""
    seconds = duration(text)
    if seconds > MAX_TIMEOUT:
        raise argparse.ArgumentTypeError(f"{text!r} is longer than {MAX_TIMEOUT / 3600:g}h")
    return seconds


def moment(text: str) -> float:
    """Unix seconds, or an RFC 3339 / ISO 8601 time (a time without a zone is UTC), from 1970
    to the year 9999."""
    try:
        unix = float(text)
    except ValueError:
        try:
            t = datetime.fromisoformat(text.strip())
        except ValueError:
            unix = math.nan
        else:
            unix = (t if t.tzinfo else t.replace(tzinfo=timezone.utc)).timestamp()
    if not 0 <= unix < LAST_TIME:  # NaN included
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a time such as 2026-12-06T10:30:00Z or unix seconds")
    return unix


def matchers(text: str) -> str:
    """The label matchers inside a selector `{job="api", pod=~"web-.*"}` (empty for `{}`)."""
    s = text.strip()
    if not (s.startswith("{") and s.endswith("}")):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a selector of label matchers in braces, such as "
            '{job="api"}')
    return s[1:-1].strip().rstrip(",")


def selector(names: tuple[str, ...], inner: str) -> str:
    """A PromQL vector selector for the given metric names under the user's matchers."""
    name = f'__name__=~"{"|".join(names)}"'  # metric names need no escaping
    return "{" + ", ".join(part for part in (name, inner) if part) + "}"


def default_step(span: float) -> float:
    """About DEFAULT_POINTS points over the span, in whole seconds, at least 1 s."""
    return max(1.0, float(round(span / DEFAULT_POINTS)))


def iso(t: float) -> str:
    """A unix time as RFC 3339 UTC, to the second (milliseconds where it has them)."""
    text = datetime.fromtimestamp(t, timezone.utc).isoformat(timespec="milliseconds")
    return text.replace(".000+00:00", "Z").replace("+00:00", "Z")
