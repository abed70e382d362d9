"""MATPOWER case files (version 2): :func:`read_matpower` and :func:`write_matpower`.

Reading follows MATPOWER's own semantics (``runpf``):

- bus names are the MATPOWER bus numbers as strings; ``mpc.bus_name`` labels go to
  ``net.meta["matpower_bus_name"]`` (or become the names with ``use_bus_name=True``).
  Type 4 buses are out of service. A ``BASE_KV <= 0`` (pu-only cases such as the
  original ``case14``) becomes 1 kV with a warning: the per-unit model is unchanged;
- the stored bus voltages ``VM``/``VA`` (a solved or estimated operating point, not
  part of the model) go to ``net.meta["case_voltage"]``: ``{"vm_pu": {bus: VM},
  "va_degree": {bus: VA}}``, keyed by bus name. The power flow's ``init="case"`` (and
  ``"auto"``) starts from them, as MATPOWER's ``runpf`` does;
- ``PD/QD`` -> load ``load_<bus>``; ``GS/BS`` -> shunt ``shunt_<bus>`` (``p_mw = GS``,
  ``q_mvar = -BS`` at 1 pu);
- gens -> gen ``gen_<row>``: the first in-service gen at each type 3 bus is the slack
  (``va_degree`` = bus ``VA``); gens at type 2/3 buses are voltage-controlled, those at
  type 1/4 buses are PQ injections (``controllable=False``, ``q_mvar = QG``), as
  pandapower's ``from_ppc`` does. All gens of a bus get the ``VG`` MATPOWER uses there
  (the last in-service gen's). ``gencost`` -> ``cost_per_mwh`` (:func:`gencost_per_mwh`:
  the linear term of a polynomial, the mean slope of a piecewise-linear curve);
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

from gridsim.network.io_matpower_format import COLUMNS, MIN_COLUMNS, _fail
from gridsim.network.io_matpower_write import write_matpower as write_matpower  # re-export
from gridsim.network.io_text import read_text
from gridsim.network.network import Network

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


def _strip_comment(raw: str) -> tuple[str, bool]:
    """Code part of one line and whether it continues (``...``) on the next line."""
    quote, i = "", 0
    while i < len(raw):
        ch = raw[i]
        if quote:
            if ch == quote and raw[i + 1 : i + 2] == quote:
                i += 1  # escaped quote
            elif ch == quote:
                quote = ""
        elif ch in "%#":
            return raw[:i], False
        elif raw.startswith("...", i):
            return raw[:i], True
        elif ch == '"' or (
            ch == "'" and not (i and (raw[i - 1].isalnum() or raw[i - 1] in "])}._'"))
        ):
            quote = ch  # a quote after a value is MATLAB's transpose, not a string
        i += 1
    return raw, False


def parse_matpower(text: str, source: str = "<string>") -> dict[str, Any]:
    """Parse the ``mpc.<field> = value;`` assignments of a MATPOWER case file.

    Matrices become :class:`Matrix`, cell arrays lists of str, scalars float or str.
    Handles ``%`` comments, ``...`` continuations, rows ended by ``;`` or a new line,
    comma or blank separators, ``Inf``/``NaN`` and scientific notation. A malformed matrix
    row raises :class:`InputError` naming ``source``, the table and the row (and its line).
    """
    parts: list[str] = []
    starts: list[int] = []
    for raw in text.splitlines():
        code, cont = _strip_comment(raw)
        starts.append(sum(map(len, parts[-1:])) + (starts[-1] if starts else 0))
        parts.append(code + (" " if cont else "\n"))
    code = "".join(parts)

    def line_at(offset: int) -> int:
        return max(bisect.bisect_right(starts, offset), 1)

    out: dict[str, Any] = {}
    for m in _ASSIGN.finditer(code):
        name, p = m.group(1), m.end()
        opener = code[p : p + 1]
        if opener in ("[", "{"):
            end = code.find("]", p) if opener == "[" else _cell_end(code, p)
            kind = "matrix" if opener == "[" else "cell array"
            if end < 0:
                closer = "]" if opener == "[" else "}"
                msg = f"{kind} starting on line {line_at(p)} is not closed with '{closer}'"
                raise _fail(msg, source, name)
            body = code[p + 1 : end]
            if opener == "{":
                out[name] = [
                    g[1].replace("''", "'") if g[1] is not None else g[2].replace('""', '"')
                    for g in _STRING.finditer(body)
                ]
                continue
            nested = re.search(r"\[|\bmpc\.", body)
            if nested:
                msg = (
                    f"matrix starting on line {line_at(p)} is not closed with ']' before "
                    f"line {line_at(p + 1 + nested.start())}"
                )
                raise _fail(msg, source, name)
            if code[end + 1 : end + 2] == "'":
                raise _fail(
                    "transposed matrices are not supported", source, name, f"line {line_at(p)}"
                )
            out[name] = _matrix(body, p + 1, name, source, line_at)
        else:
            raw = re.split(r"[;\n]", code[p:], maxsplit=1)[0].strip()
            s = _STRING.fullmatch(raw)
            try:
                out[name] = (s[1] if s[1] is not None else s[2]) if s else float(raw)
            except ValueError:
                out[name] = raw
    return out


def _cell_end(code: str, p: int) -> int:
    quote = ""
    for i in range(p + 1, len(code)):
        if quote:
            quote = "" if code[i] == quote else quote
        elif code[i] in "'\"":
            quote = code[i]
        elif code[i] == "}":
            return i
    return -1


def _matrix(body: str, offset: int, table: str, source: str, line_at: Any) -> Matrix:
    cols = COLUMNS.get(table, [])
    rows: list[list[float]] = []
    lines: list[int] = []
    for seg in re.finditer(r"[^;\n]+", body):
        tokens = seg.group().replace(",", " ").split()
        if not tokens:
            continue
        ln = line_at(offset + seg.start())
        where = f"row {len(rows) + 1} (line {ln})"
        if rows and len(tokens) != len(rows[0]):
            msg = f"has {len(tokens)} columns, expected {len(rows[0])} as in row 1"
            raise _fail(msg, source, table, where)
        try:
            rows.append([float(tok) if "_" not in tok else float("x") for tok in tokens])
        except ValueError:
            j = next(j for j, tok in enumerate(tokens) if not _is_number(tok))
            field = cols[j] if j < len(cols) else f"column {j + 1}"
            raise _fail("must be a number", source, table, where, field, tokens[j]) from None
        lines.append(ln)
    need = MIN_COLUMNS.get(table, 0)
    data = np.array(rows, dtype=float) if rows else np.zeros((0, need))
    if rows and data.shape[1] < need:
        msg = (
            f"has {data.shape[1]} columns, a MATPOWER {table} table needs at least "
            f"{need} ({' '.join(cols[:need])})"
        )
        raise _fail(msg, source, table, f"row 1 (line {lines[0]})")
    return Matrix(data, lines)


def _is_number(tok: str) -> bool:
    try:
        return "_" not in tok and float(tok) == float(tok) or tok.lower() == "nan"
    except ValueError:
        return False


# --------------------------------------------------------------------------- reading
def read_matpower(path: str | Path, *, f_hz: float = 50.0, use_bus_name: bool = False) -> Network:
    """Read a MATPOWER version 2 case file into a :class:`Network` (MW, Mvar, kV, ohm).

    ``f_hz`` (Hz) converts branch charging to ``c_nf_per_km``. With ``use_bus_name`` the
    ``mpc.bus_name`` labels (when present and unique) name the buses instead of the
    numbers.
    """
    path = Path(path)
    return matpower_text_to_network(
        read_text(path), str(path), name=path.stem, f_hz=f_hz, use_bus_name=use_bus_name
    )


def matpower_text_to_network(
    text: str, source: str, *, name: str = "", f_hz: float = 50.0, use_bus_name: bool = False
) -> Network:
    """:func:`read_matpower` on the ``text`` of a case file; errors name ``source``."""
    net = _build(parse_matpower(text, source), source, f_hz, use_bus_name)
    net.name = re.sub(r"\W", "_", name)
    net.source = source
    return net


def _names(fields: dict[str, Any], key: str, n: int, prefix: str) -> np.ndarray:
    cell = fields.get(key)
    if isinstance(cell, list) and len(cell) == n and all(cell) and len(set(cell)) == n:
        return np.array(cell, dtype=object)
    return np.array([f"{prefix}_{k + 1}" for k in range(n)], dtype=object)


def _check(
    m: Matrix,
    table: str,
    src: str,
    finite: list[int],
    buses: dict[int, str] | None = None,
    pos: pd.Series | None = None,
) -> list[np.ndarray]:
    """Require finite values in columns ``finite``; bus-table rows of the ``buses`` columns."""
    bad = ~np.isfinite(m.data[:, finite])
    if bad.any():
        k, j = (int(x[0]) for x in np.nonzero(bad))
        col = finite[j]
        raise _fail(
            "must be a finite number",
            src,
            table,
            m.where(k),
            COLUMNS[table][col],
            float(m.data[k, col]),
        )
    out = []
    for col, field in (buses or {}).items():
        rows = pos.reindex(m.data[:, col]).to_numpy() if pos is not None else np.array([])
        if np.isnan(rows).any():
            k = int(np.flatnonzero(np.isnan(rows))[0])
            v = _int(m.data[k, col])
            raise _fail("refers to an unknown bus", src, table, m.where(k), field, v)
        out.append(rows.astype(np.int64))
    return out


def _int(v: float) -> Any:
    return int(v) if float(v).is_integer() else v


def _build(fields: dict[str, Any], src: str, f_hz: float, use_bus_name: bool) -> Network:
    version = str(fields.get("version", "2")).strip()
    if version not in ("2", "2.0"):
        msg = "must be '2' (only MATPOWER version 2 case files are supported)"
        raise _fail(msg, src, field="mpc.version", value=version)
    base = fields.get("baseMVA")
    if not isinstance(base, float) or not base > 0:
        raise _fail("must be a positive number", src, field="mpc.baseMVA", value=base)
    for key in ("bus", "gen", "branch"):
        if not isinstance(fields.get(key), Matrix):
            problem = f"is missing (not a MATPOWER version 2 case: no 'mpc.{key} = [...]')"
            raise _fail(problem, src, key)
    bus: Matrix = fields["bus"]
    net = Network(sn_mva=base, f_hz=f_hz)
    net.meta.update(source_format="matpower", trafo_model="pi")
    B = bus.data
    _check(bus, "bus", src, [0, 1, 2, 3, 4, 5, 9])
    num, btype = B[:, 0], B[:, 1]
    for bad, field, problem in (
        ((num != np.round(num)) | (num <= 0), "BUS_I", "must be a positive integer"),
        (pd.Index(num).duplicated(), "BUS_I", "duplicate bus number"),
        (
            ~np.isin(btype, [1, 2, 3, 4]),
            "BUS_TYPE",
            "must be 1 (PQ), 2 (PV), 3 (ref) or 4 (isolated)",
        ),
    ):
        if bad.any():
            k = int(np.flatnonzero(bad)[0])
            v = _int(B[k, COLUMNS["bus"].index(field)])
            raise _fail(problem, src, "bus", bus.where(k), field, v)
    names = [str(int(x)) for x in num]
    labels = fields.get("bus_name")
    if isinstance(labels, list) and len(labels) == len(names):
        if use_bus_name and all(labels) and len(set(labels)) == len(labels):
            names = [str(x) for x in labels]
        else:
            net.meta["matpower_bus_name"] = [str(x) for x in labels]
    vn = B[:, 9].copy()
    if (vn <= 0).any():
        warnings.warn(
            f"{src}: {int((vn <= 0).sum())} bus(es) have BASE_KV <= 0; using 1 kV "
            "(the per-unit model is unchanged)",
            UserWarning,
            stacklevel=3,
        )
        vn[vn <= 0] = 1.0
    pos = pd.Series(np.arange(len(num)), index=num)
    nm = np.array(names, dtype=object)
    net.meta["case_voltage"] = {
        "vm_pu": dict(zip(names, B[:, 7].tolist(), strict=True)),
        "va_degree": dict(zip(names, B[:, 8].tolist(), strict=True)),
    }
    frame = pd.DataFrame(
        {
            "vn_kv": vn,
            "zone": [str(_int(z)) for z in B[:, 10]],
            "vm_max_pu": B[:, 11],
            "vm_min_pu": B[:, 12],
            "in_service": btype != 4,
        },
        index=nm,
    )
    net.add_table("bus", frame)
    for table, (p, q, sign) in (("load", (2, 3, 1.0)), ("shunt", (4, 5, -1.0))):
        s = (B[:, p] != 0) | (B[:, q] != 0)
        if s.any():
            frame = pd.DataFrame(
                {"bus": nm[s], "p_mw": B[s, p], "q_mvar": sign * B[s, q]},
                index=[f"{table}_{x}" for x in nm[s]],
            )
            net.add_table(table, frame)
    if len(fields["gen"].data):
        _read_gens(net, fields, fields["gen"], btype, B[:, 8], nm, pos, src)
    if len(fields["branch"].data):
        _read_branches(net, fields, fields["branch"], vn, nm, pos, src)
    dc = fields.get("dcline")
    if isinstance(dc, Matrix) and len(dc.data):
        D = dc.data
        f, t = _check(dc, "dcline", src, [0, 1, 2, 3, 7, 8, 15, 16], {0: "F_BUS", 1: "T_BUS"}, pos)
        frame = pd.DataFrame(
            {
                "from_bus": nm[f],
                "to_bus": nm[t],
                "in_service": D[:, 2] > 0,
                "p_mw": D[:, 3],
                "vm_from_pu": D[:, 7],
                "vm_to_pu": D[:, 8],
                "max_p_mw": D[:, 10],
                "min_q_from_mvar": D[:, 11],
                "max_q_from_mvar": D[:, 12],
                "min_q_to_mvar": D[:, 13],
                "max_q_to_mvar": D[:, 14],
                "loss_mw": D[:, 15],
                "loss_percent": D[:, 16] * 100.0,
            },
            index=_names(fields, "dcline_name", len(D), "dcline"),
        )
        net.add_table("dcline", frame)
    return net


def _read_gens(
    net: Network,
    fields: dict[str, Any],
    gen: Matrix,
    btype: np.ndarray,
    va: np.ndarray,
    nm: np.ndarray,
    pos: pd.Series,
    src: str,
) -> None:
    G = gen.data
    (row,) = _check(gen, "gen", src, [0, 1, 2, 5, 7], {0: "GEN_BUS"}, pos)
    n, on, gt = len(G), G[:, 7] > 0, btype[row]
    # MATPOWER sets V0(gbus) = VG of the online gens: with several, the last one wins
    vm = pd.Series(G[on, 5], index=row[on]).groupby(level=0).last().reindex(row).to_numpy()
    slack = np.zeros(n, bool)
    for b in np.unique(row[gt == 3]):  # the first (in-service) gen at each ref bus
        at = np.flatnonzero(row == b)
        slack[(at[on[at]] if on[at].any() else at)[0]] = True
    gc = fields.get("gencost")
    cost = gencost_per_mwh(gc, n, src) if isinstance(gc, Matrix) else np.zeros(n)
    frame = pd.DataFrame(
        {
            "bus": nm[row],
            "p_mw": G[:, 1],
            "q_mvar": G[:, 2],
            "max_q_mvar": G[:, 3],
            "min_q_mvar": G[:, 4],
            "vm_pu": np.where(np.isnan(vm), G[:, 5], vm),
            "in_service": on,
            "max_p_mw": G[:, 8],
            "min_p_mw": G[:, 9],
            "slack": slack,
            "va_degree": np.where(slack, va[row], 0.0),
            "controllable": (gt == 2) | (gt == 3),
            "cost_per_mwh": cost,
        },
        index=_names(fields, "gen_name", n, "gen"),
    )
    net.add_table("gen", frame)


def gencost_per_mwh(gc: Matrix, n_gen: int, src: str) -> np.ndarray:
    """Marginal cost (per MWh) of each of the ``n_gen`` gens from the first ``n_gen`` rows
    of ``mpc.gencost`` (the rows after them, reactive costs, are ignored).

    - ``MODEL = 2`` (polynomial ``c(n-1) ... c1 c0``, ``NCOST = n``): the linear term
      ``c1``, whatever the degree (a quadratic's ``c2`` is dropped; 0 for a constant);
    - ``MODEL = 1`` (piecewise linear, breakpoints ``(p1, f1) ... (pn, fn)`` in MW and
      cost per hour): the mean slope ``(fn - f1) / (pn - p1)``, the average incremental
      cost over the curve, with a warning (the LP has one price per generator);
    - any other model, ``NCOST`` beyond the row, too few breakpoints or breakpoints
      not increasing in MW raise :class:`InputError` naming the file, row and field.
    """
    data = gc.data
    cost = np.zeros(n_gen)
    if not len(data):
        return cost
    if len(data) < n_gen:
        raise _fail(f"has {len(data)} rows, expected one per gen ({n_gen})", src, "gencost")
    pwl: list[int] = []
    for k, c in enumerate(data[:n_gen]):
        model, nc = c[0], c[3]
        if model not in (1.0, 2.0):
            why = "must be 1 (piecewise linear) or 2 (polynomial)"
            raise _fail(why, src, "gencost", gc.where(k), "MODEL", model)
        width = 2 * nc if model == 1 else nc
        if (
            not np.isfinite(nc)
            or nc != int(nc)
            or nc < (2 if model == 1 else 1)
            or 4 + width > len(c)
        ):
            why = f"must count the {'breakpoints' if model == 1 else 'coefficients'} in the row ({len(c) - 4} columns after NCOST)"  # fmt: skip
            raise _fail(why, src, "gencost", gc.where(k), "NCOST", nc)
        if model == 2:
            cost[k] = c[4 + int(nc) - 2] if nc >= 2 else 0.0
            continue
        p, f = c[4 : 4 + int(width) : 2], c[5 : 5 + int(width) : 2]
        if not (np.diff(p) > 0).all():
            raise _fail("breakpoints must increase in MW", src, "gencost", gc.where(k), "COST", p.tolist())  # fmt: skip
        cost[k] = (f[-1] - f[0]) / (p[-1] - p[0])
        pwl.append(k)
    if pwl:
        warnings.warn(
            f"{src}: {len(pwl)} gens have piecewise-linear costs (gencost MODEL 1), e.g. "
            f"{gc.where(pwl[0])}: each gets the mean slope of its curve as its marginal cost",
            UserWarning,
            stacklevel=3,
        )
    return cost


def _read_branches(
    net: Network,
    fields: dict[str, Any],
    br: Matrix,
    vn: np.ndarray,
    nm: np.ndarray,
    pos: pd.Series,
    src: str,
) -> None:
    R = br.data
    f, t = _check(br, "branch", src, [0, 1, 2, 3, 4, 8, 9, 10], {0: "F_BUS", 1: "T_BUS"}, pos)
    names = _names(fields, "branch_name", len(R), "branch")
    r, x, b, rate, tap, shift, on = (R[:, k] for k in (2, 3, 4, 5, 8, 9, 10))
    on = on > 0
    vf, vt = vn[f], vn[t]
    s = ((tap == 0) | (tap == 1)) & (shift == 0) & (vf == vt)
    if s.any():  # lines, in ohm at the from-bus base
        zb = vf[s] ** 2 / net.sn_mva
        with np.errstate(divide="ignore", invalid="ignore"):
            imax = np.where(rate[s] > 0, rate[s] / (math.sqrt(3) * vf[s]), np.nan)
        frame = pd.DataFrame(
            {
                "from_bus": nm[f[s]],
                "to_bus": nm[t[s]],
                "length_km": 1.0,
                "r_ohm_per_km": r[s] * zb,
                "x_ohm_per_km": x[s] * zb,
                "c_nf_per_km": b[s] / zb / (2 * math.pi * net.f_hz) * 1e9,
                "max_i_ka": imax,
                "kind": np.where(x[s] < 0, "series_capacitor", "ac"),
                "in_service": on[s],
            },
            index=names[s],
        )
        net.add_table("line", frame)
    s = ~s
    if s.any():  # trafos: rated = bus voltages, ratio as one tap step on the from side
        d = np.where(tap[s] == 0, 1.0, tap[s]) - 1.0
        hv_first = vf[s] >= vt[s]
        hv, lv = np.where(hv_first, f[s], t[s]), np.where(hv_first, t[s], f[s])
        with np.errstate(divide="ignore", invalid="ignore"):
            loading = np.where(rate[s] > 0, rate[s] / net.sn_mva * 100.0, np.nan)
        frame = pd.DataFrame(
            {
                "hv_bus": nm[hv],
                "lv_bus": nm[lv],
                "sn_mva": net.sn_mva,
                "vn_hv_kv": vn[hv],
                "vn_lv_kv": vn[lv],
                "vkr_percent": r[s] * 100.0,
                "i0_percent": -b[s] * 100.0,
                "vk_percent": np.where(x[s] < 0, -100.0, 100.0) * np.hypot(r[s], x[s]),
                "shift_degree": np.where(hv_first, shift[s], -shift[s]),
                "tap_side": np.where(hv_first, "hv", "lv"),
                "tap_pos": np.sign(d),
                "tap_neutral": 0.0,
                "tap_step_percent": np.abs(d) * 100.0,
                "tap_changer_type": "ratio",
                "max_loading_percent": loading,
                "in_service": on[s],
            },
            index=names[s],
        )
        net.add_table("trafo", frame)
