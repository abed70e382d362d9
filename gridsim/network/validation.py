"""Validation of a :class:`~gridsim.network.network.Network` against its schema.

Every problem is raised as :class:`~gridsim.errors.InputError` naming the file (when
known), the element, the field and the value. The checks:

- the system base: ``sn_mva`` and ``f_hz`` positive and finite;
- duplicate element names within a table;
- NaN or infinite values in fields that must be finite; required fields;
- non-positive base voltages, zero series impedance, a negative line reactance other
  than for ``kind = "series_capacitor"``, other sign rules (each column's
  :attr:`~gridsim.fields.Field.check`);
- implausible values (:attr:`~gridsim.fields.Field.bounds`): voltages outside 0.1..1200 kV (given
  in volts?), voltage set-points outside 0.5..1.5 pu, efficiencies and shares above 1;
- a lower limit above its upper limit (:data:`schema.ORDERED`: ``min_p_mw > max_p_mw``,
  ``min_q_mvar > max_q_mvar``, ``vm_min_pu > vm_max_pu``);
- references to unknown buses;
- a transformer whose rated voltages do not match its buses (more than 30 % off, or
  the HV and LV sides swapped), or with ``|vkr_percent| > |vk_percent|``;
- a generator ``role`` outside :data:`schema.GEN_ROLES` (each ``choice`` column);
- a network without in-service buses; with ``require_slack`` (the default, what a power
  flow needs), an island (of in-service buses joined by in-service branches) without a
  slack generator, or with more than one (gridsim has no distributed slack: each slack
  holds its own angle, which two in one island cannot). A dispatch needs no slack:
  ``validate(net, require_slack=False)``.

Negative branch resistance and line capacitance (:data:`schema.WARN_NEGATIVE`) are legal
(network equivalents such as MATPOWER's PEGASE cases have them) and draw one
:class:`UserWarning` per column naming the branches.

Every bus name is looked up once (:func:`bus_positions`); the power-flow compiler reuses
those positions. A table is first screened column by column with one min and one max;
only a table that fails the screen goes through the detailed checks that word the error.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from gridsim.errors import InputError
from gridsim.fields import CHECKS, RANGE_CHECKS, Field, breaks
from gridsim.network import schema

if TYPE_CHECKING:
    from gridsim.network.network import Network

TRAFO_VOLTAGE_TOLERANCE = 0.30
"""Largest relative difference between a transformer's rated and its bus's voltage."""


BusPositions = dict[tuple[str, str], np.ndarray]
"""Position in ``net.bus`` of every bus reference, keyed by ``(table, field)`` (-1: unknown)."""


def validate(net: Network, *, require_slack: bool = True) -> None:
    """Check ``net``; raise :class:`InputError` for the first problem found.

    ``require_slack=False`` leaves out the slack check (one slack generator per island),
    which only the power flow needs: a network for the dispatch alone needs no slack."""
    validated_bus_positions(net, require_slack=require_slack)


def validated_bus_positions(net: Network, *, require_slack: bool = True) -> BusPositions:
    """:func:`validate` ``net`` and return the position in ``net.bus`` of every bus
    reference (as :func:`bus_positions`), for callers that go on to compile the network."""
    try:
        return _validate(net, require_slack=require_slack)
    except InputError as err:
        if net.source and not err.source:
            raise err.with_source(net.source) from None
        raise


def bus_positions(net: Network, tables: tuple[str, ...] | None = None) -> BusPositions:
    """Position in ``net.bus`` of every bus reference (-1: unknown name).

    ``tables``: the tables to look at (default: all). One hash lookup of all references
    together; needs unique bus names. Empty tables have no entry.
    """
    dfs = {t: net.table(t) for t in (schema.TABLE_ORDER if tables is None else tables)}
    return _bus_positions(dfs, net.bus.index)


def _bus_positions(tables: dict[str, pd.DataFrame], buses: pd.Index) -> BusPositions:
    keys: list[tuple[str, str]] = []
    values: list[np.ndarray] = []
    for table, df in tables.items():
        if df.empty:
            continue
        for name in schema.BUS_REF_FIELDS[table]:
            if name in df.columns:  # a missing column is reported by the detailed checks
                keys.append((table, name))
                values.append(df[name].to_numpy())
    out: BusPositions = {}
    if not keys:
        return out
    found = buses.get_indexer(np.concatenate(values)).astype(np.int64, copy=False)
    start = 0
    for key, vals in zip(keys, values):
        out[key] = found[start : start + len(vals)]
        start += len(vals)
    return out


def _validate(net: Network, *, require_slack: bool) -> BusPositions:
    _check_base(net)
    tables = net.tables()
    buses = tables["bus"].index
    _check_names("bus", tables["bus"])  # bus lookups below need unique bus names
    positions = _bus_positions(tables, buses)
    for table, df in tables.items():
        _check_names(table, df)
        if df.empty:
            continue
        cols = schema.columns(table)
        if not all(_column_ok(table, df, col, positions) for col in cols):
            # something is wrong: the per-column checks, in schema order, name it
            for col in cols:
                _check_column(table, df, col, buses)
        _check_ordered(table, df)
    _warn_negative(net, tables)
    _check_line_impedance(tables["line"])
    _check_trafos(tables["trafo"], tables["bus"], positions)
    if require_slack:
        check_islands_have_slack(net, positions=positions)
    return positions


_NEEDS_NUMBER = (*RANGE_CHECKS, "finite")
"""Rules under which a value must be a finite number."""


def _column_ok(table: str, df: pd.DataFrame, col: Field, positions: BusPositions) -> bool:
    """Fast test that ``col`` of a non-empty ``df`` passes :func:`_check_column`.

    True only when it certainly passes; False sends the table to the detailed checks,
    which raise the error. NaN propagates through min/max, so one min and one max find
    NaN, infinities and sign violations together.
    """
    if col.kind in ("float", "int"):
        try:
            values = df[col.name]
            if not (col.required or col.check):  # no rule, but it must read as numbers
                return values.dtype.kind in "fiub"
            v = np.asarray(values.to_numpy(), dtype=float)
        except (KeyError, TypeError, ValueError):
            return False  # the detailed checks raise, in their order
        lo, hi = v.min(), v.max()
        if col.bounds is not None and not (col.bounds[0] <= lo and hi <= col.bounds[1]):
            return False
        if not col.check:  # required only: NaN is the one problem
            return bool(lo == lo)
        if col.check not in _NEEDS_NUMBER:
            return False
        finite = bool(lo > -np.inf and hi < np.inf)
        if col.check == "> 0":
            return finite and bool(lo > 0)
        if col.check == ">= 0":
            return finite and bool(lo >= 0)
        if col.check == "!= 0":
            return finite and (bool(lo > 0 or hi < 0) or not (v == 0).any())
        if col.check == "0..1":
            return finite and bool(lo >= 0 and hi <= 1)
        return finite
    if col.check == "bus":
        pos = positions.get((table, col.name))
        return pos is not None and bool(pos.min() >= 0)
    if col.check == "choice":
        return bool(df[col.name].isin(col.choices).all())
    return True


def _check_names(table: str, df: pd.DataFrame) -> None:
    index = df.index
    if index.is_unique and not (len(df) and "" in index):
        return
    dup = index[index.duplicated()]
    if len(dup):
        raise InputError("duplicate name", table=table, element=dup[0], field="name", value=dup[0])
    if len(df) and (index == "").any():
        raise InputError("must not be empty", table=table, element="", field="name", value="")


def _first_bad(df: pd.DataFrame, mask: np.ndarray) -> str:
    return str(df.index[int(np.flatnonzero(mask)[0])])


def _check_column(table: str, df: pd.DataFrame, col: Field, buses: pd.Index) -> None:
    if df.empty:
        return
    values = df[col.name].to_numpy()
    if col.kind in ("float", "int"):
        v = np.asarray(values, dtype=float)
        nan = np.isnan(v)
        if col.required or col.check in _NEEDS_NUMBER:
            if nan.any():
                name = _first_bad(df, nan)
                raise InputError(
                    "must be a number",
                    table=table,
                    element=name,
                    field=col.name,
                    value=float("nan"),
                )
        inf = np.isinf(v)
        if col.check and inf.any():
            name = _first_bad(df, inf)
            raise InputError(
                CHECKS["finite"],
                table=table,
                element=name,
                field=col.name,
                value=float(v[np.flatnonzero(inf)[0]]),
            )
        bad = breaks(col.check, v)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(
                CHECKS[col.check],
                table=table,
                element=df.index[i],
                field=col.name,
                value=float(v[i]),
            )
        if col.bounds is not None:
            lo, hi = col.bounds
            bad = (v < lo) | (v > hi)
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                hint = col.hint if v[i] > hi else ""
                if v[i] < lo and col.unit == "kV":
                    hint = "kV expected; was it given in MV?"
                hint = f" ({hint})" if hint else ""
                raise InputError(
                    f"must be between {lo:g} and {hi:g}{col.unit and ' ' + col.unit}{hint}",
                    table=table,
                    element=df.index[i],
                    field=col.name,
                    value=float(v[i]),
                )
    elif col.check == "choice":
        bad = ~pd.Series(values).isin(col.choices).to_numpy()
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(
                f"must be one of {', '.join(repr(c) for c in col.choices)}",
                table=table,
                element=df.index[i],
                field=col.name,
                value=values[i],
            )
    elif col.check == "bus":
        bad = buses.get_indexer(values) < 0
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(
                CHECKS["bus"],
                table=table,
                element=df.index[i],
                field=col.name,
                value=values[i],
            )


def _check_base(net: Network) -> None:
    for field, value, meaning in (
        ("sn_mva", net.sn_mva, "the system base power"),
        ("f_hz", net.f_hz, "the system frequency"),
    ):
        if not (np.isfinite(value) and value > 0):
            raise InputError(
                f"must be a finite number > 0 ({meaning})",
                table="network",
                field=field,
                value=float(value),
            )


def _check_ordered(table: str, df: pd.DataFrame) -> None:
    """Lower limits not above upper limits (:data:`schema.ORDERED`; NaN: not given)."""
    for low, high in schema.ORDERED.get(table, ()):
        if df.empty or low not in df or high not in df:
            continue
        lo = df[low].to_numpy(float)
        hi = df[high].to_numpy(float)
        bad = lo > hi
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(
                f"must not exceed {high} ({hi[i]:g})",
                table=table,
                element=df.index[i],
                field=low,
                value=float(lo[i]),
            )


def _warn_negative(net: Network, tables: dict[str, pd.DataFrame]) -> None:
    """One warning per column of :data:`schema.WARN_NEGATIVE` with negative values."""
    for table, fields in schema.WARN_NEGATIVE.items():
        df = tables[table]
        if df.empty:
            continue
        for field in fields:
            neg = df[field].to_numpy(float) < 0
            if not neg.any():
                continue
            names = df.index[neg]
            shown = ", ".join(f"'{n}'" for n in names[:10])
            more = f" and {len(names) - 10} more" if len(names) > 10 else ""
            where = f"{net.source}: " if net.source else ""
            warnings.warn(
                f"{where}{len(names)} {table}(s) have a negative {field} (legal in network "
                f"equivalents; check the data): {shown}{more}",
                UserWarning,
                stacklevel=4,
            )


def _check_line_impedance(line: pd.DataFrame) -> None:
    if line.empty:
        return
    r = line["r_ohm_per_km"].to_numpy(float)
    x = line["x_ohm_per_km"].to_numpy(float)
    bad = np.hypot(r, x) <= 0
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            "series impedance must be non-zero (r and x both 0)",
            table="line",
            element=line.index[i],
            field="x_ohm_per_km",
            value=float(x[i]),
        )
    neg = x < 0
    if not neg.any():
        return
    bad = neg & (line["kind"].to_numpy(object) != "series_capacitor")
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            "must be > 0",
            table="line",
            element=line.index[i],
            field="x_ohm_per_km",
            value=float(x[i]),
        )


def _check_trafos(trafo: pd.DataFrame, bus: pd.DataFrame, positions: BusPositions) -> None:
    if trafo.empty:
        return
    vk = trafo["vk_percent"].to_numpy(float)
    vkr = trafo["vkr_percent"].to_numpy(float)
    # vk < 0: a star-equivalent winding; vkr < 0: a network equivalent (both allowed)
    bad = np.abs(vkr) > np.abs(vk)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"must not exceed |vk_percent| ({abs(vk[i])}) in magnitude",
            table="trafo",
            element=trafo.index[i],
            field="vkr_percent",
            value=float(vkr[i]),
        )
    side = trafo["tap_side"].to_numpy(object)
    bad = (side != "hv") & (side != "lv")
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            "must be 'hv' or 'lv'",
            table="trafo",
            element=trafo.index[i],
            field="tap_side",
            value=side[i],
        )
    vn_bus = bus["vn_kv"].to_numpy(float)
    for end in ("hv", "lv"):
        rated = trafo[f"vn_{end}_kv"].to_numpy(float)
        pos = positions[("trafo", f"{end}_bus")]
        at_bus = np.where(pos >= 0, vn_bus[np.maximum(pos, 0)], np.nan)
        rel = np.abs(rated / at_bus - 1.0)
        bad = rel > TRAFO_VOLTAGE_TOLERANCE
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(
                f"does not match its {end.upper()} bus "
                f"'{trafo[f'{end}_bus'].iloc[i]}' at {at_bus[i]:g} kV",
                table="trafo",
                element=trafo.index[i],
                field=f"vn_{end}_kv",
                value=float(rated[i]),
            )


def bus_islands(net: Network, positions: BusPositions | None = None) -> tuple[int, np.ndarray]:
    """Label the islands of in-service buses joined by in-service branches.

    Returns ``(n_islands, label)``, ``label[i]`` for the i-th bus of ``net.bus``
    (-1 for out-of-service buses). DC links do not join islands. ``positions``: the
    output of :func:`bus_positions` (or :func:`validated_bus_positions`) when already known.
    """
    if positions is None:
        positions = bus_positions(net, ("line", "trafo"))
    bus = net.bus
    n = len(bus)
    live = bus["in_service"].to_numpy(bool)
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    for table, a, b in (("line", "from_bus", "to_bus"), ("trafo", "hv_bus", "lv_bus")):
        df = net.table(table)
        if df.empty:
            continue
        on = df["in_service"].to_numpy(bool)
        fa = positions[(table, a)]
        fb = positions[(table, b)]
        ok = on & (fa >= 0) & (fb >= 0)
        fa, fb = fa[ok], fb[ok]
        ok2 = live[fa] & live[fb]
        rows.append(fa[ok2])
        cols.append(fb[ok2])
    r = np.concatenate(rows) if rows else np.zeros(0, np.int64)
    c = np.concatenate(cols) if cols else np.zeros(0, np.int64)
    # adjacency straight in CSR (edge order within a row does not matter here)
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(r, minlength=n), out=indptr[1:])
    adj = sp.csr_matrix((np.ones(len(r)), c[np.argsort(r)], indptr), shape=(n, n))
    n_comp, labels = connected_components(adj, directed=False)
    # renumber the components that hold live buses 0..k-1, in the order of their labels
    live_labels = labels[live]
    used = np.zeros(n_comp, bool)
    used[live_labels] = True
    rank = np.cumsum(used) - 1
    out = np.full(n, -1, dtype=int)
    out[live] = rank[live_labels]
    return int(np.count_nonzero(used)), out


def check_islands_have_slack(
    net: Network,
    islands: tuple[int, np.ndarray] | None = None,
    positions: BusPositions | None = None,
) -> None:
    """Raise unless every island of in-service buses has exactly one in-service slack
    generator, and there is at least one such island (an empty network, or one whose
    buses are all out of service, has nothing to compute).

    ``islands`` is the output of :func:`bus_islands` and ``positions`` that of
    :func:`bus_positions`, when already computed.
    """
    if positions is None:
        positions = bus_positions(net, ("line", "trafo", "gen"))
    n_isl, labels = islands if islands is not None else bus_islands(net, positions)
    if n_isl == 0:
        what = "has no buses" if net.bus.empty else "has no in-service buses"
        raise InputError(f"{what}: there is nothing to compute", table="bus", show_value=False)
    gen = net.gen
    slack = gen["slack"].to_numpy(bool) & gen["in_service"].to_numpy(bool)
    count = np.zeros(n_isl, np.int64)
    isl = np.zeros(0, np.int64)
    if slack.any():
        idx = positions[("gen", "bus")][slack]
        isl = np.where(idx >= 0, labels[np.maximum(idx, 0)], -1)
        count = np.bincount(isl[isl >= 0], minlength=n_isl)
    if (count == 0).any():
        k = int(np.flatnonzero(count == 0)[0])
        members = net.bus.index[labels == k]
        # an island with nothing connected to it (no gen/load) is still reported
        raise InputError(
            f"is in an island of {len(members)} bus(es) without a slack generator; a power "
            "flow needs one per island (set slack=True on one of its generators, or take the "
            "island out of service; a dispatch needs none: validate(require_slack=False))",
            table="bus",
            element=members[0],
            value=list(members[:5]),
        )
    if (count > 1).any():
        k = int(np.flatnonzero(count > 1)[0])
        names = list(gen.index[slack][isl == k])
        n_bus = int(np.count_nonzero(labels == k))
        raise InputError(
            f"{len(names)} slack generators in one island of {n_bus} bus(es) "
            "(gridsim has no distributed slack: keep slack=True on one of them)",
            table="gen",
            element=names[1],
            field="slack",
            value=names[:5],
        )
