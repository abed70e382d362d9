"""The dispatch problem as named numpy arrays (layer 1 of 3: data, no maths).

A :class:`DispatchProblem` holds everything the LP needs, in plain arrays:
``(T, n)`` arrays for time series, ``(n,)`` arrays for per-element data, and
integer node indices instead of bus names. It knows nothing about networks,
profiles or pandas (timestamps are int64 nanoseconds since the epoch, UTC).
:mod:`gridsim.dispatch.build` maps a :class:`~gridsim.network.Network` and a
profile set to this; :mod:`gridsim.dispatch.formulation` turns it into an LP.

Each element group is a dataclass whose fields carry a :class:`~gridsim.fields.Field`
in their metadata (:func:`array_field`): kind, default, meaning and shape, ``"tn"``
(T x n), ``"n"`` (per element) or ``"n_str"`` (per-element labels).
Groups are built with ``Group.make(T, names=..., node=..., **fields)``: scalars
broadcast, missing fields take their documented default.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

import numpy as np
import pandas as pd

from gridsim.dispatch.groups import (  # noqa: F401  (re-exported: the groups are part of the problem's API)
    Branches,
    CurtailableLoad,
    DcSupport,
    DcSupportUnits,
    Exchange,
    Group,
    Hydro,
    Links,
    PeakTiers,
    Renewable,
    Reserves,
    ShiftableLoad,
    Storage,
    Thermal,
    array_field,
)

Arr = np.ndarray
G = TypeVar("G", bound="Group")

NETWORK_MODELS = ("copperplate", "transport", "ptdf")
"""The balance-node models: one node (copper plate), zones joined by transfers
(transport) or buses joined by PTDF flows (ptdf)."""

VOLL_PER_MWH = 30_000.0
"""Value of lost load (CNY/MWh): the default price of unserved energy, of
:meth:`DispatchProblem.make`, of the build options and of the scenario field
``prices.voll_per_mwh``."""


@dataclass
class Nodes:
    """Balance nodes: one (copper plate), zones (transport) or buses (ptdf)."""

    names: Arr
    load_mw: Arr
    voll_per_mwh: Arr
    loss_factor: float = 0.0

    kind: ClassVar[str] = "node"

    @property
    def n(self) -> int:
        return len(self.names)


@dataclass
class DispatchProblem:
    """The whole dispatch problem over ``T`` snapshots.

    ``network`` is ``copperplate``, ``transport`` (branch flows bounded by
    ``branches.p_max_mw``) or ``ptdf`` (flows = ``ptdf @ injections``, shape
    (K, N)). Demand in the balance is ``load_mw * (1 + loss_factor)``. When the
    topology changes within the snapshots (commissioning dates), ``ptdf`` is
    (P, K, N), one PTDF per topology period, and ``ptdf_period`` (T,) names the
    period of each snapshot (:meth:`ptdf_periods`).
    """

    snapshots_ns: Arr
    tz: str
    nodes: Nodes
    thermal: Thermal
    renewable: Renewable
    hydro: Hydro
    storage: Storage
    curtailable: CurtailableLoad
    shiftable: ShiftableLoad
    links: Links
    exchange: Exchange
    branches: Branches
    network: str = "copperplate"
    ptdf: Arr | None = None
    day: Arr | None = None
    reserves: Reserves = None  # type: ignore[assignment]  # None: no requirement
    peak_tiers: PeakTiers = None  # type: ignore[assignment]  # None: no deep peak regulation
    dc_support: DcSupport = None  # type: ignore[assignment]  # None: no DC stability rule
    dc_support_units: DcSupportUnits = None  # type: ignore[assignment]
    dt_h: float = 1.0
    name: str = ""
    meta: dict[str, Any] = field(default_factory=dict)
    ptdf_period: Arr | None = None

    GROUPS: ClassVar[tuple[str, ...]] = (
        "thermal",
        "renewable",
        "hydro",
        "storage",
        "curtailable",
        "shiftable",
        "links",
        "exchange",
        "branches",
        "reserves",
        "peak_tiers",
        "dc_support",
        "dc_support_units",
    )

    def __post_init__(self) -> None:
        if self.reserves is None:
            self.reserves = Reserves.make(self.T)
        if self.peak_tiers is None:
            self.peak_tiers = PeakTiers.make(self.T)
        if self.dc_support is None:
            self.dc_support = DcSupport.make(self.T, scr_min=0.0)
        if self.dc_support_units is None:
            self.dc_support_units = DcSupportUnits.make(self.T, mva_per_mw=0.0)
        if self.day is None:
            self.day = local_day_index(self.snapshots_ns, self.tz)

    # ---------------------------------------------------------------- helpers
    @property
    def T(self) -> int:
        """Number of snapshots."""
        return int(len(self.snapshots_ns))

    @property
    def snapshots(self) -> pd.DatetimeIndex:
        """The snapshots as a tz-aware DatetimeIndex (for the edges only)."""
        idx = pd.to_datetime(self.snapshots_ns, utc=True).tz_convert(self.tz)
        return pd.DatetimeIndex(idx, name="snapshot")

    def groups(self) -> dict[str, Group]:
        """The element groups by attribute name."""
        return {g: getattr(self, g) for g in self.GROUPS}

    def check(self) -> None:
        """Raise ``ValueError`` on inconsistent shapes, nodes or options."""
        T, N = self.T, self.nodes.n
        if self.network not in NETWORK_MODELS:
            raise ValueError(f"network must be one of {NETWORK_MODELS}, got {self.network!r}")
        if self.nodes.load_mw.shape != (T, N) or self.nodes.voll_per_mwh.shape != (N,):
            raise ValueError("nodes: load_mw must be (T, N) and voll_per_mwh (N,)")
        if not np.isfinite(self.nodes.load_mw).all():
            raise ValueError("nodes.load_mw: not finite")
        for g in self.groups().values():
            g.check(T, N)
        if self.network == "ptdf":
            K = self.branches.n
            if self.ptdf is None or self.ptdf.shape[-2:] != (K, N) or self.ptdf.ndim not in (2, 3):
                raise ValueError(f"ptdf must be (K={K}, N={N}) or (P, K={K}, N={N})")
            if self.ptdf.ndim == 3:
                per = self.ptdf_period
                if per is None or per.shape != (T,) or (T and not 0 <= per.min() <= per.max() < self.ptdf.shape[0]):  # fmt: skip
                    raise ValueError(f"ptdf_period must be (T={T},) indices into the {self.ptdf.shape[0]} PTDFs")  # fmt: skip
        if self.day is None or self.day.shape != (T,):
            raise ValueError("day must be (T,)")
        tiers = self.peak_tiers
        if tiers.n and (tiers.unit.min() < 0 or tiers.unit.max() >= self.thermal.n):
            raise ValueError(f"peak_tier.unit: index out of range 0..{self.thermal.n - 1}")
        ds, du = self.dc_support, self.dc_support_units
        for what, idx, n in (("dc_support.link", ds.link, self.links.n), ("dc_support_unit.rule", du.rule, ds.n), ("dc_support_unit.unit", du.unit, self.thermal.n)):  # fmt: skip
            if idx.size and (idx.min() < 0 or idx.max() >= n):
                raise ValueError(f"{what}: index out of range 0..{n - 1}")

    def time_slice(self, t0: int, t1: int) -> DispatchProblem:
        """The problem restricted to snapshots ``t0:t1`` (initial state unchanged)."""
        upd: dict[str, Any] = {g: grp.time_slice(t0, t1) for g, grp in self.groups().items()}
        nodes = dataclasses.replace(self.nodes, load_mw=self.nodes.load_mw[t0:t1].copy())
        assert self.day is not None
        return dataclasses.replace(
            self,
            snapshots_ns=self.snapshots_ns[t0:t1].copy(),
            nodes=nodes,
            day=self.day[t0:t1].copy(),
            meta=dict(self.meta),
            ptdf_period=None if self.ptdf_period is None else self.ptdf_period[t0:t1].copy(),
            **upd,
        )

    def ptdf_periods(self) -> list[tuple[Arr, Arr]]:
        """(snapshots, PTDF (K, N)) of each topology period of the ptdf model."""
        assert self.ptdf is not None
        if self.ptdf.ndim == 2:
            return [(np.arange(self.T), self.ptdf)]
        assert self.ptdf_period is not None
        return [(np.flatnonzero(self.ptdf_period == k), self.ptdf[k]) for k in np.unique(self.ptdf_period)]  # fmt: skip

    def digest(self) -> str:
        """SHA-256 of every array and option: a stable fingerprint of the inputs."""
        h = hashlib.sha256()

        def add(name: str, v: Any) -> None:
            h.update(name.encode())
            if isinstance(v, np.ndarray):
                if v.dtype == object:
                    h.update("\x1f".join(map(str, v.ravel())).encode())
                else:
                    h.update(np.ascontiguousarray(v).tobytes())
            else:
                h.update(repr(v).encode())

        for k in ("snapshots_ns", "tz", "network", "ptdf", "day", "dt_h"):
            add(k, getattr(self, k))
        if self.ptdf_period is not None:  # only with several topology periods
            add("ptdf_period", self.ptdf_period)
        for k in ("names", "load_mw", "voll_per_mwh", "loss_factor"):
            add("nodes." + k, getattr(self.nodes, k))
        for gname, grp in self.groups().items():
            for f in dataclasses.fields(grp):
                add(f"{gname}.{f.name}", getattr(grp, f.name))
        return h.hexdigest()

    @classmethod
    def make(
        cls,
        snapshots: pd.DatetimeIndex | Arr,
        node_names: Any,
        load_mw: Any,
        *,
        voll_per_mwh: float | Arr = VOLL_PER_MWH,
        loss_factor: float = 0.0,
        tz: str = "Asia/Shanghai",
        **groups: Any,
    ) -> DispatchProblem:
        """A problem from snapshots, nodes and load; groups not given are empty.

        ``snapshots`` is a DatetimeIndex (naive = local time in ``tz``) or int64 ns (UTC).
        """
        if isinstance(snapshots, pd.DatetimeIndex):
            idx = snapshots if snapshots.tz is not None else snapshots.tz_localize(tz)
            tz = str(idx.tz)
            ns = idx.tz_convert("UTC").asi8.astype(np.int64)
        else:
            ns = np.asarray(snapshots, dtype=np.int64)
        T = len(ns)
        names = np.asarray([str(x) for x in node_names], dtype=object)
        load = np.array(
            np.broadcast_to(
                np.asarray(load_mw, float).reshape(T, -1) if np.ndim(load_mw) else load_mw,
                (T, len(names)),
            ),
            dtype=float,
        )
        voll = np.array(np.broadcast_to(np.asarray(voll_per_mwh, float), (len(names),)))
        nodes = Nodes(names, load, voll, float(loss_factor))
        empties: dict[str, Any] = {
            "thermal": Thermal.make(T, p_max_mw=0.0),
            "renewable": Renewable.make(T, available_mw=0.0),
            "hydro": Hydro.make(T, p_max_mw=0.0),
            "storage": Storage.make(T, p_max_mw=0.0, e_max_mwh=0.0),
            "curtailable": CurtailableLoad.make(T, p_max_mw=0.0),
            "shiftable": ShiftableLoad.make(T, p_max_mw=0.0),
            "links": Links.make(T, p_max_mw=0.0, rating_mw=0.0),
            "exchange": Exchange.make(T),
            "branches": Branches.make(T),
            "reserves": Reserves.make(T),
            "peak_tiers": PeakTiers.make(T),
            "dc_support": DcSupport.make(T, scr_min=0.0),
            "dc_support_units": DcSupportUnits.make(T, mva_per_mw=0.0),
        }
        network = groups.pop("network", "copperplate")
        ptdf = groups.pop("ptdf", None)
        name = groups.pop("name", "")
        unknown = set(groups) - set(empties)
        if unknown:
            raise TypeError(f"unknown groups {sorted(unknown)}")
        empties.update(groups)
        prob = cls(
            snapshots_ns=ns, tz=tz, nodes=nodes, network=network, ptdf=ptdf, name=name, **empties
        )
        prob.check()
        return prob


def unit_counts(th: Thermal) -> tuple[Arr, Arr]:
    """Units per cluster (``round(p_max / unit_size)``, at least 1; one unit where the
    size is NaN or not positive) and the resulting unit size (MW), both ``(n,)``."""
    size = np.where(
        np.isfinite(th.unit_size_mw) & (th.unit_size_mw > 0), th.unit_size_mw, th.p_max_mw
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        count = np.where(size > 0, np.round(th.p_max_mw / np.where(size > 0, size, 1.0)), 1.0)
    count = np.maximum(count, 1.0)
    return count, th.p_max_mw / count


def committable_mw(p: DispatchProblem, commitment: str) -> Arr:
    """Upper bound of the committed capacity ``C[t]`` (MW, ``(T, n)``): the available
    capacity, in the MILP rounded down to whole units."""
    th = p.thermal
    cap = th.avail_pu * th.p_max_mw
    if commitment != "milp":
        return cap
    count, size = unit_counts(th)
    return np.floor(th.avail_pu * count + 1e-6) * size


def largest_unit_mw(th: Thermal) -> Arr:
    """The largest thermal unit in service in each snapshot (MW, ``(T,)``): the unit size
    of every cluster with some capacity available (:func:`unit_counts`)."""
    _, size = unit_counts(th)
    online = (th.avail_pu * th.p_max_mw) > 0
    return np.where(online, size[None, :], 0.0).max(axis=1, initial=0.0)


def local_day_index(snapshots_ns: Arr, tz: str) -> Arr:
    """Calendar day (in ``tz``) of each snapshot, as 0, 1, 2 ... from the first day."""
    if len(snapshots_ns) == 0:
        return np.zeros(0, dtype=np.int64)
    local = pd.to_datetime(snapshots_ns, utc=True).tz_convert(tz).tz_localize(None)
    days = local.normalize().asi8 // (86_400 * 10**9)
    return (days - days[0]).astype(np.int64)
