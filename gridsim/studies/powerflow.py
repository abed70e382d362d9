"""The power-flow study: options, driver and results for one operating point.

>>> from gridsim.network import load_network
>>> from gridsim.studies import run_pf
>>> res = run_pf(load_network("ningxia_2025"), algorithm="nr")   # doctest: +SKIP
>>> res.converged, res.bus.vm_pu.min()                             # doctest: +SKIP
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from gridsim.errors import InputError
from gridsim.network.network import Network
from gridsim.powerflow.compile import PQ, REF, CompiledNetwork, compile_network
from gridsim.powerflow.dc import DcSolver, dc_injection_pu
from gridsim.powerflow.fdpf import FastDecoupled
from gridsim.powerflow.flows import branch_flows, bus_injections, element_outputs
from gridsim.powerflow.jit import notify_first_compile
from gridsim.powerflow.newton import newton_pf
from gridsim.powerflow.ybus import make_ybus

ALGORITHMS = ("nr", "fdxb", "fdbx", "dc")
INITS = ("auto", "flat", "dc", "case")
"""Start points of an AC power flow (see :class:`PowerFlowOptions`)."""

log = logging.getLogger(__name__)


@dataclass
class PowerFlowOptions:
    """Options of :func:`run_pf`.

    ``tol_mva``: largest allowed power mismatch (MVA); ``max_iter``: iteration cap
    (fast-decoupled counts half-iteration pairs); ``enforce_q_lims``: switch generators
    that hit a reactive limit from PV to PQ; ``trafo_model``: ``"t"`` or ``"pi"``.

    ``init``, the start point of an AC power flow (magnitudes at PV and slack buses are
    always their set-points, the slack angles theirs, as in MATPOWER and pandapower):

    - ``"case"``: the bus voltages stored in the case (``net.meta["case_voltage"]``, set
      by the MATPOWER reader from ``VM``/``VA``), as MATPOWER's ``runpf`` starts;
      an :class:`InputError` when the network has none;
    - ``"dc"``: 1 pu magnitudes, angles from a DC power flow;
    - ``"flat"``: 1 pu and the slack angle everywhere;
    - ``"auto"`` (default): ``"case"`` when every bus has a stored voltage, else ``"dc"``
      (pandapower's ``init="auto"`` is likewise DC when it has no results).
    """

    algorithm: str = "nr"
    tol_mva: float = 1e-6
    max_iter: int = 30
    enforce_q_lims: bool = False
    init: str = "auto"
    trafo_model: str | None = None

    def check(self) -> None:
        if self.algorithm not in ALGORITHMS:
            raise InputError(
                f"must be one of {ALGORITHMS}", field="algorithm", value=self.algorithm
            )
        if self.init not in INITS:
            raise InputError(f"must be one of {INITS}", field="init", value=self.init)
        if not self.tol_mva > 0:
            raise InputError("must be > 0", field="tol_mva", value=self.tol_mva)


@dataclass
class PowerFlowResult:
    """Results of one power flow: status plus pandapower-like ``res_*`` tables.

    ``bus``: vm_pu, va_degree, p_mw, q_mvar (load convention: positive = taken from
    the grid, as pandapower's ``res_bus``). ``line``/``trafo``: p/q at both ends,
    losses, current and loading. ``gen``: p_mw, q_mvar. ``dcline``: p/q at both ends.
    ``init``: the start point used (``"case"``, ``"dc"`` or ``"flat"``; ``""`` for DC).
    """

    converged: bool
    iterations: int
    max_mismatch_mva: float
    worst_bus: str | None
    algorithm: str
    bus: pd.DataFrame
    line: pd.DataFrame
    trafo: pd.DataFrame
    gen: pd.DataFrame
    dcline: pd.DataFrame
    time_s: float
    q_limited_gens: list[str] = field(default_factory=list)
    init: str = ""

    @property
    def losses_mw(self) -> float:
        """Total active losses in AC branches (MW)."""
        return float(self.line["pl_mw"].sum() + self.trafo["pl_mw"].sum())

    def branch_loading(self) -> pd.Series:
        """Loading (%) of every line and transformer, most loaded first."""
        s = pd.concat([self.line["loading_percent"], self.trafo["loading_percent"]])
        return s.sort_values(ascending=False)

    def summary(self) -> str:
        """A short text summary: status, voltages, losses, most loaded branches."""
        lines = [
            f"algorithm {self.algorithm}"
            + (f" (start: {_START[self.init]})" if self.init in _START else "")
            + f": {'converged' if self.converged else 'NOT converged'} "
            f"in {self.iterations} iterations, max mismatch {self.max_mismatch_mva:.3g} MVA"
            + (f" at bus {self.worst_bus}" if not self.converged and self.worst_bus else ""),
        ]
        vm = self.bus["vm_pu"]
        if vm.notna().any():
            lines.append(
                f"voltage: min {vm.min():.4f} pu at {vm.idxmin()}, "
                f"max {vm.max():.4f} pu at {vm.idxmax()}"
            )
        lines.append(f"losses: {self.losses_mw:.3f} MW")
        top = self.branch_loading().dropna().head(5)
        if len(top):
            lines.append("most loaded branches:")
            lines += [f"  {name:<30s} {val:7.1f} %" for name, val in top.items()]
        return "\n".join(lines)


def run_pf(
    net: Network,
    algorithm: str = "nr",
    *,
    options: PowerFlowOptions | None = None,
    **kwargs: object,
) -> PowerFlowResult:
    """Run one AC (``nr``, ``fdxb``, ``fdbx``) or DC (``dc``) power flow on ``net``.

    Keyword arguments override fields of :class:`PowerFlowOptions`. A power flow that
    does not converge returns ``converged=False`` with the largest mismatch and its bus.
    """
    opts = options or PowerFlowOptions(algorithm=algorithm)
    for key, value in kwargs.items():
        if not hasattr(opts, key):
            raise InputError("is not a power-flow option", field=key, value=value)
        setattr(opts, key, value)
    if options is None:
        opts.algorithm = algorithm
    opts.check()
    t0 = time.perf_counter()
    c = compile_network(net, trafo_model=opts.trafo_model)
    notify_first_compile()  # after the checks: bad input never waits for a compile
    if opts.algorithm == "dc":
        return _run_dc(c, t0)
    ybus, yf, yt = make_ybus(c)
    tol = opts.tol_mva / c.sn_mva
    init, stored = start_point(net, c, opts.init)
    v0 = initial_voltage(c, init, stored)
    bus_type = c.bus_type.copy()
    s_bus = c.s_bus_pu()
    limited: list[str] = []
    for _ in range(max(1, len(c.gen_bus) + 1) if opts.enforce_q_lims else 1):
        pv, pq = np.flatnonzero(bus_type == 2), np.flatnonzero(bus_type == PQ)
        if opts.algorithm == "nr":
            st = newton_pf(ybus, s_bus, v0, pv, pq, tol=tol, max_iter=opts.max_iter)
            v, ok, its, mis, worst = (
                st.v,
                st.converged,
                st.iterations,
                st.max_mismatch_pu,
                st.worst_bus,
            )
        else:
            fd = FastDecoupled(c, ybus, opts.algorithm[2:], pv=pv, pq=pq)
            bst = fd.solve(s_bus[:, None], v0[:, None], tol=tol, max_iter=opts.max_iter)
            v, ok, its = bst.v[:, 0], bool(bst.converged[0]), int(bst.iterations[0])
            mis, worst = float(bst.max_mismatch_pu[0]), int(bst.worst_bus[0])
        if not (opts.enforce_q_lims and ok):
            break
        changed = _apply_q_limits(c, ybus, v, bus_type, s_bus, limited)
        if not changed:
            break
        v0 = v
    res = _assemble(c, ybus, yf, yt, v, ok, its, mis * c.sn_mva, worst, opts.algorithm, t0, limited)
    res.init = init
    return res


_START = {"case": "case voltages", "dc": "DC angles", "flat": "flat"}


def start_point(net: Network, c: CompiledNetwork, init: str) -> tuple[str, np.ndarray | None]:
    """Resolve ``init`` (one of :data:`INITS`) to ``"case"``, ``"dc"`` or ``"flat"``.

    Returns the resolved name and, for ``"case"``, the stored voltages at ``c``'s buses
    (complex pu). ``"auto"`` is ``"case"`` when every live bus has a usable stored voltage,
    else ``"dc"``; ``"case"`` without them raises :class:`InputError` naming ``init``.
    """
    if init not in ("auto", "case"):
        return init, None
    stored, why = case_voltage(net, c)
    if stored is not None:
        return "case", stored
    if init == "case":
        raise InputError(
            f"'case' needs the bus voltages stored in the case file (MATPOWER VM/VA): {why}; "
            "use 'auto', 'dc' or 'flat'",
            source=net.source or None,
            field="init",
            value=init,
            show_value=False,
        )
    log.debug("power flow starts from DC angles: %s", why)
    return "dc", None


def case_voltage(net: Network, c: CompiledNetwork) -> tuple[np.ndarray | None, str]:
    """The stored voltages ``net.meta["case_voltage"]`` at ``c``'s buses (complex pu).

    Returns ``(v, "")``, or ``(None, reason)`` when the network has none, a live bus has
    none, or one is not a finite magnitude > 0 and angle.
    """
    stored = net.meta.get("case_voltage")
    if not isinstance(stored, Mapping):
        return None, "the network has none"
    vm_map, va_map = stored.get("vm_pu"), stored.get("va_degree")
    if not isinstance(vm_map, Mapping) or not isinstance(va_map, Mapping):
        return None, "the network has none"
    vm = np.empty(c.n_bus)
    va = np.empty(c.n_bus)
    for k, name in enumerate(c.bus_names):
        try:
            vm[k], va[k] = float(vm_map[name]), float(va_map[name])
        except (KeyError, TypeError, ValueError):
            return None, f"bus '{name}' has none"
        if not (math.isfinite(vm[k]) and math.isfinite(va[k]) and vm[k] > 0):
            return None, f"bus '{name}' has vm_pu {vm[k]!r}, va_degree {va[k]!r}"
    return vm * np.exp(1j * np.deg2rad(va)), ""


def initial_voltage(
    c: CompiledNetwork, init: str = "flat", stored: np.ndarray | None = None
) -> np.ndarray:
    """Start voltages (complex pu) at ``c``'s buses.

    Magnitudes are the set-points at REF/PV buses and the slack angles theirs; elsewhere
    1 pu and the slack angle (``"flat"``), DC power-flow angles (``"dc"``) or the
    ``stored`` voltages (``"case"``, magnitudes at PQ buses and angles at all non-slack
    buses, as MATPOWER's ``runpf`` starts).
    """
    vm = np.where(c.bus_type == PQ, 1.0, c.v_set_pu)
    va = np.full(c.n_bus, 0.0)
    va[:] = c.va_set_rad[c.ref].mean() if len(c.ref) else 0.0
    va[c.ref] = c.va_set_rad[c.ref]
    if init == "dc":
        va = DcSolver(c).solve(dc_injection_pu(c))
    elif init == "case":
        if stored is None or len(stored) != c.n_bus:
            raise InputError("'case' needs one stored voltage per bus", field="init", value=init)
        vm = np.where(c.bus_type == PQ, np.abs(stored), vm)
        va = np.where(c.bus_type == REF, va, np.angle(stored))
    return vm * np.exp(1j * va)


def _apply_q_limits(c: CompiledNetwork, ybus, v, bus_type, s_bus, limited: list[str]) -> bool:
    """Switch PV buses whose generators exceed reactive limits to PQ at the limit."""
    s_inj = bus_injections(ybus, v, c.sn_mva)
    out = element_outputs(c, s_inj)
    q = out["q_gen_mvar"] / c.sn_mva
    ctrl = c.gen_on & c.gen_controllable & ~c.gen_slack & (bus_type[np.maximum(c.gen_bus, 0)] == 2)
    over = ctrl & (q > c.gen_q_max_pu + 1e-9)
    under = ctrl & (q < c.gen_q_min_pu - 1e-9)
    viol = over | under
    if not viol.any():
        return False
    for g in np.flatnonzero(viol):
        b = c.gen_bus[g]
        at_bus = np.flatnonzero(ctrl & (c.gen_bus == b))
        q_fix = np.where(
            over[at_bus],
            c.gen_q_max_pu[at_bus],
            np.where(under[at_bus], c.gen_q_min_pu[at_bus], q[at_bus]),
        )
        if bus_type[b] == 2:
            bus_type[b] = PQ
            s_bus[b] += 1j * q_fix.sum()
            limited.extend(c.gen_names[at_bus].tolist())
    return True


def _assemble(
    c: CompiledNetwork,
    ybus,
    yf,
    yt,
    v: np.ndarray,
    ok: bool,
    its: int,
    mis_mva: float,
    worst: int,
    algorithm: str,
    t0: float,
    limited: list[str],
) -> PowerFlowResult:
    s_inj = bus_injections(ybus, v, c.sn_mva)
    fl = branch_flows(c, yf, yt, v)
    out = element_outputs(c, s_inj)
    s_shunt = np.abs(v) ** 2 * np.conj(c.y_bus_shunt) * c.sn_mva
    return _tables(
        c,
        np.abs(v),
        np.rad2deg(np.angle(v)),
        s_shunt - s_inj,
        fl,
        out,
        ok,
        its,
        mis_mva,
        worst,
        algorithm,
        t0,
        limited,
    )


def _run_dc(c: CompiledNetwork, t0: float) -> PowerFlowResult:
    solver = DcSolver(c)
    theta = solver.solve(dc_injection_pu(c))
    p_f = solver.flows_pu(theta) * c.sn_mva
    p_bus = solver.bus_power_pu(theta) * c.sn_mva
    from gridsim.powerflow.flows import BranchFlows, branch_loading

    vm = np.ones(c.n_bus)
    i_ka = np.abs(p_f) / (np.sqrt(3) * c.vn_from_kv)
    i_to = np.abs(p_f) / (np.sqrt(3) * c.vn_to_kv)
    zero = np.zeros_like(p_f)
    fl = BranchFlows(p_f, zero, -p_f, zero, i_ka, i_to, branch_loading(c, i_ka, i_to))
    s_inj = p_bus + c.y_bus_shunt.real * c.sn_mva + 0j
    out = element_outputs(c, s_inj)
    out["q_gen_mvar"][:] = 0.0
    return _tables(c, vm, np.rad2deg(theta), -(p_bus + 0j), fl, out, True, 1, 0.0, -1, "dc", t0, [])


_BUS_COLUMNS = pd.Index(["vm_pu", "va_degree", "p_mw", "q_mvar"])
_BRANCH_COLUMNS = pd.Index(
    [
        "p_from_mw",
        "q_from_mvar",
        "p_to_mw",
        "q_to_mvar",
        "pl_mw",
        "ql_mvar",
        "i_from_ka",
        "i_to_ka",
        "i_ka",
        "loading_percent",
    ]
)
_GEN_COLUMNS = pd.Index(["p_mw", "q_mvar"])
_DCLINE_COLUMNS = pd.Index(["p_from_mw", "q_from_mvar", "p_to_mw", "q_to_mvar", "pl_mw"])


def _block(*columns: np.ndarray) -> np.ndarray:
    """Equal-length 1-D arrays as the rows of one (k, n) float array."""
    data = np.empty((len(columns), len(columns[0]) if columns else 0))
    for j, values in enumerate(columns):
        data[j] = values
    return data


def _frame(block: np.ndarray, columns: pd.Index, index: np.ndarray, name: str) -> pd.DataFrame:
    """A DataFrame whose columns are the rows of ``block`` (shared, not copied)."""
    return pd.DataFrame(block.T, index=pd.Index(index, name=name), columns=columns, copy=False)


def _tables(
    c: CompiledNetwork,
    vm,
    va_deg,
    s_cons_mva,
    fl,
    out,
    ok,
    its,
    mis_mva,
    worst,
    algorithm,
    t0,
    limited,
) -> PowerFlowResult:
    live = c.live_bus >= 0
    at = c.live_bus[live]
    per_bus = np.full((len(_BUS_COLUMNS), len(c.all_bus_names)), np.nan)
    for row, values in zip(per_bus, (vm, va_deg, s_cons_mva.real, s_cons_mva.imag)):
        row[live] = values[at]
    bus = _frame(per_bus, _BUS_COLUMNS, c.all_bus_names, "bus")
    branch = _block(
        fl.p_from_mw,
        fl.q_from_mvar,
        fl.p_to_mw,
        fl.q_to_mvar,
        fl.pl_mw,
        fl.ql_mvar,
        fl.i_from_ka,
        fl.i_to_ka,
        fl.i_ka,
        fl.loading_percent,
    )
    is_line = c.is_line
    n_line = int(np.count_nonzero(is_line))
    if is_line[:n_line].all():  # lines first (as compiled): slices, no copies
        line_rows: slice | np.ndarray = slice(0, n_line)
        trafo_rows: slice | np.ndarray = slice(n_line, None)
    else:
        line_rows, trafo_rows = is_line, ~is_line
    line = _frame(branch[:, line_rows], _BRANCH_COLUMNS, c.branch_names[line_rows], "name")
    trafo = _frame(branch[:, trafo_rows], _BRANCH_COLUMNS, c.branch_names[trafo_rows], "name")
    gen_out = _block(out["p_gen_mw"], out["q_gen_mvar"])
    gen_out[:, ~c.gen_on] = np.nan
    gen = _frame(gen_out, _GEN_COLUMNS, c.gen_names, "name")
    dc_on = c.dc_from >= 0
    dc_out = _block(
        np.where(dc_on, c.dc_p_from_pu * c.sn_mva, np.nan),
        -out["q_dc_from_mvar"],
        np.where(dc_on, -c.dc_p_to_pu * c.sn_mva, np.nan),
        -out["q_dc_to_mvar"],
        np.where(dc_on, (c.dc_p_from_pu - c.dc_p_to_pu) * c.sn_mva, np.nan),
    )
    dcl = _frame(dc_out, _DCLINE_COLUMNS, c.dc_names, "name")
    worst_name = str(c.bus_names[worst]) if worst >= 0 else None
    return PowerFlowResult(
        converged=bool(ok),
        iterations=int(its),
        max_mismatch_mva=float(mis_mva),
        worst_bus=worst_name,
        algorithm=algorithm,
        bus=bus,
        line=line,
        trafo=trafo,
        gen=gen,
        dcline=dcl,
        time_s=time.perf_counter() - t0,
        q_limited_gens=limited,
    )
