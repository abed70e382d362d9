"""Validation of a :class:`~gridsim.network.network.Network` against its schema.

Every problem is raised as :class:`~gridsim.errors.InputError` naming the file (when
known), the element, the field and the value. The checks:

- duplicate element names within a table;
- NaN or infinite values in fields that must be finite; required fields;
- non-positive base voltages, zero or negative series impedance (a negative line
  reactance is accepted only for ``kind = "series_capacitor"``), other sign rules;
- references to unknown buses;
- a transformer whose rated voltages do not match its buses (more than 30 % off, or
  the HV and LV sides swapped);
- an island (of in-service buses joined by in-service branches) without a slack
  generator.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from gridsim.errors import InputError
from gridsim.network import schema

if TYPE_CHECKING:
    from gridsim.network.network import Network

TRAFO_VOLTAGE_TOLERANCE = 0.30
"""Largest relative difference between a transformer's rated and its bus's voltage."""


def validate(net: Network, *, require_slack: bool = True) -> None:
    """Check ``net``; raise :class:`InputError` for the first problem found."""
    try:
        _validate(net, require_slack=require_slack)
    except InputError as err:
        if net.source and not err.source:
            raise err.with_source(net.source) from None
        raise


def _validate(net: Network, *, require_slack: bool) -> None:
    tables = net.tables()
    buses = tables["bus"].index
    for table, df in tables.items():
        _check_names(table, df)
        for col in schema.columns(table):
            _check_column(table, df, col, buses)
    _check_line_impedance(tables["line"])
    _check_trafos(tables["trafo"], tables["bus"])
    if require_slack:
        check_islands_have_slack(net)


def _check_names(table: str, df: pd.DataFrame) -> None:
    dup = df.index[df.index.duplicated()]
    if len(dup):
        raise InputError("duplicate name", table=table, element=dup[0], field="name", value=dup[0])
    if len(df) and (df.index == "").any():
        raise InputError("must not be empty", table=table, element="", field="name", value="")


def _first_bad(df: pd.DataFrame, mask: np.ndarray) -> str:
    return str(df.index[int(np.flatnonzero(mask)[0])])


def _check_column(table: str, df: pd.DataFrame, col: schema.Column, buses: pd.Index) -> None:
    if df.empty:
        return
    values = df[col.name].to_numpy()
    if col.dtype in ("float", "int"):
        v = np.asarray(values, dtype=float)
        nan = np.isnan(v)
        if col.required or col.check in ("positive", "nonneg", "finite", "nonzero"):
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
                "must be finite",
                table=table,
                element=name,
                field=col.name,
                value=float(v[np.flatnonzero(inf)[0]]),
            )
        if col.check == "positive":
            bad = ~(v > 0)
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                raise InputError(
                    "must be > 0",
                    table=table,
                    element=df.index[i],
                    field=col.name,
                    value=float(v[i]),
                )
        elif col.check == "nonzero":
            bad = v == 0
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                raise InputError(
                    "must not be 0",
                    table=table,
                    element=df.index[i],
                    field=col.name,
                    value=float(v[i]),
                )
        elif col.check == "nonneg":
            bad = v < 0
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                raise InputError(
                    "must be >= 0",
                    table=table,
                    element=df.index[i],
                    field=col.name,
                    value=float(v[i]),
                )
    elif col.check == "bus":
        bad = buses.get_indexer(values) < 0
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(
                "refers to an unknown bus",
                table=table,
                element=df.index[i],
                field=col.name,
                value=values[i],
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
    bad = (x < 0) & (line["kind"].to_numpy(object) != "series_capacitor")
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            "must be > 0",
            table="line",
            element=line.index[i],
            field="x_ohm_per_km",
            value=float(x[i]),
        )


def _check_trafos(trafo: pd.DataFrame, bus: pd.DataFrame) -> None:
    if trafo.empty:
        return
    vk = trafo["vk_percent"].to_numpy(float)
    vkr = trafo["vkr_percent"].to_numpy(float)
    bad = vkr > vk
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"must not exceed vk_percent ({vk[i]})",
            table="trafo",
            element=trafo.index[i],
            field="vkr_percent",
            value=float(vkr[i]),
        )
    side = trafo["tap_side"].to_numpy(object)
    bad = ~np.isin(side.astype(str), ["hv", "lv"])
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            "must be 'hv' or 'lv'",
            table="trafo",
            element=trafo.index[i],
            field="tap_side",
            value=side[i],
        )
    vn_bus = bus["vn_kv"]
    for end in ("hv", "lv"):
        rated = trafo[f"vn_{end}_kv"].to_numpy(float)
        at_bus = vn_bus.reindex(trafo[f"{end}_bus"].astype(str)).to_numpy(float)
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


def bus_islands(net: Network) -> tuple[int, np.ndarray]:
    """Label the islands of in-service buses joined by in-service branches.

    Returns ``(n_islands, label)``, ``label[i]`` for the i-th bus of ``net.bus``
    (-1 for out-of-service buses). DC links do not join islands.
    """
    bus = net.bus
    n = len(bus)
    bus_index = bus.index
    live = bus["in_service"].to_numpy(bool)
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    for table, a, b in (("line", "from_bus", "to_bus"), ("trafo", "hv_bus", "lv_bus")):
        df = net.table(table)
        if df.empty:
            continue
        on = df["in_service"].to_numpy(bool)
        fa = bus_index.get_indexer(df[a].to_numpy())
        fb = bus_index.get_indexer(df[b].to_numpy())
        ok = on & (fa >= 0) & (fb >= 0)
        fa, fb = fa[ok], fb[ok]
        ok2 = live[fa] & live[fb]
        rows.append(fa[ok2])
        cols.append(fb[ok2])
    r = np.concatenate(rows) if rows else np.zeros(0, int)
    c = np.concatenate(cols) if cols else np.zeros(0, int)
    adj = sp.coo_matrix((np.ones(len(r)), (r, c)), shape=(n, n))
    n_comp, labels = connected_components(adj, directed=False)
    labels = labels.astype(int)
    labels[~live] = -1
    # renumber islands of live buses 0..k-1
    uniq, inverse = np.unique(labels[live], return_inverse=True)
    out = np.full(n, -1, dtype=int)
    out[live] = inverse
    return len(uniq), out


def check_islands_have_slack(net: Network, islands: tuple[int, np.ndarray] | None = None) -> None:
    """Raise if an island of in-service buses has no in-service slack generator.

    ``islands`` is the output of :func:`bus_islands`, when already computed.
    """
    n_isl, labels = islands if islands is not None else bus_islands(net)
    if n_isl == 0:
        return
    gen = net.gen
    bus_index = net.bus.index
    slack = gen[gen["slack"].to_numpy(bool) & gen["in_service"].to_numpy(bool)]
    has = np.zeros(n_isl, bool)
    if len(slack):
        idx = bus_index.get_indexer(slack["bus"].to_numpy())
        idx = idx[idx >= 0]
        isl = labels[idx]
        has[isl[isl >= 0]] = True
    if not has.all():
        k = int(np.flatnonzero(~has)[0])
        members = net.bus.index[labels == k]
        # an island with nothing connected to it (no gen/load) is still reported
        raise InputError(
            f"island of {len(members)} bus(es) has no slack generator "
            "(set slack=True on one of its generators, or take the island out of service)",
            table="bus",
            element=members[0],
            field="island",
            value=list(members[:5]),
        )
