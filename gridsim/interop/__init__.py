"""Bridges to other tools: the PyPSA exporter of the dispatch problem."""

from gridsim.interop.pypsa_export import optimize_pypsa, pypsa_extra_functionality, to_pypsa

__all__ = ["optimize_pypsa", "pypsa_extra_functionality", "to_pypsa"]
