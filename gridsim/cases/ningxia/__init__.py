"""The Ningxia (宁夏) case: the provincial grid of the 14th Five-Year energy plan.

- :mod:`~gridsim.cases.ningxia.network`: the network builder (``build_ningxia(year)``,
  operating points), from the data tables in ``networks/ningxia/``; it writes the
  shipped ``networks/ningxia_2020.toml`` and ``ningxia_2025.toml``;
- :mod:`~gridsim.cases.ningxia.zones`: the four zones and the HVDC export links the
  profiles are built for;
- ``targets.toml``: the plan's 2025 targets (the target set ``ningxia_14th_plan``).

What the :mod:`gridsim.cases` registry reads: :data:`ZONES`, :data:`LINKS` and
:func:`build_network`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gridsim.cases.ningxia.zones import LINKS, ZONES

if TYPE_CHECKING:
    from gridsim.network.network import Network


def build_network(year: int, **options: bool) -> Network:
    """The Ningxia network of ``year`` (2020 or 2025); see
    :func:`gridsim.cases.ningxia.network.build_ningxia` for the options."""
    from gridsim.cases.ningxia.network import build_ningxia

    return build_ningxia(year, **options)


__all__ = ["LINKS", "ZONES", "build_network"]
