"""MATPOWER case files (version 2): :func:`read_matpower` and :func:`write_matpower`.

Reading follows MATPOWER's own semantics (``runpf``):

- bus names are the MATPOWER bus numbers as strings; ``mpc.bus_name`` labels go to
  ``net.meta["matpower_bus_name"]`` (or become the names with ``use_bus_name=True``).
  Type 4 buses are out of service. A ``BASE_KV <= 0`` (pu-only cases such as the
  original ``case14``) becomes 1 kV with a warning: the per-unit model is unchanged;
- ``PD/QD`` -> load ``load_<bus>``; ``GS/BS`` -> shunt ``shunt_<bus>`` (``p_mw = GS``,
  ``q_mvar = -BS`` at 1 pu);
- gens -> gen ``gen_<row>``: the first in-service gen at each type 3 bus is the slack
  (``va_degree`` = bus ``VA``); gens at type 2/3 buses are voltage-controlled, those at
  type 1/4 buses are PQ injections (``controllable=False``, ``q_mvar = QG``), as
  pandapower's ``from_ppc`` does. All gens of a bus get the ``VG`` MATPOWER uses there
  (the last in-service gen's). The linear ``gencost`` term (model 2) -> ``cost_per_mwh``;
- a branch with ``TAP`` 0 or 1, ``SHIFT`` 0 between equal base voltages -> line
  ``branch_<row>`` in ohm at the from-bus base (``length_km = 1``, ``max_i_ka`` from
  ``RATE_A``, 0 = unlimited -> NaN; negative ``X`` -> ``kind = "series_capacitor"``);
- every other branch -> trafo with ``sn_mva = baseMVA`` and rated voltages equal to the
  bus voltages, so ``vk_percent = 100 |r + jx|``, ``vkr_percent = 100 r``,
  ``i0_percent = -100 b`` (negative = capacitive) and the ratio ``TAP`` is a one-step
  tap: ``tap_pos = sign(TAP - 1)``, ``tap_step_percent = 100 |TAP - 1|``. MATPOWER puts
  the ratio and ``SHIFT`` at the from bus; when that is the LV side the tap goes on the
  LV side and the shift is negated, which gives exactly MATPOWER's admittances under the
  pi model (``net.meta["trafo_model"] = "pi"``). ``max_loading_percent`` from ``RATE_A``
  (0 -> NaN);
- ``mpc.dcline`` -> dcline ``dcline_<row>``: ``p_mw = PF``, ``loss_mw = LOSS0``,
  ``loss_percent = 100 LOSS1``, ``VF/VT``, ``PMAX`` and the Q limits. (In MATPOWER a
  dcline end at a PQ bus does not regulate voltage; gridsim and pandapower converters
  always do.)

``mpc.gen_name``, ``mpc.branch_name`` and ``mpc.dcline_name`` cell arrays (written by
:func:`write_matpower`, read by pandapower) give element names when present.
"""

from __future__ import annotations

import bisect
import math
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gridsim.errors import InputError
from gridsim.network.io_pandapower import magnetising_pu, tap_model
from gridsim.network.network import Network

COLUMNS: dict[str, tuple[str, ...]] = {
    "bus": ("BUS_I", "BUS_TYPE", "PD", "QD", "GS", "BS", "BUS_AREA", "VM", "VA", "BASE_KV",
            "ZONE", "VMAX", "VMIN"),
    "gen": ("GEN_BUS", "PG", "QG", "QMAX", "QMIN", "VG", "MBASE", "GEN_STATUS", "PMAX",
            "PMIN", "PC1", "PC2", "QC1MIN", "QC1MAX", "QC2MIN", "QC2MAX", "RAMP_AGC",
            "RAMP_10", "RAMP_30", "RAMP_Q", "APF"),
    "branch": ("F_BUS", "T_BUS", "BR_R", "BR_X", "BR_B", "RATE_A", "RATE_B", "RATE_C",
               "TAP", "SHIFT", "BR_STATUS", "ANGMIN", "ANGMAX"),
    "dcline": ("F_BUS", "T_BUS", "BR_STATUS", "PF", "PT", "QF", "QT", "VF", "VT", "PMIN",
               "PMAX", "QMINF", "QMAXF", "QMINT", "QMAXT", "LOSS0", "LOSS1"),
    "gencost": ("MODEL", "STARTUP", "SHUTDOWN", "NCOST"),
}
"""Column names of the MATPOWER tables (MATPOWER's idx_* constants, in order)."""
MIN_COLUMNS = {"bus": 13, "gen": 10, "branch": 11, "dcline": 17, "gencost": 4}

