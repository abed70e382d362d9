"""The time-series power-flow study: many snapshots of one topology.

Inputs are DataFrames of shape (T, elements) keyed ``"<table>.<column>"``, for
example ``{"load.p_mw": df, "load.q_mvar": df, "gen.p_mw": df}``; their columns are
element names and their index the snapshots. Elements or fields not given keep
their values from the network tables.

>>> res = run_timeseries(net, {"load.p_mw": load_p})          # doctest: +SKIP
>>> res.frame("vm_pu").min().min(), res.converged.all()        # doctest: +SKIP
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from gridsim.errors import InputError
from gridsim.network.network import Network
from gridsim.powerflow.batch import ENGINES, AcSeriesArrays, solve_ac_series
from gridsim.powerflow.compile import CompiledNetwork, compile_network
from gridsim.powerflow.dc import (
    dc_injection_pu,
    dc_model,
    non_ref_buses,
    reduced_bbus,
    reduced_rhs_offset_pu,
)
from gridsim.powerflow.dc_kernel import DcFeeds, dc_series_solve
from gridsim.powerflow.factors import LUFactors
from gridsim.powerflow.flows_kernel import add_feeds_into
from gridsim.powerflow.jit import notify_first_compile, series_kernels
from gridsim.powerflow.ybus import make_ybus
from gridsim.studies.powerflow import initial_voltage

SERIES_FIELDS: dict[str, tuple[str, str, float]] = {
    # key: (table, bus column, sign and part) -> contribution to the bus injection
    "load.p_mw": ("load", "bus", -1.0),
    "load.q_mvar": ("load", "bus", -1.0),
    "gen.p_mw": ("gen", "bus", 1.0),
    "gen.q_mvar": ("gen", "bus", 1.0),
    "storage.p_mw": ("storage", "bus", -1.0),
    "dcline.p_mw": ("dcline", "from_bus", -1.0),
}


@dataclass
class TimeSeriesResult:
    """Arrays over snapshots (T first): bus voltages and branch flows, plus per-snapshot
    convergence. :meth:`frame` turns any array into a labelled DataFrame."""

    snapshots: pd.Index
    bus_names: np.ndarray
    branch_names: np.ndarray
    vm_pu: np.ndarray  # (T, n_bus)
    va_degree: np.ndarray
    p_from_mw: np.ndarray  # (T, n_branch)
    q_from_mvar: np.ndarray
    p_to_mw: np.ndarray
    q_to_mvar: np.ndarray
    loading_percent: np.ndarray
    converged: np.ndarray  # (T,)
    iterations: np.ndarray
    max_mismatch_mva: np.ndarray
    worst_bus: np.ndarray  # (T,) bus name or "" when converged
    algorithm: str
    time_s: float = 0.0
    meta: dict = field(default_factory=dict)
    compiled: CompiledNetwork | None = None  # the network the snapshots were solved on
    s_bus_pu: np.ndarray | None = None  # (n, T) bus injections solved (keep_injections)

    def frame(self, name: str) -> pd.DataFrame:
        """The array ``name`` as a DataFrame (index snapshot, columns bus or branch)."""
        arr = getattr(self, name)
        cols = (
            self.bus_names
            if arr.shape[1] == len(self.bus_names) and name in ("vm_pu", "va_degree")
            else self.branch_names
        )
        return pd.DataFrame(arr, index=self.snapshots, columns=pd.Index(cols))

    @property
    def n_failed(self) -> int:
        return int((~self.converged).sum())


@dataclass
class SeriesInput:
    """One checked input field: element profiles and the buses they feed.

    ``feeds`` holds, per bus that each element feeds, ``(bus, scale)``: the internal bus
    index (-1 where the element feeds nothing: out of service, slack, or Q of a
    voltage-controlled generator) and pu per MW (or Mvar) of change from ``static``.
    """

    key: str
    values: np.ndarray  # (T, n_el) MW or Mvar
    static: np.ndarray  # (n_el,) the network tables' values
    feeds: list[tuple[np.ndarray, np.ndarray]]
    reactive: bool


def series_inputs(
    c: CompiledNetwork, net: Network, inputs: Mapping[str, pd.DataFrame]
) -> tuple[pd.Index, list[SeriesInput]]:
    """Snapshots and the checked fields of ``inputs`` (bad input raises ``InputError``)."""
    index: pd.Index | None = None
    series: list[SeriesInput] = []
    bus_pos = pd.Series(np.arange(c.n_bus), index=c.bus_names)
    for key, df in inputs.items():
        if key not in SERIES_FIELDS:
            raise InputError(
                f"is not a time-series field (fields: {list(SERIES_FIELDS)})",
                field="inputs",
                value=key,
            )
        table, bus_col, sign = SERIES_FIELDS[key]
        col = key.split(".", 1)[1]
        tab = net.table(table)
        unknown = [x for x in df.columns if str(x) not in tab.index]
        if unknown:
            raise InputError(
                f"unknown {table}", table=table, element=unknown[0], field=key, value=unknown[0]
            )
        if index is None:
            index = df.index
        elif len(df.index) != len(index) or not df.index.equals(index):
            raise InputError(
                "snapshots differ from the other inputs", field=key, value=f"{len(df.index)} rows"
            )
        values = df.to_numpy(dtype=float)
        if not np.all(np.isfinite(values)):
            r, k = np.argwhere(~np.isfinite(values))[0]
            raise InputError(
                "must be finite",
                table=table,
                element=df.columns[k],
                field=key,
                value=f"{values[r, k]} at {df.index[r]}",
            )
        names = [str(x) for x in df.columns]
        rows = tab.index.get_indexer(names)
        static = tab[col].to_numpy(float)[rows]
        on = tab["in_service"].to_numpy(bool)[rows]
        b = bus_pos.reindex(tab[bus_col].astype(str).to_numpy()[rows]).to_numpy()
        ok = on & ~np.isnan(b)
        if table == "gen":
            gi = pd.Index(c.gen_names).get_indexer(names)
            slack = c.gen_slack[gi]
            ok &= ~slack
            if col == "q_mvar":
                ok &= ~c.gen_controllable[gi]
        feeds = [(np.where(ok, b, -1).astype(np.int64), np.where(ok, sign / c.sn_mva, 0.0))]
        if table == "dcline":
            loss_pct = tab.loc[names, "loss_percent"].to_numpy(float)
            to = bus_pos.reindex(tab.loc[names, "to_bus"].astype(str)).to_numpy()
            ok_t = ok & ~np.isnan(to)
            feeds.append(
                (
                    np.where(ok_t, to, -1).astype(np.int64),
                    np.where(ok_t, (1 - loss_pct / 100) / c.sn_mva, 0.0),
                )
            )
        series.append(SeriesInput(key, values, static, feeds, col.startswith("q_")))
    if index is None:
        raise InputError("no time-series input given", field="inputs", value=list(inputs))
    return index, series


def injection_series(
    c: CompiledNetwork, net: Network, inputs: Mapping[str, pd.DataFrame]
) -> tuple[pd.Index, np.ndarray]:
    """Snapshots and the (n, T) complex bus injections (pu) implied by ``inputs``."""
    index, series = series_inputs(c, net, inputs)
    return index, bus_injections_pu(c, len(index), series)


def bus_injections_pu(c: CompiledNetwork, n_t: int, series: list[SeriesInput]) -> np.ndarray:
    """The (n, T) complex bus injections (pu): the network's, changed by ``series``.

    Built snapshot-major: the result is the transpose of a C-ordered (T, n) array, the
    order the compiled solver reads."""
    s = np.empty((n_t, c.n_bus), complex)
    s[:] = c.s_bus_pu()[None, :]
    parts = s.view(np.float64)  # (T, 2n): real part of bus b at 2b, imaginary at 2b + 1
    for ser in series:
        values = np.ascontiguousarray(ser.values, dtype=np.float64)
        for bus, scale in ser.feeds:
            col = np.where(scale != 0.0, 2 * bus + int(ser.reactive), -1).astype(np.int64)
            add_feeds_into(parts, col, scale.astype(np.float64), values, ser.static.astype(np.float64))  # fmt: skip
    return s.T


def dc_loading_factor(c: CompiledNetwork) -> np.ndarray:
    """Per-branch factor turning |P| (MW) into loading (%) in the DC model, where the
    current is |P| / (sqrt(3) V) at each end (NaN without a rating).

    pandapower's ``rundcpp`` reports a different loading: it evaluates the AC branch
    currents (with resistance and shunts) at the DC angles and 1 pu magnitudes, so its
    currents are not consistent with its own DC flows (IEEE 118: up to 0.05 % points
    apart; case1354pegase: 7 points on lines, 18 on off-nominal transformers). The
    flows and angles agree with pandapower to 1e-9; AC loadings agree to 1e-9.
    """
    i_per_mw = 1.0 / (np.sqrt(3) * np.minimum(c.vn_from_kv, c.vn_to_kv))
    with np.errstate(divide="ignore", invalid="ignore"):
        line = i_per_mw / c.rate_i_ka * 100.0
        trafo = 100.0 / c.rate_mva
    return np.where(c.branch_kind == "line", line, trafo)


def _dc_feeds(
    series: list[SeriesInput], row_of_bus: np.ndarray
) -> tuple[tuple[np.ndarray, ...], bool, DcFeeds]:
    """The active-power profiles and their feeds in the form :func:`dc_series_solve`
    takes: one memory order for all (a transposed view when all are column-major),
    read-only views of one type, and per feed its column, reduced-system row (feeds
    to reference buses dropped), pu per MW and static MW."""
    p_series = [ser for ser in series if not ser.reactive]
    arrays = [ser.values for ser in p_series]
    by_snapshot = not (arrays and all(a.flags.f_contiguous for a in arrays))
    views = []
    for a in arrays:
        v = (np.ascontiguousarray(a) if by_snapshot else a.T).view()
        v.flags.writeable = False
        views.append(v)
    if not views:  # numba needs a typed, non-empty tuple
        views.append(np.zeros((0, 0)))
    parts: dict[str, list[np.ndarray]] = {k: [] for k in ("col", "row", "scale", "static")}
    ptr = [0]
    for ser in p_series:
        for bus, scale in ser.feeds:
            row = np.where(bus >= 0, row_of_bus[np.maximum(bus, 0)], -1)
            keep = np.flatnonzero(row >= 0)
            parts["col"].append(keep)
            parts["row"].append(row[keep])
            parts["scale"].append(scale[keep])
            parts["static"].append(ser.static[keep])
        ptr.append(sum(len(x) for x in parts["col"]))
    feeds = {k: np.concatenate(v) if v else np.zeros(0) for k, v in parts.items()}
    feeds["col"] = feeds["col"].astype(np.int64)
    feeds["row"] = feeds["row"].astype(np.int64)
    feeds["ptr"] = np.array(ptr if len(ptr) > 1 else [0, 0], dtype=np.int64)
    return tuple(views), by_snapshot, DcFeeds(**feeds)


def _solve_dc(
    c: CompiledNetwork,
    series: list[SeriesInput],
    vm: np.ndarray,
    va: np.ndarray,
    out: dict[str, np.ndarray],
) -> None:
    """DC time series written straight into the (T, ...) result arrays by one compiled
    pass over blocks of snapshots (see :func:`dc_series_solve`)."""
    model = dc_model(c)
    ref, nr = c.ref, non_ref_buses(c)
    b_nr, b_nr_ref = reduced_bbus(model, ref, nr)
    lu = LUFactors.factorise(b_nr)
    theta_ref = c.va_set_rad[ref]
    # P_nr - shunt_nr - (B_nr,ref theta_ref + shift_nr), before the profiles' changes,
    # in the row order of the factorised system
    rhs_base = np.empty(len(nr))
    rhs_base[lu.perm_r] = dc_injection_pu(c)[nr] - reduced_rhs_offset_pu(
        model, b_nr_ref, nr, theta_ref
    )
    row_of_bus = np.full(c.n_bus, -1, dtype=np.int64)
    row_of_bus[nr] = lu.perm_r
    profiles, by_snapshot, feeds = _dc_feeds(series, row_of_bus)
    dc_series_solve(
        profiles,
        by_snapshot,
        feeds,
        rhs_base,
        lu,
        nr,
        ref,
        theta_ref,
        c.f,
        c.t,
        model.b * c.sn_mva,
        c.shift_rad,
        dc_loading_factor(c),
        va,
        vm,
        out["p_from_mw"],
        out["p_to_mw"],
        out["loading_percent"],
    )


def run_timeseries(
    net: Network,
    inputs: Mapping[str, pd.DataFrame],
    *,
    algorithm: str = "ac",
    tol_mva: float = 1e-6,
    chunk: int | None = None,
    trafo_model: str | None = None,
    engine: str = "numba",
    keep_injections: bool = False,
    compiled: CompiledNetwork | None = None,
) -> TimeSeriesResult:
    """Solve every snapshot of ``inputs`` (AC: ``"ac"``; DC: ``"dc"``).

    ``inputs``: DataFrames of shape (T, elements) keyed ``"<table>.<column>"``, the keys
    of :data:`SERIES_FIELDS` (``"load.p_mw"``, ``"load.q_mvar"``, ``"gen.p_mw"``,
    ``"gen.q_mvar"``, ``"storage.p_mw"``, ``"dcline.p_mw"``; MW or Mvar). Every frame
    has the same index, the T snapshots, and element names of its table as columns (a
    subset is fine); elements and fields not given keep their values from the network
    tables. For example ``{"load.p_mw": pd.DataFrame(p, index=snapshots,
    columns=net.load.index)}`` with ``p`` of shape (T, number of loads).

    One topology, one compile, one set of factorisations. Snapshots that do not
    converge are flagged in ``converged`` with their iterations, largest mismatch and
    its bus, and hold NaN in every result array (never the diverged iterate); the
    others are unaffected. ``engine`` (AC): ``"numba"`` (compiled Newton-Raphson,
    parallel over blocks of snapshots, reusing LU factors), ``"numba-fd"`` (compiled
    fast-decoupled) or ``"numpy"`` (fast-decoupled vectorised over snapshots); see
    :mod:`gridsim.powerflow.batch`. All converge to ``tol_mva``.
    ``chunk``: snapshots per AC batch (default: sized to memory). The DC model is
    linear: it solves all snapshots in one compiled pass, ``chunk`` and ``engine`` do
    not apply. ``keep_injections`` (AC): the result keeps the (n, T) complex bus
    injections solved (pu) in ``s_bus_pu``. ``compiled``: ``net`` already compiled (with
    ``trafo_model``), to save compiling it again.
    """
    if algorithm not in ("ac", "dc"):
        raise InputError("must be 'ac' or 'dc'", field="algorithm", value=algorithm)
    if engine not in ENGINES:
        raise InputError(f"must be one of {ENGINES}", field="engine", value=engine)
    t0 = time.perf_counter()
    c = compiled if compiled is not None else compile_network(net, trafo_model=trafo_model)
    index, series = series_inputs(c, net, inputs)
    notify_first_compile(*series_kernels())  # after the checks: bad input never waits for a compile
    n_t = len(index)
    n, m = c.n_bus, c.n_branch
    out = {k: np.empty((n_t, m)) for k in ("p_from_mw", "p_to_mw", "loading_percent")}
    # reactive flows stay zero in the DC model: np.zeros pages are only touched when written
    out["q_from_mvar"] = np.zeros((n_t, m))
    out["q_to_mvar"] = np.zeros((n_t, m))
    vm = np.empty((n_t, n))
    va = np.empty((n_t, n))
    conv = np.ones(n_t, bool)
    iters = np.zeros(n_t, np.int64)
    mis = np.zeros(n_t)
    worst = np.full(n_t, "", dtype=object)
    s_bus = None
    if algorithm == "dc":
        _solve_dc(c, series, vm, va, out)
    else:
        s_bus = bus_injections_pu(c, n_t, series)
        ybus, yf, yt = make_ybus(c)
        from gridsim.powerflow.newton import newton_pf

        v_init = initial_voltage(c)
        mean = newton_pf(ybus, s_bus.mean(axis=1), v_init, c.pv, c.pq, tol=tol_mva / c.sn_mva)
        v_start = mean.v if mean.converged else v_init
        tol = tol_mva / c.sn_mva

        wb = np.full(n_t, -1, np.int64)
        arrays = AcSeriesArrays(
            vm_pu=vm,
            va_degree=va,
            p_from_mw=out["p_from_mw"],
            q_from_mvar=out["q_from_mvar"],
            p_to_mw=out["p_to_mw"],
            q_to_mvar=out["q_to_mvar"],
            loading_percent=out["loading_percent"],
            converged=conv,
            iterations=iters,
            max_mismatch_pu=mis,
            worst_bus=wb,
        )
        solve_ac_series(
            c,
            ybus,
            yf,
            yt,
            lambda sl: s_bus[:, sl],
            n_t,
            v_start,
            arrays,
            tol=tol,
            chunk=chunk,
            engine=engine,
        )
        mis *= c.sn_mva
        worst[:] = np.where(conv, "", c.bus_names[np.maximum(wb, 0)])
        failed = ~conv
        if failed.any():  # a diverged iterate is no result: NaN in every array
            for arr in (vm, va, *out.values()):
                arr[failed] = np.nan
    return TimeSeriesResult(
        snapshots=index,
        bus_names=c.bus_names,
        branch_names=c.branch_names,
        vm_pu=vm,
        va_degree=va,
        converged=conv,
        iterations=iters,
        max_mismatch_mva=mis,
        worst_bus=worst,
        algorithm=algorithm,
        time_s=time.perf_counter() - t0,
        compiled=c,
        s_bus_pu=s_bus if keep_injections else None,
        **out,  # type: ignore[arg-type]
    )
