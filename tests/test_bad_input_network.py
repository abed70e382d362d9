"""Bad network files: every one ends in an InputError that names the file and the field
or value, never in another exception (native TOML/JSON, MATPOWER .m, pandapower JSON).

The bad files are written into tmp_path, each derived from a valid one: the shipped
Ningxia networks, the MATPOWER cases in tests/data and pandapower's case14.
"""

from __future__ import annotations

import copy
import functools
import json
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import tomli_w

from gridsim.cli import main
from gridsim.errors import InputError
from gridsim.network import load_network, validate
from gridsim.network.io import NETWORKS_DIR

DATA = Path(__file__).parent / "data"


# ------------------------------------------------------------------ valid bases
@functools.cache
def _toml_base(year: int) -> dict[str, Any]:
    return tomllib.loads((NETWORKS_DIR / f"ningxia_{year}.toml").read_text(encoding="utf-8"))


def _native(year: int = 2025) -> dict[str, Any]:
    return copy.deepcopy(_toml_base(year))


@functools.cache
def _pp_case14_text() -> str:
    pp = pytest.importorskip("pandapower")
    import pandapower.networks as pn

    return str(pp.to_json(pn.case14()))


def _m(name: str = "case9") -> str:
    return (DATA / f"{name}.m").read_text(encoding="utf-8")


# ------------------------------------------------------------------ editors
def _row(data: dict[str, Any], table: str, name: str | None = None) -> dict[str, Any]:
    rows = data[table]
    return rows[0] if name is None else next(r for r in rows if r["name"] == name)


def _set(table: str, field: str, value: Any, name: str | None = None) -> Callable:
    def edit(data: dict[str, Any]) -> None:
        _row(data, table, name)[field] = value

    return edit


def _same_bus_slack(data: dict[str, Any]) -> None:
    slack = next(r for r in data["gen"] if r.get("slack"))
    data["gen"].append({"name": "second_slack", "bus": slack["bus"], "slack": True})


def _all_buses_out(data: dict[str, Any]) -> None:
    for r in data["bus"]:
        r["in_service"] = False


def _mp_set(text: str, table: str, row: int, col: int, value: str) -> str:
    """``text`` with the entry (row, col) of MATPOWER matrix ``mpc.<table>`` replaced."""
    lines = text.split("\n")
    start = next(i for i, s in enumerate(lines) if s.startswith(f"mpc.{table} = ["))
    k = start + 1 + row
    tokens = lines[k].rstrip(";").split()
    tokens[col] = value
    lines[k] = "\t" + "\t".join(tokens) + ";"
    return "\n".join(lines)


def _pp_edit(edit: Callable[[dict[str, Any]], None]) -> str:
    """pandapower case14's JSON with ``edit`` applied to the net's object."""
    outer = json.loads(_pp_case14_text())
    edit(outer["_object"])
    return json.dumps(outer)


def _pp_table(table: str, edit: Callable[[list, list, list, dict], None]) -> Callable:
    """An edit of one serialised table: ``edit(columns, index, data, meta)``."""

    def apply(obj: dict[str, Any]) -> None:
        meta = obj[table]
        body = json.loads(meta["_object"])
        edit(body["columns"], body["index"], body["data"], meta)
        meta["_object"] = json.dumps(body)

    return apply


def _pp_set(table: str, field: str, value: Any, row: int = 0) -> Callable:
    def edit(cols: list, index: list, data: list, meta: dict) -> None:
        data[row][cols.index(field)] = value

    return _pp_table(table, edit)


# ------------------------------------------------------------------ the corpus
Builder = Callable[[], "str | bytes"]


def toml(edit: Callable[[dict[str, Any]], None], year: int = 2025) -> Builder:
    def build() -> str:
        data = _native(year)
        edit(data)
        return tomli_w.dumps(data)

    return build


def njson(edit: Callable[[dict[str, Any]], None], year: int = 2020) -> Builder:
    def build() -> str:
        data = _native(year)
        edit(data)
        return json.dumps(data, indent=1)

    return build


def mp(table: str, row: int, col: int, value: str, name: str = "case9") -> Builder:
    return lambda: _mp_set(_m(name), table, row, col, value)


def ppj(edit: Callable[[dict[str, Any]], None]) -> Builder:
    return lambda: _pp_edit(edit)


