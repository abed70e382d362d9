"""The results store: open the run folders that gridsim writes, read them lazily.

A **run** is a folder written by :func:`gridsim.results.write.write_results`
(``manifest.json``, ``summary.json``, ``scorecard.csv``, ``windows.csv`` and the
hourly series below ``hourly/``); a **sweep** is a folder holding runs in
``runs/<case_id>/`` next to a ``summary.parquet`` (and ``summary.csv``) with one
row per case. The layout is documented for other tools in ``docs/results.md``.
Listing and comparing runs is :mod:`gridsim.results.listing`.

>>> run = load_run("results/ningxia_2025")
>>> run.summary["renewable_utilisation"], run.scorecard
>>> run.frame("thermal_p_mw")                         # read lazily, MW, columns = units

Bad paths raise :class:`~gridsim.errors.InputError` naming the path.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from gridsim.errors import InputError
from gridsim.results.integrity import sha256_of, verify_files, verify_hash
from gridsim.results.key_kpis import kpi_value
from gridsim.results.layout import ARRAY_GROUP, ELEMENT, GROUP_ARRAYS

if TYPE_CHECKING:
    from gridsim.network.network import Network

log = logging.getLogger(__name__)

TZ = "Asia/Shanghai"
"""Time zone of every snapshot index."""
HOURLY = "hourly"
SWEEP_SUMMARY = ("summary.parquet", "summary.csv", "sweep.toml")
"""Files that mark a sweep folder (next to ``runs/``)."""
RUN_KIND = "power-balance"
"""The manifest ``kind`` of a run folder (older manifests have no ``kind``)."""
CASE_FILE = "case.json"
"""Written last into each case folder of a sweep (``gridsim.batch``); ``error.json``
sits next to it when the case failed."""


_PREFIX_CARRIER = {
    "coal": "coal",
    "gas": "gas",
    "oil": "oil",
    "wind": "wind",
    "pv": "solar",
    "solar": "solar",
    "hydro": "hydro",
    "biomass": "biomass",
    "battery": "battery",
    "bess": "battery",
    "phs": "pumped_hydro",
    "pumped": "pumped_hydro",
}


def read_json(path: Path) -> dict[str, Any]:
    try:
        out = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise InputError(f"is not valid JSON ({err.msg} at line {err.lineno})", source=str(path)) from err  # fmt: skip
    except UnicodeDecodeError as err:
        raise InputError(f"is not UTF-8 text (byte {err.start})", source=str(path)) from err
    except OSError as err:
        raise InputError(f"cannot be read ({err.strerror})", source=str(path)) from err
    if not isinstance(out, dict):
        raise InputError(f"must hold a JSON object, got a {type(out).__name__}", source=str(path))  # fmt: skip
    return out


def _read_csv(path: Path) -> pd.DataFrame:
    """A small CSV file of a run (no index); a damaged one raises InputError naming it."""
    try:
        return pd.read_csv(path)
    except (OSError, ValueError, pd.errors.ParserError) as err:
        raise InputError(f"cannot be read: the results are damaged ({err})", source=str(path)) from err  # fmt: skip


def _read_table(path: Path) -> pd.DataFrame:
    """A Parquet or CSV results file; a damaged one raises InputError naming it."""
    import pyarrow

    try:
        if path.suffix == ".parquet":
            return pd.read_parquet(path)
        return pd.read_csv(path, index_col=0)
    except (OSError, ValueError, pyarrow.ArrowException, pd.errors.ParserError) as err:
        raise InputError(f"cannot be read: the results are damaged ({err})", source=str(path)) from err  # fmt: skip


def _local_index(idx: pd.Index) -> pd.DatetimeIndex:
    """Snapshot index as a tz-aware DatetimeIndex in Asia/Shanghai (CSV text included)."""
    if isinstance(idx, pd.DatetimeIndex):
        return idx.tz_localize(TZ) if idx.tz is None else idx.tz_convert(TZ)
    out = pd.to_datetime(idx, utc=True).tz_convert(TZ)
    return pd.DatetimeIndex(out, name="snapshot")


@dataclass
class Run:
    """One run folder, read lazily.

    ``manifest`` and ``summary`` are the parsed JSON files, ``scorecard`` the plan
    targets (target, kpi, op, target_value, value, unit, met). Hourly series are read
    on first use by :meth:`frame` and cached.
    """

    path: Path
    manifest: dict[str, Any]
    summary: dict[str, Any]
    scorecard: pd.DataFrame
    _frames: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)
    _verified: set[str] = field(default_factory=set, repr=False)
    _network: Any = field(default=None, repr=False)
    _elements: pd.DataFrame | None = field(default=None, repr=False)

    # ------------------------------------------------------------ facts
    @property
    def name(self) -> str:
        """Scenario name (the folder name if the manifest has none)."""
        return str((self.manifest.get("scenario") or {}).get("name") or self.path.name)

    @property
    def status(self) -> str:
        """Solver status of the run: ``optimal`` or the first failed window's status."""
        return str(self.manifest.get("status") or (self.summary.get("solver") or {}).get("status", "unknown"))  # fmt: skip

    @property
    def ok(self) -> bool:
        return self.status == "optimal"

    @property
    def created(self) -> pd.Timestamp:
        """When the run was written: the manifest's ``created`` or its file time (local)."""
        if self.manifest.get("created"):
            return pd.Timestamp(self.manifest["created"])
        mtime = (self.path / "manifest.json").stat().st_mtime
        return pd.Timestamp(mtime, unit="s", tz="UTC").tz_convert(TZ).floor("s")

    @property
    def sweep(self) -> tuple[Path, str] | None:
        """``(sweep folder, case_id)`` when the run lies in ``<sweep>/runs/<case_id>/``."""
        return sweep_of(self.path)

    @property
    def windows(self) -> pd.DataFrame:
        """One row per rolling window (``windows.csv``); empty if absent."""
        f = self.path / "windows.csv"
        return pd.read_csv(f) if f.exists() else pd.DataFrame()

    def kpi(self, key: str) -> Any:
        """A KPI by dotted path (``"curtailed_mwh.wind"``); NaN when absent."""
        return kpi_value(self.summary, key)

    # ----------------------------------------------------------- hourly
    def _hourly_files(self) -> dict[str, Path]:
        d = self.path / HOURLY
        if not d.is_dir():
            return {}
        return {f.stem: f for f in sorted(d.iterdir()) if f.suffix in (".parquet", ".csv")}

    def frames(self) -> list[str]:
        """Names of the hourly arrays this run holds (wide or tidy layout)."""
        out: list[str] = []
        for stem in self._hourly_files():
            if stem in GROUP_ARRAYS:  # tidy: one file per group
                out += [n for n in GROUP_ARRAYS[stem] if n in self._tidy_columns(stem)]
            else:
                out.append(stem)
        return out

    def _tidy_columns(self, group: str) -> list[str]:
        f = self._hourly_files()[group]
        if f.suffix == ".parquet":
            import pyarrow.parquet as pq

            return list(pq.read_schema(f).names)
        return list(pd.read_csv(f, nrows=0).columns)

    def has(self, name: str) -> bool:
        """True when the run holds the hourly array ``name`` with at least one column."""
        return name in self.frames() and self.frame(name).shape[1] > 0

    def frame(self, name: str) -> pd.DataFrame:
        """Hourly array ``name``: index ``snapshot`` (Asia/Shanghai), one column per element.

        Units are in the name (``_mw`` MW, ``_mwh`` MWh, ``_per_mwh`` CNY/MWh).
        """
        if name in self._frames:
            return self._frames[name]
        files = self._hourly_files()
        if name in files:
            df = self._read(files[name])
        elif ARRAY_GROUP.get(name) in files:
            group = ARRAY_GROUP[name]
            tidy = self._read(files[group])
            if name not in tidy.columns:
                raise self._missing(name)
            col = ELEMENT[group]
            df = tidy.reset_index().pivot(index="snapshot", columns=col, values=name)
            df.columns.name = group
        else:
            raise self._missing(name)
        df.index = _local_index(df.index)
        df.index.name = "snapshot"
        self._frames[name] = df
        return df

    def _read(self, f: Path) -> pd.DataFrame:
        """An hourly file, its SHA-256 checked against the manifest on first read."""
        rel = f.relative_to(self.path).as_posix()
        if rel not in self._verified:
            verify_hash(self.path, self.manifest, rel)
            self._verified.add(rel)
        return _read_table(f)

    def _missing(self, name: str) -> InputError:
        have = ", ".join(self.frames()) or "none"
        return InputError(f"has no hourly series '{name}' (available: {have})", source=str(self.path))  # fmt: skip

    def total(self, name: str, columns: Iterable[str] | None = None) -> pd.Series:
        """Hourly sum of array ``name`` over ``columns`` (all by default); NaN rows stay NaN."""
        df = self.frame(name) if self.has(name) else None
        if df is None:
            return pd.Series(0.0, index=self.snapshots, name=name)
        if columns is not None:
            df = df[[c for c in df.columns if c in set(columns)]]
        out = df.sum(axis=1, min_count=1) if df.shape[1] else pd.Series(0.0, index=df.index)
        rows = df.isna().all(axis=1) & (df.shape[1] > 0)
        return out.where(~rows).rename(name)

    @property
    def snapshots(self) -> pd.DatetimeIndex:
        """The hourly snapshots of the run (from ``load_mw``), Asia/Shanghai."""
        return pd.DatetimeIndex(self.frame("load_mw").index)

    @property
    def dt_h(self) -> float:
        """Snapshot length (h)."""
        s = self.snapshots
        return float(np.median(np.diff(s.asi8)) / 3.6e12) if len(s) > 1 else 1.0

    # ------------------------------------------------------- network, carriers
    def network(self) -> Network | None:
        """The network named in the manifest, or None if its file is not found."""
        if self._network is None:
            self._network = _find_network(self) or False
        return self._network or None

    def elements(self) -> pd.DataFrame:
        """One row per element of the hourly files: ``group`` and ``carrier``.

        Carriers come from the network (generator fuel, storage kind) when its file is
        found, else from the element's name prefix (``coal_``, ``wind_``, ``pv_`` ...).
        Export links (named in ``summary.json: export_mwh``) are ``dc_export`` or
        ``ac_export``; other links ``internal``.
        """
        if self._elements is not None:
            return self._elements
        net = self.network()
        fuel = net.gen["fuel"].astype(str).str.lower() if net is not None else pd.Series(dtype=str)  # fmt: skip
        kind = net.storage["kind"].astype(str) if net is not None else pd.Series(dtype=str)
        dc = set(net.dcline.index) if net is not None else set()
        exports = {k for k in (self.summary.get("export_mwh") or {})} - {"dc_total", "ac_block", "total", "delivered_total"}  # fmt: skip
        rows = []
        for name, group in (("thermal_p_mw", "thermal"), ("renewable_p_mw", "renewable"),
                            ("hydro_p_mw", "hydro"), ("storage_soc_mwh", "storage"),
                            ("link_p_mw", "links")):  # fmt: skip
            if name not in self.frames():
                continue
            for el in self.frame(name).columns:
                el = str(el)
                if group == "links":
                    carrier = ("dc_export" if (el in dc or (not dc and not el.startswith("ac_"))) else "ac_export") if el in exports else "internal"  # fmt: skip
                elif group == "storage" and el in kind.index:
                    carrier = kind[el]
                elif el in fuel.index:
                    carrier = fuel[el]
                else:
                    carrier = _PREFIX_CARRIER.get(el.split("_")[0].lower(), group)
                rows.append({"element": el, "group": group, "carrier": carrier})
        df = pd.DataFrame(rows, columns=["element", "group", "carrier"]).set_index("element")
        self._elements = df
        return df

    def of_carrier(self, group: str, carrier: str) -> list[str]:
        """Elements of ``group`` with ``carrier``."""
        el = self.elements()
        return list(el.index[(el.group == group) & (el.carrier == carrier)])


