"""Studies: each a driver with its options and results.

The power-flow studies are imported from here (their numerics are in
:mod:`gridsim.powerflow`, which imports no study): :func:`run_pf`, :func:`run_timeseries`,
:func:`run_contingency` and :func:`run_contingency_ac`. The power balance is
:func:`gridsim.studies.balance.run_balance`.
"""

from gridsim.studies.contingency import ContingencyResult, run_contingency
from gridsim.studies.contingency_ac import AcContingencyResult, run_contingency_ac
from gridsim.studies.powerflow import PowerFlowOptions, PowerFlowResult, run_pf
from gridsim.studies.timeseries import TimeSeriesResult, run_timeseries

__all__ = [
    "AcContingencyResult",
    "ContingencyResult",
    "PowerFlowOptions",
    "PowerFlowResult",
    "TimeSeriesResult",
    "run_contingency",
    "run_contingency_ac",
    "run_pf",
    "run_timeseries",
]