def _latin1(text: str, marker: str) -> bytes:
    """``text`` as UTF-8 with one Latin-1 byte (0xe9) inserted after ``marker``."""
    raw = text.encode("utf-8")
    at = raw.index(marker.encode()) + len(marker)
    return raw[:at] + b"\xe9" + raw[at:]


def _truncated(build: Builder, share: float = 0.5) -> Builder:
    def cut() -> str | bytes:
        text = build()
        return text[: int(len(text) * share)]

    return cut


def _replace(build: Builder, old: str, new: str) -> Builder:
    def rep() -> str:
        text = build()
        assert isinstance(text, str) and old in text, old
        return text.replace(old, new, 1)

    return rep


NO_EDIT: Callable[[dict[str, Any]], None] = lambda data: None  # noqa: E731
_TOML_2025 = toml(NO_EDIT)
_JSON_2020 = njson(NO_EDIT)


def _empty_network(data: dict[str, Any]) -> None:
    for key in list(data):
        if key != "network":
            del data[key]


def _drop_key(key: str) -> Callable[[dict[str, Any]], None]:
    return lambda data: data.pop(key)


def _evil_table(obj: dict[str, Any]) -> None:
    obj["payload"] = {"_module": "os", "_class": "system", "_object": "echo pwned"}


def _evil_cell(obj: dict[str, Any]) -> None:
    cell = {"_module": "gridsim_not_a_pandapower_module", "_class": "Hook", "_object": "{}"}
    meta = obj["controller"]
    body = json.loads(meta["_object"])
    body["index"] = [0]
    body["data"] = [[cell] + [None] * (len(body["columns"]) - 1)]
    meta["_object"] = json.dumps(body)


def _pp_duplicate_index(cols: list, index: list, data: list, meta: dict) -> None:
    index[1] = index[0]


def _pp_short_row(cols: list, index: list, data: list, meta: dict) -> None:
    data[2] = data[2][:-1]


def _pp_second_ext_grid(cols: list, index: list, data: list, meta: dict) -> None:
    index.append(index[0] + 1)
    data.append(list(data[0]))


