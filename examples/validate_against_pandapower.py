"""Print the largest differences between gridsim and pandapower on pandapower's cases.

    python examples/validate_against_pandapower.py

For each case: |dV| (pu), |dtheta| (degree) and the largest branch P/Q difference
(MW/Mvar), for Newton-Raphson and fast-decoupled (against ``runpp``, 1e-10 MVA) and for
the DC power flow (against ``rundcpp``).
"""

from __future__ import annotations

import copy
import warnings

import numpy as np
import pandapower as pp
import pandapower.networks as pn
import pandas as pd

from gridsim.network.io_pandapower import from_pandapower
from gridsim.studies import run_pf

CASES = ["case9", "case14", "case30", "case57", "case118", "case300", "case1354pegase",
         "case2869pegase"]  # fmt: skip


def _flows(res) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    return pd.concat([res.line, res.trafo])


def _ref_flows(ppn) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    line = ppn.res_line[ppn.line["in_service"].to_numpy(bool)]
    trafo = ppn.res_trafo[ppn.trafo["in_service"].to_numpy(bool)].rename(
        columns={
            "p_hv_mw": "p_from_mw",
            "q_hv_mvar": "q_from_mvar",
            "p_lv_mw": "p_to_mw",
            "q_lv_mvar": "q_to_mvar",
        }  # fmt: skip
    )
    cols = ["p_from_mw", "q_from_mvar", "p_to_mw", "q_to_mvar"]
    return pd.concat([line[cols], trafo[cols]])


def compare(case: str) -> list[dict[str, object]]:
    """Rows of maxima for one case."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        base = getattr(pn, case)()
    rows = []
    ppn = copy.deepcopy(base)
    pp.runpp(ppn, tolerance_mva=1e-10)
    net = from_pandapower(ppn)
    live = ~np.isnan(ppn.res_bus["vm_pu"].to_numpy())
    ref_f = _ref_flows(ppn)
    for alg in ("nr", "fdxb", "fdbx"):
        res = run_pf(net, alg, tol_mva=1e-9, max_iter=200)
        f = _flows(res)
        cols = ["p_from_mw", "q_from_mvar", "p_to_mw", "q_to_mvar"]
        rows.append({
            "case": case, "algorithm": alg, "converged": res.converged,
            "max_dV_pu": np.max(np.abs(res.bus["vm_pu"].to_numpy()[live]
                                       - ppn.res_bus["vm_pu"].to_numpy()[live])),
            "max_dtheta_deg": np.max(np.abs(res.bus["va_degree"].to_numpy()[live]
                                            - ppn.res_bus["va_degree"].to_numpy()[live])),
            "max_dflow_mw_mvar": np.max(np.abs(f[cols].to_numpy() - ref_f[cols].to_numpy())),
        })  # fmt: skip
    ppn = copy.deepcopy(base)
    pp.rundcpp(ppn)
    res = run_pf(net, "dc")
    f = _flows(res)
    ref_f = _ref_flows(ppn)
    rows.append({
        "case": case, "algorithm": "dc", "converged": res.converged, "max_dV_pu": 0.0,
        "max_dtheta_deg": np.max(np.abs(res.bus["va_degree"].to_numpy()[live]
                                        - ppn.res_bus["va_degree"].to_numpy()[live])),
        "max_dflow_mw_mvar": np.max(np.abs(f["p_from_mw"].to_numpy()
                                           - ref_f["p_from_mw"].to_numpy())),
    })  # fmt: skip
    return rows


def main() -> None:
    table = pd.DataFrame([r for case in CASES for r in compare(case)])
    with pd.option_context("display.float_format", "{:.2e}".format, "display.width", 120):
        print(table.to_string(index=False))
    print("\nlargest over all cases:")
    print(table.groupby("algorithm")[["max_dV_pu", "max_dtheta_deg", "max_dflow_mw_mvar"]].max())


if __name__ == "__main__":
    main()