_ASSIGN = re.compile(r"\bmpc\.(\w+)\s*=\s*")
_STRING = re.compile(r"'((?:[^']|'')*)'|\"((?:[^\"]|\"\")*)\"")


@dataclass
class Matrix:
    """A numeric matrix of a case file and the file line of each row."""

    data: np.ndarray
    lines: list[int]

    def where(self, row: int) -> str:
        """``row k (line n)`` for error messages (``row`` counts from 0)."""
        return f"row {row + 1} (line {self.lines[row]})"


# --------------------------------------------------------------------------- parser
def _strip_comment(raw: str) -> tuple[str, bool]:
    """Code part of one line and whether it continues (``...``) on the next line."""
    quote = ""
    i = 0
    while i < len(raw):
        ch = raw[i]
        if quote:
            if ch == quote:
                if raw[i + 1:i + 2] == quote:
                    i += 2
                    continue
                quote = ""
        elif ch in "%#":
            return raw[:i], False
        elif raw.startswith("...", i):
            return raw[:i], True
        elif ch == '"' or (ch == "'" and not (i and (raw[i - 1].isalnum() or raw[i - 1] in "])}._'"))):
            quote = ch
        i += 1
    return raw, False


def _clean(text: str) -> tuple[str, list[int], list[int]]:
    """Text without comments, continuations joined; offsets and numbers of the lines."""
    parts: list[str] = []
    starts: list[int] = []
    numbers: list[int] = []
    pos = 0
    for no, raw in enumerate(text.splitlines(), 1):
        code, cont = _strip_comment(raw)
        piece = code + (" " if cont else "\n")
        starts.append(pos)
        numbers.append(no)
        parts.append(piece)
        pos += len(piece)
    return "".join(parts), starts, numbers


def parse_matpower(text: str, source: str = "<string>") -> dict[str, Any]:
    """Parse the ``mpc.<field> = value;`` assignments of a MATPOWER case file.

    Matrices become :class:`Matrix`, cell arrays lists of str, scalars float or str.
    A malformed matrix row raises :class:`InputError` naming ``source``, the table and
    the row (with its file line).
    """
    code, starts, numbers = _clean(text)

    def line_at(offset: int) -> int:
        return numbers[max(bisect.bisect_right(starts, offset) - 1, 0)]

    out: dict[str, Any] = {}
    for m in _ASSIGN.finditer(code):
        name, p = m.group(1), m.end()
        if p >= len(code):
            raise InputError("has no value", source=source, table=name, show_value=False)
        opener = code[p]
        if opener == "[":
            end = code.find("]", p)
            if end < 0:
                raise InputError(f"matrix starting on line {line_at(p)} is not closed with ']'",
                                 source=source, table=name, show_value=False)
            if code[end + 1:end + 2] == "'":
                raise InputError("transposed matrices are not supported", source=source,
                                 table=name, element=f"line {line_at(p)}", show_value=False)
            out[name] = _matrix(code[p + 1:end], p + 1, name, source, line_at)
        elif opener == "{":
            end = _cell_end(code, p)
            if end < 0:
                raise InputError(f"cell array starting on line {line_at(p)} is not closed "
                                 "with '}'", source=source, table=name, show_value=False)
            out[name] = [g.group(1).replace("''", "'") if g.group(1) is not None
                         else g.group(2).replace('""', '"')
                         for g in _STRING.finditer(code[p + 1:end])]
        else:
            end = min(x for x in (code.find(";", p), code.find("\n", p), len(code)) if x >= 0)
            raw = code[p:end].strip()
            s = _STRING.fullmatch(raw)
            if s:
                out[name] = s.group(1) if s.group(1) is not None else s.group(2)
            else:
                try:
                    out[name] = float(raw)
                except ValueError:
                    out[name] = raw
    return out


def _cell_end(code: str, p: int) -> int:
    quote = ""
    for i in range(p + 1, len(code)):
        ch = code[i]
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch == "}":
            return i
    return -1