# (id, file name, builder, strings the message must hold besides the file name)
CASES: list[tuple[str, str, Builder, list[str]]] = [
    # ---- native TOML (ningxia_2025)
    ("toml-vn-volts", "n.toml", toml(_set("bus", "vn_kv", 330000.0)), ["vn_kv", "volts", "330000"]),
    (
        "toml-vn-tiny",
        "n.toml",
        toml(_set("bus", "vn_kv", 0.011)),
        ["vn_kv", "between 0.1 and 1200"],
    ),
    (
        "toml-vm-limits",
        "n.toml",
        toml(_set("bus", "vm_min_pu", 1.2)),
        ["vm_min_pu", "vm_max_pu", "1.2"],
    ),
    (
        "toml-gen-pmin",
        "n.toml",
        toml(_set("gen", "min_p_mw", 9999.0)),
        ["min_p_mw", "max_p_mw", "9999"],
    ),
    (
        "toml-gen-qmin",
        "n.toml",
        toml(_set("gen", "min_q_mvar", 5000.0)),
        ["min_q_mvar", "max_q_mvar"],
    ),
    (
        "toml-gen-vm-kv",
        "n.toml",
        toml(_set("gen", "vm_pu", 330.0)),
        ["vm_pu", "330", "0.5 and 1.5"],
    ),
    ("toml-gen-vm-low", "n.toml", toml(_set("gen", "vm_pu", 0.3)), ["vm_pu", "0.3"]),
    (
        "toml-eff-charge",
        "n.toml",
        toml(_set("storage", "eff_charge", 1.2)),
        ["eff_charge", "1.2", "between 0 and 1"],
    ),
    (
        "toml-eff-percent",
        "n.toml",
        toml(_set("storage", "eff_discharge", 92.0)),
        ["eff_discharge", "92"],
    ),
    (
        "toml-eff-zero",
        "n.toml",
        toml(_set("storage", "eff_charge", 0.0)),
        ["eff_charge", "must be > 0"],
    ),
    ("toml-soc", "n.toml", toml(_set("storage", "soc_init", 1.5)), ["soc_init", "1.5"]),
    (
        "toml-trafo-sn0",
        "n.toml",
        toml(_set("trafo", "sn_mva", 0.0)),
        ["trafo", "sn_mva", "must be > 0"],
    ),
    (
        "toml-base-sn0",
        "n.toml",
        toml(lambda d: d["network"].update(sn_mva=0.0)),
        ["network", "sn_mva", "0.0"],
    ),
    ("toml-base-f0", "n.toml", toml(lambda d: d["network"].update(f_hz=0.0)), ["network", "f_hz"]),
    ("toml-pfe-neg", "n.toml", toml(_set("trafo", "pfe_kw", -5.0)), ["pfe_kw", "-5.0"]),
    (
        "toml-trafo-hv-volts",
        "n.toml",
        toml(_set("trafo", "vn_hv_kv", 750000.0)),
        ["vn_hv_kv", "volts"],
    ),
    ("toml-vk0", "n.toml", toml(_set("trafo", "vk_percent", 0.0)), ["vk_percent", "must not be 0"]),
    ("toml-x-text", "n.toml", toml(_set("line", "x_ohm_per_km", "abc")), ["x_ohm_per_km", "abc"]),
    (
        "toml-x-nan",
        "n.toml",
        toml(_set("line", "x_ohm_per_km", float("nan"))),
        ["x_ohm_per_km", "must be a number"],
    ),
    ("toml-p-inf", "n.toml", toml(_set("gen", "p_mw", float("inf"))), ["p_mw", "must be finite"]),
    (
        "toml-unknown-bus",
        "n.toml",
        toml(_set("line", "from_bus", "atlantis")),
        ["from_bus", "atlantis"],
    ),
    ("toml-parallel-frac", "n.toml", toml(_set("line", "parallel", 1.5)), ["parallel", "1.5"]),
    (
        "toml-in-service",
        "n.toml",
        toml(_set("line", "in_service", "maybe")),
        ["in_service", "maybe"],
    ),
    (
        "toml-dc-pmin",
        "n.toml",
        toml(_set("dcline", "min_p_mw", 5000.0)),
        ["dcline", "min_p_mw", "5000"],
    ),
    (
        "toml-dc-qmin",
        "n.toml",
        toml(_set("dcline", "min_q_from_mvar", 900.0)),
        ["min_q_from_mvar", "max_q_from_mvar"],
    ),
    ("toml-dc-vm", "n.toml", toml(_set("dcline", "vm_from_pu", 104.0)), ["vm_from_pu", "104"]),
    (
        "toml-two-slacks",
        "n.toml",
        toml(_same_bus_slack),
        ["slack", "distributed slack", "second_slack"],
    ),
    ("toml-empty", "n.toml", toml(_empty_network), ["no buses"]),
    ("toml-all-out", "n.toml", toml(_all_buses_out), ["no in-service buses"]),
    ("toml-unknown-column", "n.toml", toml(_set("bus", "vn_k", 1.0)), ["vn_k", "not a column"]),
    (
        "toml-duplicate",
        "n.toml",
        toml(lambda d: d["bus"].append(dict(d["bus"][0]))),
        ["duplicate", "helanshan_750"],
    ),
    ("toml-no-name", "n.toml", toml(lambda d: d["load"][0].pop("name")), ["load", "has no name"]),
    (
        "toml-table-text",
        "n.toml",
        toml(lambda d: d.update(shunt="none")),
        ["shunt", "array of tables"],
    ),
    (
        "toml-latin1",
        "n.toml",
        lambda: _latin1(_TOML_2025(), 'name = "helanshan'),
        ["UTF-8", "line"],
    ),
    ("toml-truncated", "n.toml", _truncated(_TOML_2025, 0.37), ["is not valid TOML", "line"]),
    (
        "toml-syntax",
        "n.toml",
        _replace(_TOML_2025, "[[bus]]\n", "[[bus]\n"),
        ["is not valid TOML", "line"],
    ),
    # ---- native JSON (ningxia_2020)
    ("json-truncated", "n.json", _truncated(_JSON_2020), ["is not valid JSON", "line"]),
    (
        "json-syntax",
        "n.json",
        _replace(_JSON_2020, '"bus": [', '"bus" ['),
        ["is not valid JSON", "line"],
    ),
    ("json-latin1", "n.json", lambda: _latin1(_JSON_2020(), '"name": "'), ["UTF-8", "line 4"]),
    ("json-top-list", "n.json", lambda: "[1, 2, 3]", ["network", "list"]),
    ("json-row-number", "n.json", njson(lambda d: d["bus"].append(7)), ["bus", "array of tables"]),
    (
        "json-sn-text",
        "n.json",
        njson(lambda d: d["network"].update(sn_mva="100")),
        ["sn_mva", "'100'"],
    ),
    (
        "json-sn-huge",
        "n.json",
        _replace(_JSON_2020, '"sn_mva": 100.0', '"sn_mva": 1' + "0" * 400),
        ["sn_mva", "inf"],
    ),
    ("json-meta", "n.json", njson(lambda d: d["network"].update(meta=[1])), ["meta", "[1]"]),
    ("json-vm-limits", "n.json", njson(_set("bus", "vm_max_pu", 0.5)), ["vm_min_pu", "vm_max_pu"]),
    (
        "json-eff",
        "n.json",
        njson(_set("storage", "eff_discharge", 1.05)),
        ["eff_discharge", "1.05"],
    ),
    ("json-hv-unknown", "n.json", njson(_set("trafo", "hv_bus", "nowhere")), ["hv_bus", "nowhere"]),
    (
        "json-second-slack",
        "n.json",
        njson(_set("gen", "slack", True, "coal_north_1")),
        ["slack", "distributed slack"],
    ),
    ("json-zone-list", "n.json", njson(_set("bus", "zone", ["a", "b"])), ["zone", "must be text"]),
    (
        "json-pandapower-name",
        "my_pandapower_grid.json",
        njson(_set("bus", "vn_kv", 220000.0)),
        ["vn_kv", "volts"],
    ),
    ("json-empty-file", "n.json", lambda: "  \n", ["is empty"]),
    # ---- MATPOWER (.m)
    ("m-basekv-volts", "c.m", mp("bus", 0, 9, "345000"), ["vn_kv", "volts", "345000"]),
    (
        "m-basemva-0",
        "c.m",
        _replace(lambda: _m(), "mpc.baseMVA = 100;", "mpc.baseMVA = 0;"),
        ["mpc.baseMVA", "0"],
    ),
    ("m-pmin", "c.m", mp("gen", 1, 9, "400"), ["gen_2", "min_p_mw", "400"]),
    ("m-qmin", "c.m", mp("gen", 1, 4, "500"), ["gen_2", "min_q_mvar", "500"]),
    ("m-vmin", "c.m", mp("bus", 3, 12, "1.2"), ["bus '4'", "vm_min_pu"]),
    ("m-vg-kv", "c.m", mp("gen", 0, 5, "345"), ["gen_1", "vm_pu", "345"]),
    ("m-two-refs", "c.m", mp("bus", 1, 1, "3"), ["gen_2", "slack", "distributed slack"]),
    ("m-truncated", "c.m", _truncated(lambda: _m(), 0.3), ["is not closed"]),
    ("m-latin1", "c.m", lambda: _latin1(_m(), "%CASE9"), ["UTF-8", "line 2"]),
    ("m-text", "c.m", mp("branch", 2, 3, "0.17x"), ["branch", "BR_X", "0.17x"]),
    (
        "m-short-row",
        "c.m",
        _replace(
            lambda: _m(),
            "\t2\t163\t0\t300\t-300\t1\t100\t1\t300\t10\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0;",
            "\t2\t163\t0;",
        ),
        ["gen", "columns"],
    ),
    ("m-unknown-bus", "c.m", mp("branch", 0, 1, "42"), ["branch", "T_BUS", "42"]),
    ("m-dc-vf", "c.m", mp("dcline", 0, 7, "101", "case5_dcline"), ["dcline", "vm_from_pu", "101"]),
    (
        "m-empty",
        "c.m",
        lambda: (
            "function mpc = c\nmpc.version = '2';\nmpc.baseMVA = 100;\nmpc.bus = [];\nmpc.gen = [];\nmpc.branch = [];\n"
        ),
        ["no buses"],
    ),
    ("m-nan-r", "c.m", mp("branch", 1, 2, "NaN"), ["BR_R", "finite"]),
    # ---- pandapower JSON (case14)
    ("pp-module-os", "g.json", ppj(_evil_table), ["_module", "'os'"]),
    ("pp-module-cell", "g.json", ppj(_evil_cell), ["_module", "gridsim_not_a_pandapower_module"]),
    (
        "pp-r-text",
        "g.json",
        ppj(_pp_set("line", "r_ohm_per_km", "abc")),
        ["line '0'", "r_ohm_per_km", "abc"],
    ),
    ("pp-vn-volts", "g.json", ppj(_pp_set("bus", "vn_kv", 135000.0)), ["vn_kv", "volts"]),
    ("pp-pmin", "g.json", ppj(_pp_set("gen", "min_p_mw", 1e4)), ["min_p_mw", "max_p_mw"]),
    ("pp-vm-kv", "g.json", ppj(_pp_set("gen", "vm_pu", 135.0)), ["vm_pu", "135"]),
    ("pp-vm-limits", "g.json", ppj(_pp_set("bus", "min_vm_pu", 1.3)), ["vm_min_pu", "1.3"]),
    ("pp-sn0", "g.json", ppj(lambda o: o.update(sn_mva=0)), ["sn_mva", "0"]),
    ("pp-sn-text", "g.json", ppj(lambda o: o.update(sn_mva="big")), ["sn_mva", "big"]),
    (
        "pp-trafo-sn0",
        "g.json",
        ppj(_pp_set("trafo", "sn_mva", 0.0)),
        ["trafo", "sn_mva", "must be > 0"],
    ),
    ("pp-pfe-neg", "g.json", ppj(_pp_set("trafo", "pfe_kw", -3.0)), ["pfe_kw", "-3.0"]),
    (
        "pp-truncated",
        "g.json",
        _truncated(lambda: _pp_edit(NO_EDIT), 0.6),
        ["is not valid JSON", "line"],
    ),
    ("pp-latin1", "g.json", lambda: _latin1(_pp_edit(NO_EDIT), '"_class": "'), ["UTF-8", "line 1"]),
    (
        "pp-short-row",
        "g.json",
        ppj(_pp_table("bus", _pp_short_row)),
        ["bus '2'", "values, expected"],
    ),
    (
        "pp-dup-index",
        "g.json",
        ppj(_pp_table("bus", _pp_duplicate_index)),
        ["bus", "duplicate element index"],
    ),
    (
        "pp-unknown-bus",
        "g.json",
        ppj(_pp_set("line", "from_bus", 99)),
        ["line '0'", "from_bus", "99"],
    ),
    (
        "pp-two-ext-grids",
        "g.json",
        ppj(_pp_table("ext_grid", _pp_second_ext_grid)),
        ["slack", "distributed slack"],
    ),
    (
        "pp-in-service",
        "g.json",
        ppj(_pp_set("load", "in_service", "yes")),
        ["load", "in_service", "yes"],
    ),
    (
        "pp-bus-index-text",
        "g.json",
        ppj(_pp_table("bus", lambda c, i, d, m: i.__setitem__(0, "b0"))),
        ["bus", "index", "b0"],
    ),
    ("pp-no-bus", "g.json", ppj(_drop_key("bus")), ["no bus table"]),
    (
        "pp-version-1",
        "g.json",
        ppj(lambda o: o.update(version="1.6.1", format_version="1.6.1")),
        ["pandapower >= 2.0"],
    ),
    (
        "pp-net-text",
        "g.json",
        lambda: json.dumps(
            {"_module": "pandapower.auxiliary", "_class": "pandapowerNet", "_object": 5}
        ),
        ["pandapowerNet"],
    ),
]


