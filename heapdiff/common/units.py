"""Human units for the figures profiles carry: bytes in binary multiples, durations, counts."""
from __future__ import annotations

BYTE_UNITS = ("B", "KiB", "MiB", "GiB", "TiB", "PiB")
TIME_UNITS = ((1e9, "s"), (1e6, "ms"), (1e3, "µs"), (1, "ns"))


def human(value: int | float, unit: str) -> str:
    """`value` in `unit` (as a profile's ValueType names it) for a person to read."""
    if unit == "bytes":
        return human_bytes(value)
    if unit == "nanoseconds":
        for scale, name in TIME_UNITS:
            if abs(value) >= scale or scale == 1:
                return f"{value / scale:.3g}{name}"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.3g}"
    return f"{int(value):,}".replace(",", "_") if abs(value) >= 100_000 else str(int(value))


def human_bytes(value: int | float, decimals: int | None = None) -> str:
    """Bytes in binary multiples: one decimal below 100 of the unit, none above, unless
    `decimals` asks for more (to tell two close sizes apart)."""
    size = float(value)
    for unit in BYTE_UNITS:
        if abs(size) < 1024 or unit == BYTE_UNITS[-1]:
            if unit == "B":
                return f"{int(value)}B"
            if decimals is None:
                decimals = 1 if abs(size) < 100 else 0
            return f"{size:.{decimals}f}{unit}"
        size /= 1024
    raise AssertionError("unreachable")


def mebibytes(n: int | float) -> str:
    """n bytes as MiB with one decimal, for sentences ("at least 13.5 MiB are ...")."""
    return f"{n / (1 << 20):.1f} MiB"


def percent(part: int | float, whole: int | float, digits: int = 2) -> str:
    """part as a percentage of whole; "-" for 0 of 0, "∞%" for more of nothing."""
    if whole == 0:
        return "-" if part == 0 else "∞%"
    return f"{100 * part / whole:.{digits}f}%"
