"""The per-process input cache of sweep workers (gridsim.studies.input_cache): the same
numbers as reading every file again, copies that a study may change, and a file changed
on disk read again. The reference is the uncached reader (load_network,
ProfileSet.from_dir) and an uncached run_balance."""

from __future__ import annotations

import copy
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gridsim.network.io import load_network, resolve_network_path
from gridsim.profiles import ProfileSet
from gridsim.results.key_kpis import flatten
from gridsim.scenario import load_scenario, scenario_from_dict
from gridsim.studies import input_cache
from gridsim.studies.balance import run_balance

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def cache_on() -> Iterator[None]:
    input_cache.enable()
    try:
        yield
    finally:
        input_cache.enable(False)


def four_days() -> object:
    sc = load_scenario("ningxia_2025")
    data = copy.deepcopy(sc.data)
    data["study"].update(whole_year=False, start="2025-07-01", end="2025-07-05")
    return scenario_from_dict(data, path=sc.path, origin=sc.origin, files=sc.files)


def test_cached_runs_equal_an_uncached_run(cache_on: None) -> None:
    sc = four_days()
    input_cache.enable(False)
    ref = flatten(run_balance(sc).kpis)
    input_cache.enable()
    first, second = (flatten(run_balance(sc).kpis) for _ in range(2))
    assert input_cache.stats() == {"hits": 2, "misses": 2, "entries": 2}
    assert first.keys() == ref.keys() == second.keys()
    for k, v in ref.items():  # bit for bit (NaN as NaN): the cache hands the same inputs
        if k.endswith("time_s"):  # the solver's wall time
            continue
        assert pd.Series([first[k], second[k]]).equals(pd.Series([v, v])), k


def test_network_cache_copies_and_sees_a_changed_file(cache_on: None, tmp_path: Path) -> None:
    f = tmp_path / "net.toml"
    shutil.copyfile(resolve_network_path("ningxia_2025"), f)
    a = input_cache.network(f)
    a.gen.loc[a.gen.index[0], "max_p_mw"] = -1.0  # a study changes its copy
    b = input_cache.network(f)
    assert input_cache.stats()["hits"] == 1
    pd.testing.assert_frame_equal(b.gen, load_network(f).gen)
    text = f.read_text()
    assert "max_p_mw = 2520.0" in text
    f.write_text(text.replace("max_p_mw = 2520.0", "max_p_mw = 2521.0", 1))
    c = input_cache.network(f)
    assert input_cache.stats()["misses"] == 2  # read again
    now = load_network(f)
    changed = [t for t, df in now.tables().items() if not df.equals(getattr(b, t))]
    assert len(changed) == 1  # the reference sees the change ...
    for t, df in now.tables().items():  # ... and so does the cache
        pd.testing.assert_frame_equal(getattr(c, t), df)


def test_profile_cache_copies_and_sees_a_replaced_file(cache_on: None, tmp_path: Path) -> None:
    src = Path(load_scenario("ningxia_2025").profiles.dir)
    d = tmp_path / "prof"
    shutil.copytree(src, d)
    a = input_cache.profile_set(d)
    a.load_mw.iloc[:, 0] = 0.0
    b = input_cache.profile_set(d)
    assert input_cache.stats() == {"hits": 1, "misses": 1, "entries": 1}
    ref = ProfileSet.from_dir(d)
    for kind in ref.kinds:
        pd.testing.assert_frame_equal(getattr(b, kind), getattr(ref, kind))
    # the set written again with 10 % more load: a new file in place of the old one
    ref.load_mw = ref.load_mw * 1.1
    ref.meta.pop("hashes", None)
    ref.to_dir(d)
    st = (d / "load_mw.parquet").stat()
    os.utime(
        d / "load_mw.parquet", ns=(st.st_atime_ns, st.st_mtime_ns)
    )  # same times: size/inode tell
    c = input_cache.profile_set(d)
    assert input_cache.stats()["misses"] == 2
    np.testing.assert_allclose(c.load_mw.to_numpy(), b.load_mw.to_numpy() * 1.1, rtol=1e-12)


def test_cache_is_off_by_default_and_in_workers_on() -> None:
    import subprocess
    import sys

    code = (
        "from gridsim.studies import input_cache as c; print(c.enabled());"
        "from gridsim.batch.runner import worker_setup; worker_setup(); print(c.enabled())"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)  # fmt: skip
    assert out.stdout.split() == ["False", "True"]
    env["GRIDSIM_INPUT_CACHE"] = "0"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)  # fmt: skip
    assert out.stdout.split() == ["False", "False"]