def _matrix(body: str, offset: int, table: str, source: str, line_at: Any) -> Matrix:
    cols = COLUMNS.get(table, ())
    rows: list[list[float]] = []
    lines: list[int] = []
    for seg in re.finditer(r"[^;\n]+", body):
        tokens = seg.group().replace(",", " ").split()
        if not tokens:
            continue
        ln = line_at(offset + seg.start())
        where = f"row {len(rows) + 1} (line {ln})"
        if rows and len(tokens) != len(rows[0]):
            raise InputError(f"has {len(tokens)} columns, expected {len(rows[0])} as in row 1",
                             source=source, table=table, element=where, show_value=False)
        vals: list[float] = []
        for j, tok in enumerate(tokens):
            try:
                if "_" in tok:
                    raise ValueError
                vals.append(float(tok))
            except ValueError:
                field = cols[j] if j < len(cols) else f"column {j + 1}"
                raise InputError("must be a number", source=source, table=table,
                                 element=where, field=field, value=tok) from None
        rows.append(vals)
        lines.append(ln)
    data = np.array(rows, dtype=float) if rows else np.zeros((0, MIN_COLUMNS.get(table, 0)))
    need = MIN_COLUMNS.get(table, 0)
    if rows and data.shape[1] < need:
        raise InputError(f"has {data.shape[1]} columns, a MATPOWER {table} table needs at "
                         f"least {need} ({' '.join(cols[:need])})", source=source,
                         table=table, element=f"row 1 (line {lines[0]})", show_value=False)
    return Matrix(data, lines)


# --------------------------------------------------------------------------- reading
def read_matpower(path: str | Path, *, f_hz: float = 50.0, use_bus_name: bool = False) -> Network:
    """Read a MATPOWER version 2 case file into a :class:`Network` (MW, Mvar, kV, ohm).

    ``f_hz`` (Hz) converts branch charging to ``c_nf_per_km``. With ``use_bus_name`` the
    ``mpc.bus_name`` labels (when present and unique) name the buses instead of the
    numbers.
    """
    path = Path(path)
    src = str(path)
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as err:
        raise InputError(f"cannot be read: {err.strerror}", source=src, show_value=False) from None
    fields = parse_matpower(text, src)
    net = _build(fields, src, f_hz, use_bus_name)
    net.name = re.sub(r"\W", "_", path.stem)
    net.source = src
    return net


def _need(fields: dict[str, Any], name: str, src: str) -> Matrix:
    m = fields.get(name)
    if not isinstance(m, Matrix):
        raise InputError(f"is missing (not a MATPOWER version 2 case: no 'mpc.{name} = [...]')",
                         source=src, table=name, show_value=False)
    return m


def _names(fields: dict[str, Any], key: str, n: int, prefix: str) -> list[str]:
    cell = fields.get(key)
    if isinstance(cell, list) and len(cell) == n and all(cell) and len(set(cell)) == n:
        return [str(c) for c in cell]
    return [f"{prefix}_{k + 1}" for k in range(n)]


def _bus_rows(m: Matrix, col: int, table: str, field: str, pos: pd.Series, src: str) -> np.ndarray:
    """Bus-table rows of the bus numbers in column ``col`` of ``m``."""
    num = m.data[:, col]
    rows = pos.reindex(num).to_numpy()
    bad = np.isnan(rows)
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise InputError("refers to an unknown bus", source=src, table=table,
                         element=m.where(k), field=field, value=_num_label(num[k]))
    return rows.astype(np.int64)


def _num_label(v: float) -> Any:
    return int(v) if float(v).is_integer() else v


def _check_finite(m: Matrix, table: str, cols: tuple[int, ...], src: str) -> None:
    sub = m.data[:, list(cols)]
    bad = ~np.isfinite(sub)
    if bad.any():
        k, j = (int(x[0]) for x in np.nonzero(bad))
        raise InputError("must be a finite number", source=src, table=table,
                         element=m.where(k), field=COLUMNS[table][cols[j]],
                         value=float(sub[k, j]))


