"""Calibration: how well runs reproduce published statistics.

- :mod:`~gridsim.studies.calibrate.stats`: the statistics CSV format and its checks
  (:func:`load_stats`, :data:`QUANTITIES`);
- :mod:`~gridsim.studies.calibrate.model`: the same quantities from a run folder, per
  year and month (:func:`model_quantities`);
- :mod:`~gridsim.studies.calibrate.fit`: the comparison (:func:`fit_report` ->
  :class:`FitReport` with ``.table`` and ``.summary``, :meth:`FitReport.failures`);
- :mod:`~gridsim.studies.calibrate.figures`: model against published, as figures;
- :mod:`~gridsim.studies.calibrate.output`: the report folder (``report.md``, ``fit.csv``,
  figures, optionally ``report.html`` and ``report.json``).

>>> rep = fit_report("stats/ningxia.csv", ["results/ningxia_2020", "results/ningxia_2021"])
>>> rep.table                      # quantity, period, published, model, error, rel_error ...
>>> rep.summary["years"][2020]     # MAPE (%), monthly new-energy correlation
"""

from gridsim.studies.calibrate.fit import FitReport, fit_report
from gridsim.studies.calibrate.model import model_quantities
from gridsim.studies.calibrate.stats import QUANTITIES, load_stats

__all__ = ["QUANTITIES", "FitReport", "fit_report", "load_stats", "model_quantities"]
