"""Shared helpers of the benchmark scripts: timing, machine notes, synthetic profiles, tables.

Every script times gridsim and its anchors in one process and prints medians over
repeats (``time.perf_counter``) and same-run ratios, because the machine is shared
and absolute timings drift between runs.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import gc
import os
import platform
import statistics
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

import numpy as np
import pandas as pd

TZ = "Asia/Shanghai"
SEED = 20250101

# lightsim2grid's pandapower converter warns about NaN tap fields of the MATPOWER
# cases and pandapower about deprecated options; neither matters for timing.
warnings.filterwarnings("ignore", category=UserWarning)
warnings.filterwarnings("ignore", category=FutureWarning)
warnings.filterwarnings("ignore", category=DeprecationWarning)


# ------------------------------------------------------------------ timing
@dataclass
class Timing:
    """Wall-clock times (s) of repeated calls; ``value`` is the last call's return."""

    label: str
    times: list[float]
    value: Any = None
    note: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def spread(self) -> str:
        """min-max over the repeats, for judging the noise."""
        return f"{min(self.times):.4g}-{max(self.times):.4g}"


def time_it(
    label: str,
    fn: Callable[[], Any],
    repeats: int,
    *,
    warmup: int = 1,
    setup: Callable[[], Any] | None = None,
    note: str = "",
) -> Timing:
    """Median-of-``repeats`` timing of ``fn()`` after ``warmup`` untimed calls.

    ``setup``, when given, runs untimed before each call and its return value is
    passed to ``fn`` (for state that a call consumes, such as a fresh solver).
    """

    def call() -> Any:
        return fn(setup()) if setup is not None else fn()  # type: ignore[call-arg]

    for _ in range(warmup):
        call()
    times: list[float] = []
    value = None
    for _ in range(repeats):
        arg = setup() if setup is not None else None
        gc.collect()
        t0 = time.perf_counter()
        value = fn(arg) if setup is not None else fn()  # type: ignore[call-arg]
        times.append(time.perf_counter() - t0)
    return Timing(label, times, value, note)


def profile_call(title: str, fn: Callable[[], Any], top: int = 30) -> Any:
    """Run ``fn()`` under cProfile and print the ``top`` functions by own and cumulative time."""
    import cProfile
    import io
    import pstats

    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    value = fn()
    prof.disable()
    wall = time.perf_counter() - t0
    print(f"## cProfile of {title}")
    print()
    print(f"wall {wall:.3f} s under the profiler")
    for key in ("tottime", "cumulative"):
        buf = io.StringIO()
        pstats.Stats(prof, stream=buf).strip_dirs().sort_stats(key).print_stats(top)
        print()
        print(f"### top {top} by {key}")
        print()
        print("```")
        print(buf.getvalue().split("\n", 4)[-1].strip("\n"))
        print("```")
    return value


