"""Loss feedback: marginal loss factors from the AC check, back into the dispatch.

>>> fb = run_loss_feedback("ningxia_2025_week", iterations=2)   # doctest: +SKIP
>>> fb.table                                                     # objective, KPIs per pass

Each pass after the first re-runs the dispatch with

- ``loss_factor`` = the AC losses of the previous pass over its demand (the energy the
  LP adds to the load for losses), and
- each generator's cost multiplied by its penalty factor ``1 / (1 - MLF)`` (classic
  economic dispatch with losses), where the marginal loss factor ``MLF = dLoss/dP`` of
  its bus, the slack taking the change, is averaged over a sample of the previous pass's
  hours weighted by the generator's output.

MLFs are finite differences of the AC losses: every sampled hour is solved once as
dispatched and once per generator bus with ``dp_mw`` more injection there, all in one
AC time series.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from gridsim import kpi
from gridsim.network.network import Network
from gridsim.studies.ac_check_inputs import (
    PROBE,
    AcCheckSettings,
    Frames,
    ac_inputs,
    ac_network,
    bus_shape_mw,
    dispatch_frames,
)
from gridsim.studies.timeseries import run_timeseries

log = logging.getLogger(__name__)


def marginal_loss_factors(
    net: Network,
    frames: Frames,
    settings: AcCheckSettings,
    profile_load_mw: pd.DataFrame | None = None,
    n_hours: int = 48,
    dp_mw: float = 10.0,
) -> pd.DataFrame:
    """MLF (dLoss/dP, MW per MW) of every bus with an in-service non-slack generator,
    on ``n_hours`` hours spread evenly over the dispatch (hour x bus; NaN where a
    solve did not converge)."""
    load = frames("load_mw")
    if load is None:
        from gridsim.errors import InputError

        raise InputError("has no hourly 'load_mw'", field="load_mw")
    pick = np.unique(np.linspace(0, len(load) - 1, min(n_hours, len(load))).round().astype(int))

    def sub(name: str) -> pd.DataFrame | None:
        df = frames(name)
        return None if df is None else df.iloc[pick]

    prof = profile_load_mw.iloc[pick] if profile_load_mw is not None else None
    net_ac = ac_network(net)
    gen = net_ac.gen[net_ac.gen.in_service.astype(bool) & ~net_ac.gen.slack.astype(bool)]
    buses = list(dict.fromkeys(str(b) for b in gen.bus))
    for b in buses:
        net_ac.add_load(f"{PROBE}{b}", b, p_mw=0.0, q_mvar=0.0)
    base = ac_inputs(net_ac, sub, settings, bus_shape_mw(net, prof, load.index[pick]))
    k, n_b = len(pick), len(buses)
    reps = n_b + 1  # the hour as dispatched, then one probe per bus
    idx = pd.RangeIndex(k * reps)
    inputs = {key: pd.DataFrame(np.tile(df.to_numpy(float), (reps, 1)), index=idx, columns=df.columns) for key, df in base.items()}  # fmt: skip
    probe = np.zeros((k * reps, n_b))
    for j in range(n_b):
        probe[(j + 1) * k : (j + 2) * k, j] = -dp_mw  # a negative load: more injection
    probes = pd.DataFrame(probe, index=idx, columns=[f"{PROBE}{b}" for b in buses])
    inputs["load.p_mw"] = pd.concat([inputs["load.p_mw"], probes], axis=1)
    inputs["load.q_mvar"] = pd.concat([inputs["load.q_mvar"], 0.0 * probes], axis=1)
    ts = run_timeseries(net_ac, inputs, algorithm="ac", engine=settings.engine)
    loss = (ts.p_from_mw.sum(axis=1) + ts.p_to_mw.sum(axis=1)).reshape(reps, k)
    mlf = (loss[1:] - loss[0][None, :]).T / dp_mw  # (k, n_b)
    return pd.DataFrame(mlf, index=load.index[pick], columns=pd.Index(buses, name="bus"))


def penalty_factors(net: Network, mlf: pd.DataFrame, frames: Frames) -> pd.Series:
    """Each generator's penalty factor ``1 / (1 - MLF)``, its bus's MLF averaged over the
    sampled hours weighted by the generator's output (plain mean without output)."""
    gen = net.gen[net.gen.in_service.astype(bool) & ~net.gen.slack.astype(bool)]
    outputs = [frames(n) for n in ("thermal_p_mw", "renewable_p_mw", "hydro_p_mw")]
    out = {}
    for g in gen.index:
        col = mlf[str(gen.bus[g])].to_numpy(float)
        w = np.zeros(len(col))
        for df in outputs:
            if df is not None and g in df.columns:
                w = np.clip(df[g].reindex(mlf.index).to_numpy(float), 0.0, None)
        ok = np.isfinite(col)
        m = float(np.average(col[ok], weights=w[ok])) if ok.any() and w[ok].sum() > 0 else float(np.nanmean(col))  # fmt: skip
        out[g] = 1.0 / (1.0 - np.clip(m, -0.5, 0.5))
    return pd.Series(out, name="penalty_factor")


