"""Property-based tests of the readers of users' files: mutants of valid files either
load or raise gridsim's own GridsimError; never another exception, never a hang.

The mutants start from the shipped scenarios, the shipped sweep, the shipped 2025
profile set and a valid user CSV, and change them the way a careless edit or a
damaged disk would: random bytes, deleted or duplicated lines, numbers replaced by
huge, negative, zero, NaN or infinite values, renamed keys, odd strings, truncation;
for Parquet tables also dropped or renamed columns, wrong lengths, bad values and
dtypes. The default run draws 200 reproducible examples per reader (``derandomize``);
the ``slow`` variants draw 2000 fresh ones each time.
"""

from __future__ import annotations

import re
import shutil
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gridsim.batch import check_sweep, load_sweep
from gridsim.errors import GridsimError
from gridsim.profiles import KINDS, ProfileSet, read_profile, snapshots
from gridsim.scenario import SCENARIOS_DIR, load_scenario

ROOT = Path(__file__).resolve().parents[1]
PROFILES = ROOT / "profiles"
SET_2025 = PROFILES / "ningxia_2025_seed1"
SHIPPED = sorted(p.stem for p in SCENARIOS_DIR.glob("*.toml"))

FAST = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SLOW = settings(FAST, max_examples=2000, derandomize=False)
HANG_S = 30  # one load taking this long counts as a hang


@contextmanager
def no_hang(seconds: int = HANG_S) -> Iterator[None]:
    """Fail with TimeoutError if the block runs longer than ``seconds``."""

    def alarm(signum: int, frame: object) -> None:
        raise TimeoutError(f"a reader ran for more than {seconds} s")

    old = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def loads_or_input_error(load: Callable[[], object]) -> None:
    """``load()`` returns, or raises a GridsimError; any other exception fails the test."""
    with no_hang():
        try:
            load()
        except GridsimError as err:
            assert str(err), "an error without a message"


# ------------------------------------------------------------ text mutations
EXTREMES = ["0", "-1", "-0.0", "1e308", "-1e308", "1e999", "nan", "inf", "-inf", "+inf",
            "9223372036854775807", "-9223372036854775808", "123456789012345678901234567890",
            "0.5", "2", "1e-320", "true", '"3"', "9" * 400, "9" * 5000]  # fmt: skip
ODD_STRINGS = ['""', '" "', '"../victim"', '"/tmp/x"', '"a\\u0000b"', '"nowhere"', '"2025-02-30"',
               '"2025-13-01"', '"nat"', '"now"', '"ningxia_2025"', '"x' + "y" * 300 + '"',
               '"\\u5b81\\u590f"', "'single'", '"bad"', '"C:\\\\x"']  # fmt: skip
KEY_NAMES = ["base", "name", "dir", "year", "seed", "horizon_h", "start", "end", "whole_year",
             "battery_scale", "voll_per_mwh", "x", "zones", "hashes", "out", "grid", "set",
             "cases", "id", "scenario", "storage.battery", "a.b.c", '""']  # fmt: skip
SNIPPETS = ["[x]", "x = 1", "[[scenario]]", 'base = "ningxia_2025"', "a.b.c = 1", '"" = 1',
            "[study]", "whole_year = false", 'start = "2025-03-01"', "inf = inf", "{", "]",
            '"year": 2025,', "null", "[sweep.set]", '"storage.battery_scale" = 3']  # fmt: skip

NUMBER = re.compile(rb"(?<![\w.\"-])-?\d+(\.\d+)?([eE][+-]?\d+)?(?![\w.\"])")
STRING = re.compile(rb'"[^"\n]*"')
KEY = re.compile(rb'(?m)^[ \t]*("?)([A-Za-z_][\w.\-]*)\1[ \t]*=|"([A-Za-z_]\w*)"[ \t]*:')


def _lines(blob: bytes) -> list[bytes]:
    return blob.split(b"\n")


@st.composite
def mutated(draw: st.DrawFn, blob: bytes) -> bytes:
    """``blob`` with 1-3 random edits (see the module docstring)."""
    for _ in range(draw(st.integers(1, 3))):
        op = draw(st.sampled_from(["byte", "delete", "duplicate", "number", "number", "key", "string", "truncate", "insert"]))  # fmt: skip
        if op in ("byte", "truncate") and not blob:
            continue
        if op == "byte":
            i = draw(st.integers(0, len(blob) - 1))
            blob = blob[:i] + bytes([draw(st.integers(0, 255))]) + blob[i + 1 :]
        elif op in ("delete", "duplicate", "insert"):
            lines = _lines(blob)
            i = draw(st.integers(0, len(lines) - 1))
            if op == "delete":
                del lines[i]
            elif op == "duplicate":
                lines.insert(i, lines[i])
            else:
                lines.insert(i, draw(st.sampled_from(SNIPPETS)).encode())
            blob = b"\n".join(lines)
        elif op == "truncate":
            blob = blob[: draw(st.integers(0, len(blob) - 1))]
        else:
            rx, choices = {"number": (NUMBER, EXTREMES), "string": (STRING, ODD_STRINGS), "key": (KEY, KEY_NAMES)}[op]  # fmt: skip
            found = list(rx.finditer(blob))
            if not found:
                continue
            m = found[draw(st.integers(0, len(found) - 1))]
            new = draw(st.sampled_from(choices)).encode()
            if op == "key":
                group = 2 if m.group(2) else 3
                start, end = m.span(group)
                new = draw(st.sampled_from([new, m.group(group) + b"x", m.group(group)[:-1], m.group(group).upper()]))  # fmt: skip
            else:
                start, end = m.span()
            blob = blob[:start] + new + blob[end:]
    return blob