def _build(fields: dict[str, Any], src: str, f_hz: float, use_bus_name: bool) -> Network:
    version = str(fields.get("version", "2")).strip()
    if version not in ("2", "2.0"):
        raise InputError("must be '2' (only MATPOWER version 2 case files are supported)",
                         source=src, field="mpc.version", value=version)
    base = fields.get("baseMVA")
    if not isinstance(base, float) or not base > 0:
        raise InputError("must be a positive number", source=src, field="mpc.baseMVA", value=base)
    bus, gen, branch = (_need(fields, t, src) for t in ("bus", "gen", "branch"))
    net = Network(sn_mva=base, f_hz=f_hz)
    net.meta.update(source_format="matpower", trafo_model="pi")

    B = bus.data
    _check_finite(bus, "bus", (0, 1, 2, 3, 4, 5, 9), src)
    num = B[:, 0]
    bad = (num != np.round(num)) | (num <= 0)
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise InputError("must be a positive integer", source=src, table="bus",
                         element=bus.where(k), field="BUS_I", value=num[k])
    dup = pd.Index(num).duplicated()
    if dup.any():
        k = int(np.flatnonzero(dup)[0])
        raise InputError("duplicate bus number", source=src, table="bus", element=bus.where(k),
                         field="BUS_I", value=int(num[k]))
    btype = B[:, 1]
    bad = ~np.isin(btype, [1, 2, 3, 4])
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise InputError("must be 1 (PQ), 2 (PV), 3 (ref) or 4 (isolated)", source=src,
                         table="bus", element=bus.where(k), field="BUS_TYPE", value=btype[k])
    names = [str(int(x)) for x in num]
    labels = fields.get("bus_name")
    if isinstance(labels, list) and len(labels) == len(names):
        if use_bus_name and all(labels) and len(set(labels)) == len(labels):
            names = [str(x) for x in labels]
        else:
            net.meta["matpower_bus_name"] = [str(x) for x in labels]
    vn = B[:, 9].copy()
    if (vn <= 0).any():
        warnings.warn(f"{src}: {int((vn <= 0).sum())} bus(es) have BASE_KV <= 0; using 1 kV "
                      "(the per-unit model is unchanged)", UserWarning, stacklevel=3)
        vn[vn <= 0] = 1.0
    pos = pd.Series(np.arange(len(num)), index=num)
    nm = np.array(names, dtype=object)
    net.add_table("bus", pd.DataFrame({
        "vn_kv": vn, "zone": [str(_num_label(z)) for z in B[:, 10]],
        "vm_max_pu": B[:, 11], "vm_min_pu": B[:, 12], "in_service": btype != 4,
    }, index=nm))
    ld = (B[:, 2] != 0) | (B[:, 3] != 0)
    if ld.any():
        net.add_table("load", pd.DataFrame({"bus": nm[ld], "p_mw": B[ld, 2], "q_mvar": B[ld, 3]},
                                           index=[f"load_{x}" for x in nm[ld]]))
    sh = (B[:, 4] != 0) | (B[:, 5] != 0)
    if sh.any():
        net.add_table("shunt", pd.DataFrame({"bus": nm[sh], "p_mw": B[sh, 4], "q_mvar": -B[sh, 5]},
                                            index=[f"shunt_{x}" for x in nm[sh]]))
    if len(gen.data):
        _read_gens(net, fields, gen, btype, B[:, 8], nm, pos, src)
    if len(branch.data):
        _read_branches(net, fields, branch, vn, nm, pos, src)
    dc = fields.get("dcline")
    if isinstance(dc, Matrix) and len(dc.data):
        _read_dclines(net, fields, dc, nm, pos, src)
    return net


