"""The data model: element tables, their schema, validation, readers and writers."""

from gridsim.network.io import load_network, save_network
from gridsim.network.network import Network
from gridsim.network.validation import validate

__all__ = ["Network", "load_network", "save_network", "validate"]