# ----------------------------------------------------------------- scenarios
def _scenario_bytes(name: str) -> bytes:
    text = (SCENARIOS_DIR / f"{name}.toml").read_text(encoding="utf-8")
    return text.replace('dir = "../profiles/', f'dir = "{PROFILES.as_posix()}/').encode()


SCENARIO_BYTES = {name: _scenario_bytes(name) for name in SHIPPED}


@st.composite
def scenario_mutants(draw: st.DrawFn) -> bytes:
    return draw(mutated(SCENARIO_BYTES[draw(st.sampled_from(SHIPPED))]))


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder for the mutants (one file at a time, overwritten by each example)."""
    return tmp_path_factory.mktemp("fuzz")


def check_scenario(scratch: Path, blob: bytes) -> None:
    path = scratch / "mutant.toml"
    path.write_bytes(blob)
    loads_or_input_error(lambda: load_scenario(path))


@FAST
@given(blob=scenario_mutants())
def test_scenario_loader_mutants(scratch: Path, blob: bytes) -> None:
    check_scenario(scratch, blob)


@pytest.mark.slow
@SLOW
@given(blob=scenario_mutants())
def test_scenario_loader_mutants_long(scratch: Path, blob: bytes) -> None:
    check_scenario(scratch, blob)


# -------------------------------------------------------------------- sweeps
SWEEP_BYTES = (ROOT / "sweeps" / "storage_dr.toml").read_bytes()


def check_sweep_file(scratch: Path, blob: bytes) -> None:
    path = scratch / "sweep_mutant.toml"
    path.write_bytes(blob)
    loads_or_input_error(lambda: check_sweep(load_sweep(path, out=scratch / "out")))


@FAST
@given(blob=mutated(SWEEP_BYTES))
def test_sweep_loader_mutants(scratch: Path, blob: bytes) -> None:
    check_sweep_file(scratch, blob)


@pytest.mark.slow
@SLOW
@given(blob=mutated(SWEEP_BYTES))
def test_sweep_loader_mutants_long(scratch: Path, blob: bytes) -> None:
    check_sweep_file(scratch, blob)


# -------------------------------------------------------------- profile sets
TABLE_VALUES = [np.nan, np.inf, -np.inf, -1.0, 0.0, 2.0, 1e308, 1e-300]


@st.composite
def table_mutant(draw: st.DrawFn, frame: pd.DataFrame) -> pd.DataFrame:
    """A valid table (snapshot + one column per zone or link) changed in one way."""
    f = frame.copy()
    cols = [c for c in f.columns if c != "snapshot"]
    op = draw(st.sampled_from(["drop_col", "rename_col", "add_col", "drop_rows", "dup_row", "value", "dtype", "snapshot"]))  # fmt: skip
    col = draw(st.sampled_from(cols))
    if op == "drop_col":
        return f.drop(columns=draw(st.sampled_from([*cols, "snapshot"])))
    if op == "rename_col":
        return f.rename(
            columns={col: draw(st.sampled_from(["west", "North", "", "snapshot2", "0"]))}
        )
    if op == "add_col":
        return f.assign(west=draw(st.sampled_from([0.5, True, "x"])))
    if op == "drop_rows":
        n = draw(st.integers(1, 48))
        return f.iloc[n:] if draw(st.booleans()) else f.iloc[:-n]
    if op == "dup_row":
        i = draw(st.integers(0, len(f) - 1))
        return pd.concat([f.iloc[: i + 1], f.iloc[i:]], ignore_index=True)
    if op == "value":
        i = draw(st.integers(0, len(f) - 1))
        f[col] = f[col].astype(float)
        f.loc[i, col] = draw(st.sampled_from(TABLE_VALUES))
        return f
    if op == "dtype":
        kind = draw(st.sampled_from([str, int, bool, "float32"]))
        return f.astype({col: kind})
    how = draw(st.sampled_from(["naive", "utc", "shift", "text", "int"]))
    if how == "naive":
        f["snapshot"] = f.snapshot.dt.tz_localize(None)
    elif how == "utc":
        f["snapshot"] = f.snapshot.dt.tz_convert("UTC").dt.tz_localize(None)
    elif how == "shift":
        f["snapshot"] = f.snapshot + pd.Timedelta(hours=draw(st.integers(-3, 3)))
    elif how == "text":
        f["snapshot"] = f.snapshot.astype(str)
    else:
        f["snapshot"] = f.snapshot.astype("int64")
    return f


ORIGINAL = {kind: pd.read_parquet(SET_2025 / f"{kind}.parquet") for kind in KINDS}
META_BYTES = (SET_2025 / "meta.json").read_bytes()


@st.composite
def profile_set_mutant(draw: st.DrawFn) -> tuple[str, bytes | pd.DataFrame]:
    """(file name, new content): meta.json text edits, Parquet byte edits or table edits."""
    target = draw(st.sampled_from(["meta.json", *KINDS, *KINDS]))
    if target == "meta.json":
        return target, draw(mutated(META_BYTES))
    name = f"{target}.parquet"
    if draw(st.booleans()):
        return name, draw(table_mutant(ORIGINAL[target]))
    blob = (SET_2025 / name).read_bytes()
    how = draw(st.sampled_from(["bytes", "bytes", "truncate", "zeros"]))
    if how == "truncate":
        return name, blob[: draw(st.integers(0, len(blob) - 1))]
    if how == "zeros":
        i = draw(st.integers(0, len(blob) - 1))
        return name, blob[:i] + bytes(min(256, len(blob) - i)) + blob[i + 256 :]
    out = bytearray(blob)
    tail = draw(st.booleans())  # the footer (schema, pandas metadata) or anywhere
    for _ in range(draw(st.integers(1, 8))):
        lo = max(0, len(out) - 4000) if tail else 0
        out[draw(st.integers(lo, len(out) - 1))] = draw(st.integers(0, 255))
    return name, bytes(out)


@pytest.fixture(scope="module")
def set_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the shipped 2025 set; each example breaks one file and restores it."""
    out = tmp_path_factory.mktemp("sets") / "set"
    shutil.copytree(SET_2025, out)
    return out