def _read_gens(net: Network, fields: dict[str, Any], gen: Matrix, btype: np.ndarray,
               va: np.ndarray, nm: np.ndarray, pos: pd.Series, src: str) -> None:
    G = gen.data
    _check_finite(gen, "gen", (0, 1, 2, 5, 7), src)
    row = _bus_rows(gen, 0, "gen", "GEN_BUS", pos, src)
    on = G[:, 7] > 0
    n = len(G)
    gt = btype[row]
    order = np.arange(n)
    # MATPOWER sets V0(gbus) = VG of the online gens: with several, the last one wins.
    vg_bus = pd.Series(G[on, 5], index=row[on]).groupby(level=0).last()
    vm = vg_bus.reindex(row).to_numpy()
    vm = np.where(np.isnan(vm), G[:, 5], vm)
    slack = np.zeros(n, bool)
    ref = gt == 3
    for b in np.unique(row[ref]):
        at = order[(row == b)]
        live = at[on[at]]
        slack[(live if len(live) else at)[0]] = True
    cost = np.zeros(n)
    gc = fields.get("gencost")
    if isinstance(gc, Matrix) and len(gc.data):
        C = gc.data
        if len(C) < n:
            raise InputError(f"has {len(C)} rows, expected at least one per gen ({n})",
                             source=src, table="gencost", show_value=False)
        for k in range(n):
            ncost = int(C[k, 3]) if np.isfinite(C[k, 3]) else 0
            if C[k, 0] == 2 and ncost >= 2 and 4 + ncost <= C.shape[1]:
                cost[k] = C[k, 4 + ncost - 2]
    net.add_table("gen", pd.DataFrame({
        "bus": nm[row], "p_mw": G[:, 1], "q_mvar": G[:, 2], "max_q_mvar": G[:, 3],
        "min_q_mvar": G[:, 4], "vm_pu": vm, "in_service": on, "max_p_mw": G[:, 8],
        "min_p_mw": G[:, 9], "slack": slack, "va_degree": np.where(slack, va[row], 0.0),
        "controllable": (gt == 2) | (gt == 3), "cost_per_mwh": cost,
    }, index=_names(fields, "gen_name", n, "gen")))


def _read_branches(net: Network, fields: dict[str, Any], br: Matrix, vn: np.ndarray,
                   nm: np.ndarray, pos: pd.Series, src: str) -> None:
    R = br.data
    _check_finite(br, "branch", (0, 1, 2, 3, 4, 8, 9, 10), src)
    f = _bus_rows(br, 0, "branch", "F_BUS", pos, src)
    t = _bus_rows(br, 1, "branch", "T_BUS", pos, src)
    names = np.array(_names(fields, "branch_name", len(R), "branch"), dtype=object)
    r, x, b, rate, tap, shift = R[:, 2], R[:, 3], R[:, 4], R[:, 5], R[:, 8], R[:, 9]
    on = R[:, 10] > 0
    vf, vt = vn[f], vn[t]
    line = ((tap == 0) | (tap == 1)) & (shift == 0) & (vf == vt)
    if line.any():
        s = line
        zb = vf[s] ** 2 / net.sn_mva
        with np.errstate(divide="ignore"):
            imax = np.where(rate[s] > 0, rate[s] / (math.sqrt(3) * vf[s]), np.nan)
        net.add_table("line", pd.DataFrame({
            "from_bus": nm[f[s]], "to_bus": nm[t[s]], "length_km": 1.0,
            "r_ohm_per_km": r[s] * zb, "x_ohm_per_km": x[s] * zb,
            "c_nf_per_km": b[s] / zb / (2 * math.pi * net.f_hz) * 1e9,
            "max_i_ka": imax, "kind": np.where(x[s] < 0, "series_capacitor", "ac"),
            "in_service": on[s],
        }, index=names[s]))
    s = ~line
    if s.any():
        tau = np.where(tap[s] == 0, 1.0, tap[s])
        hv_first = vf[s] >= vt[s]
        hv = np.where(hv_first, f[s], t[s])
        lv = np.where(hv_first, t[s], f[s])
        d = tau - 1.0
        net.add_table("trafo", pd.DataFrame({
            "hv_bus": nm[hv], "lv_bus": nm[lv], "sn_mva": net.sn_mva,
            "vn_hv_kv": vn[hv], "vn_lv_kv": vn[lv],
            "vk_percent": np.where(x[s] < 0, -1.0, 1.0) * np.hypot(r[s], x[s]) * 100.0,
            "vkr_percent": r[s] * 100.0, "i0_percent": -b[s] * 100.0,
            "shift_degree": np.where(hv_first, shift[s], -shift[s]),
            "tap_side": np.where(hv_first, "hv", "lv"), "tap_pos": np.sign(d),
            "tap_neutral": 0.0, "tap_step_percent": np.abs(d) * 100.0,
            "tap_changer_type": "ratio",
            "max_loading_percent": np.where(rate[s] > 0, rate[s] / net.sn_mva * 100.0, np.nan),
            "in_service": on[s],
        }, index=names[s]))