# ------------------------------------------------------------------ memory
def _status_kb(key: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise KeyError(key)


def peak_extra_mib(fn) -> tuple[float, object]:
    """Run ``fn()`` and return (peak resident memory above the start, MiB; its value).

    Resets the process's resident high-water mark first (Linux ``clear_refs`` 5); where
    that is not allowed, returns NaN for the memory.
    """
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        start = _status_kb("VmRSS")
    except OSError:
        return float("nan"), fn()
    value = fn()
    return (_status_kb("VmHWM") - start) / 1024.0, value


# ------------------------------------------------------------------ machine notes
def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _blas() -> str:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "BLAS: unknown (pip install threadpoolctl to report it)"
    parts = [
        f"{os.path.basename(os.path.dirname(i.get('filepath', '')))}: "
        f"{i.get('internal_api')} {i.get('version')} ({i.get('num_threads')} threads)"
        for i in threadpool_info()
        if i.get("user_api") == "blas"
    ]
    return "BLAS: " + (", ".join(parts) or "none found")


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def gridsim_revision() -> str:
    """The repository's commit, flagged when gridsim/ has uncommitted changes."""
    import subprocess

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    try:
        head = subprocess.run(
            ["git", "-C", root, "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", root, "status", "--porcelain", "--", "gridsim"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown revision"
    return head + (" + uncommitted changes in gridsim/" if dirty else "")


def machine_line() -> str:
    """One paragraph: date, CPU, cores, load, BLAS and package versions."""
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    pkgs = ["numpy", "scipy", "pandas", "numba", "pandapower", "lightsim2grid"]
    vers = ", ".join(f"{p} {_version(p)}" for p in pkgs)
    try:
        import gridsim

        gs = getattr(gridsim, "__version__", _version("gridsim"))
    except ImportError:
        gs = "not importable"
    now = _dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    return (
        f"date {now}; {_cpu_model()}, {os.cpu_count()} cores, "
        f"load average {load[0]:.2f}/{load[1]:.2f}/{load[2]:.2f}; {_blas()}; "
        f"Python {platform.python_version()}; {vers}; gridsim {gs} at {gridsim_revision()}"
    )


def header(title: str, args: argparse.Namespace) -> None:
    print(f"# {title}")
    print()
    print(f"command: python {' '.join(sys.argv)}")
    print()
    print(machine_line())
    print()
    if getattr(args, "quick", False):
        print("**--quick: smoke run with fewer snapshots/repeats; do not quote these figures.**")
        print()


def parser(description: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--quick", action="store_true", help="fast smoke run")
    return p


# ------------------------------------------------------------------ tables
def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A GitHub Markdown table; floats are printed with 4 significant digits."""

    def fmt(x: Any) -> str:
        if isinstance(x, float | np.floating):
            if not np.isfinite(x):
                return "-"
            return f"{x:.4g}"
        return str(x)

    cells = [[fmt(x) for x in r] for r in rows]
    out = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in cells]
    return "\n".join(out)


def ratio_rows(
    case: str, timings: Sequence[Timing], reference: str, per: float = 1.0
) -> list[list[Any]]:
    """Rows ``case, tool, median, spread, repeats, ref/tool, tool/ref`` for a table.

    ``reference`` is the label of the gridsim timing that the others are compared
    with: ``gridsim/anchor`` > 1 means gridsim is slower, ``anchor/gridsim`` is the
    speed-up of gridsim over the anchor. ``per`` divides the median (e.g. per snapshot).
    """
    ref = next(t for t in timings if t.label == reference)
    rows = []
    for t in timings:
        rows.append(
            [
                case,
                t.label + (f" ({t.note})" if t.note else ""),
                t.median,
                t.median / per * 1e3 if per != 1.0 else float("nan"),
                t.spread,
                len(t.times),
                ref.median / t.median,
                t.median / ref.median,
            ]
        )
    return rows


RATIO_HEADERS = [
    "case",
    "tool",
    "median (s)",
    "per item (ms)",
    "min-max (s)",
    "repeats",
    "gridsim/tool",
    "tool/gridsim (speed-up)",
]


# ------------------------------------------------------------------ synthetic profiles
def snapshots(n_t: int) -> pd.DatetimeIndex:
    """Hourly snapshots from 2025-01-01 00:00, Asia/Shanghai."""
    return pd.date_range("2025-01-01", periods=n_t, freq="h", tz=TZ, name="snapshot")


def load_factors(n_t: int, n_load: int, seed: int = SEED) -> np.ndarray:
    """Deterministic (T, n_load) multipliers of the base load, between 0.7 and 1.2.

    Daily shape (night trough, morning and evening peaks) times a seasonal shape
    (winter and summer highs), each load with its own phase shift of up to an hour,
    its own amplitude, and AR(1) noise; then scaled linearly to [0.7, 1.2].
    """
    rng = np.random.default_rng(seed)
    hours = np.arange(n_t, dtype=float)[:, None]
    shift = rng.uniform(-1.0, 1.0, n_load)[None, :]
    h = (hours + shift) % 24.0
    daily = (
        0.6
        + 0.25 * np.exp(-(((h - 10.0) / 3.0) ** 2))
        + 0.35 * np.exp(-(((h - 19.5) / 2.5) ** 2))
        - 0.15 * np.exp(-(((h - 3.5) / 3.0) ** 2))
    )
    day_of_year = hours / 24.0
    seasonal = (
        1.0
        + 0.12 * np.cos(2 * np.pi * day_of_year / 365.0)
        + 0.08 * np.cos(4 * np.pi * (day_of_year - 200.0) / 365.0)
    )
    amplitude = rng.uniform(0.7, 1.3, n_load)[None, :]
    shape = 1.0 + amplitude * (daily * seasonal - 1.0)
    noise = np.empty((n_t, n_load))
    eps = rng.normal(0.0, 0.02, (n_t, n_load))
    noise[0] = eps[0]
    for k in range(1, n_t):
        noise[k] = 0.8 * noise[k - 1] + eps[k]
    raw = shape * (1.0 + noise)
    lo, hi = raw.min(), raw.max()
    if hi - lo < 1e-12:
        return np.full((n_t, n_load), 0.95)
    return 0.7 + 0.5 * (raw - lo) / (hi - lo)


@dataclass
class Profiles:
    """Absolute injections (T, n) in pandapower element order, the same for every tool.

    Loads: base ``p_mw``/``q_mvar`` times :func:`load_factors` (constant power factor).
    Voltage-controlled generators (pandapower ``gen``): base ``p_mw`` times the
    snapshot's total-load factor, so the slack does not carry every swing alone.
    """

    index: pd.DatetimeIndex
    load_p: np.ndarray
    load_q: np.ndarray
    gen_p: np.ndarray

    def head(self, n: int) -> Profiles:
        """The first ``n`` snapshots (for short warm-up runs)."""
        c = np.ascontiguousarray
        return Profiles(self.index[:n], c(self.load_p[:n]), c(self.load_q[:n]), c(self.gen_p[:n]))


def make_profiles(pp_net: Any, n_t: int, seed: int = SEED) -> Profiles:
    f = load_factors(n_t, len(pp_net.load), seed)
    p0 = pp_net.load["p_mw"].to_numpy(float) * pp_net.load["scaling"].to_numpy(float)
    q0 = pp_net.load["q_mvar"].to_numpy(float) * pp_net.load["scaling"].to_numpy(float)
    load_p = p0[None, :] * f
    load_q = q0[None, :] * f
    total = load_p.sum(axis=1) / max(p0.sum(), 1e-9)
    g0 = pp_net.gen["p_mw"].to_numpy(float) * pp_net.gen["scaling"].to_numpy(float)
    gen_p = g0[None, :] * total[:, None]
    c = np.ascontiguousarray
    return Profiles(snapshots(n_t), c(load_p), c(load_q), c(gen_p))


def gridsim_names(table_index: pd.Index, pp_df: pd.DataFrame, prefix: str) -> list[str]:
    """gridsim names of pandapower elements ``pp_df``: ``<prefix>_<index>`` or their names."""
    by_index = [f"{prefix}_{i}" for i in pp_df.index]
    if all(n in table_index for n in by_index):
        return by_index
    by_name = [str(n) for n in pp_df["name"]]
    missing = [n for n in by_name if n not in table_index]
    if missing:
        raise KeyError(f"cannot map pandapower {prefix} to gridsim names, e.g. {missing[0]!r}")
    return by_name


def gridsim_inputs(net: Any, pp_net: Any, prof: Profiles) -> dict[str, pd.DataFrame]:
    """The profiles as ``run_timeseries`` inputs, columns named as in the gridsim network."""
    loads = gridsim_names(net.load.index, pp_net.load, "load")
    gens = gridsim_names(net.gen.index, pp_net.gen, "gen")
    return {
        "load.p_mw": pd.DataFrame(prof.load_p, index=prof.index, columns=loads),
        "load.q_mvar": pd.DataFrame(prof.load_q, index=prof.index, columns=loads),
        "gen.p_mw": pd.DataFrame(prof.gen_p, index=prof.index, columns=gens),
    }


# ------------------------------------------------------------------ anchors' set-up
def pp_case(name: str) -> Any:
    """A ``pandapower.networks`` case by name (e.g. ``case118``)."""
    import pandapower.networks as pn

    return getattr(pn, name)()


def lightsim_grid(pp_net: Any) -> Any:
    """lightsim2grid's grid model of ``pp_net`` (pandapower 3 transformer formulas)."""
    from lightsim2grid.network import init_from_pandapower

    return init_from_pandapower(pp_net, pp_orig_file="pandapower_v3")


def lightsim_v0(pp_net: Any) -> np.ndarray:
    """Start voltages for lightsim2grid: 1 pu, slack buses at their set-point and angle.

    lightsim2grid reads the slack angle from the start vector, so the flat 1∠0 vector
    would shift every angle by the slack's ``va_degree`` (30° in case118).
    """
    v = np.ones(len(pp_net.bus), complex)
    eg = pp_net.ext_grid[pp_net.ext_grid["in_service"]]
    pos = pp_net.bus.index.get_indexer(eg["bus"])
    v[pos] = eg["vm_pu"].to_numpy() * np.exp(1j * np.deg2rad(eg["va_degree"].to_numpy()))
    return v


def lightsim_gen_p(grid: Any, pp_net: Any, gen_p: np.ndarray) -> np.ndarray:
    """(T, n_gen of lightsim) active set-points: pandapower ``gen`` first, then the
    generators lightsim2grid adds for ``ext_grid`` (kept at their base value)."""
    gens = list(grid.get_generators())
    n_pp = gen_p.shape[1]
    out = np.empty((gen_p.shape[0], len(gens)))
    out[:, :n_pp] = gen_p
    for k in range(n_pp, len(gens)):
        out[:, k] = gens[k].target_p_mw
    return np.ascontiguousarray(out)


def fmt_s(x: float) -> str:
    return f"{x:.4g} s"
