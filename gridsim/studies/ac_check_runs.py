"""The AC check of results: of a power-balance result (:func:`ac_check_balance`) or of
a results folder (:func:`ac_check_run`, the scenario found from its manifest).

>>> chk = ac_check_run("results/ningxia_2025")                # doctest: +SKIP
>>> write_ac_check(chk, "results/ningxia_2025/ac_check")       # doctest: +SKIP

:func:`gridsim.studies.balance.run_balance` runs the check itself when the scenario sets
``[study] ac_check = true``; these are for a result made without it.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from gridsim.studies.ac_check import aligned_profile_load, run_ac_check, settings_of
from gridsim.studies.ac_check_inputs import AcCheckSettings, dispatch_frames, run_frames
from gridsim.studies.ac_check_tables import AcCheckResult

if TYPE_CHECKING:
    from gridsim.scenario import Scenario
    from gridsim.studies.balance import BalanceResult

log = logging.getLogger(__name__)


def ac_check_balance(res: BalanceResult, settings: AcCheckSettings | None = None) -> AcCheckResult:
    """The AC check of a power-balance result just run (its network and profiles)."""
    from gridsim.studies.balance import prepare_profiles

    prof, _ = prepare_profiles(res.scenario, net=res.network)
    s = settings or settings_of(res.scenario)
    return run_ac_check(res.network, dispatch_frames(res.dispatch), s, aligned_profile_load(prof.load_mw, res.dispatch.problem.snapshots), res.scenario.source)  # fmt: skip


def scenario_of_run(path: str | Path) -> Scenario:
    """The scenario a results folder was run from (its manifest's path, else its name)."""
    from gridsim.errors import InputError
    from gridsim.results.store import load_run
    from gridsim.scenario import load_scenario

    run = load_run(path)
    info = run.manifest.get("scenario") or {}
    tried = []
    for cand in (info.get("path"), info.get("name")):
        if not cand:
            continue
        tried.append(str(cand))
        try:
            return load_scenario(cand)
        except InputError as err:
            log.debug("scenario %s of %s not loaded: %s", cand, path, err)
    raise InputError(f"names no scenario that can be read (tried: {', '.join(tried) or 'none'})", source=str(Path(path) / "manifest.json"), field="scenario")  # fmt: skip


def ac_check_run(path: str | Path, settings: AcCheckSettings | None = None) -> AcCheckResult:
    """The AC check of the results folder ``path``: its scenario (from the manifest)
    gives the network, its profiles and the ``[ac_check]`` settings."""
    from gridsim.results.store import load_run
    from gridsim.studies.balance import prepare_network, prepare_profiles

    run = load_run(path)
    sc = scenario_of_run(path)
    net = prepare_network(sc)
    prof, _ = prepare_profiles(sc, net=net)
    frames = run_frames(run)
    s = settings or settings_of(sc)
    return run_ac_check(
        net, frames, s, aligned_profile_load(prof.load_mw, run.snapshots), sc.source
    )


__all__ = ["ac_check_balance", "ac_check_run", "scenario_of_run"]
