"""The example notebooks and scripts run, on short horizons, and show their answer.

Each notebook (``examples/0N_*.ipynb``) is executed with nbclient (kernel python3) and
each plain script (``examples/0N_*.py``) with a subprocess, with the environment
variables the examples read: ``GRIDSIM_EXAMPLE_HOURS`` (a week or two instead of the
year), ``GRIDSIM_EXAMPLE_SWEEP=tiny`` (4 cases instead of 24) and
``GRIDSIM_EXAMPLE_OUT`` (a temporary results folder).

By default only notebook 2 (one week, about 15-30 s) and the fast checks of the stored
notebooks run; the rest is marked ``slow``:

    python -m pytest tests/test_examples.py                         # default part
    python -m pytest tests/test_examples.py -m "slow or notebooks"  # every example
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
NOTEBOOKS = sorted(EXAMPLES.glob("0[0-9]_*.ipynb"))
SCRIPTS = sorted(EXAMPLES.glob("0[0-9]_*.py"))

SHORT = {
    # notebook stem: (environment, what the final cell's output must contain)
    "01_calibrate_2020": (
        {"GRIDSIM_EXAMPLE_HOURS": "720"},  # April 2020: one whole month to compare
        [
            "Back-test acceptance",
            "new-energy utilisation, %",
            "monthly new-energy correlation",
            "2020: acceptance n/a (short run): 720 h from 2020-04-01; 3 published figures compared",
        ],
    ),
    "02_will_2025_meet_the_plan": (
        {"GRIDSIM_EXAMPLE_HOURS": "168"},
        [
            "new-energy utilisation",
            "DC export capability",
            "thermal average coal rate",
            "plan targets met",
        ],
    ),
    "03_storage_dr_vs_solar": (
        {
            "GRIDSIM_EXAMPLE_HOURS": "168",
            "GRIDSIM_EXAMPLE_SWEEP": "tiny",
            "GRIDSIM_EXAMPLE_WORKERS": "2",
        },
        ["battery GW for 95 %", "Battery power that keeps new-energy utilisation"],
    ),
}
SCRIPT_OUTPUT = {
    "01_calibrate_2020": [
        "The operating rules",
        "3 published figures compared",
        "What each rule does, ningxia_2020",
        "without down reserve",
        "without deep peak regulation",
        "without maintenance",
        "Back-test acceptance",
        "n/a (short run)",
    ],
    "02_will_2025_meet_the_plan": [
        "The plan scorecard",
        "Curtailment by cause",
        "Exports per DC link",
        "plan targets met",
    ],
    "03_storage_dr_vs_solar": ["Every case", "Battery power that keeps new-energy utilisation"],
}
FIGURES = {
    "01_calibrate_2020": [
        "monthly_balance_2020.png",
        "dispatch_week_2020.png",
        "monthly_vs_published_2020.png",
    ],
    "02_will_2025_meet_the_plan": [
        "dispatch_most_curtailed_week.png",
        "curtailment_heatmap.png",
        "duration_curves.png",
        "network_loading.png",
    ],
    "03_storage_dr_vs_solar": ["utilisation_vs_battery.png", "curtailment_vs_battery.png"],
}


def _text(output: dict) -> str:
    """The text of one cell output (stream text, or the plain and HTML representations)."""
    if output.get("output_type") == "stream":
        return str(output.get("text", ""))
    data = output.get("data", {})
    return str(data.get("text/plain", "")) + str(data.get("text/html", ""))


def execute(path: Path, env: dict[str, str], out: Path, monkeypatch: pytest.MonkeyPatch):
    """Run a notebook in a fresh python3 kernel (working directory examples/) and return it."""
    from nbclient import NotebookClient

    for key, value in {**env, "GRIDSIM_EXAMPLE_OUT": str(out)}.items():
        monkeypatch.setenv(key, value)  # the kernel inherits the environment
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(EXAMPLES)}}
    )
    client.execute()
    return nb


def check_notebook(nb, stem: str, out: Path) -> None:
    code = [c for c in nb.cells if c.cell_type == "code"]
    errors = [o for c in code for o in c.outputs if o.get("output_type") == "error"]
    assert not errors, errors
    final = "".join(_text(o) for o in code[-1].outputs)
    for needle in SHORT[stem][1]:
        assert needle in final, f"{stem}: the final cell shows no {needle!r}:\n{final[:2000]}"
    images = sum("image/png" in o.get("data", {}) for c in code for o in c.outputs)
    assert images >= 2, f"{stem}: {images} figures shown"
    assert (out / stem).is_dir(), f"{stem} wrote nothing to {out}"


# ------------------------------------------------------------------ fast checks
def test_every_notebook_has_a_script_and_a_short_setting() -> None:
    stems = {p.stem for p in NOTEBOOKS}
    assert stems == set(SHORT), "tests/test_examples.py must know every notebook"
    assert stems <= {p.stem for p in SCRIPTS}, "each notebook has a plain-script twin"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_stored_clean(path: Path) -> None:
    """Stored without outputs, for the python3 kernel, reading the horizon setting."""
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code), "clear the outputs"
    assert "GRIDSIM_EXAMPLE_HOURS" in "".join(c.source for c in code)
    assert nb.cells[0].cell_type == "markdown" and "**Question.**" in nb.cells[0].source


# Example 1 undoes each operating rule of the back-test years in turn: the rule (a row
# of its rules table) each change must switch off, as scenarios/ningxia_rules.toml sets them.
RULE_ROWS = {
    "down reserve": "down reserve",
    "DC band": "DC band around the schedules, pu",
    "deep peak regulation": "deep peak regulation",
    "CHP heat load (flat floor instead)": "CHP range follows the hourly heat load",
    "min up/down times": "minimum up / down time, h",
    "DC stability": "DC sending-end stability",
    "maintenance": "maintenance, weeks per year",
}


@pytest.mark.parametrize("year", [2020, 2021, 2022])
def test_example_01_undoes_one_rule_at_a_time(year: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each change of example 1 validates and changes its own rule and no other; the DC
    band is undone only where the year sets one (2021, 2022)."""
    from gridsim.batch import apply_changes
    from gridsim.scenario import load_scenario

    monkeypatch.delenv("GRIDSIM_EXAMPLE_HOURS", raising=False)  # the whole-year rule list
    spec = importlib.util.spec_from_file_location("example_01", EXAMPLES / "01_calibrate_2020.py")
    assert spec and spec.loader
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)

    sc = load_scenario(f"ningxia_{year}")
    undo = example.rule_changes(sc)
    assert set(undo) == set(RULE_ROWS) - ({"DC band"} if year == 2020 else set())
    base = example.rules_table(sc).value.astype(str)
    for rule, changes in undo.items():
        off = example.rules_table(apply_changes(sc, changes)).value.astype(str)
        assert list(off.index[off != base]) == [RULE_ROWS[rule]], rule
    off = {rule: apply_changes(sc, changes) for rule, changes in undo.items()}
    assert off["down reserve"].reserves.down_mw == 0.0
    assert off["down reserve"].reserves.down_load_share == sc.reserves.down_load_share > 0
    assert off["deep peak regulation"].thermal.peak_regulation == []
    assert sc.dc_stability is not None and sc.dc_stability.near_units
    assert off["DC stability"].dc_stability is not None and off["DC stability"].dc_stability.near_units == {}  # fmt: skip
    assert set(off["maintenance"].thermal.maintenance_weeks.values()) == {0.0}
    ov = off["min up/down times"].network.overrides
    assert set(ov.min_up_time_h.values()) == set(ov.min_down_time_h.values()) == {0.0}
    assert off["CHP heat load (flat floor instead)"].thermal.chp_heat_load is False
    if year > 2020:
        assert sc.exports.band_pu > 0.0 and off["DC band"].exports.band_pu == 0.0


