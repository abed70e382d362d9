"""Numbers and times as printed in tables and reports: rounded to what is shown.

A number is rounded to the decimals it is displayed with before it is formatted, so a
difference of ``-2.98e-08`` MWh prints as ``0`` and ``-0.001`` TWh as ``0.00``, never
``-0.00``. Times are printed in one zone, Asia/Shanghai (the zone of every snapshot),
and labelled with :data:`TZ_LABEL`.

>>> fixed(-0.001, 2), fixed(1234.5, 0), fixed(-0.004, 2, sign=True), fixed(0.5, 1, sign=True)
('0.00', '1,234', '0.00', '+0.5')
>>> decimals_for(289.46), decimals_for(0.012345), decimals_for(70499.0)
(1, 5, 0)
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

import pandas as pd

MAX_DECIMALS = 4
"""Most decimals a table shows (finer digits of a physical quantity are noise)."""
TZ = "Asia/Shanghai"
"""The one zone of printed times (as :data:`gridsim.results.store.TZ`)."""
TZ_LABEL = "Asia/Shanghai, UTC+8"
"""How printed times name their zone (the abbreviation ``CST`` is ambiguous)."""


def fixed(value: float, decimals: int, *, sign: bool = False, sep: bool = True) -> str:
    """``value`` with ``decimals`` decimals, rounded first so that a value shown as zero
    carries no sign; ``sign``: ``+`` before positive values; ``sep``: thousands commas."""
    r = round(float(value), decimals) + 0.0  # + 0.0 turns -0.0 into 0.0
    text = format(r, f"{'+' if sign and r != 0 else ''}{',' if sep else ''}.{max(decimals, 0)}f")
    return text


def decimals_for(value: float, significant: int = 4) -> int:
    """Decimals that show ``value`` with ``significant`` digits (0 for |value| ≥ 10^(digits-1))."""
    v = abs(float(value))
    if v == 0 or not math.isfinite(v):
        return 0
    return max(0, significant - 1 - math.floor(math.log10(v)))


def compact(v: float) -> str:
    """``v`` with 4 significant digits, at most :data:`MAX_DECIMALS` decimals, trailing
    zeros dropped (``289.5``, ``0.8``, ``-0.0001``, ``0``)."""
    text = fixed(v, min(decimals_for(v), MAX_DECIMALS))
    return text.rstrip("0").rstrip(".") if "." in text else text


def local_time(t: Any) -> pd.Timestamp:
    """``t`` (a Timestamp, datetime or ISO text; naive = UTC) in Asia/Shanghai."""
    ts = pd.Timestamp(t)
    return (ts.tz_localize("UTC") if ts.tz is None else ts).tz_convert(TZ)


def time_text(t: Any, label: bool = True) -> str:
    """``YYYY-MM-DD HH:MM`` in Asia/Shanghai, followed by ``(Asia/Shanghai, UTC+8)`` when
    ``label``."""
    text = f"{local_time(t):%Y-%m-%d %H:%M}"
    return f"{text} ({TZ_LABEL})" if label else text


def now_text(label: bool = True) -> str:
    """The current time as :func:`time_text` prints it."""
    return time_text(datetime.now().astimezone(), label)


def period_text(period: Any) -> str:
    """A run's ``[first, last]`` snapshot as ``YYYY-MM-DD HH:MM .. YYYY-MM-DD HH:MM (zone)``."""
    if not period:
        return "n/a"
    try:
        ends = [time_text(t, label=False) for t in (period[0], period[-1])]
    except (ValueError, TypeError):
        return " .. ".join(map(str, period))
    return f"{ends[0]} .. {ends[1]} ({TZ_LABEL})"


__all__ = [
    "MAX_DECIMALS",
    "TZ",
    "TZ_LABEL",
    "compact",
    "decimals_for",
    "fixed",
    "local_time",
    "now_text",
    "period_text",
    "time_text",
]
