"""DC export schedules with an exact energy and a monthly shape: the schedule fit
(gridsim.profiles.exports), and the dispatch holding a link's energy over a rolling run."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gridsim.dispatch import BuildOptions, DispatchOptions, build_problem, solve_dispatch
from gridsim.dispatch.synthetic import toy_network, toy_profiles
from gridsim.profiles.exports import fit_energy_pu, shape_monthly_pu

TZ = "Asia/Shanghai"


def test_fit_without_cap_is_one_factor() -> None:
    pu = np.array([0.5, 0.5, 1.0, 0.25])
    out = fit_energy_pu(pu, np.ones(4), 2.0)
    np.testing.assert_allclose(out, pu * 2.0 / 2.25)  # 2.25 h before, 2.0 h after


def test_fit_with_cap_saturates_the_largest_hours() -> None:
    pu = np.array([0.5, 0.5, 1.0, 0.25])
    # 3.5 h: the 1.0 hour caps at 1, then the other three carry 2.5 h in proportion:
    # f = 2.5 / 1.25 = 2 puts both 0.5 hours at exactly 1 and the 0.25 hour at 0.5
    out = fit_energy_pu(pu, np.ones(4), 3.5)
    np.testing.assert_allclose(out, [1.0, 1.0, 1.0, 0.5])
    out = fit_energy_pu(pu, np.ones(4), 3.75)
    np.testing.assert_allclose(out, [1.0, 1.0, 1.0, 0.75])  # f = 3 after three at the cap
    assert fit_energy_pu(pu, np.array([1, 1, 0, 1]), 1.0).tolist() == [0.4, 0.4, 0.0, 0.2]


def test_fit_refuses_more_than_the_hours_in_service() -> None:
    with pytest.raises(ValueError, match="exceed the 2 hours in service"):
        fit_energy_pu(np.ones(4), np.array([1, 1, 0, 0]), 2.5)


def test_monthly_shape_sets_each_months_energy() -> None:
    snaps = pd.date_range("2025-01-01", "2025-12-31 23:00", freq="h", tz=TZ)
    month = np.asarray(snaps.month)
    pu = 0.5 + 0.3 * np.sin(np.arange(len(snaps)) / 24 * 2 * np.pi)
    shape = np.array([1.2, 1.1, 1.0, 0.9, 0.8, 0.7, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2])
    total_h = 0.5 * len(snaps)
    out = shape_monthly_pu(pu, np.ones(len(snaps)), month, shape, total_h)
    sums = np.bincount(month, weights=out)[1:]
    np.testing.assert_allclose(sums, total_h * shape / shape.sum(), rtol=1e-12)
    assert out.max() <= 1.0
    with pytest.raises(ValueError, match="month 1: "):
        shape_monthly_pu(pu, np.ones(len(snaps)), month, [100.0] + [0.0] * 11, total_h)


def _system(hours: int, start: str, band: float):  # type: ignore[no-untyped-def]
    net = toy_network(2, units_per_zone=2)
    prof = toy_profiles(2, hours, start=start, load_mw=1500.0)
    return net, prof


@pytest.mark.parametrize("band", [0.0, 0.25])
def test_rolling_run_sends_the_exact_energy(band: float) -> None:
    """Six weeks, 168 h windows with 24 h look-ahead: the energy sent equals the input
    energy to 1e-6 (the schedule is fitted to it; the dispatch may move energy between
    hours within the band, never the total)."""
    hours = 6 * 168
    net, prof = _system(hours, "2025-02-03", band)
    net.dcline.loc["dc_export", "commission_date"] = "2025-02-10"  # one week in
    rating = float(net.dcline.max_p_mw["dc_export"])
    snaps = prof.snapshots
    avail = np.asarray(snaps >= pd.Timestamp("2025-02-10", tz=TZ), float)
    e_mwh = 0.55 * rating * avail.sum()
    base = prof.export_pu["dc_export"].to_numpy()
    prof.export_pu["dc_export"] = fit_energy_pu(base, avail, e_mwh / rating)
    opts = BuildOptions(
        export_band_pu=band,
        export_energy_mwh={"dc_export": e_mwh},
        export_energy_max_mwh={"dc_export": e_mwh},
        dr_curtailable_share=0.05,
    )
    p = build_problem(net, prof, opts)
    res = solve_dispatch(p, DispatchOptions(window_h=168, lookahead_h=24, commitment="none"))
    assert res.status == "optimal"
    sent = res.arrays["link_p_mw"][:, 0]
    assert sent.sum() == pytest.approx(e_mwh, rel=1e-6)
    assert np.all(sent[avail == 0] == 0)  # nothing before the link's date
    if band > 0:  # the band was used: the dispatch is not the schedule
        assert np.abs(sent - p.links.energy_weight[:, 0] * rating).max() > 1.0


def test_rolling_run_keeps_the_monthly_shape() -> None:
    """Three months with a shaped schedule and no band: the monthly energies sent are
    proportional to the shape."""
    hours = 24 * (31 + 28 + 31)
    net, prof = _system(hours, "2025-01-01", 0.0)
    rating = float(net.dcline.max_p_mw["dc_export"])
    month = np.asarray(prof.snapshots.month)
    shape = np.array([1.3, 1.0, 0.7] + [1.0] * 9)
    e_mwh = 0.6 * rating * hours
    base = prof.export_pu["dc_export"].to_numpy()
    prof.export_pu["dc_export"] = shape_monthly_pu(base, np.ones(hours), month, shape, e_mwh / rating)  # fmt: skip
    opts = BuildOptions(export_energy_mwh={"dc_export": e_mwh}, export_energy_max_mwh={"dc_export": e_mwh}, dr_curtailable_share=0.05)  # fmt: skip
    p = build_problem(net, prof, opts)
    res = solve_dispatch(p, DispatchOptions(window_h=168, lookahead_h=24, commitment="none"))
    assert res.status == "optimal"
    sums = np.bincount(month, weights=res.arrays["link_p_mw"][:, 0])[1:4]
    np.testing.assert_allclose(sums, e_mwh * shape[:3] / shape[:3].sum(), rtol=1e-6)


def test_year_long_rolling_run_sends_the_exact_energy() -> None:
    """A whole year (8760 h, 168 h windows), a link commissioned on 1 July with a monthly
    shape over its months in service: the energy sent equals the input to 1e-6."""
    hours = 8760
    net, prof = _system(hours, "2025-01-01", 0.2)
    net.dcline.loc["dc_export", "commission_date"] = "2025-07-01"
    rating = float(net.dcline.max_p_mw["dc_export"])
    snaps = prof.snapshots
    avail = np.asarray(snaps >= pd.Timestamp("2025-07-01", tz=TZ), float)
    month = np.asarray(snaps.month)
    shape = np.array([1.0] * 6 + [0.8, 0.9, 1.0, 1.1, 1.2, 1.3])
    e_mwh = 0.5 * rating * avail.sum()
    base = prof.export_pu["dc_export"].to_numpy()
    prof.export_pu["dc_export"] = shape_monthly_pu(base, avail, month, shape, e_mwh / rating)  # fmt: skip
    opts = BuildOptions(export_band_pu=0.2, export_energy_mwh={"dc_export": e_mwh}, export_energy_max_mwh={"dc_export": e_mwh}, dr_curtailable_share=0.05)  # fmt: skip
    p = build_problem(net, prof, opts)
    res = solve_dispatch(p, DispatchOptions(window_h=168, lookahead_h=24, commitment="none"))
    assert res.status == "optimal"
    sent = res.arrays["link_p_mw"][:, 0]
    assert sent.sum() == pytest.approx(e_mwh, rel=1e-6)
    assert np.all(sent[avail == 0] == 0)
    sched = np.bincount(month, weights=p.links.energy_weight[:, 0] * rating)[7:]
    np.testing.assert_allclose(sched, e_mwh * shape[6:] / shape[6:].sum(), rtol=1e-9)
