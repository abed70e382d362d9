"""Output never destroys what gridsim did not write; concurrent writers are refused;
damaged results say so. Each test checks the files on disk after the command."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gridsim.cli import main
from gridsim.errors import InputError
from gridsim.results import list_runs, load_run
from gridsim.results.publish import (
    OutputError,
    check_destination,
    is_gridsim_folder,
    output_lock,
    publish_dir,
    staging_dir,
    written_by_gridsim,
)
from gridsim.scenario import SCENARIOS_DIR
from gridsim.studies.balance import BalanceResult, run_balance

ROOT = Path(__file__).resolve().parents[1]
BASE = f'base = "{SCENARIOS_DIR / "ningxia_2025.toml"}"\n'
SHORT = '[study]\nwhole_year = false\nstart = "2025-03-03"\nend = "2025-03-05"\n'


def scenario(folder: Path, name: str, text: str = "") -> Path:
    p = folder / f"{name}.toml"
    p.write_text(BASE + f'[scenario]\nname = "{name}"\n' + SHORT + text)
    return p


def user_folder(path: Path) -> dict[str, bytes]:
    """A folder of a user's files; returns their contents to compare with later."""
    path.mkdir(parents=True)
    files = {"notes.txt": b"my notes\n", "data.csv": b"a,b\n1,2\n"}
    for name, data in files.items():
        (path / name).write_bytes(data)
    return files


def unchanged(path: Path, files: dict[str, bytes]) -> bool:
    return sorted(p.name for p in path.iterdir()) == sorted(files) and all(
        (path / n).read_bytes() == d for n, d in files.items()
    )


@pytest.fixture(scope="module")
def short(tmp_path_factory: pytest.TempPathFactory) -> BalanceResult:
    d = tmp_path_factory.mktemp("short")
    return run_balance(scenario(d, "short", "[output]\nwhat = ['thermal', 'nodes']\n"))


@pytest.fixture()
def run_dir(short: BalanceResult, tmp_path: Path) -> Path:
    return short.write(tmp_path / "run")


# ------------------------------------------------------------- destinations
def test_run_refuses_a_users_folder_and_keeps_its_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    files = user_folder(tmp_path / "userdata")
    f = scenario(tmp_path, "s")
    for extra in ([], ["--overwrite"]):
        assert main(["run", str(f), "--out", str(tmp_path / "userdata"), *extra]) == 2
        err = capsys.readouterr().err
        assert f"{tmp_path / 'userdata'}: is a non-empty folder that gridsim did not write" in err
        assert "Traceback" not in err
        assert unchanged(tmp_path / "userdata", files)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.toml", "userdata"]  # nothing left


def test_run_refuses_an_existing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "a_file.txt"
    target.write_text("keep me")
    assert main(["run", str(scenario(tmp_path, "s")), "--out", str(target)]) == 2
    assert f"{target}: exists and is not a folder" in capsys.readouterr().err
    assert target.read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_file.txt", "s.toml"]


def test_write_refuses_then_overwrites_only_gridsims_folder(short: BalanceResult, tmp_path: Path) -> None:  # fmt: skip
    out = short.write(tmp_path / "run")
    assert is_gridsim_folder(out)
    m = json.loads((out / "manifest.json").read_text())
    assert m["written_by"] == "gridsim" and m["kind"] == "power-balance"
    with pytest.raises(OutputError, match="holds an earlier gridsim result: pass --overwrite"):
        short.write(out)
    (out / "summary.json").write_text("{}")  # replaced below: the folder is gridsim's
    assert short.write(out, overwrite=True) == out
    assert json.loads((out / "summary.json").read_text())["unserved_mwh"] == short.kpis["unserved_mwh"]  # fmt: skip
    files = user_folder(tmp_path / "mine")
    with pytest.raises(OutputError, match="gridsim did not write"):
        short.write(tmp_path / "mine", overwrite=True)
    assert unchanged(tmp_path / "mine", files)
    (tmp_path / "empty").mkdir()  # an empty folder is written into
    assert short.write(tmp_path / "empty") == tmp_path / "empty"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporaries


