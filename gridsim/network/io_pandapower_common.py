"""What the pandapower reader and writer share: the columns both tools name alike and
the errors that name the table, element, field and value."""

from __future__ import annotations

from typing import Any

import numpy as np

from gridsim.errors import InputError

_SAME = {
    "line": (
        "length_km",
        "r_ohm_per_km",
        "x_ohm_per_km",
        "c_nf_per_km",
        "g_us_per_km",
        "parallel",
    ),
    "trafo": (
        "sn_mva",
        "vn_hv_kv",
        "vn_lv_kv",
        "vk_percent",
        "vkr_percent",
        "pfe_kw",
        "shift_degree",
        "parallel",
    ),
    "gen": ("vm_pu", "va_degree", "min_q_mvar", "max_q_mvar", "min_p_mw", "max_p_mw"),
    "dcline": (
        "p_mw",
        "loss_mw",
        "loss_percent",
        "vm_from_pu",
        "vm_to_pu",
        "max_p_mw",
        "min_q_from_mvar",
        "max_q_from_mvar",
        "min_q_to_mvar",
        "max_q_to_mvar",
    ),
}


def _err(
    problem: str, table: str, element: Any = None, field: str | None = None, value: Any = None
) -> InputError:
    if isinstance(value, np.generic):  # name 99, not np.int64(99)
        value = value.item()
    if isinstance(element, np.generic):
        element = element.item()
    return InputError(
        problem,
        table=table,
        element=element,
        field=field,
        value=value,
        show_value=value is not None,
    )


def _first(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0])
