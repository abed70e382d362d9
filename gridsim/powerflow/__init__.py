"""Power-flow numerics (compile, Ybus, NR, fast-decoupled, DC, PTDF/LODF).

Numerics only: the study entry points that drive them (``run_pf``, ``run_timeseries``,
``run_contingency``, ``run_contingency_ac``) are in :mod:`gridsim.studies`.
"""

from gridsim.powerflow.compile import CompiledNetwork, compile_network

__all__ = ["CompiledNetwork", "compile_network"]