@dataclass
class LossFeedback:
    """Passes of the loss feedback: ``table`` (one row per pass: loss factor used, LP
    objective, fuel cost at the network's prices, AC losses, KPIs), ``penalty`` (the
    generators' penalty factors of each pass after the first)."""

    table: pd.DataFrame
    penalty: pd.DataFrame


def _row(pas: int, loss_factor: float, res: Any, net: Network, cost0: pd.Series, ac: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
    k = kpi.summary(res, net, None)
    p = res.problem
    fuel = 0.0
    for name in ("thermal_p_mw", "hydro_p_mw"):
        if name in res.arrays:
            df = res.frame(name)
            fuel += float((df * cost0.reindex(df.columns).fillna(0.0)).to_numpy().sum() * p.dt_h)
    return {
        "pass": pas,
        "loss_factor": loss_factor,
        "objective_cny": res.objective,
        "fuel_cost_cny_at_network_prices": fuel,
        "ac_loss_mwh": ac["losses"]["ac_mwh"],
        "lp_loss_mwh": ac["losses"]["lp_mwh"],
        "ac_load_mwh": ac["losses"]["load_mwh"],
        "renewable_utilisation": k["renewable_utilisation"],
        "curtailed_mwh": k["curtailed_mwh"]["total"],
        "coal_t": k["coal_t"],
        "coal_rate_gce_per_kwh": k["coal_rate_gce_per_kwh"],
        "overload_hours": ac["overload"]["hours"],
        "voltage_violation_hours": ac["voltage"]["hours"],
    }


def run_loss_feedback(scenario: Any, iterations: int = 2, n_hours: int = 48) -> LossFeedback:
    """The dispatch of ``scenario`` (a Scenario, file or shipped name), then
    ``iterations`` passes with the AC losses and penalty factors of the pass before."""
    from gridsim.dispatch import solve_dispatch
    from gridsim.scenario import Scenario, load_scenario
    from gridsim.studies.ac_check import aligned_profile_load, run_ac_check, settings_of
    from gridsim.studies.balance import (  # fmt: skip
        dispatch_options,
        prepare_network,
        prepare_problem,
        prepare_profiles,
    )

    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    s = settings_of(sc)
    net0 = prepare_network(sc)
    prof, year_hours = prepare_profiles(sc, net=net0)
    cost0 = net0.gen["cost_per_mwh"].copy()
    rows, pens = [], {}
    net, study = net0, sc.study
    for pas in range(iterations + 1):
        sc_p = replace(sc, study=study)
        res = solve_dispatch(prepare_problem(sc_p, net, prof, year_hours), dispatch_options(sc_p))
        frames = dispatch_frames(res)
        load_prof = aligned_profile_load(prof.load_mw, res.problem.snapshots)
        chk = run_ac_check(net0, frames, s, load_prof)
        rows.append(_row(pas, study.loss_factor, res, net0, cost0, chk.summary))
        log.info("loss feedback pass %d: objective %.6g", pas, res.objective)
        if pas == iterations or not res.ok:
            break
        mlf = marginal_loss_factors(net0, frames, s, load_prof, n_hours)
        pf = penalty_factors(net0, mlf, frames)
        pens[f"pass {pas + 1}"] = pf
        net = net0.copy()
        net.gen.loc[pf.index, "cost_per_mwh"] = cost0[pf.index] * pf
        loss = chk.summary["losses"]
        share = float(loss["ac_share_of_load"] or 0.0)
        study = replace(sc.study, loss_factor=share)
    return LossFeedback(pd.DataFrame(rows).set_index("pass"), pd.DataFrame(pens))


def main(argv: list[str] | None = None) -> None:
    """``python -m gridsim.studies.loss_feedback SCENARIO [ITERATIONS]``: the table."""
    import sys

    args = sys.argv[1:] if argv is None else argv
    fb = run_loss_feedback(args[0], int(args[1]) if len(args) > 1 else 2)
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(fb.table.T.to_string())
        print()
        print(fb.penalty.describe().T.to_string())


__all__ = ["LossFeedback", "marginal_loss_factors", "penalty_factors", "run_loss_feedback"]

if __name__ == "__main__":  # pragma: no cover
    main()
