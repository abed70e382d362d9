"""The :class:`Network`: one columnar table per element type.

Tables are pandas DataFrames indexed by element name, with the columns of
:mod:`gridsim.network.schema`. Buses are referred to by name.

>>> net = Network(name="two-bus")
>>> net.add_bus("a", vn_kv=330.0)
>>> net.add_bus("b", vn_kv=330.0)
>>> net.add_line("a-b", "a", "b", length_km=50, r_ohm_per_km=0.04, x_ohm_per_km=0.32)
>>> net.add_gen("g", "a", slack=True)
>>> net.add_load("l", "b", p_mw=100.0)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from gridsim.errors import InputError
from gridsim.fields import Field
from gridsim.network import schema


def _empty_table(table: str) -> pd.DataFrame:
    cols = schema.columns(table)
    data = {c.name: pd.Series(dtype=schema.numpy_dtype(c)) for c in cols}
    df = pd.DataFrame(data)
    df.index = pd.Index([], dtype=object, name="name")
    return df


class Network:
    """A power network: element tables plus system data.

    Attributes
    ----------
    name: free label.
    sn_mva: system base power (MVA) used inside the numerics.
    f_hz: frequency (Hz).
    source: the file the network was read from, used in error messages.
    bus, line, trafo, gen, load, shunt, dcline, storage: the element tables.
    """

    bus: pd.DataFrame
    line: pd.DataFrame
    trafo: pd.DataFrame
    gen: pd.DataFrame
    load: pd.DataFrame
    shunt: pd.DataFrame
    dcline: pd.DataFrame
    storage: pd.DataFrame

    def __init__(self, name: str = "", sn_mva: float = 100.0, f_hz: float = 50.0) -> None:
        self.name = name
        self.sn_mva = float(sn_mva)
        self.f_hz = float(f_hz)
        self.source: str | None = None
        self.meta: dict[str, Any] = {}
        for table in schema.TABLE_ORDER:
            setattr(self, table, _empty_table(table))
        self._pending: dict[str, list[tuple[str, dict[str, Any]]]] = {}

    # ------------------------------------------------------------------ tables
    def table(self, table: str) -> pd.DataFrame:
        """The DataFrame of ``table`` (with any pending rows flushed)."""
        if table not in schema.TABLES:
            raise InputError(f"unknown table, expected one of {list(schema.TABLES)}", value=table)
        self._flush(table)
        return getattr(self, table)

    def tables(self) -> dict[str, pd.DataFrame]:
        """All element tables, in schema order."""
        return {t: self.table(t) for t in schema.TABLE_ORDER}

    def add(self, table: str, name: str, **fields: Any) -> None:
        """Add one element to ``table``. Unknown fields and missing required ones raise."""
        if table not in schema.TABLES:
            raise InputError(f"unknown table, expected one of {list(schema.TABLES)}", value=table)
        known = {c.name for c in schema.columns(table)}
        for key in fields:
            if key not in known:
                raise InputError(
                    f"is not a column of this table (columns: {sorted(known)})",
                    table=table,
                    element=name,
                    field=key,
                    show_value=False,
                )
        for c in schema.columns(table):
            if c.required and c.name not in fields:
                raise InputError(
                    "is required", table=table, element=name, field=c.name, show_value=False
                )
        self._pending.setdefault(table, []).append((str(name), fields))

    def add_table(self, table: str, df: pd.DataFrame) -> None:
        """Append many elements at once from a DataFrame indexed by name."""
        self._flush(table)
        known = {c.name for c in schema.columns(table)}
        unknown = [c for c in df.columns if c not in known]
        if unknown:
            raise InputError(f"unknown columns {unknown}", table=table, show_value=False)
        full = self._with_defaults(table, df)
        cur = getattr(self, table)
        new = full if cur.empty else pd.concat([cur, full])
        new.index.name = "name"
        setattr(self, table, new)

    def _with_defaults(self, table: str, df: pd.DataFrame) -> pd.DataFrame:
        index = pd.Index([str(i) for i in df.index], dtype=object, name="name")
        columns: dict[str, Any] = {}
        for c in schema.columns(table):
            if c.name in df.columns:
                values = df[c.name].to_numpy()
            elif c.required:
                raise InputError("is required", table=table, field=c.name, show_value=False)
            else:
                values = np.full(len(df), c.default, dtype=schema.numpy_dtype(c))
            columns[c.name] = _coerce(values, c, table, index)
        return pd.DataFrame(columns, index=index)  # one construction, not a column at a time

    def _flush(self, table: str) -> None:
        rows = self._pending.pop(table, None)
        if not rows:
            return
        names = [r[0] for r in rows]
        records = {c.name: [] for c in schema.columns(table)}  # type: dict[str, list[Any]]
        for _, fields in rows:
            for c in schema.columns(table):
                records[c.name].append(fields.get(c.name, c.default))
        df = pd.DataFrame(records, index=pd.Index(names, dtype=object, name="name"))
        cur = getattr(self, table)
        full = self._with_defaults(table, df)
        new = full if cur.empty else pd.concat([cur, full])
        new.index.name = "name"
        setattr(self, table, new)

    def __getattribute__(self, item: str) -> Any:
        if item in schema.TABLES:
            pending = object.__getattribute__(self, "_pending")
            if pending.get(item):
                object.__getattribute__(self, "_flush")(item)
        return object.__getattribute__(self, item)

    # ------------------------------------------------------------ constructors
    def add_bus(self, name: str, vn_kv: float, **fields: Any) -> None:
        """Add a bus of nominal voltage ``vn_kv`` (kV)."""
        self.add("bus", name, vn_kv=vn_kv, **fields)

    def add_line(
        self,
        name: str,
        from_bus: str,
        to_bus: str,
        *,
        r_ohm_per_km: float,
        x_ohm_per_km: float,
        max_s_mva: float | None = None,
        **fields: Any,
    ) -> None:
        """Add a line with per-km parameters (ohm/km, nF/km; ``length_km`` defaults to 1).

        The thermal rating per circuit is given either as a current, ``max_i_ka`` (kA), or
        as an apparent power, ``max_s_mva`` (MVA), which is stored as the current at the
        from bus's nominal voltage: ``max_i_ka = max_s_mva / (sqrt(3) * vn_kv)`` (so the
        bus must exist already). The dispatch rates a line at ``sqrt(3) * vn_kv *
        max_i_ka * parallel`` MW.
        """
        if max_s_mva is not None:
            fields["max_i_ka"] = self._current_ka(name, from_bus, max_s_mva, fields)
        self.add(
            "line",
            name,
            from_bus=from_bus,
            to_bus=to_bus,
            r_ohm_per_km=r_ohm_per_km,
            x_ohm_per_km=x_ohm_per_km,
            **fields,
        )

    def add_line_pu(
        self,
        name: str,
        from_bus: str,
        to_bus: str,
        *,
        r_pu: float,
        x_pu: float,
        b_pu: float = 0.0,
        rate_mva: float | None = None,
        **fields: Any,
    ) -> None:
        """Add a line from per-unit parameters on the system base ``sn_mva``.

        ``b_pu`` is the total line charging. ``rate_mva`` sets ``max_i_ka`` at the from
        bus's nominal voltage. The line is stored with ``length_km = 1``.
        """
        vn_kv = float(self.bus.at[from_bus, "vn_kv"]) if from_bus in self.bus.index else None
        if vn_kv is None:
            raise InputError(
                "unknown bus", table="line", element=name, field="from_bus", value=from_bus
            )
        z_base = vn_kv**2 / self.sn_mva
        fields.setdefault("length_km", 1.0)
        length = float(fields["length_km"])
        c_nf = b_pu / z_base / (2 * np.pi * self.f_hz) * 1e9 / length
        self.add_line(
            name,
            from_bus,
            to_bus,
            r_ohm_per_km=r_pu * z_base / length,
            x_ohm_per_km=x_pu * z_base / length,
            c_nf_per_km=c_nf,
            max_s_mva=rate_mva,
            **fields,
        )

    def _current_ka(self, name: str, from_bus: str, s_mva: float, fields: dict[str, Any]) -> float:
        """The current rating (kA) of apparent power ``s_mva`` at ``from_bus``'s voltage."""
        if "max_i_ka" in fields:
            raise InputError(
                "give the rating once: max_i_ka or max_s_mva",
                table="line",
                element=name,
                field="max_s_mva",
                value=s_mva,
            )
        bus = self.bus
        if from_bus not in bus.index:
            raise InputError(
                "must be an existing bus to convert max_s_mva (add the bus first)",
                table="line",
                element=name,
                field="from_bus",
                value=from_bus,
            )
        try:
            s = float(s_mva)
        except (TypeError, ValueError):
            raise InputError("must be float", table="line", element=name, field="max_s_mva", value=s_mva) from None  # fmt: skip
        return s / (np.sqrt(3.0) * float(bus.at[from_bus, "vn_kv"]))

    def add_trafo(
        self,
        name: str,
        hv_bus: str,
        lv_bus: str,
        *,
        sn_mva: float,
        vn_hv_kv: float,
        vn_lv_kv: float,
        vk_percent: float,
        **fields: Any,
    ) -> None:
        """Add a two-winding transformer (pandapower parameters)."""
        self.add(
            "trafo",
            name,
            hv_bus=hv_bus,
            lv_bus=lv_bus,
            sn_mva=sn_mva,
            vn_hv_kv=vn_hv_kv,
            vn_lv_kv=vn_lv_kv,
            vk_percent=vk_percent,
            **fields,
        )

    def add_gen(self, name: str, bus: str, **fields: Any) -> None:
        """Add a generator (``slack=True`` makes it the reference of its island)."""
        self.add("gen", name, bus=bus, **fields)

    def add_load(self, name: str, bus: str, **fields: Any) -> None:
        """Add a constant-power load (MW, Mvar)."""
        self.add("load", name, bus=bus, **fields)

    def add_shunt(self, name: str, bus: str, **fields: Any) -> None:
        """Add a shunt (MW, Mvar absorbed at 1 pu)."""
        self.add("shunt", name, bus=bus, **fields)

    def add_dcline(self, name: str, from_bus: str, to_bus: str, **fields: Any) -> None:
        """Add a point-to-point HVDC link (P set at the sending end, MW)."""
        self.add("dcline", name, from_bus=from_bus, to_bus=to_bus, **fields)

    def add_storage(
        self, name: str, bus: str, *, max_p_mw: float, max_e_mwh: float, **fields: Any
    ) -> None:
        """Add a storage unit (MW, MWh)."""
        self.add("storage", name, bus=bus, max_p_mw=max_p_mw, max_e_mwh=max_e_mwh, **fields)

    # ----------------------------------------------------------------- helpers
    def copy(self) -> Network:
        """A deep copy."""
        new = Network.__new__(Network)  # no empty tables built only to be replaced
        new.name, new.sn_mva, new.f_hz = self.name, self.sn_mva, self.f_hz
        new.source = self.source
        new.meta = dict(self.meta)
        new._pending = {}
        for t, df in self.tables().items():
            setattr(new, t, df.copy())
        return new

    def validate(self, *, require_slack: bool = True) -> None:
        """Check the network; raise :class:`InputError` naming the first problem.

        ``require_slack=False`` skips the one-slack-per-island check that only the power
        flow needs (a network for the dispatch alone needs no slack generator)."""
        from gridsim.network.validation import validate

        validate(self, require_slack=require_slack)

    def summary(self) -> dict[str, int]:
        """Element counts per table."""
        return {t: len(df) for t, df in self.tables().items()}

    def __repr__(self) -> str:
        counts = ", ".join(f"{n} {t}" for t, n in self.summary().items() if n)
        return f"Network({self.name!r}: {counts})"

    @classmethod
    def from_tables(
        cls,
        tables: Mapping[str, pd.DataFrame],
        name: str = "",
        sn_mva: float = 100.0,
        f_hz: float = 50.0,
    ) -> Network:
        """Build a network from DataFrames keyed by table name."""
        net = cls(name, sn_mva, f_hz)
        for t, df in tables.items():
            net.add_table(t, df)
        return net


