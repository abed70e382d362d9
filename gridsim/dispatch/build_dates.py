"""Commissioning and decommissioning dates of network elements, as availability series.

Every element table with ``commission_date`` / ``decommission_date`` columns (gen,
storage, dcline, line, trafo) maps to a ``(T, n)`` array of 0.0 / 1.0: 1.0 from the
commission date (local time, inclusive; ``''`` = before the study) up to the
decommission date (exclusive; ``''`` = after the study).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gridsim.errors import InputError

Arr = np.ndarray
DATE_COLUMNS = ("commission_date", "decommission_date")
"""The date columns of an element table, in order."""


def _timestamp(text: str, tz: object, table: str, name: str, column: str, src: str | None) -> pd.Timestamp:  # fmt: skip
    """An ISO date or date-time as a Timestamp in ``tz`` (naive = local time)."""
    try:
        ts = pd.Timestamp(text)
        if pd.isna(ts):
            raise ValueError(text)
    except (ValueError, TypeError, OverflowError):
        raise InputError(
            "must be an ISO date (2025-07-01)",
            source=src,
            table=table,
            element=name,
            field=column,
            value=text,
        ) from None
    return ts.tz_localize(tz) if ts.tz is None else ts.tz_convert(tz)


def service_windows(df: pd.DataFrame) -> list[tuple[str, str]]:
    """(commission, decommission) text of each row of ``df`` ('' where not given)."""
    cols = []
    for c in DATE_COLUMNS:
        col = df[c] if c in df.columns else pd.Series("", index=df.index, dtype=object)
        cols.append([x if isinstance(x, str) else "" for x in col])
    return list(zip(*cols)) if len(df) else []


def in_service_pu(df: pd.DataFrame, table: str, snaps: pd.DatetimeIndex, src: str | None) -> Arr:
    """1.0 in the snapshots where each element of ``df`` is in service, else 0.0 (T x n).

    Raises :class:`InputError` naming the table, element, column and value for a date
    that is not ISO, or a decommission date not after the commission date.
    """
    out = np.ones((len(snaps), len(df)))
    tz = snaps.tz
    for j, (name, (on, off)) in enumerate(zip(df.index, service_windows(df))):
        t_on = _timestamp(on, tz, table, str(name), "commission_date", src) if on else None
        t_off = _timestamp(off, tz, table, str(name), "decommission_date", src) if off else None
        if t_on is not None and t_off is not None and t_off <= t_on:
            raise InputError(
                f"must be after the commission date ({on})",
                source=src,
                table=table,
                element=str(name),
                field="decommission_date",
                value=off,
            )
        if t_on is not None:
            out[:, j] *= np.asarray(snaps >= t_on, dtype=float)
        if t_off is not None:
            out[:, j] *= np.asarray(snaps < t_off, dtype=float)
    return out


def dated(avail: Arr) -> Arr:
    """Which elements change service within the snapshots (n,), bool."""
    if avail.shape[0] == 0:
        return np.zeros(avail.shape[1], dtype=bool)
    return np.asarray((avail != avail[:1]).any(axis=0))


__all__ = ["DATE_COLUMNS", "dated", "in_service_pu", "service_windows"]