def _write(tmp_path: Path, name: str, build: Builder) -> Path:
    path = tmp_path / name
    content = build()
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def _load_and_validate(path: Path) -> None:
    validate(load_network(path))


def test_corpus_is_large_and_covers_every_format() -> None:
    assert len(CASES) >= 50
    assert len({c[0] for c in CASES}) == len(CASES)
    suffixes = {Path(c[1]).suffix for c in CASES}
    assert suffixes == {".toml", ".json", ".m"}
    assert sum(c[0].startswith("pp-") for c in CASES) >= 10


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize(
    ("name", "build", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_file_raises_input_error_naming_file_and_field(
    tmp_path: Path, name: str, build: Builder, expected: list[str]
) -> None:
    path = _write(tmp_path, name, build)
    with pytest.raises(InputError) as err:
        _load_and_validate(path)
    msg = str(err.value)
    assert str(path) in msg, msg
    for part in expected:
        assert part in msg, (part, msg)


def test_the_unmutated_bases_load_and_validate(tmp_path: Path) -> None:
    """The corpus bases are valid, so each error above comes from its one mutation."""
    for name, build in [
        ("n.toml", _TOML_2025),
        ("n.json", _JSON_2020),
        ("c.m", lambda: _m()),
        ("d.m", lambda: _m("case5_dcline")),
        ("g.json", lambda: _pp_edit(NO_EDIT)),
    ]:
        _load_and_validate(_write(tmp_path, name, build))


# ------------------------------------------------------------------ the CLI
@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize(
    "case_id", ["toml-vn-volts", "pp-module-os", "m-latin1", "toml-empty", "json-truncated"]
)
def test_cli_pf_bad_file_exits_2_with_one_line(tmp_path: Path, capsys, case_id: str) -> None:
    _, name, build, expected = next(c for c in CASES if c[0] == case_id)
    path = _write(tmp_path, name, build)
    code = main(["pf", str(path)])
    out = capsys.readouterr()
    assert code == 2
    lines = out.err.strip().splitlines()
    assert len(lines) == 1, out.err
    assert lines[0].startswith("gridsim: error: ") and str(path) in lines[0]
    assert "Traceback" not in out.err + out.out
    for part in expected:
        assert part in lines[0]


# ------------------------------------------------------------------ files are data
def test_a_module_named_in_a_pandapower_file_is_never_imported(tmp_path: Path, monkeypatch) -> None:
    """A module the file names, importable from sys.path, is not imported: the load
    stops with an InputError naming the file and the module."""
    mod = "gridsim_marker_module_xyz"
    marker = tmp_path / "imported.txt"
    (tmp_path / f"{mod}.py").write_text(
        f"from pathlib import Path\nPath({str(marker)!r}).write_text('imported')\n"
        "class Payload:\n    pass\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    assert mod not in sys.modules

    def evil(obj: dict[str, Any]) -> None:
        obj["bus"] = {"_module": mod, "_class": "Payload", "_object": "{}"}

    path = tmp_path / "net.json"
    path.write_text(_pp_edit(evil))
    with pytest.raises(InputError) as err:
        load_network(path)
    assert str(path) in str(err.value) and "_module must" not in str(err.value)
    assert "_module names a Python module" in str(err.value) and repr(mod) in str(err.value)
    assert mod not in sys.modules
    assert not marker.exists()
    # the same module, imported deliberately, does write the marker: the test can fail
    __import__(mod)
    assert marker.exists()
    del sys.modules[mod]


def test_pandapower_json_with_a_plain_name_is_read_as_pandapower(tmp_path: Path) -> None:
    pp = pytest.importorskip("pandapower")
    from gridsim.network.io_pandapower import from_pandapower

    path = tmp_path / "grid.json"
    path.write_text(_pp_case14_text())
    net = load_network(path)
    ref = from_pandapower(pp.from_json(str(path)))
    assert net.source == str(path)
    for table, df in ref.tables().items():
        assert df.equals(net.table(table)), table


def test_native_json_named_pandapower_is_read_as_native(tmp_path: Path) -> None:
    path = tmp_path / "ningxia_pandapower_export.json"
    path.write_text(_JSON_2020())
    net = load_network(path)
    ref = load_network("ningxia_2020")
    assert net.name == "ningxia_2020" and net.summary() == ref.summary()
    for table, df in ref.tables().items():
        assert df.equals(net.table(table)), table


def test_explicit_format_overrides_the_content_guess(tmp_path: Path) -> None:
    path = tmp_path / "case.txt"  # a suffix that says nothing
    path.write_text(_m())
    assert len(load_network(path).bus) == 9
    assert len(load_network(path, format="matpower").bus) == 9
    with pytest.raises(InputError, match=r"case\.txt: is not valid JSON"):
        load_network(path, format="pandapower")
    with pytest.raises(InputError, match=r"format must be one of"):
        load_network(path, format="csv")
    js = tmp_path / "n.m"  # native JSON despite the .m suffix
    js.write_text(_JSON_2020())
    assert len(load_network(js).bus) == len(load_network("ningxia_2020").bus)
