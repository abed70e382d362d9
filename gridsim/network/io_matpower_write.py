"""gridsim -> MATPOWER: :func:`write_matpower` (the rules are in
:mod:`gridsim.network.io_matpower`)."""

from __future__ import annotations

import math
import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gridsim.network.io_matpower_format import COLUMNS, _fail
from gridsim.network.network import Network
from gridsim.network.trafo_model import magnetising_pu, tap_model


def _fmt(v: float) -> str:
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Inf" if v > 0 else "-Inf"
    if v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return f"{v:.15g}"  # within 5e-16 relative; drops the float noise of conversions


def _block(title: str, key: str, data: np.ndarray, head: str = "") -> str:
    head = head or "\t".join(COLUMNS[key])
    rows = "".join("\t" + "\t".join(_fmt(float(v)) for v in row) + ";\n" for row in data)
    return f"\n%% {title}\n%\t{head}\nmpc.{key} = [\n{rows}];\n"


def _cell(title: str, key: str, values: list[str]) -> str:
    rows = "".join("\t'" + str(v).replace("'", "''") + "';\n" for v in values)
    return f"\n%% {title}\nmpc.{key} = {{\n{rows}}};\n"


def write_matpower(net: Network, path: str | Path) -> None:
    """Write ``net`` as a MATPOWER version 2 case file.

    Loads, shunts and storage are summed per bus into ``PD/QD/GS/BS`` (out-of-service
    ones are dropped); line and trafo shunt conductance (no branch ``G`` in MATPOWER)
    goes to the buses' ``GS``. Lines are written first, then trafos, each in table
    order; a trafo with its tap on the LV side is written from its LV bus so that the
    file reads back to the same trafo. Element names go to ``mpc.gen_name``,
    ``mpc.branch_name`` and ``mpc.dcline_name``; non-numeric bus names are numbered
    1..n and kept in ``mpc.bus_name``. Gen costs are written as linear ``gencost``.
    """
    path = Path(path)
    bus, base, n = net.bus, net.sn_mva, len(net.bus)
    names = [str(x) for x in bus.index]
    labels = net.meta.get("matpower_bus_name")
    if all(x.isdigit() and int(x) > 0 for x in names) and len({int(x) for x in names}) == n:
        number = np.array([int(x) for x in names], dtype=float)
        labels = labels if isinstance(labels, list) and len(labels) == n else None
    else:
        number, labels = np.arange(1, n + 1, dtype=float), names
    pos = pd.Series(np.arange(n), index=bus.index.astype(str))

    def rows_of(table: str, df: pd.DataFrame, col: str) -> np.ndarray:
        out = pos.reindex(df[col].astype(str).to_numpy()).to_numpy()
        if np.isnan(out).any():
            i = int(np.flatnonzero(np.isnan(out))[0])
            v = df[col].iloc[i]
            raise _fail("refers to an unknown bus", str(path), table, df.index[i], col, v)
        return out.astype(np.int64)

    vn = bus["vn_kv"].to_numpy(float)
    pd_, qd, gs, bs = (np.zeros(n) for _ in range(4))
    for table, target in (("load", (pd_, qd)), ("shunt", (gs, bs)), ("storage", (pd_, None))):
        df = net.table(table)
        df = df[df["in_service"].to_numpy(bool)]
        r = rows_of(table, df, "bus")
        np.add.at(target[0], r, df["p_mw"].to_numpy(float))
        if target[1] is not None:  # shunt: BS = -Q absorbed
            np.add.at(target[1], r, (-1 if table == "shunt" else 1) * df["q_mvar"].to_numpy(float))
        if table == "storage" and len(df):
            warnings.warn(
                f"{path}: storage power written into the buses' PD", UserWarning, stacklevel=2
            )
    gen = net.gen
    grow = rows_of("gen", gen, "bus")
    order = _slack_first(gen, grow)
    gen, grow = gen.iloc[order], grow[order]
    on, slack = gen["in_service"].to_numpy(bool), gen["slack"].to_numpy(bool)
    btype = np.ones(n)
    btype[grow[on & gen["controllable"].to_numpy(bool)]] = 2.0
    btype[grow[slack]] = 3.0
    btype[~bus["in_service"].to_numpy(bool)] = 4.0
    va, vm = np.zeros(n), np.ones(n)
    vm[grow] = gen["vm_pu"].to_numpy(float)
    stored = net.meta.get("case_voltage")  # VM/VA as read (see io_matpower), else the above
    for col, key in ((vm, "vm_pu"), (va, "va_degree")):
        values = stored.get(key) if isinstance(stored, dict) else None
        if isinstance(values, dict):
            got = pd.Series(values, dtype=float).reindex(names).to_numpy()
            col[:] = np.where(np.isfinite(got), got, col)
    va[grow[slack]] = gen["va_degree"].to_numpy(float)[slack]
    pmax = gen["max_p_mw"].to_numpy(float)
    G = np.zeros((len(gen), 21))
    G[:, :10] = np.column_stack(
        [
            number[grow],
            gen["p_mw"],
            gen["q_mvar"],
            gen["max_q_mvar"],
            gen["min_q_mvar"],
            gen["vm_pu"],
            np.full(len(gen), base),
            on,
            np.where(np.isnan(pmax), np.inf, pmax),
            gen["min_p_mw"],
        ]
    )
    br, br_names = _branches(net, rows_of, vn, gs, number)
    zone = [float(z) if re.fullmatch(r"\d+", str(z)) else 1.0 for z in bus["zone"]]
    Bm = np.column_stack(
        [
            number,
            btype,
            pd_,
            qd,
            gs,
            bs,
            np.ones(n),
            vm,
            va,
            vn,
            zone,
            bus["vm_max_pu"],
            bus["vm_min_pu"],
        ]
    )
    fname = re.sub(r"\W", "_", path.stem)
    fname = fname if re.match(r"[A-Za-z]", fname) else f"case_{fname}"
    out = [
        f"function mpc = {fname}\n%{fname.upper()}  MATPOWER case written by gridsim from "
        f"network '{net.name}'.\n\n%% MATPOWER Case Format : Version 2\nmpc.version = '2';\n\n"
        f"%%-----  Power Flow Data  -----%%\n%% system MVA base\nmpc.baseMVA = {_fmt(base)};\n",
        _block("bus data", "bus", Bm),
        _block("generator data", "gen", G),
        _block("branch data", "branch", br),
    ]
    cost = gen["cost_per_mwh"].to_numpy(float)
    if (cost != 0).any():
        z = np.zeros(len(gen))
        C = np.column_stack([z + 2, z, z, z + 2, cost, z])
        out.append(_block("generator cost data", "gencost", C, "2\tstartup\tshutdown\tn\tc1\tc0"))
    if len(dc := net.dcline):
        f, t = rows_of("dcline", dc, "from_bus"), rows_of("dcline", dc, "to_bus")
        p, loss0 = dc["p_mw"].to_numpy(float), dc["loss_mw"].to_numpy(float)
        loss1, dmax = dc["loss_percent"].to_numpy(float) / 100, dc["max_p_mw"].to_numpy(float)
        z = np.zeros(len(dc))
        D = np.column_stack(
            [
                number[f],
                number[t],
                dc["in_service"],
                p,
                p - loss0 - loss1 * p,
                z,
                z,
                dc["vm_from_pu"],
                dc["vm_to_pu"],
                np.minimum(p, 0.0),
                np.where(np.isnan(dmax), np.inf, dmax),
                dc["min_q_from_mvar"],
                dc["max_q_from_mvar"],
                dc["min_q_to_mvar"],
                dc["max_q_to_mvar"],
                loss0,
                loss1,
            ]
        )
        out += [
            _block("dc line data", "dcline", D),
            _cell("dc line names", "dcline_name", list(dc.index)),
        ]
    if labels is not None:
        out.append(_cell("bus names", "bus_name", labels))
    out += [
        _cell("generator names (gridsim)", "gen_name", list(gen.index)),
        _cell("branch names (gridsim)", "branch_name", br_names),
    ]
    path.write_text("".join(out), encoding="utf-8")


