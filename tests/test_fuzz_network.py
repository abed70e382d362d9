"""Property-based tests of the network readers and validation (Hypothesis).

Four small valid files (native TOML, native JSON, a MATPOWER case, a pandapower JSON)
are mutated: random byte changes, deleted, duplicated and swapped lines, numbers
replaced by huge, negative, zero, NaN and infinite values, renamed keys. Each mutant
either loads, validates and compiles, or raises gridsim's own GridsimError; any other
exception, or a read that takes more than ten seconds, fails the test. The default run
draws 200 mutants per format; the slow-marked run 2000.
"""

from __future__ import annotations

import functools
import json
import re
import signal
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import three_bus
from gridsim.errors import GridsimError
from gridsim.network import load_network, save_network, validate
from gridsim.powerflow.compile import compile_network

DATA = Path(__file__).parent / "data"
TIME_LIMIT_S = 10
DEFAULT = settings(
    max_examples=200,
    deadline=None,  # the machine is shared: a hard time limit below guards against hangs
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SLOW = settings(DEFAULT, max_examples=2000)


# ------------------------------------------------------------------ seeds
def _small_network() -> Any:
    """The 3-bus loop plus one element of every other table."""
    net = three_bus()
    net.add_bus("d", vn_kv=110.0, vm_min_pu=0.95, vm_max_pu=1.05)
    net.add_trafo(
        "t", "c", "d", sn_mva=240.0, vn_hv_kv=330.0, vn_lv_kv=110.0, vk_percent=13.0, tap_pos=1
    )
    net.add_shunt("sh", "d", q_mvar=-30.0)
    net.add_storage("bat", "d", max_p_mw=50.0, max_e_mwh=100.0, eff_charge=0.9)
    net.add_dcline("dc", "a", "d", p_mw=10.0, max_p_mw=100.0, loss_percent=1.0)
    net.add_load("load_d", "d", p_mw=40.0, q_mvar=10.0)
    return net


@functools.cache
def _native_text(suffix: str) -> str:
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / f"seed{suffix}"
        save_network(_small_network(), path)
        return path.read_text(encoding="utf-8")


@functools.cache
def _pandapower_text() -> str:
    """A small pandapower net as pandapower writes it, its empty tables left out."""
    pp = pytest.importorskip("pandapower")
    net = pp.create_empty_network(name="fuzz", sn_mva=100.0)
    b = [pp.create_bus(net, vn, name=f"b{k}") for k, vn in enumerate([110, 110, 110, 20])]
    pp.create_ext_grid(net, b[0], vm_pu=1.02)
    pp.create_line_from_parameters(net, b[0], b[1], 10, 0.06, 0.4, 10, 0.5)
    pp.create_line_from_parameters(net, b[1], b[2], 12, 0.06, 0.4, 10, 0.5)
    pp.create_transformer_from_parameters(
        net, b[2], b[3], 40, 110, 20, 0.3, 12, 10, 0.05, tap_pos=1, tap_neutral=0,
        tap_step_percent=1.5, tap_side="hv", tap_changer_type="Ratio",
    )  # fmt: skip
    pp.create_gen(net, b[1], p_mw=20, vm_pu=1.01, min_q_mvar=-20, max_q_mvar=20)
    pp.create_sgen(net, b[3], p_mw=5, q_mvar=1)
    pp.create_load(net, b[3], p_mw=15, q_mvar=4)
    pp.create_shunt(net, b[2], q_mvar=-2)
    pp.create_switch(net, b[1], 1, et="l", closed=True)
    pp.create_poly_cost(net, 0, "gen", cp1_eur_per_mw=30)
    outer = json.loads(pp.to_json(net))
    obj = outer["_object"]
    for key in list(obj):
        v = obj[key]
        empty = isinstance(v, dict) and '"data":[]' in str(v.get("_object", ""))
        if empty or key.startswith("res_") or key == "std_types":
            del obj[key]
    return json.dumps(outer, indent=0)


SEEDS: dict[str, tuple[str, Callable[[], str]]] = {
    "toml": ("net.toml", lambda: _native_text(".toml")),
    "json": ("net.json", lambda: _native_text(".json")),
    "matpower": ("case.m", lambda: (DATA / "case5_dcline.m").read_text(encoding="utf-8")),
    "pandapower": ("grid.json", _pandapower_text),
}


# ------------------------------------------------------------------ mutations
_NUMBER = re.compile(rb"(?<![\w.])-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?(?![\w.])")
_KEY = re.compile(rb'"([A-Za-z_]\w*)"\s*:|^\s*([A-Za-z_]\w*)\s*=|\b([A-Za-z_]\w*)\s*=', re.M)
_BAD_NUMBERS = {
    "toml": [b"1e308", b"-1e308", b"0", b"-0.0", b"-7", b"nan", b"inf", b"-inf", b"1" * 30],
    "json": [b"1e308", b"1e999", b"-1e999", b"0", b"-7", b"NaN", b"Infinity", b"-Infinity",
             b"1" * 30, b"null", b'"x"'],
    "matpower": [b"1e308", b"1e999", b"0", b"-7", b"NaN", b"Inf", b"-Inf", b"1" * 30, b"x"],
}  # fmt: skip
_BAD_NUMBERS["pandapower"] = _BAD_NUMBERS["json"]


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


_WEIRD = st.one_of(
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, -1, 0.0, 1e308, -1e308, 1e-320, "", "a", "NaN", "1.5", "true"]),
    st.text(max_size=4),
    st.lists(st.integers(-3, 3), max_size=2),
    st.dictionaries(st.sampled_from(["name", "a", "_module"]), st.integers(), max_size=1),
)
"""Replacement values for a leaf of a parsed file (JSON adds null)."""


