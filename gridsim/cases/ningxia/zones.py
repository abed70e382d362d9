"""The Ningxia zones and HVDC export links that the profiles are built for.

The zone names and link names are fixed for the case: the network builder
(:mod:`gridsim.cases.ningxia.network`) names its buses, zones and links the same way
and takes the zones' load shares from here. Everything here is data; the numbers
marked *est.* are modelling assumptions (see ``profiles/README.md``).
"""

from __future__ import annotations

from gridsim.profiles.zones import Link, Zone

PLAINS_HEATING = ((10, 20), (4, 10))
"""Heating season on the plains (川区): 20 Oct - 10 Apr, in force since 2013."""

MOUNTAIN_HEATING = ((10, 15), (4, 15))
"""Heating season in the southern mountains (山区): 15 Oct - 15 Apr (est., longer)."""

ZONES: tuple[Zone, ...] = (
    Zone("north", 38.70, 106.30, 1110.0, 0.34, *PLAINS_HEATING, 9.0, 15.5),
    Zone("east", 37.90, 106.70, 1250.0, 0.30, *PLAINS_HEATING, 8.8, 15.0),
    Zone("central", 37.40, 105.70, 1250.0, 0.28, *PLAINS_HEATING, 9.5, 14.8, -0.02),
    Zone("south", 36.20, 106.30, 1750.0, 0.08, *MOUNTAIN_HEATING, 6.6, 13.5, -0.15),
)
"""The four 330 kV partitions around the 750 kV hubs.

north: Yinchuan/Shizuishan plain (贺兰山, 沙湖, 烽燧); east: Ningdong base (银川东, 灵州,
太阳山, 青山); central: Wuzhong/Zhongning/Zhongwei (黄河, 杞乡, 妙岭, 沙坡头, 天都山, 中宁);
south: Guyuan mountains (六盘山). Climate numbers follow the city normals of Yinchuan,
Yanchi, Zhongning and Guyuan (rounded). The load shares (est.) are the ones the
network uses (networks/ningxia_*.toml, ``meta.zones.<zone>.load_share``).
"""

LINKS: tuple[Link, ...] = (
    Link("yindong", 4000.0, 2011, 0.95, 0.85, False),
    Link("lingshao", 8000.0, 2016, 1.00, 0.65, True),
    Link("ningxiang", 8000.0, 2025, 1.00, 0.60, True),
    Link("zhaoyi", 2000.0, 2018, 1.00, 0.70, True),
)
"""银东 ±660 kV, 灵绍 ±800 kV, 宁湘 ±800 kV (2025 on), and Ningxia's share of 昭沂 (est.)."""

__all__ = ["LINKS", "MOUNTAIN_HEATING", "PLAINS_HEATING", "ZONES"]