def check_profile_set(set_copy: Path, mutant: tuple[str, bytes | pd.DataFrame]) -> None:
    name, content = mutant
    path = set_copy / name
    try:
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            content.to_parquet(path, index=False)
        loads_or_input_error(lambda: ProfileSet.from_dir(set_copy))
    finally:
        shutil.copyfile(SET_2025 / name, path)


@FAST
@given(mutant=profile_set_mutant())
def test_profile_set_reader_mutants(set_copy: Path, mutant: tuple[str, bytes | pd.DataFrame]) -> None:  # fmt: skip
    check_profile_set(set_copy, mutant)


@pytest.mark.slow
@SLOW
@given(mutant=profile_set_mutant())
def test_profile_set_reader_mutants_long(set_copy: Path, mutant: tuple[str, bytes | pd.DataFrame]) -> None:  # fmt: skip
    check_profile_set(set_copy, mutant)


# --------------------------------------------------------- users' CSV files
def _user_csv() -> bytes:
    snaps = snapshots(2025)
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.uniform(0, 1, (len(snaps), 4)).round(4), columns=["north", "east", "central", "south"])  # fmt: skip
    frame.insert(0, "timestamp", snaps.tz_localize(None).strftime("%Y-%m-%d %H:%M"))
    return frame.to_csv(index=False).encode()


USER_CSV = _user_csv()


def check_user_csv(scratch: Path, blob: bytes, kind: str) -> None:
    path = scratch / "user.csv"
    path.write_bytes(blob)
    loads_or_input_error(lambda: read_profile(path, kind))


@FAST
@given(blob=mutated(USER_CSV), kind=st.sampled_from(["wind_cf", "load_mw", "heating"]))
def test_user_csv_reader_mutants(scratch: Path, blob: bytes, kind: str) -> None:
    check_user_csv(scratch, blob, kind)


@pytest.mark.slow
@SLOW
@given(blob=mutated(USER_CSV), kind=st.sampled_from(["wind_cf", "load_mw", "heating"]))
def test_user_csv_reader_mutants_long(scratch: Path, blob: bytes, kind: str) -> None:
    check_user_csv(scratch, blob, kind)


# ------------------------------------------------- the harness can fail
def test_the_harness_fails_on_a_foreign_exception() -> None:
    """A reader that raises anything but GridsimError fails the property."""

    def bad() -> None:
        raise KeyError("boom")

    with pytest.raises(KeyError):
        loads_or_input_error(bad)
    with pytest.raises(TimeoutError):
        with no_hang(1):
            signal.pause()


def test_unmutated_files_load(scratch: Path, set_copy: Path) -> None:
    """The mutants start from valid files."""
    for name in SHIPPED:
        check_scenario(scratch, SCENARIO_BYTES[name])
        load_scenario(scratch / "mutant.toml")
    assert len(check_sweep(load_sweep(_write(scratch / "s.toml", SWEEP_BYTES)))) == 12
    assert ProfileSet.from_dir(set_copy).load_mw.shape == (8760, 4)
    assert read_profile(_write(scratch / "u.csv", USER_CSV), "wind_cf").shape == (8760, 4)


def _write(path: Path, blob: bytes) -> Path:
    path.write_bytes(blob)
    return path