def _leaves(obj: Any, path: tuple = ()) -> Iterator[tuple]:
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _leaves(v, (*path, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _leaves(v, (*path, i))
    else:
        yield path


def _replace_leaf(draw: Any, obj: Any, values: Any) -> Any:
    """``obj`` with one random leaf (or, if it has none, itself) replaced."""
    paths = list(_leaves(obj))
    path = paths[draw(st.integers(0, len(paths) - 1))]
    if not path:
        return draw(values)
    parent = obj
    for k in path[:-1]:
        parent = parent[k]
    parent[path[-1]] = draw(values)
    return obj


def _value_mutation(draw: Any, data: bytes, fmt: str) -> bytes:
    """A structure-aware change: one value of the parsed file replaced by an odd one
    (for pandapower, a cell, column name or index of a serialised table, or a scalar)."""
    import tomllib

    import tomli_w

    try:
        if fmt == "toml":
            obj = tomllib.loads(data.decode("utf-8"))
            return tomli_w.dumps(_replace_leaf(draw, obj, _WEIRD)).encode()
        obj = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return data  # an earlier mutation broke the syntax
    values = st.one_of(st.none(), _WEIRD)
    net = obj.get("_object") if isinstance(obj, dict) and fmt == "pandapower" else None
    if isinstance(net, dict):
        tables = [k for k, v in net.items() if isinstance(v, dict) and "_object" in v]
        if tables and draw(st.booleans()):
            meta = net[draw(st.sampled_from(tables))]
            try:
                body = json.loads(meta["_object"])
            except (TypeError, ValueError):
                return data
            meta["_object"] = json.dumps(_replace_leaf(draw, body, values))
            return json.dumps(obj).encode()
    return json.dumps(_replace_leaf(draw, obj, values)).encode()


@st.composite
def _mutation(draw: Any, data: bytes, fmt: str) -> bytes:
    """One random change of ``data``."""
    kind = draw(
        st.sampled_from(
            ["byte", "delete", "insert", "line_delete", "line_dup", "line_swap", "key"]
            + ["number"] * 2
            + ["value"] * 4
        )
    )
    if kind == "value" and fmt != "matpower":
        return _value_mutation(draw, data, fmt)
    n = len(data)
    if kind in ("byte", "delete", "insert") and n:
        at = draw(st.integers(0, n - 1))
        if kind == "byte":
            byte = draw(st.integers(0, 255) | st.integers(32, 126))  # often still text
            return data[:at] + bytes([byte]) + data[at + 1 :]
        if kind == "delete":
            return data[:at] + data[at + draw(st.integers(1, 64)) :]
        return data[:at] + draw(st.binary(min_size=1, max_size=8)) + data[at:]
    if kind.startswith("line_"):
        lines = _lines(data)
        i = draw(st.integers(0, len(lines) - 1))
        if kind == "line_delete":
            del lines[i]
        elif kind == "line_dup":
            lines.insert(i, lines[i])
        else:
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        return b"\n".join(lines)
    if kind == "number":
        spans = [m.span() for m in _NUMBER.finditer(data)]
        if not spans:
            return data
        a, b = spans[draw(st.integers(0, len(spans) - 1))]
        return data[:a] + draw(st.sampled_from(_BAD_NUMBERS[fmt])) + data[b:]
    spans = [m.span(next(g for g in (1, 2, 3) if m.group(g))) for m in _KEY.finditer(data)]
    if not spans:
        return data
    a, b = spans[draw(st.integers(0, len(spans) - 1))]
    new = draw(st.sampled_from([b"name", b"bus", b"vn_kv", b"p_mw", b"zzz", b"", b"slack"]))
    return data[:a] + new + data[b:]


@st.composite
def mutants(draw: Any, fmt: str) -> bytes:
    data = SEEDS[fmt][1]().encode("utf-8")
    for _ in range(draw(st.integers(1, 3))):
        data = draw(_mutation(data, fmt))
    return data


# ------------------------------------------------------------------ the property
@contextmanager
def _time_limit(seconds: int) -> Iterator[None]:
    def hang(signum: int, frame: Any) -> None:
        raise AssertionError(f"reading a mutant took more than {seconds} s")

    old = signal.signal(signal.SIGALRM, hang)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def _loads_or_gridsim_error(path: Path, data: bytes) -> str:
    """Write ``data`` to ``path``; read, validate and compile it. ``"ok"`` or ``"error"``
    (a GridsimError that names the file); any other exception propagates."""
    path.write_bytes(data)
    with _time_limit(TIME_LIMIT_S), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            net = load_network(path)
            validate(net)
            compile_network(net)
        except GridsimError as err:
            assert str(path) in str(err), f"the error does not name the file: {err}"
            return "error"
    return "ok"


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@pytest.mark.parametrize("fmt", list(SEEDS))
def test_seeds_load_validate_and_compile(fuzz_dir: Path, fmt: str) -> None:
    name, text = SEEDS[fmt]
    assert _loads_or_gridsim_error(fuzz_dir / name, text().encode()) == "ok"


def test_a_mutant_can_fail_to_load(fuzz_dir: Path) -> None:
    """The property is not vacuous: a broken file is reported as a GridsimError."""
    name, text = SEEDS["toml"]
    broken = text().encode().replace(b"vn_kv = 330.0", b"vn_kv = 330.0.0", 1)
    assert _loads_or_gridsim_error(fuzz_dir / name, broken) == "error"


def _check(fuzz_dir: Path, fmt: str, data: bytes) -> None:
    _loads_or_gridsim_error(fuzz_dir / SEEDS[fmt][0], data)


@DEFAULT
@given(data=mutants("toml"))
def test_fuzz_native_toml(fuzz_dir: Path, data: bytes) -> None:
    _check(fuzz_dir, "toml", data)


@DEFAULT
@given(data=mutants("json"))
def test_fuzz_native_json(fuzz_dir: Path, data: bytes) -> None:
    _check(fuzz_dir, "json", data)


@DEFAULT
@given(data=mutants("matpower"))
def test_fuzz_matpower(fuzz_dir: Path, data: bytes) -> None:
    _check(fuzz_dir, "matpower", data)


@DEFAULT
@given(data=mutants("pandapower"))
def test_fuzz_pandapower_json(fuzz_dir: Path, data: bytes) -> None:
    _check(fuzz_dir, "pandapower", data)


@pytest.mark.slow
@pytest.mark.parametrize("fmt", list(SEEDS))
def test_fuzz_slow(fuzz_dir: Path, fmt: str) -> None:
    @SLOW
    @given(data=mutants(fmt))
    def run(data: bytes) -> None:
        _check(fuzz_dir, fmt, data)

    run()
