"""Power-flow numerics (compile, Ybus, NR, fast-decoupled, DC, PTDF/LODF).

The study entry points are re-exported lazily, so that ``gridsim.studies`` can import
the numerics without a cycle: ``run_pf``, ``run_timeseries``, ``run_contingency``, ``run_contingency_ac``.
"""

from __future__ import annotations

from typing import Any

from gridsim.powerflow.compile import CompiledNetwork, compile_network

_LAZY = {
    "run_pf": "gridsim.studies.powerflow",
    "PowerFlowOptions": "gridsim.studies.powerflow",
    "PowerFlowResult": "gridsim.studies.powerflow",
    "run_timeseries": "gridsim.studies.timeseries",
    "TimeSeriesResult": "gridsim.studies.timeseries",
    "run_contingency": "gridsim.studies.contingency",
    "ContingencyResult": "gridsim.studies.contingency",
    "run_contingency_ac": "gridsim.studies.contingency_ac",
    "AcContingencyResult": "gridsim.studies.contingency_ac",
}

__all__ = ["CompiledNetwork", "compile_network", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'gridsim.powerflow' has no attribute {name!r}")