def _find_network(run: Run) -> Network | None:
    """Load the manifest's network: its path as written, relative to the run's
    working directory, the repository, or a shipped network of the same name."""
    from gridsim.network.io import NETWORKS_DIR, load_network

    info = (run.manifest.get("inputs") or {}).get("network") or {}
    f = info.get("file")
    if not f:
        return None
    p = Path(f)
    want = info.get("sha256")
    for cand in (p, Path.cwd() / p, NETWORKS_DIR.parent / p, NETWORKS_DIR / p.name):
        if cand.is_file():
            if isinstance(want, str) and sha256_of(cand) != want:
                log.warning("%s: not the network of run %s (SHA-256 differs from the manifest's); element kinds are guessed from names", cand, run.path)  # fmt: skip
                return None
            try:
                return load_network(cand)
            except (InputError, OSError, ValueError) as err:
                log.warning("%s: network of run %s not read (%s)", cand, run.path, err)
                return None
    return None


# ------------------------------------------------------------------ loading
def _check_dir(path: str | Path) -> Path:
    p = Path(path)
    if p.name == "manifest.json" and p.is_file():
        p = p.parent
    if not p.exists():
        raise InputError("no such run folder", source=str(p))
    if not p.is_dir():
        raise InputError("is not a folder (a run is a folder with manifest.json)", source=str(p))
    return p


