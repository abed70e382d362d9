"""A dispatch's hours as AC power-flow injections (the inputs of the AC check).

The dispatch (a :class:`~gridsim.dispatch.DispatchResult` or a results folder) gives
hourly output per element; each element keeps its bus in the network, whatever the
dispatch's network model (copper plate, zones or buses):

- generators: ``thermal_p_mw``, ``renewable_p_mw``, ``hydro_p_mw`` at their buses; AC
  exchange units (``import_mw - export_mw``) at theirs. In-service generators the
  dispatch does not name produce nothing; the slack generators balance each island
  (on the Ningxia network the Gansu slack also takes the flat AC export block, which no
  bus of the network receives, and the AC losses beyond the LP's loss assumption);
- storage: ``storage_charge_mw - storage_discharge_mw`` (load convention);
- loads: each dispatch node's net demand (``load_mw`` less demand-response curtailment,
  load shifted away and unserved energy, plus load shifted in) is spread over the
  node's buses by the profile set's hourly zone demand (the split the dispatch itself
  uses; without profiles: by the loads' ``p_mw``), at the power factor
  ``load_power_factor`` (lagging);
- DC links: an LCC converter draws the link's sent power ``P`` at its AC bus and
  consumes reactive power ``converter_q_share * P`` (0.5-0.6 for a line-commutated
  converter at rated firing angles, Kundur, *Power System Stability and Control*, 1994,
  sect. 10.2), of which the AC filters and switched capacitor banks supply
  ``filter_q_share * P``, switched in steps with the power so that the station exchanges
  little reactive power with the grid (Kundur sect. 10.4). Each converter becomes a
  constant-power load at its AC bus (``<link>@converter``), not the voltage-controlled
  injection of the network's DC-line model; the receiving end, in another grid, is
  left to that grid's slack.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from gridsim.errors import InputError
from gridsim.network.network import Network

if TYPE_CHECKING:
    from gridsim.dispatch import DispatchResult
    from gridsim.results.store import Run

#: ``frame(name)``: the dispatch's hourly array ``name`` (index snapshots, columns
#: elements), or None when the dispatch has none.
Frames = Callable[[str], pd.DataFrame | None]

#: Suffix of the load that stands for a DC converter station at its AC bus.
CONVERTER = "@converter"
#: Prefix of the loads that probe the loss sensitivity (:mod:`gridsim.studies.loss_feedback`).
PROBE = "mlf_probe@"


def is_demand(names: pd.Index) -> np.ndarray:
    """True for the loads that are demand, False for converters and probes."""
    s = names.astype(str)
    return np.asarray(~(s.str.endswith(CONVERTER) | s.str.startswith(PROBE)))


@dataclass(frozen=True)
class AcCheckSettings:
    """How the dispatch becomes injections, and the limits it is checked against.

    ``load_power_factor``: loads' power factor (lagging), ``converter_q_share``: reactive
    power a DC converter consumes per MW sent, ``filter_q_share``: reactive power its
    filters and capacitor banks supply per MW sent; ``vm_min_pu`` / ``vm_max_pu``: one
    voltage band for every bus (None: each bus's ``vm_min_pu`` / ``vm_max_pu``);
    ``max_loading_percent``: branch loading above which a branch is overloaded;
    ``engine``: the AC time-series engine (:func:`gridsim.studies.timeseries.run_timeseries`);
    ``enforce_q_limits``: regulating units that would leave their reactive capability
    hold their bus at the limit (PV->PQ switching,
    :mod:`gridsim.studies.ac_check_control`) instead of being reported beyond it.
    """

    load_power_factor: float = 0.95
    converter_q_share: float = 0.55
    filter_q_share: float = 0.5
    vm_min_pu: float | None = None
    vm_max_pu: float | None = None
    max_loading_percent: float = 100.0
    engine: str = "numba"
    enforce_q_limits: bool = False

    def check(self, source: str | None = None) -> None:
        """Raise :class:`InputError` naming the first bad field."""
        checks: list[tuple[str, Any, bool, str]] = [
            (
                "load_power_factor",
                self.load_power_factor,
                0 < self.load_power_factor <= 1,
                "must be in (0, 1]",
            ),  # fmt: skip
            (
                "converter_q_share",
                self.converter_q_share,
                self.converter_q_share >= 0,
                "must be >= 0",
            ),  # fmt: skip
            ("filter_q_share", self.filter_q_share, self.filter_q_share >= 0, "must be >= 0"),
            (
                "max_loading_percent",
                self.max_loading_percent,
                self.max_loading_percent > 0,
                "must be > 0",
            ),  # fmt: skip
        ]
        for name in ("vm_min_pu", "vm_max_pu"):
            v = getattr(self, name)
            checks.append((name, v, v is None or 0 < v < 2, "must be in (0, 2) pu"))
        if self.vm_min_pu is not None and self.vm_max_pu is not None:
            checks.append(("vm_max_pu", self.vm_max_pu, self.vm_max_pu > self.vm_min_pu, "must be above vm_min_pu"))  # fmt: skip
        for name, value, ok, problem in checks:
            if not (ok and np.isfinite(float(value if value is not None else 1.0))):
                raise InputError(problem, source=source, field=f"ac_check.{name}", value=value)

    @property
    def net_converter_q_share(self) -> float:
        """Reactive power a converter station draws from the grid per MW sent."""
        return self.converter_q_share - self.filter_q_share


# ------------------------------------------------------------------ sources
def dispatch_frames(res: DispatchResult) -> Frames:
    """:data:`Frames` of a DispatchResult (wind/solar split as the results files have it)."""
    from gridsim.results.layout import hourly_frame

    def frame(name: str) -> pd.DataFrame | None:
        if name not in res.arrays and name != "renewable_p_mw":
            return None
        return hourly_frame(res, name)

    return frame


def run_frames(run: Run) -> Frames:
    """:data:`Frames` of a results folder."""
    have = set(run.frames())
    return lambda name: run.frame(name) if name in have else None


# ------------------------------------------------------------------ network
def ac_network(net: Network) -> Network:
    """A copy of ``net`` with each in-service DC link replaced by a constant-power load
    ``<link>@converter`` at its sending bus (the link itself out of service)."""
    out = net.copy()
    dc = out.dcline
    on = dc.index[dc.in_service.astype(bool)]
    zone = out.bus["zone"] if "zone" in out.bus.columns else pd.Series("", index=out.bus.index)
    for link in on:
        bus = str(dc.from_bus[link])
        out.add_load(f"{link}{CONVERTER}", bus, p_mw=0.0, q_mvar=0.0, zone=str(zone.get(bus, "")))
    if len(on):
        out.dcline.loc[on, "in_service"] = False
    return out


# ------------------------------------------------------------------- loads
def _node_columns(net: Network, nodes: list[str], buses: list[str], demand: np.ndarray) -> list[np.ndarray]:  # fmt: skip
    """Per dispatch node, the positions in ``buses`` (buses with loads) it stands for: the
    node's bus, the buses of its zone, or every bus for a single (system) node; none for
    a node without loads whose ``demand`` column (T x node, MW) is zero (a bus of the
    ptdf model)."""
    pos = {b: i for i, b in enumerate(buses)}
    zone = net.bus.zone.reindex(buses).astype(str).to_numpy()
    by_zone: dict[str, list[int]] = {}
    for i, z in enumerate(zone):
        by_zone.setdefault(z, []).append(i)
    out: list[np.ndarray] = []
    for k, node in enumerate(nodes):
        if node in net.bus.index:
            cols = [pos[node]] if node in pos else []
        else:
            cols = by_zone.get(node) or (list(range(len(buses))) if len(nodes) == 1 else [])
        if not cols and np.any(demand[:, k] != 0.0):
            raise InputError("matches no bus, zone or the system: no load to spread its demand over", field="load_mw", value=node)  # fmt: skip
        out.append(np.asarray(cols, dtype=np.int64))
    return out


def _by_node(df: pd.DataFrame | None, prefix: str, nodes: list[str], n_t: int) -> np.ndarray | None:  # fmt: skip
    """``df``'s columns ``<prefix><node>`` (or, for one node, its only column) summed per
    node (T x node, MW); None when ``df`` has none."""
    if df is None or df.shape[1] == 0:
        return None
    pos = {n: i for i, n in enumerate(nodes)}
    out = np.zeros((n_t, len(nodes)))
    values = df.to_numpy(float)
    for k, col in enumerate(df.columns):
        node = str(col)[len(prefix) :] if str(col).startswith(prefix) else str(col)
        if node not in pos and len(nodes) == 1 and df.shape[1] == 1:
            node = nodes[0]
        if node in pos:
            out[:, pos[node]] += values[:, k]
    return out


def node_net_load_mw(frames: Frames) -> pd.DataFrame:
    """Each dispatch node's net demand (T x node, MW): ``load_mw`` - DR curtailment -
    ``shift_down`` + ``shift_up`` - unserved."""
    load = frames("load_mw")
    if load is None or load.shape[1] == 0:
        raise InputError("has no hourly 'load_mw': the dispatch cannot be checked", field="load_mw")  # fmt: skip
    nodes = [str(c) for c in load.columns]
    n_t = len(load)
    net_load = load.to_numpy(float, copy=True)
    for name, prefix, sign in (("dr_curtail_mw", "dr_curtail_", -1.0), ("unserved_mw", "", -1.0), ("shift_up_mw", "dr_shift_", 1.0), ("shift_down_mw", "dr_shift_", -1.0)):  # fmt: skip
        part = _by_node(frames(name), prefix, nodes, n_t)
        if part is not None:
            net_load += sign * part
    return pd.DataFrame(net_load, index=load.index, columns=pd.Index(nodes))


def bus_shape_mw(net: Network, load_mw: pd.DataFrame | None, index: pd.Index) -> pd.DataFrame:
    """Hourly demand per bus with loads (T x bus, MW) that splits a node's demand: the
    profile set's ``load_mw`` (zone columns spread over the zone's loads by ``p_mw``,
    a load's own column for that load) or, without it, each bus's static ``p_mw``."""
    ld = net.load[net.load.in_service.astype(bool)]
    buses = list(dict.fromkeys(str(b) for b in ld.bus))
    if load_mw is None:
        static = ld.groupby("bus")["p_mw"].sum().reindex(buses).clip(lower=0.0)
        return pd.DataFrame(np.tile(static.to_numpy(float), (len(index), 1)), index=index, columns=buses)  # fmt: skip
    if len(load_mw) != len(index):
        raise InputError(f"has {len(load_mw)} rows, the dispatch {len(index)}", field="profiles.load_mw", value=len(load_mw))  # fmt: skip
    from gridsim.dispatch.build_grid import node_load

    zone_of = {str(b): str(z or "(none)") for b, z in net.bus.zone.items()}
    node_of = {b: i for i, b in enumerate(buses)}
    arr = node_load(net, _Profiles(load_mw), buses, zone_of, node_of, len(buses), len(index), net.source)  # fmt: skip
    return pd.DataFrame(arr, index=index, columns=buses)


@dataclass
class _Profiles:
    load_mw: pd.DataFrame


def load_p_mw(net: Network, frames: Frames, shape: pd.DataFrame) -> pd.DataFrame:
    """Each in-service load's demand (T x load, MW): its node's net demand split over the
    node's buses by ``shape`` (:func:`bus_shape_mw`), then over the bus's loads by
    ``p_mw``."""
    node_load_mw = node_net_load_mw(frames)
    index = node_load_mw.index
    ld = net.load[net.load.in_service.astype(bool) & is_demand(net.load.index)]
    buses = [str(b) for b in shape.columns]
    per_bus = np.zeros((len(index), len(buses)))
    sh = shape.to_numpy(float)
    values = node_load_mw.to_numpy(float)
    cols = _node_columns(net, [str(n) for n in node_load_mw.columns], buses, values)
    single = np.array([len(x) == 1 for x in cols])
    if single.any():  # a node of one bus takes its whole demand
        one = np.array([x[0] for x, ok in zip(cols, single) if ok], dtype=np.int64)
        np.add.at(per_bus.T, one, values[:, single].T)
    for k in np.flatnonzero(~single):
        if not len(cols[k]):
            continue
        w = sh[:, cols[k]]
        tot = w.sum(axis=1, keepdims=True)
        w = np.where(tot > 0, w / np.where(tot > 0, tot, 1.0), 1.0 / len(cols[k]))
        per_bus[:, cols[k]] += w * values[:, k][:, None]
    p_mw = ld.p_mw.to_numpy(float)
    per_load = _load_share(ld.bus.astype(str).to_numpy(), np.where(p_mw > 0.0, p_mw, 0.0))
    pos = {b: i for i, b in enumerate(buses)}
    col = np.array([pos[str(b)] for b in ld.bus], dtype=np.int64)
    return pd.DataFrame(per_bus[:, col] * per_load[None, :], index=index, columns=ld.index)


def _load_share(bus: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Each load's share of its bus's demand: by ``weight`` (MW), equal shares where the
    bus's loads weigh nothing."""
    codes, _ = pd.factorize(bus)
    total = np.bincount(codes, weights=weight, minlength=codes.max() + 1 if len(codes) else 0)[codes]  # fmt: skip
    count = np.bincount(codes)[codes].astype(float)
    return np.where(
        total > 0, weight / np.where(total > 0, total, 1.0), 1.0 / np.maximum(count, 1.0)
    )


# -------------------------------------------------------------- injections
def _columns_in(df: pd.DataFrame | None, names: pd.Index) -> tuple[list[int], np.ndarray] | None:
    """Positions in ``names`` of ``df``'s columns that are in it, and those columns
    (T x k, MW; NaN read as 0); None without ``df``."""
    if df is None:
        return None
    pos = {str(n): i for i, n in enumerate(names)}
    keep = [k for k, c in enumerate(df.columns) if str(c) in pos]
    values = df.to_numpy(float)
    if len(keep) < values.shape[1]:
        values = values[:, keep]
    nan = np.isnan(values)
    if nan.any():  # a new array: the frame's own values stay as they are
        values = np.where(nan, 0.0, values)
    return [pos[str(df.columns[k])] for k in keep], values


def _add_into(out: np.ndarray, part: tuple[list[int], np.ndarray] | None, sign: float = 1.0) -> None:  # fmt: skip
    """``out[:, k] += sign * column`` for each (position, column) of ``part``."""
    if part is None:
        return
    pos, values = part
    if not pos:
        return
    if pos == list(range(pos[0], pos[0] + len(pos))):  # one block of columns: in place
        out[:, pos[0] : pos[0] + len(pos)] += values if sign == 1.0 else sign * values
    elif len(set(pos)) == len(pos):  # distinct positions: one vectorised update
        out[:, pos] += sign * values
    else:
        for j, k in enumerate(pos):
            out[:, k] += sign * values[:, j]


def ac_inputs(
    net_ac: Network, frames: Frames, settings: AcCheckSettings, shape: pd.DataFrame
) -> dict[str, pd.DataFrame]:
    """The inputs of :func:`~gridsim.studies.timeseries.run_timeseries` for every
    dispatched hour (``net_ac`` from :func:`ac_network`; see the module docstring)."""
    p_load = load_p_mw(net_ac, frames, shape)
    index = p_load.index
    n_t = len(index)
    gen = net_ac.gen
    live = gen.index[gen.in_service.astype(bool) & ~gen.slack.astype(bool)]
    # generators: thermal, renewable, hydro output and AC exchange (import - export)
    gen_p = np.zeros((n_t, len(live)))
    for name in ("thermal_p_mw", "renewable_p_mw", "hydro_p_mw"):
        _add_into(gen_p, _columns_in(frames(name), live))
    imp, exp = _columns_in(frames("import_mw"), live), _columns_in(frames("export_mw"), live)
    if imp is not None or exp is not None:
        net_x = np.zeros((n_t, len(live)))
        _add_into(net_x, imp)
        _add_into(net_x, exp, -1.0)
        gen_p += net_x
    tan_phi = float(np.tan(np.arccos(settings.load_power_factor)))
    p = p_load.to_numpy(float)
    cols = p_load.columns
    conv = net_ac.load.index[net_ac.load.index.str.endswith(CONVERTER)]
    p_conv = np.zeros((n_t, len(conv)))
    if len(conv):
        sent = frames("link_p_mw")
        if sent is not None:  # each converter draws its link's sent power (NaN: caught below)
            pos = {c[: -len(CONVERTER)]: i for i, c in enumerate(conv)}
            values = sent.to_numpy(float)
            for k, c in enumerate(sent.columns):
                if str(c) in pos:
                    p_conv[:, pos[str(c)]] = values[:, k]
        cols = cols.append(conv)
    inputs = {
        "load.p_mw": pd.DataFrame(np.hstack([p, p_conv]), index=index, columns=cols),
        "load.q_mvar": pd.DataFrame(
            np.hstack([p * tan_phi, p_conv * settings.net_converter_q_share]),
            index=index,
            columns=cols,
        ),  # fmt: skip
        "gen.p_mw": pd.DataFrame(gen_p, index=index, columns=live),
    }
    st = net_ac.storage
    st_on = st.index[st.in_service.astype(bool)]
    ch, dis = _columns_in(frames("storage_charge_mw"), st_on), _columns_in(frames("storage_discharge_mw"), st_on)  # fmt: skip
    if ch is not None or dis is not None:
        p_st = np.zeros((n_t, len(st_on)))
        _add_into(p_st, ch)
        _add_into(p_st, dis, -1.0)
        inputs["storage.p_mw"] = pd.DataFrame(p_st, index=index, columns=st_on)
    for key, df in inputs.items():
        bad = ~np.isfinite(df.to_numpy(float))
        if bad.any():
            r, k = np.argwhere(bad)[0]
            raise InputError("is not finite (a failed dispatch window?): the hour cannot be checked", field=key, element=df.columns[k], value=str(index[r]))  # fmt: skip
    return inputs


__all__ = [
    "CONVERTER",
    "PROBE",
    "AcCheckSettings",
    "Frames",
    "ac_inputs",
    "ac_network",
    "bus_shape_mw",
    "dispatch_frames",
    "is_demand",
    "load_p_mw",
    "node_net_load_mw",
    "run_frames",
]
