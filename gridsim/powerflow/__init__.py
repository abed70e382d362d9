"""Power-flow numerics (compile, Ybus, NR, fast-decoupled, DC, PTDF/LODF) and studies."""

from gridsim.powerflow.compile import CompiledNetwork, compile_network
from gridsim.studies.powerflow import PowerFlowOptions, PowerFlowResult, run_pf

__all__ = ["CompiledNetwork", "PowerFlowOptions", "PowerFlowResult", "compile_network", "run_pf"]