def is_sweep(path: str | Path) -> bool:
    """True when ``path`` is a sweep folder: ``runs/`` next to ``summary.parquet``,
    ``summary.csv`` or ``sweep.toml``."""
    p = Path(path)
    return (p / "runs").is_dir() and any((p / f).exists() for f in SWEEP_SUMMARY)


def sweep_of(path: Path) -> tuple[Path, str] | None:
    """``(sweep folder, case_id)`` when ``path`` is ``<sweep>/runs/<case_id>``."""
    if path.parent.name == "runs" and is_sweep(path.parent.parent):
        return path.parent.parent, path.name
    return None


def case_error(path: Path) -> str:
    """The message of a failed sweep case (``error.json``), or ``""``."""
    f = path / "error.json"
    if not f.is_file():
        return ""
    return str(read_json(f).get("message") or "failed")


def load_run(path: str | Path) -> Run:
    """Open the run folder ``path`` (or its ``manifest.json``); hourly data is read lazily."""
    p = _check_dir(path)
    if not (p / "manifest.json").is_file():
        if (p / CASE_FILE).is_file():
            raise InputError(f"is a sweep case that wrote no results: {case_error(p) or 'no manifest.json'}", source=str(p))  # fmt: skip
        if is_sweep(p):
            raise InputError("is a sweep folder, not a run: use list_runs() or load_sweep(), or open one of runs/<case_id>", source=str(p))  # fmt: skip
        raise InputError("is not a run folder (no manifest.json)", source=str(p))
    manifest = read_json(p / "manifest.json")
    kind = manifest.get("kind", RUN_KIND)
    if kind != RUN_KIND:
        raise InputError(f"is a gridsim '{kind}' folder, not a power-balance run", source=str(p))  # fmt: skip
    verify_files(p, manifest)
    for name in ("summary.json", "scorecard.csv"):
        if (p / name).is_file():
            verify_hash(p, manifest, name)
    summary = read_json(p / "summary.json") if (p / "summary.json").is_file() else {}
    card = _read_csv(p / "scorecard.csv") if (p / "scorecard.csv").is_file() else pd.DataFrame()
    return Run(p, manifest, summary, card)


