"""gridsim: grid simulation and power balance for provincial power systems.

The public API gathers the data model (:class:`Network`), the power-flow
studies and the power-balance study.
"""

from gridsim.errors import GridsimError, InputError
from gridsim.network.network import Network

__version__ = "0.1.0"

__all__ = ["GridsimError", "InputError", "Network", "__version__"]
