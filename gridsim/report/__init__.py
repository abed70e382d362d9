"""Reports of power-balance runs: figures for notebooks, the HTML report, the network map.

>>> from gridsim.report import plot_dispatch, write_report
>>> from gridsim.results import load_run
>>> run = load_run("results/ningxia_2025")
>>> plot_dispatch(run, week=15)                 # a matplotlib Figure
>>> write_report(run)                           # results/ningxia_2025/report.html

Names are imported on first use, so ``import gridsim.report.network_map`` stays light.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gridsim.report.html import write_report
    from gridsim.report.network_loading import branch_loading, line_loading, plot_network_loading
    from gridsim.report.network_map import plot_network
    from gridsim.report.plots import (
        all_figures,
        curtailment_matrix,
        default_week,
        dr_hourly,
        duration_curves,
        hourly_balance,
        monthly_balance,
        plot_curtailment_heatmap,
        plot_dispatch,
        plot_dr,
        plot_duration,
        plot_monthly_balance,
        plot_storage_soc,
        soc_daily,
    )

__all__ = [
    "all_figures",
    "branch_loading",
    "curtailment_matrix",
    "default_week",
    "dr_hourly",
    "duration_curves",
    "hourly_balance",
    "line_loading",
    "monthly_balance",
    "plot_curtailment_heatmap",
    "plot_dispatch",
    "plot_dr",
    "plot_duration",
    "plot_monthly_balance",
    "plot_network",
    "plot_network_loading",
    "plot_storage_soc",
    "soc_daily",
    "write_report",
]
_MODULE = {
    "write_report": "html",
    "plot_network": "network_map",
    "branch_loading": "network_loading",
    "line_loading": "network_loading",
    "plot_network_loading": "network_loading",
}
"""Module of each name that is not in ``plots``."""


def __getattr__(name: str) -> Any:
    if name in __all__:
        module = _MODULE.get(name, "plots")
        return getattr(importlib.import_module(f"gridsim.report.{module}"), name)
    raise AttributeError(f"module 'gridsim.report' has no attribute {name!r}")