def load_sweep(path: str | Path) -> pd.DataFrame:
    """The summary table of the sweep folder ``path`` (``summary.parquet``, else ``.csv``)."""
    p = _check_dir(path)
    if (p / "summary.parquet").is_file():
        return pd.read_parquet(p / "summary.parquet")
    if (p / "summary.csv").is_file():
        return pd.read_csv(p / "summary.csv")
    raise InputError("is not a sweep folder (no summary.parquet or summary.csv)", source=str(p))


def week_of(snapshots: pd.DatetimeIndex, week: int) -> np.ndarray:
    """Mask of the snapshots in ISO week ``week`` of the run's main (ISO) year."""
    iso = snapshots.isocalendar()
    year = int(iso["year"].mode().iloc[0])
    return np.asarray((iso["week"] == week) & (iso["year"] == year))


def weeks(snapshots: pd.DatetimeIndex) -> list[int]:
    """ISO week numbers present in ``snapshots`` (of the main ISO year)."""
    iso = snapshots.isocalendar()
    year = int(iso["year"].mode().iloc[0])
    return sorted({int(w) for w in iso["week"][iso["year"] == year]})


_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def safe_name(text: str) -> str:
    """``text`` usable as a file name."""
    return _SAFE.sub("_", text).strip("_") or "run"


__all__ = [
    "CASE_FILE",
    "RUN_KIND",
    "Run",
    "case_error",
    "is_sweep",
    "load_run",
    "load_sweep",
    "read_json",
    "safe_name",
    "sweep_of",
    "week_of",
    "weeks",
]
