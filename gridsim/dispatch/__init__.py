"""Hourly power-balance dispatch: problem arrays, the LP, and the rolling-horizon driver.

Three layers, as in PowerModels:

1. data -> problem: :func:`build_problem` maps a :class:`~gridsim.network.Network` and
   hourly profiles to a :class:`DispatchProblem` of named numpy arrays;
2. the maths: :mod:`~gridsim.dispatch.variables`, :mod:`~gridsim.dispatch.constraints`
   (one function per constraint family) and :func:`~gridsim.dispatch.model.formulate`
   build a sparse LP that HiGHS solves;
3. the driver: :func:`solve_dispatch` runs a rolling horizon (or one solve) and
   returns a :class:`DispatchResult`.

Example::

    from gridsim.dispatch import BuildOptions, DispatchOptions, build_problem, solve_dispatch

    problem = build_problem(net, profiles, BuildOptions(network="transport",
                                                        export_band_pu=0.1))
    result = solve_dispatch(problem, DispatchOptions(window_h=168, lookahead_h=24),
                            progress=lambda report, n: print(report.index, report.status))
    result.status, result.summary(), result.frame("thermal_p_mw")
    result.to_parquet("out/dispatch")
"""

from gridsim.dispatch.build import BuildOptions, build_problem
from gridsim.dispatch.model import SolverOptions, formulate, solve_lp
from gridsim.dispatch.problem import (
    Branches,
    CurtailableLoad,
    DispatchProblem,
    Exchange,
    Hydro,
    Links,
    Nodes,
    Renewable,
    Reserves,
    ShiftableLoad,
    Storage,
    Thermal,
)
from gridsim.dispatch.result import Diagnosis, DispatchResult, WindowReport
from gridsim.dispatch.rolling import DispatchOptions, solve_dispatch

__all__ = [
    "Branches",
    "BuildOptions",
    "CurtailableLoad",
    "Diagnosis",
    "DispatchOptions",
    "DispatchProblem",
    "DispatchResult",
    "Exchange",
    "Hydro",
    "Links",
    "Nodes",
    "Renewable",
    "Reserves",
    "ShiftableLoad",
    "SolverOptions",
    "Storage",
    "Thermal",
    "WindowReport",
    "build_problem",
    "formulate",
    "solve_dispatch",
    "solve_lp",
]