def _read_dclines(net: Network, fields: dict[str, Any], dc: Matrix, nm: np.ndarray,
                  pos: pd.Series, src: str) -> None:
    D = dc.data
    _check_finite(dc, "dcline", (0, 1, 2, 3, 7, 8, 15, 16), src)
    f = _bus_rows(dc, 0, "dcline", "F_BUS", pos, src)
    t = _bus_rows(dc, 1, "dcline", "T_BUS", pos, src)
    net.add_table("dcline", pd.DataFrame({
        "from_bus": nm[f], "to_bus": nm[t], "in_service": D[:, 2] > 0, "p_mw": D[:, 3],
        "vm_from_pu": D[:, 7], "vm_to_pu": D[:, 8], "max_p_mw": D[:, 10],
        "min_q_from_mvar": D[:, 11], "max_q_from_mvar": D[:, 12],
        "min_q_to_mvar": D[:, 13], "max_q_to_mvar": D[:, 14],
        "loss_mw": D[:, 15], "loss_percent": D[:, 16] * 100.0,
    }, index=_names(fields, "dcline_name", len(D), "dcline")))


# --------------------------------------------------------------------------- writing
def _fmt(v: float) -> str:
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Inf" if v > 0 else "-Inf"
    if v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return f"{v:.15g}"  # within 5e-16 relative; drops the float noise of conversions


def _rows(data: np.ndarray) -> str:
    return "".join("\t" + "\t".join(_fmt(float(v)) for v in row) + ";\n" for row in data)


def _cell(values: list[str]) -> str:
    return "".join("\t'" + str(v).replace("'", "''") + "';\n" for v in values)


