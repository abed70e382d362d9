"""Published statistics to calibrate against: the CSV format, its quantities and its checks.

A statistics file is a CSV table with the header ``year,month,quantity,value,unit,source,note``
(order free; further columns are ignored). One row is one published figure:

- ``year``: the calendar year (local time, Asia/Shanghai);
- ``month``: empty for an annual figure, 1–12 for a monthly one;
- ``quantity``: a name of :data:`QUANTITIES`, or ``export_<link>_twh`` for the energy
  sent into one DC export link (``<link>`` is the link's name in the network);
- ``value``: the number, in the quantity's unit; empty or ``not found`` keeps the row as
  documentation (a figure searched for and not found) and leaves it out of the fit;
- ``unit``: the quantity's unit (``TWh``, ``%`` or ``h``), or empty;
- ``source``, ``note``: free text (where the figure was published; how it was read).

:func:`load_stats` reads and checks such a file; a bad row raises
:class:`~gridsim.errors.InputError` naming the file, the row (its line number), the
field and the value.
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from gridsim.errors import InputError


@dataclass(frozen=True)
class Quantity:
    """One calibration quantity: its unit and meaning (the model side's definition)."""

    name: str
    unit: str
    meaning: str
    kind: str  # "energy", "share" or "hours": how errors and checks treat it


# fmt: off
_TABLE = (
    # name, unit, meaning (the model side's definition), kind
    ("wind_twh", "TWh", "wind generation", "energy"),
    ("solar_twh", "TWh", "solar generation", "energy"),
    ("new_energy_twh", "TWh", "new-energy (wind + solar) generation", "energy"),
    ("hydro_twh", "TWh", "hydro generation", "energy"),
    ("biomass_twh", "TWh", "biomass generation", "energy"),
    ("thermal_twh", "TWh", "thermal generation (the thermal units: coal, gas, oil)", "energy"),
    ("generation_twh", "TWh", "total generation (without storage discharge)", "energy"),
    ("curtailment_twh", "TWh", "curtailed wind + solar energy", "energy"),
    ("wind_curtailment_twh", "TWh", "curtailed wind energy", "energy"),
    ("solar_curtailment_twh", "TWh", "curtailed solar energy", "energy"),
    ("consumption_twh", "TWh", "consumption served: demand − unserved − DR curtailed", "energy"),
    ("exports_twh", "TWh", "energy sent out: DC links, AC block and AC exchange exports", "energy"),
    ("dc_exports_twh", "TWh", "energy sent into the DC export links", "energy"),
    ("new_energy_utilisation_pct", "%", "new-energy utilisation G / (G + C)", "share"),
    ("wind_utilisation_pct", "%", "wind utilisation G / (G + C)", "share"),
    ("solar_utilisation_pct", "%", "solar utilisation G / (G + C)", "share"),
    ("new_energy_share_pct", "%", "(wind + solar) / total generation", "share"),
    ("wind_flh_h", "h", "wind full-load hours: generation / mean installed capacity", "hours"),
    ("solar_flh_h", "h", "solar full-load hours: generation / mean installed capacity", "hours"),
)
# fmt: on
#: The quantities of a statistics file (a DC link's ``export_<link>_twh`` besides).
QUANTITIES: dict[str, Quantity] = {row[0]: Quantity(*row) for row in _TABLE}
#: ``export_<link>_twh``: energy sent into one DC export link (sending end).
EXPORT_LINK = re.compile(r"^export_([A-Za-z0-9][A-Za-z0-9_.-]*)_twh$")
#: The columns every statistics file has.
COLUMNS = ("year", "month", "quantity", "value", "unit", "source", "note")
#: Values that keep a row as documentation only (compared case-insensitively).
NO_VALUE = ("", "not found")
YEARS = (1900, 2100)


def quantity(name: str) -> Quantity | None:
    """The :class:`Quantity` named ``name`` (``export_<link>_twh`` included), or None."""
    if name in QUANTITIES:
        return QUANTITIES[name]
    m = EXPORT_LINK.match(name)
    if m:
        return Quantity(name, "TWh", f"energy sent into DC link '{m.group(1)}'", "energy")
    return None


def _int(text: str, low: int, high: int, err: InputError) -> int:
    try:
        v = float(text)
    except ValueError:
        raise err from None
    if not v.is_integer() or not low <= v <= high:
        raise err
    return int(v)


def load_stats(path: str | Path) -> pd.DataFrame:
    """Read and check the statistics file ``path``.

    Returns every row (documentation rows included) with columns ``line`` (line number
    in the file), ``year`` (int), ``month`` (Int64, <NA> for annual), ``quantity``,
    ``value`` (float, NaN for documentation rows), ``unit``, ``source``, ``note`` and
    ``kind`` (:attr:`Quantity.kind`). Raises :class:`InputError` naming the file, the
    row, the field and the value for a missing column, a year outside 1900–2100, a
    month not empty or 1–12, an unknown quantity, a value that is not a finite number
    ≥ 0 (≤ 100 for ``%``), a unit other than the quantity's, or a figure given twice.
    """
    p = Path(path)
    src = str(p)
    try:
        with p.open(encoding="utf-8-sig", newline="") as f:
            rows = list(_rows(csv.reader(f), src))
    except FileNotFoundError:
        raise InputError("no such statistics file", source=src) from None
    except UnicodeDecodeError as err:
        raise InputError(f"is not UTF-8 text (byte {err.start})", source=src) from err
    except csv.Error as err:
        raise InputError(f"is not a readable CSV file ({err})", source=src) from err
    except OSError as err:
        raise InputError(f"cannot be read ({err.strerror})", source=src) from err
    df = pd.DataFrame(rows, columns=["line", *COLUMNS, "kind"])
    df["month"] = df["month"].astype("Int64")
    df["value"] = df["value"].astype(float)
    seen: dict[tuple[int, object, str], int] = {}
    for r in df.itertuples():
        if math.isnan(r.value):
            continue
        key = (r.year, None if pd.isna(r.month) else int(r.month), r.quantity)
        if key in seen:
            raise InputError(f"gives the same figure as row {seen[key]} (year {r.year}, month {key[1] or 'annual'})", source=src, table=f"row {r.line}", field="quantity", value=r.quantity)  # fmt: skip
        seen[key] = int(r.line)
    return df


def _rows(reader: object, src: str) -> list[tuple[object, ...]]:
    it = iter(reader)  # type: ignore[call-overload]
    header = next(it, None)
    if header is None:
        raise InputError(f"is empty; a statistics file starts with the header {','.join(COLUMNS)}", source=src)  # fmt: skip
    names = [h.strip().lower() for h in header]
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        raise InputError(f"has no column {', '.join(missing)} (the header must hold {','.join(COLUMNS)})", source=src, field="header", value=",".join(header))  # fmt: skip
    pos = {c: names.index(c) for c in COLUMNS}
    out: list[tuple[object, ...]] = []
    for cells in it:
        line = reader.line_num  # type: ignore[attr-defined]
        if not any(c.strip() for c in cells):
            continue
        cell = {c: (cells[i].strip() if i < len(cells) else "") for c, i in pos.items()}

        def bad(fld: str, problem: str, _line: int = line, _cell: dict[str, str] = cell) -> InputError:  # fmt: skip
            return InputError(problem, source=src, table=f"row {_line}", field=fld, value=_cell[fld])  # fmt: skip

        year = _int(cell["year"], *YEARS, bad("year", f"must be a year between {YEARS[0]} and {YEARS[1]}"))  # fmt: skip
        month = None
        if cell["month"]:
            month = _int(cell["month"], 1, 12, bad("month", "must be empty (annual) or a month 1-12"))  # fmt: skip
        q = quantity(cell["quantity"])
        if q is None:
            known = ", ".join([*QUANTITIES, "export_<link>_twh"])
            raise bad("quantity", f"is not a known quantity (known: {known})")
        value = float("nan")
        if cell["value"].lower() not in NO_VALUE:
            try:
                value = float(cell["value"])
            except ValueError:
                raise bad("value", "must be a number, empty or 'not found'") from None
            if not math.isfinite(value) or value < 0:
                raise bad("value", "must be a finite number >= 0")
            if q.unit == "%" and value > 100:
                raise bad("value", "is a percentage and must be <= 100")
        if cell["unit"] and cell["unit"].lower() != q.unit.lower():
            raise bad("unit", f"must be {q.unit} (the unit of {q.name}) or empty")
        out.append((line, year, month, q.name, value, q.unit, cell["source"], cell["note"], q.kind))  # fmt: skip
    return out


def fit_rows(stats: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``stats`` (:func:`load_stats`) that carry a value."""
    return stats[stats["value"].notna()].reset_index(drop=True)


__all__ = ["COLUMNS", "EXPORT_LINK", "QUANTITIES", "Quantity", "fit_rows", "load_stats", "quantity"]