# --------------------------------------------------------- notebooks, executed
@pytest.mark.notebooks
def test_notebook_02_one_week(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stem = "02_will_2025_meet_the_plan"
    nb = execute(EXAMPLES / f"{stem}.ipynb", SHORT[stem][0], tmp_path, monkeypatch)
    check_notebook(nb, stem, tmp_path)
    assert (tmp_path / stem / "run" / "scorecard.csv").is_file()


@pytest.mark.notebooks
@pytest.mark.slow
@pytest.mark.parametrize("stem", ["01_calibrate_2020", "03_storage_dr_vs_solar"])
def test_notebook_short(stem: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nb = execute(EXAMPLES / f"{stem}.ipynb", SHORT[stem][0], tmp_path, monkeypatch)
    check_notebook(nb, stem, tmp_path)


# ------------------------------------------------------------ scripts, executed
@pytest.mark.notebooks
@pytest.mark.slow
@pytest.mark.parametrize("stem", sorted(SCRIPT_OUTPUT))
def test_script_short(stem: str, tmp_path: Path) -> None:
    env = {**os.environ, **SHORT[stem][0], "GRIDSIM_EXAMPLE_OUT": str(tmp_path)}
    proc = subprocess.run(
        [sys.executable, str(EXAMPLES / f"{stem}.py")],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    for needle in SCRIPT_OUTPUT[stem]:
        assert needle in proc.stdout, f"{stem}: no {needle!r} in\n{proc.stdout[-3000:]}"
    for name in FIGURES[stem]:
        assert (tmp_path / stem / "figures" / name).is_file(), name
