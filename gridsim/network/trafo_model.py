"""The transformer model shared by the power flow and the converters (pandapower semantics).

Tap changers, off-nominal ratios and the magnetising branch of a two-winding
transformer, computed from the ``trafo`` table columns. The power-flow compiler and
the pandapower/MATPOWER converters all use these functions, so they cannot drift apart.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def tap_voltages(trafo: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rated HV and LV voltages (kV) adjusted for the tap position, and the total phase
    shift (degree, HV leading LV); see :func:`tap_model` for the rules."""
    n_hv, n_lv, shift = tap_model(trafo, np.ones(len(trafo)), np.ones(len(trafo)))
    return n_hv, n_lv, shift


def tap_model(
    trafo: pd.DataFrame, vn_hv_bus: np.ndarray, vn_lv_bus: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Off-nominal ratios and total phase shift of gridsim trafos (pandapower semantics).

    Returns ``(n_hv, n_lv, shift_degree)``: the tapped rated voltage over the bus voltage
    at each side, and the angle by which HV leads LV. A 'ratio' tap changes the rated
    voltage of its side by ``d = (tap_pos - tap_neutral) * tap_step_percent / 100`` at the
    angle ``tap_step_degree`` (magnitude ``|1 + d e^{j a}|``, angle ``arg(1 + d e^{j a})``);
    an 'ideal' tap only shifts, by ``n * tap_step_degree`` or ``2 asin(n * step% / 200)``.
    A tap on the LV side shifts in the opposite direction.
    """
    diff = trafo["tap_pos"].to_numpy(float) - trafo["tap_neutral"].to_numpy(float)
    pct = trafo["tap_step_percent"].to_numpy(float)
    deg = trafo["tap_step_degree"].to_numpy(float)
    sign = np.where(trafo["tap_side"].to_numpy(object) == "lv", -1.0, 1.0)
    ideal = trafo["tap_changer_type"].to_numpy(object) == "ideal"
    d, a = diff * pct / 100.0, np.deg2rad(deg)
    re, im = 1.0 + d * np.cos(a), d * np.sin(a)
    mag = np.where(ideal, 1.0, np.sqrt(re**2 + im**2))
    with np.errstate(invalid="ignore"):
        ideal_shift = np.where(deg != 0, diff * deg, 2 * np.rad2deg(np.arcsin(diff * pct / 200)))
    dphi = np.where(ideal, ideal_shift, np.rad2deg(np.arctan(im / re)))
    on_lv = sign < 0
    n_hv = trafo["vn_hv_kv"].to_numpy(float) * np.where(on_lv, 1.0, mag) / vn_hv_bus
    n_lv = trafo["vn_lv_kv"].to_numpy(float) * np.where(on_lv, mag, 1.0) / vn_lv_bus
    return n_hv, n_lv, trafo["shift_degree"].to_numpy(float) + sign * dphi


def magnetising_pu(
    trafo: pd.DataFrame, n_lv: np.ndarray, sn_mva: float
) -> tuple[np.ndarray, np.ndarray]:
    """Total magnetising (g, b) in per unit of ``sn_mva``, referred to the LV bus.

    ``|y| = |i0|/100 * sn``, ``g = pfe``, ``b = -sign(i0) sqrt(|y|^2 - g^2)`` (MVA at rated
    voltage), scaled by ``parallel / n_lv^2``.
    """
    i0 = trafo["i0_percent"].to_numpy(float)
    pfe = trafo["pfe_kw"].to_numpy(float) / 1e3
    ym = np.abs(i0) / 100.0 * trafo["sn_mva"].to_numpy(float)
    b_mva = -np.sign(i0) * np.sqrt(np.maximum(ym**2 - pfe**2, 0.0))
    scale = trafo["parallel"].to_numpy(float) / n_lv**2 / sn_mva
    return pfe * scale, b_mva * scale