def test_concurrent_writes_one_wins_the_other_gets_a_clear_error(short: BalanceResult, tmp_path: Path) -> None:  # fmt: skip
    out = tmp_path / "race"
    outcomes: list[object] = []
    barrier = threading.Barrier(2)

    def write() -> None:
        barrier.wait()
        try:
            outcomes.append(short.write(out))
        except Exception as err:  # the test inspects the class below
            outcomes.append(err)

    threads = [threading.Thread(target=write) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wins = [o for o in outcomes if o == out]
    errors = [o for o in outcomes if isinstance(o, Exception)]
    assert len(wins) == 1 and len(errors) == 1
    assert isinstance(errors[0], OutputError), repr(errors[0])
    assert "being written by another gridsim process" in str(errors[0]) or "holds an earlier gridsim result" in str(errors[0])  # fmt: skip
    assert load_run(out).summary["unserved_mwh"] == short.kpis["unserved_mwh"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_a_live_lock_refuses_a_dead_one_is_taken_over(tmp_path: Path) -> None:
    out = tmp_path / "out"
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (tmp_path / ".out.lock").write_text(f"{socket.gethostname()} {sleeper.pid}")
        with pytest.raises(OutputError, match=f"being written by another gridsim process .*{sleeper.pid}"):  # fmt: skip
            with output_lock(out):
                pass
    finally:
        sleeper.kill()
        sleeper.wait()
    with output_lock(out):  # the holder is dead now
        assert (tmp_path / ".out.lock").read_text() == f"{socket.gethostname()} {os.getpid()}"
    assert not (tmp_path / ".out.lock").exists()


def test_two_run_commands_on_one_folder(tmp_path: Path) -> None:
    """Two ``gridsim run`` at once on one --out: one writes, the other exits 2 naming it."""
    f = scenario(tmp_path, "s", "[output]\nwhat = []\n")
    out = tmp_path / "shared"
    cmd = [sys.executable, "-m", "gridsim.cli", "run", str(f), "--out", str(out), "--quiet"]
    procs = [subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for _ in range(2)]  # fmt: skip
    codes, errs = [], []
    for p in procs:
        _, err = p.communicate(timeout=300)
        codes.append(p.returncode)
        errs.append(err.decode())
    assert sorted(codes) == [0, 2], errs
    loser = errs[codes.index(2)]
    assert str(out) in loser and ("being written by another gridsim process" in loser or "holds an earlier gridsim result" in loser)  # fmt: skip
    assert "Traceback" not in loser
    assert load_run(out).ok


def test_publish_never_replaces_what_appeared_meanwhile(tmp_path: Path) -> None:
    out = tmp_path / "out"
    tmp = staging_dir(out)
    (tmp / "manifest.json").write_text(json.dumps({"written_by": "gridsim"}))
    files = user_folder(out)  # a user's folder appears after the check, before publishing
    with pytest.raises(OutputError, match="gridsim did not write"):
        publish_dir(tmp, out)
    assert unchanged(out, files) and not tmp.exists()


def test_check_destination_rules(tmp_path: Path) -> None:
    check_destination(tmp_path / "new")  # nothing there: fine
    (tmp_path / "link").symlink_to(tmp_path)
    with pytest.raises(OutputError, match="link: exists and is not a folder"):
        check_destination(tmp_path / "link")
    legacy = tmp_path / "legacy"  # a run folder from before the written_by key
    legacy.mkdir()
    (legacy / "manifest.json").write_text(json.dumps({"gridsim_version": "0.1.0"}))
    assert is_gridsim_folder(legacy)
    check_destination(legacy, overwrite=True)
    (legacy / "manifest.json").write_text("[1, 2]")  # JSON, but not gridsim's manifest
    assert not is_gridsim_folder(legacy)


# -------------------------------------------------------- other commands
def test_pf_out_refuses_a_users_folder_and_writes_a_new_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    net = str(ROOT / "networks" / "ningxia_2025.toml")
    files = user_folder(tmp_path / "mine")
    assert main(["pf", net, "--out", str(tmp_path / "mine"), "--overwrite"]) == 2
    assert "gridsim did not write" in capsys.readouterr().err and unchanged(tmp_path / "mine", files)  # fmt: skip
    assert main(["pf", net, "--out", str(tmp_path / "pf")]) == 0
    bus = pd.read_csv(tmp_path / "pf" / "bus.csv")
    assert list(bus.columns) == ["bus", "vm_pu", "va_degree", "p_mw", "q_mvar"] and len(bus) > 10
    assert json.loads((tmp_path / "pf" / "manifest.json").read_text())["kind"] == "powerflow"
    assert main(["pf", net, "--out", str(tmp_path / "pf")]) == 2
    assert main(["pf", net, "--out", str(tmp_path / "pf"), "--overwrite"]) == 0
    assert list_runs(tmp_path).empty  # power-flow folders are not power-balance runs


def test_plot_and_report_refuse_files_gridsim_did_not_write(run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    png, html = tmp_path / "map.png", tmp_path / "report.html"
    png.write_bytes(b"my picture")
    html.write_text("<html>my page</html>")
    assert main(["network", "plot", "ningxia_2025", "--out", str(png), "--overwrite"]) == 2
    assert main(["report", str(run_dir), "--out", str(html), "--overwrite"]) == 2
    err = capsys.readouterr().err
    assert err.count("was not written by gridsim") == 2
    assert png.read_bytes() == b"my picture" and html.read_text() == "<html>my page</html>"
    new_png = tmp_path / "new.png"
    assert main(["network", "plot", "ningxia_2025", "--out", str(new_png)]) == 0
    assert written_by_gridsim(new_png)
    assert main(["network", "plot", "ningxia_2025", "--out", str(new_png)]) == 2
    assert main(["network", "plot", "ningxia_2025", "--out", str(new_png), "--overwrite"]) == 0
    # the default report inside the run folder is gridsim's own: written again freely
    assert main(["report", str(run_dir)]) == 0 and main(["report", str(run_dir)]) == 0
    assert written_by_gridsim(run_dir / "report.html")
    capsys.readouterr()
    csv = tmp_path / "list.csv"
    csv.write_text("mine")
    assert main(["results", "ls", str(tmp_path), "--csv", str(csv)]) == 2
    assert csv.read_text() == "mine" and "was not written by gridsim" in capsys.readouterr().err


def test_profiles_generate_refuses_a_users_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    files = user_folder(tmp_path / "mine")
    args = ["profiles", "generate", "--year", "2025", "--seed", "1", "--out", str(tmp_path / "mine")]  # fmt: skip
    assert main(args) == 2 and main([*args, "--overwrite"]) == 2
    assert "gridsim did not write" in capsys.readouterr().err and unchanged(tmp_path / "mine", files)  # fmt: skip


def test_sweep_refuses_a_users_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = user_folder(tmp_path / "mine")
    sweep = tmp_path / "s.toml"
    base = scenario(tmp_path, "b", "[output]\nwhat = []\n")
    sweep.write_text(f'[sweep]\nname = "s"\nbase = "{base}"\n[sweep.grid]\n"storage.battery_scale" = [1.0]\n')  # fmt: skip
    assert main(["sweep", str(sweep), "--out", str(tmp_path / "mine"), "--quiet"]) == 2
    assert "gridsim did not write" in capsys.readouterr().err
    assert unchanged(tmp_path / "mine", files)


# ------------------------------------------------------------ damaged runs
def test_a_missing_hourly_file_is_refused_not_read_as_zero(run_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    (run_dir / "hourly" / "thermal_p_mw.parquet").unlink()
    with pytest.raises(InputError, match="thermal_p_mw.parquet: is listed in manifest.json but missing"):  # fmt: skip
        load_run(run_dir)
    for cmd in (["results", "show", str(run_dir)], ["report", str(run_dir)]):
        assert main(cmd) == 2
        err = capsys.readouterr().err
        assert "thermal_p_mw.parquet: is listed in manifest.json but missing" in err, cmd
    assert not (run_dir / "report.html").exists()


def test_a_corrupt_file_of_the_same_size_is_found_by_its_hash(run_dir: Path) -> None:
    f = run_dir / "hourly" / "thermal_p_mw.parquet"
    data = bytearray(f.read_bytes())
    data[len(data) // 2] ^= 0xFF
    f.write_bytes(bytes(data))
    run = load_run(run_dir)  # sizes match: opened
    with pytest.raises(InputError, match="thermal_p_mw.parquet: does not match the SHA-256 in manifest.json"):  # fmt: skip
        run.frame("thermal_p_mw")
    assert np.isfinite(run.frame("load_mw").to_numpy()).all()  # intact files still read


def test_ls_flags_a_broken_run_and_lists_the_others(short: BalanceResult, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    good = short.write(tmp_path / "root" / "good")
    bad = short.write(tmp_path / "root" / "bad")
    (bad / "summary.json").write_text("{ broken")
    df = list_runs(tmp_path / "root").set_index("path")
    assert df.loc[str(good), "status"] == "optimal"
    assert df.loc[str(bad), "status"] == "damaged" and "summary.json" in df.loc[str(bad), "error"]
    assert main(["results", "ls", str(tmp_path / "root")]) == 0
    out = capsys.readouterr().out
    assert "damaged" in out and "optimal" in out


# ---------------------------------------------------------- unserved energy
def test_unserved_energy_is_loud(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Demand far above what the grid can supply: 'optimal' in the LP's sense, but the
    summary, the scorecard, stderr and the exit code all say demand was not met."""
    f = scenario(tmp_path, "huge", "[output]\nwhat = []\n[profiles.generate]\nyear = 2025\ndemand_twh = 12500\n")  # fmt: skip
    assert main(["run", str(f), "--out", str(tmp_path / "o"), "--quiet"]) == 4
    out, err = capsys.readouterr()
    assert "UNSERVED ENERGY" in out and "gridsim: warning: UNSERVED ENERGY" in err
    card = pd.read_csv(tmp_path / "o" / "scorecard.csv").set_index("kpi")
    assert not card.loc["unserved_mwh", "met"] and card.loc["unserved_mwh", "value"] > 1e6
    assert main(["run", str(scenario(tmp_path, "fine", "[output]\nwhat = []\n")), "--out", str(tmp_path / "p"), "--quiet"]) == 0  # fmt: skip
    card = pd.read_csv(tmp_path / "p" / "scorecard.csv").set_index("kpi")
    assert card.loc["unserved_mwh", "met"]


# ------------------------------------------------------------- orphans
def test_sweep_workers_exit_when_the_command_is_killed(tmp_path: Path) -> None:
    psutil = pytest.importorskip("psutil")
    sweep = tmp_path / "k.toml"
    base = scenario(tmp_path, "b", "[output]\nwhat = []\n")
    sweep.write_text(
        f'[sweep]\nname = "k"\nbase = "{base}"\n[sweep.grid]\n"storage.battery_scale" = [0.5, 1.0, 2.0]\n'
    )
    cmd = [sys.executable, "-m", "gridsim.batch", str(sweep), "--workers", "1", "--quiet", "--out", str(tmp_path / "out")]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    parent = psutil.Process(proc.pid)
    workers: list = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not workers:
        workers = [c for c in parent.children(recursive=True) if "spawn_main" in " ".join(c.cmdline())]  # fmt: skip
        time.sleep(0.1)
    assert workers, "no worker process started"
    runs = tmp_path / "out" / "runs"
    while time.monotonic() < deadline and not (runs.is_dir() and any(runs.glob(".*.tmp-*"))):
        time.sleep(0.05)  # kill while the worker is running a case
    assert proc.poll() is None
    os.kill(proc.pid, signal.SIGKILL)  # the command only, not its process group
    proc.wait()

    def running(p: object) -> bool:  # an exited worker may linger as a zombie (no reaper)
        try:
            return p.status() != psutil.STATUS_ZOMBIE  # type: ignore[attr-defined]
        except psutil.NoSuchProcess:
            return False

    deadline = time.monotonic() + 30  # a worker may still be importing when the command dies
    while time.monotonic() < deadline and any(running(p) for p in workers):
        time.sleep(0.1)
    alive = [p for p in workers if running(p)]
    for p in alive:
        p.kill()
    assert not alive, "worker processes outlived their sweep command"


# ------------------------------------------------- untrusted files in a run
def test_report_never_imports_a_module_named_by_the_runs_network_file(run_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """A manifest pointing at a pandapower JSON that names a module: the report is
    written, the module is never imported."""
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    marker = tmp_path / "imported.txt"
    (pkg / "gridsim_evil_mod.py").write_text(f"open({str(marker)!r}, 'w').write('x')\n")
    monkeypatch.syspath_prepend(str(pkg))
    evil = tmp_path / "net.json"
    obj = {"_module": "gridsim_evil_mod", "_class": "Thing", "_object": "{}"}
    evil.write_text(json.dumps({"_module": "pandapower.auxiliary", "_class": "pandapowerNet", "_object": {"bus": obj}}))  # fmt: skip
    m = json.loads((run_dir / "manifest.json").read_text())
    m["inputs"]["network"] = {"file": str(evil), "sha256": None}
    (run_dir / "manifest.json").write_text(json.dumps(m))
    assert main(["report", str(run_dir)]) == 0
    assert not marker.exists() and "gridsim_evil_mod" not in sys.modules
    assert written_by_gridsim(run_dir / "report.html")