def _slack_first(gen: pd.DataFrame, grow: np.ndarray) -> np.ndarray:
    """Gen order with each slack gen moved before the other gens of its bus."""
    order = list(range(len(gen)))
    for k in np.flatnonzero(gen["slack"].to_numpy(bool)):
        first = order.index(int(np.flatnonzero(grow == grow[k])[0]))
        order.remove(int(k))
        order.insert(first, int(k))
    return np.array(order, dtype=np.int64)


def _branches(
    net: Network, rows_of: Any, vn: np.ndarray, gs: np.ndarray, number: np.ndarray
) -> tuple[np.ndarray, list[str]]:
    """Per-unit branch rows of lines and trafos; shunt conductance added to ``gs`` (MW)."""
    base, parts, names = net.sn_mva, [], []
    if len(line := net.line):
        f, t = rows_of("line", line, "from_bus"), rows_of("line", line, "to_bus")
        zb = vn[f] ** 2 / base
        k = line["length_km"].to_numpy(float) * line["parallel"].to_numpy(float)  # km x circuits
        per = line["length_km"].to_numpy(float) / line["parallel"].to_numpy(float)
        rate = np.nan_to_num(
            line["max_i_ka"].to_numpy(float)
            * math.sqrt(3)
            * vn[f]
            * line["parallel"].to_numpy(float)
        )
        on, z = line["in_service"].to_numpy(bool), np.zeros(len(line))
        b = 2 * math.pi * net.f_hz * line["c_nf_per_km"].to_numpy(float) * 1e-9 * k * zb
        parts.append(
            np.column_stack(
                [
                    number[f],
                    number[t],
                    line["r_ohm_per_km"] * per / zb,
                    line["x_ohm_per_km"] * per / zb,
                    b,
                    rate,
                    rate,
                    rate,
                    z,
                    z,
                    on,
                    z - 360,
                    z + 360,
                ]
            )
        )
        _fold_g(gs, f, t, line["g_us_per_km"].to_numpy(float) * 1e-6 * k * zb * on, z + 1, base)
        names += list(line.index)
    if len(tr := net.trafo):
        hv, lv = rows_of("trafo", tr, "hv_bus"), rows_of("trafo", tr, "lv_bus")
        n_hv, n_lv, phi = tap_model(tr, vn[hv], vn[lv])
        sn, par = tr["sn_mva"].to_numpy(float), tr["parallel"].to_numpy(float)
        zs = tr["vk_percent"].to_numpy(float) / 100 * base / sn * n_lv**2
        rs = tr["vkr_percent"].to_numpy(float) / 100 * base / sn * n_lv**2
        xs = np.sign(zs) * np.sqrt(np.maximum(zs**2 - rs**2, 0.0))
        g, b = magnetising_pu(tr, n_lv, base)
        ratio = n_hv / n_lv
        lvs = tr["tap_side"].to_numpy(object) == "lv"  # written from the LV bus
        k2 = np.where(lvs, ratio**2, 1.0)
        f, t, tap = np.where(lvs, lv, hv), np.where(lvs, hv, lv), np.where(lvs, 1 / ratio, ratio)
        rate = np.nan_to_num(sn * tr["max_loading_percent"].to_numpy(float) / 100 * par)
        on, z = tr["in_service"].to_numpy(bool), np.zeros(len(tr))
        parts.append(
            np.column_stack(
                [
                    number[f],
                    number[t],
                    rs / par * k2,
                    xs / par * k2,
                    b / k2,
                    rate,
                    rate,
                    rate,
                    tap,
                    np.where(lvs, -phi, phi),
                    on,
                    z - 360,
                    z + 360,
                ]
            )
        )
        _fold_g(gs, f, t, g / k2 * on, tap, base)
        names += list(tr.index)
    return (np.vstack(parts) if parts else np.zeros((0, 13))), [str(x) for x in names]


def _fold_g(
    gs: np.ndarray, f: np.ndarray, t: np.ndarray, g: np.ndarray, tap: np.ndarray, base: float
) -> None:
    """Add branch shunt conductance ``g`` (pu, total) to the end buses' GS (MW)."""
    if (g != 0).any():
        warnings.warn(
            "branch shunt conductance written as bus GS (MATPOWER has no branch G)",
            UserWarning,
            stacklevel=3,
        )
        np.add.at(gs, f, g / 2 / tap**2 * base)
        np.add.at(gs, t, g / 2 * base)
