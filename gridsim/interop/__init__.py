"""Bridges to other tools: the PyPSA exporter of the dispatch problem (:func:`to_pypsa`)
and the importer of PyPSA networks (:func:`from_pypsa`)."""

from gridsim.interop.pypsa_export import optimize_pypsa, pypsa_extra_functionality, to_pypsa
from gridsim.interop.pypsa_import import PypsaImport, from_pypsa

__all__ = ["PypsaImport", "from_pypsa", "optimize_pypsa", "pypsa_extra_functionality", "to_pypsa"]