def write_matpower(net: Network, path: str | Path) -> None:
    """Write ``net`` as a MATPOWER version 2 case file.

    Loads, shunts and storage are summed per bus into ``PD/QD/GS/BS`` (out-of-service
    ones are dropped); line and trafo shunt conductance (no branch ``G`` in MATPOWER)
    goes to the buses' ``GS``. Lines are written first, then trafos, each in table
    order; a trafo with its tap on the LV side is written from its LV bus so that the
    file reads back to the same trafo. Element names go to ``mpc.gen_name``,
    ``mpc.branch_name`` and ``mpc.dcline_name``; non-numeric bus names are numbered
    1..n and kept in ``mpc.bus_name``.
    """
    path = Path(path)
    bus, base = net.bus, net.sn_mva
    n = len(bus)
    names = [str(x) for x in bus.index]
    if all(x.isdigit() and int(x) > 0 for x in names) and len({int(x) for x in names}) == n:
        number = np.array([int(x) for x in names], dtype=float)
        labels = net.meta.get("matpower_bus_name")
        labels = labels if isinstance(labels, list) and len(labels) == n else None
    else:
        number, labels = np.arange(1, n + 1, dtype=float), names
    pos = pd.Series(np.arange(n), index=bus.index.astype(str))

    def rows_of(table: str, df: pd.DataFrame, col: str) -> np.ndarray:
        out = pos.reindex(df[col].astype(str).to_numpy()).to_numpy()
        if np.isnan(out).any():
            i = int(np.flatnonzero(np.isnan(out))[0])
            raise InputError("refers to an unknown bus", source=str(path), table=table,
                             element=df.index[i], field=col, value=df[col].iloc[i])
        return out.astype(np.int64)

    vn = bus["vn_kv"].to_numpy(float)
    pd_, qd, gs, bs = (np.zeros(n) for _ in range(4))
    btype = np.where(bus["in_service"].to_numpy(bool), 1.0, 4.0)
    va = np.zeros(n)
    vm = np.ones(n)
    for table, p_col, q_col, sign in (("load", "p_mw", "q_mvar", 1.0),
                                      ("storage", "p_mw", None, 1.0)):
        df = net.table(table)
        on = df["in_service"].to_numpy(bool)
        if on.any():
            r = rows_of(table, df[on], "bus")
            np.add.at(pd_, r, sign * df[p_col].to_numpy(float)[on])
            if q_col:
                np.add.at(qd, r, df[q_col].to_numpy(float)[on])
    if net.storage["in_service"].any():
        warnings.warn(f"{path}: storage power written into the buses' PD", UserWarning,
                      stacklevel=2)
    sh = net.shunt[net.shunt["in_service"].to_numpy(bool)]
    r = rows_of("shunt", sh, "bus")
    np.add.at(gs, r, sh["p_mw"].to_numpy(float))
    np.add.at(bs, r, -sh["q_mvar"].to_numpy(float))

    gen = net.gen
    grow = rows_of("gen", gen, "bus")
    gorder = _slack_first(gen, grow)
    gen, grow = gen.iloc[gorder], grow[gorder]
    on, slack = gen["in_service"].to_numpy(bool), gen["slack"].to_numpy(bool)
    btype[grow[on & gen["controllable"].to_numpy(bool)]] = 2.0
    btype[grow[slack]] = 3.0
    btype[~bus["in_service"].to_numpy(bool)] = 4.0
    va[grow[slack]] = gen["va_degree"].to_numpy(float)[slack]
    vm[grow] = gen["vm_pu"].to_numpy(float)
    pmax = gen["max_p_mw"].to_numpy(float)
    G = np.zeros((len(gen), 21))
    G[:, :10] = np.column_stack([
        number[grow], gen["p_mw"], gen["q_mvar"], gen["max_q_mvar"], gen["min_q_mvar"],
        gen["vm_pu"], np.full(len(gen), base), on, np.where(np.isnan(pmax), np.inf, pmax),
        gen["min_p_mw"]])

    br, br_names = _branches(net, rows_of, vn, gs, number)
    zone = [float(z) if re.fullmatch(r"\d+", str(z)) else 1.0 for z in bus["zone"]]
    Bm = np.column_stack([number, btype, pd_, qd, gs, bs, np.ones(n), vm, va, vn, zone,
                          bus["vm_max_pu"], bus["vm_min_pu"]])
    fname = re.sub(r"\W", "_", path.stem)
    fname = fname if re.match(r"[A-Za-z]", fname) else f"case_{fname}"
    out = [f"function mpc = {fname}\n",
           f"%{fname.upper()}  MATPOWER case written by gridsim from network '{net.name}'.\n\n",
           "%% MATPOWER Case Format : Version 2\nmpc.version = '2';\n\n",
           f"%%-----  Power Flow Data  -----%%\n%% system MVA base\nmpc.baseMVA = {_fmt(base)};\n\n",
           "%% bus data\n%\t" + "\t".join(COLUMNS["bus"]) + "\nmpc.bus = [\n", _rows(Bm), "];\n\n",
           "%% generator data\n%\t" + "\t".join(COLUMNS["gen"]) + "\nmpc.gen = [\n", _rows(G),
           "];\n\n", "%% branch data\n%\t" + "\t".join(COLUMNS["branch"]) + "\nmpc.branch = [\n",
           _rows(br), "];\n"]
    cost = gen["cost_per_mwh"].to_numpy(float)
    if (cost != 0).any():
        C = np.column_stack([np.full(len(gen), 2.0), np.zeros(len(gen)), np.zeros(len(gen)),
                             np.full(len(gen), 2.0), cost, np.zeros(len(gen))])
        out += ["\n%%-----  OPF Data  -----%%\n%% generator cost data\n%\t2\tstartup\tshutdown"
                "\tn\tc1\tc0\nmpc.gencost = [\n", _rows(C), "];\n"]
    dc = net.dcline
    if len(dc):
        f, t = rows_of("dcline", dc, "from_bus"), rows_of("dcline", dc, "to_bus")
        p = dc["p_mw"].to_numpy(float)
        loss0, loss1 = dc["loss_mw"].to_numpy(float), dc["loss_percent"].to_numpy(float) / 100
        dpmax = dc["max_p_mw"].to_numpy(float)
        D = np.column_stack([
            number[f], number[t], dc["in_service"], p, p - (loss0 + loss1 * p), np.zeros(len(dc)),
            np.zeros(len(dc)), dc["vm_from_pu"], dc["vm_to_pu"], np.minimum(p, 0.0),
            np.where(np.isnan(dpmax), np.inf, dpmax), dc["min_q_from_mvar"],
            dc["max_q_from_mvar"], dc["min_q_to_mvar"], dc["max_q_to_mvar"], loss0, loss1])
        out += ["\n%% dc line data\n%\t" + "\t".join(COLUMNS["dcline"]) + "\nmpc.dcline = [\n",
                _rows(D), "];\n", "\nmpc.dcline_name = {\n", _cell(list(dc.index)), "};\n"]
    if labels is not None:
        out += ["\n%% bus names\nmpc.bus_name = {\n", _cell(labels), "};\n"]
    out += ["\n%% element names (gridsim)\nmpc.gen_name = {\n", _cell(list(gen.index)), "};\n",
            "\nmpc.branch_name = {\n", _cell(br_names), "};\n"]
    path.write_text("".join(out), encoding="utf-8")