def _coerce(values: Any, col: Field, table: str, names: Iterable[str]) -> Any:
    """Convert ``values`` to the column's dtype, naming the element on failure."""
    kind = col.kind
    arr = np.asarray(values, dtype=object)
    if kind == "str":
        for name, v in zip(names, arr):
            if isinstance(v, list | tuple | dict | set | np.ndarray):
                raise InputError("must be text", table=table, element=name, field=col.name, value=v)
        return np.array(["" if v is None else str(v) for v in arr], dtype=object)
    target = schema.numpy_dtype(col)
    try:
        if kind == "bool":
            out = np.array([_to_bool(v) for v in arr], dtype=bool)
        else:
            out = arr.astype(np.float64)
            if kind == "int":
                if not _whole(out).all():
                    raise ValueError
                out = out.astype(target)
        return out
    except (TypeError, ValueError, OverflowError):
        for name, v in zip(names, arr):
            try:
                if kind == "bool":
                    _to_bool(v)
                else:
                    fv = float(v)
                    if kind == "int" and not _whole(np.array([fv]))[0]:
                        raise ValueError
            except (TypeError, ValueError, OverflowError):
                raise InputError(
                    f"must be {kind}", table=table, element=name, field=col.name, value=v
                ) from None
        raise


def _whole(v: np.ndarray) -> np.ndarray:
    """Which of ``v`` are whole numbers that fit a 64-bit integer."""
    ok = np.isfinite(v) & (np.abs(v) < 2.0**63)
    return ok & (np.where(ok, v, 0.0) == np.round(np.where(ok, v, 0.0)))


def _to_bool(v: Any) -> bool:
    if isinstance(v, bool | np.bool_):
        return bool(v)
    if isinstance(v, int | float | np.integer | np.floating) and v in (0, 1):
        return bool(v)
    if isinstance(v, str) and v.lower() in ("true", "false", "1", "0"):
        return v.lower() in ("true", "1")
    raise ValueError(v)
