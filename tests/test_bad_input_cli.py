"""Bad-input corpus for the command line and for results folders: every case ends in a
clear error (exit code 2, or gridsim's InputError from the Python API) that names the
file, the option or the value; never a traceback or another exception class."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from gridsim.cli import main
from gridsim.errors import InputError
from gridsim.report.html import write_report
from gridsim.results import compare_runs, list_runs, load_run, load_sweep
from gridsim.scenario import SCENARIOS_DIR
from gridsim.studies.balance import BalanceResult, run_balance

ROOT = Path(__file__).resolve().parents[1]
NET = str(ROOT / "networks" / "ningxia_2025.toml")
SCENARIO = (
    f'base = "{SCENARIOS_DIR / "ningxia_2025.toml"}"\n[scenario]\nname = "cli_corpus"\n'
    '[study]\nwhole_year = false\nstart = "2025-03-03"\nend = "2025-03-04"\n'
    "[output]\nwhat = ['thermal', 'nodes']\n"
)


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> BalanceResult:
    d = tmp_path_factory.mktemp("corpus")
    (d / "sc.toml").write_text(SCENARIO)
    return run_balance(d / "sc.toml")


@pytest.fixture()
def run(result: BalanceResult, tmp_path: Path) -> Path:
    return result.write(tmp_path / "run")


# ---------------------------------------------------------- results folders
def _bytes(name: str, data: bytes) -> Callable[[Path], None]:
    return lambda p: (p / name).write_bytes(data)


def _truncate(name: str) -> Callable[[Path], None]:
    def f(p: Path) -> None:
        data = (p / name).read_bytes()
        (p / name).write_bytes(data[: len(data) // 2])

    return f


def _flip(name: str) -> Callable[[Path], None]:
    def f(p: Path) -> None:
        data = bytearray((p / name).read_bytes())
        data[len(data) // 3] ^= 0x55
        (p / name).write_bytes(bytes(data))

    return f


def _manifest(change: Callable[[dict], None]) -> Callable[[Path], None]:
    def f(p: Path) -> None:
        m = json.loads((p / "manifest.json").read_text())
        change(m)
        (p / "manifest.json").write_text(json.dumps(m))

    return f


def _rm(name: str) -> Callable[[Path], None]:
    return lambda p: (p / name).unlink()


# (case id, damage, text the error must contain); all raise on load_run
DAMAGE_ON_LOAD = [
    ("manifest-not-json", _bytes("manifest.json", b"{oops"), "manifest.json: is not valid JSON"),
    (
        "manifest-not-utf8",
        _bytes("manifest.json", b'{"a": "\xff\xfe"}'),
        "manifest.json: is not UTF-8",
    ),  # fmt: skip
    (
        "manifest-a-list",
        _bytes("manifest.json", b"[1, 2, 3]"),
        "manifest.json: must hold a JSON object, got a list",
    ),  # fmt: skip
    ("manifest-empty", _bytes("manifest.json", b""), "manifest.json: is not valid JSON"),
    (
        "manifest-other-kind",
        _manifest(lambda m: m.update(kind="powerflow")),
        "is a gridsim 'powerflow' folder, not a power-balance run",
    ),  # fmt: skip
    (
        "manifest-lists-ghost",
        _manifest(lambda m: m["files"].update({"hourly/ghost.parquet": {"size": 1}})),
        "ghost.parquet: is listed in manifest.json but missing",
    ),  # fmt: skip
    (
        "summary-missing",
        _rm("summary.json"),
        "summary.json: is listed in manifest.json but missing",
    ),  # fmt: skip
    ("summary-truncated", _truncate("summary.json"), "summary.json: has"),
    ("summary-same-size-edit", _flip("summary.json"), "summary.json"),
    (
        "scorecard-missing",
        _rm("scorecard.csv"),
        "scorecard.csv: is listed in manifest.json but missing",
    ),  # fmt: skip
    ("scorecard-edited", _flip("scorecard.csv"), "scorecard.csv: does not match the SHA-256"),
    (
        "windows-missing",
        _rm("windows.csv"),
        "windows.csv: is listed in manifest.json but missing",
    ),  # fmt: skip
    (
        "hourly-missing",
        _rm("hourly/thermal_p_mw.parquet"),
        "thermal_p_mw.parquet: is listed in manifest.json but missing",
    ),  # fmt: skip
    ("hourly-truncated", _truncate("hourly/load_mw.parquet"), "load_mw.parquet: has"),
    ("manifest-missing", _rm("manifest.json"), "is not a run folder (no manifest.json)"),
]


@pytest.mark.parametrize(("damage", "text"), [c[1:] for c in DAMAGE_ON_LOAD], ids=[c[0] for c in DAMAGE_ON_LOAD])  # fmt: skip
def test_damaged_run_is_refused_on_load(run: Path, damage: Callable[[Path], None], text: str) -> None:  # fmt: skip
    damage(run)
    with pytest.raises(InputError) as err:
        load_run(run)
    assert text in str(err.value) and str(run) in str(err.value)


def test_damaged_run_through_each_command(run: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (run / "hourly" / "thermal_p_mw.parquet").unlink()
    for cmd in (["results", "show", str(run)], ["results", "compare", str(run), str(run)], ["report", str(run)]):  # fmt: skip
        assert main(cmd) == 2, cmd
        err = capsys.readouterr().err
        assert err.startswith("gridsim: error:") and "thermal_p_mw.parquet" in err and "Traceback" not in err  # fmt: skip


def test_hourly_file_edited_in_place_is_refused_when_read(run: Path) -> None:
    _flip("hourly/thermal_p_mw.parquet")(run)
    r = load_run(run)
    with pytest.raises(InputError, match="thermal_p_mw.parquet: does not match the SHA-256"):
        r.frame("thermal_p_mw")
    with pytest.raises(InputError, match="thermal_p_mw.parquet"):
        write_report(run)


def test_api_paths_that_are_not_runs(run: Path, tmp_path: Path) -> None:
    (tmp_path / "f.txt").write_text("x")
    for path, text in [
        (tmp_path / "nope", "no such run folder"),
        (tmp_path / "f.txt", "is not a folder"),
    ]:
        with pytest.raises(InputError, match=text):
            load_run(path)
    with pytest.raises(InputError, match="is not a sweep folder"):
        load_sweep(run)
    with pytest.raises(InputError, match="no such results folder"):
        list_runs(tmp_path / "nope")
    with pytest.raises(InputError, match="no such run folder"):
        compare_runs([run, tmp_path / "nope"])


def test_ls_survives_every_kind_of_damage(result: BalanceResult, tmp_path: Path) -> None:
    root = tmp_path / "root"
    good = result.write(root / "good")
    for case_id, damage, _ in DAMAGE_ON_LOAD:
        if case_id == "manifest-missing":
            continue
        shutil.copytree(good, root / case_id)
        damage(root / case_id)
    df = list_runs(root).set_index("path")
    assert df.loc[str(good), "status"] == "optimal"
    flagged = df.drop(str(good))
    # a damaged run is flagged; a folder of another kind (power-flow results) is not a run
    assert set(flagged["status"]) == {"damaged"}
    assert len(flagged) == len(DAMAGE_ON_LOAD) - 2


# ------------------------------------------------------------ CLI arguments
CLI_CASES = [
    # (id, argv, text on stderr)
    ("pf-no-file", ["pf", "/no/such/net.m"], "no such file or shipped network"),
    ("pf-max-iter-0", ["pf", NET, "--max-iter", "0"], "--max-iter: must be a finite number >= 1"),
    (
        "pf-max-iter-text",
        ["pf", NET, "--max-iter", "many"],
        "--max-iter: must be an integer, got 'many'",
    ),  # fmt: skip
    ("pf-tol-negative", ["pf", NET, "--tol-mva", "-1"], "--tol-mva: must be a finite number > 0"),
    ("pf-tol-nan", ["pf", NET, "--tol-mva", "nan"], "--tol-mva: must be a finite number > 0"),
    ("pf-tol-inf", ["pf", NET, "--tol-mva", "inf"], "--tol-mva: must be a finite number > 0"),
    ("pf-algorithm", ["pf", NET, "--algorithm", "magic"], "invalid choice: 'magic'"),
    ("show-unknown-network", ["network", "show", "atlantis"], "no such file or shipped network"),
    (
        "plot-bad-format",
        ["network", "plot", "ningxia_2025", "--out", "map.xyz"],
        "--out must end in an image format",
    ),  # fmt: skip
    (
        "plot-dpi-0",
        ["network", "plot", "ningxia_2025", "--out", "m.png", "--dpi", "0"],
        "--dpi: must be a finite number >= 1",
    ),  # fmt: skip
    ("plot-no-out", ["network", "plot", "ningxia_2025"], "--out"),
    (
        "profiles-seed-negative",
        ["profiles", "generate", "--year", "2025", "--seed", "-1", "--out", "p"],
        "--seed: must be a finite number >= 0",
    ),  # fmt: skip
    (
        "profiles-year-0",
        ["profiles", "generate", "--year", "0", "--seed", "1", "--out", "p"],
        "--year: must be a finite number >= 1",
    ),  # fmt: skip
    (
        "profiles-demand-negative",
        [
            "profiles",
            "generate",
            "--year",
            "2025",
            "--seed",
            "1",
            "--demand-twh",
            "-5",
            "--out",
            "p",
        ],
        "--demand-twh: must be a finite number > 0",
    ),  # fmt: skip
    ("run-no-scenario", ["run", "/no/such/scenario.toml"], "no such file or shipped scenario"),
    ("run-unknown-shipped", ["run", "ningxia_2099"], "no such file or shipped scenario"),
    ("sweep-no-file", ["sweep", "/no/such/sweep.toml"], "no such sweep file"),
    (
        "sweep-workers-0",
        ["sweep", str(ROOT / "sweeps" / "storage_dr.toml"), "--workers", "0", "--list"],
        "--workers: must be a finite number >= 1",
    ),  # fmt: skip
    (
        "sweep-limit-negative",
        ["sweep", str(ROOT / "sweeps" / "storage_dr.toml"), "--limit", "-2", "--list"],
        "--limit: must be a finite number >= 0",
    ),  # fmt: skip
    ("report-no-run", ["report", "/no/such/run"], "no such run folder"),
    ("ls-no-folder", ["results", "ls", "/no/such/folder"], "no such results folder"),
    ("show-not-a-run", ["results", "show", str(ROOT / "networks")], "is not a run folder"),
    ("unknown-command", ["teleport"], "invalid choice: 'teleport'"),
]


@pytest.mark.parametrize(("argv", "text"), [c[1:] for c in CLI_CASES], ids=[c[0] for c in CLI_CASES])  # fmt: skip
def test_bad_arguments_exit_2_with_a_clear_line(argv: list[str], text: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)  # relative --out values land here (and must not be written)
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's usage errors
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2, err
    assert text in err, err
    assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_report_week_outside_the_run(run: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", str(run), "--week", "40"]) == 2
    err = capsys.readouterr().err
    assert "week selects no hour of the run" in err and "got 40" in err
    assert not (run / "report.html").exists()