def _slack_first(gen: pd.DataFrame, grow: np.ndarray) -> np.ndarray:
    """Gen order with each slack gen moved before the other gens of its bus."""
    order = list(range(len(gen)))
    for k in np.flatnonzero(gen["slack"].to_numpy(bool)):
        first = order.index(int(np.flatnonzero(grow == grow[k])[0]))
        order.remove(int(k))
        order.insert(first, int(k))
    return np.array(order, dtype=np.int64)


def _branches(net: Network, rows_of: Any, vn: np.ndarray, gs: np.ndarray,
              number: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Per-unit branch rows of lines and trafos; shunt conductance added to ``gs`` (MW)."""
    base, parts, names = net.sn_mva, [], []
    line = net.line
    if len(line):
        f, t = rows_of("line", line, "from_bus"), rows_of("line", line, "to_bus")
        zb = vn[f] ** 2 / base
        ln, par = line["length_km"].to_numpy(float), line["parallel"].to_numpy(float)
        g = line["g_us_per_km"].to_numpy(float) * 1e-6 * ln * par * zb
        rate = line["max_i_ka"].to_numpy(float) * math.sqrt(3) * vn[f] * par
        rate = np.where(np.isnan(rate), 0.0, rate)
        on = line["in_service"].to_numpy(bool)
        parts.append(np.column_stack([
            number[f], number[t], line["r_ohm_per_km"].to_numpy(float) * ln / par / zb,
            line["x_ohm_per_km"].to_numpy(float) * ln / par / zb,
            2 * math.pi * net.f_hz * line["c_nf_per_km"].to_numpy(float) * 1e-9 * ln * par * zb,
            rate, rate, rate, np.zeros(len(line)), np.zeros(len(line)), on,
            np.full(len(line), -360.0), np.full(len(line), 360.0)]))
        _fold_g(gs, f, t, g * on, np.ones(len(line)), base)
        names += list(line.index)
    tr = net.trafo
    if len(tr):
        hv, lv = rows_of("trafo", tr, "hv_bus"), rows_of("trafo", tr, "lv_bus")
        n_hv, n_lv, phi = tap_model(tr, vn[hv], vn[lv])
        sn, par = tr["sn_mva"].to_numpy(float), tr["parallel"].to_numpy(float)
        vk, vkr = tr["vk_percent"].to_numpy(float), tr["vkr_percent"].to_numpy(float)
        zs = vk / 100 * base / sn * n_lv**2
        rs = vkr / 100 * base / sn * n_lv**2
        xs = np.sign(zs) * np.sqrt(np.maximum(zs**2 - rs**2, 0.0))
        g, b = magnetising_pu(tr, n_lv, base)
        ratio = n_hv / n_lv
        lvs = tr["tap_side"].to_numpy(object) == "lv"
        k2 = np.where(lvs, ratio**2, 1.0)
        f, t = np.where(lvs, lv, hv), np.where(lvs, hv, lv)
        tap = np.where(lvs, 1.0 / ratio, ratio)
        rate = sn * tr["max_loading_percent"].to_numpy(float) / 100 * par
        rate = np.where(np.isnan(rate), 0.0, rate)
        on = tr["in_service"].to_numpy(bool)
        parts.append(np.column_stack([
            number[f], number[t], rs / par * k2, xs / par * k2, b / k2, rate, rate, rate, tap,
            np.where(lvs, -phi, phi), on, np.full(len(tr), -360.0), np.full(len(tr), 360.0)]))
        _fold_g(gs, f, t, g / k2 * on, tap, base)
        names += list(tr.index)
    data = np.vstack(parts) if parts else np.zeros((0, 13))
    return data, [str(x) for x in names]


def _fold_g(gs: np.ndarray, f: np.ndarray, t: np.ndarray, g: np.ndarray, tap: np.ndarray,
            base: float) -> None:
    """Add branch shunt conductance ``g`` (pu, total) to the end buses' GS (MW)."""
    if not (g != 0).any():
        return
    warnings.warn("branch shunt conductance written as bus GS (MATPOWER has no branch G)",
                  UserWarning, stacklevel=3)
    np.add.at(gs, f, g / 2 / tap**2 * base)
    np.add.at(gs, t, g / 2 * base)
