"""Data -> problem for the DC sending-end stability rule (layer 1): each
:class:`DcSupportRule` of the build options becomes one element of
:class:`~gridsim.dispatch.problem.DcSupport` and one pair per near unit of
:class:`~gridsim.dispatch.problem.DcSupportUnits` (the maths is
:mod:`gridsim.dispatch.stability`)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

import numpy as np

from gridsim.dispatch.problem import DcSupport, DcSupportUnits, Links, Thermal
from gridsim.errors import InputError

Arr = np.ndarray


@dataclass(frozen=True)
class DcSupportRule:
    """One DC link's rule: short-circuit MVA at its converter ``≥ scr_min · p``.

    ``units`` are the thermal units near the converter, each committed MW adding
    ``mva_per_mw`` (``1 / x''``, x'' the reactance from the machines to the converter
    bus in pu of their rating); ``base_mva`` is the short-circuit MVA without them (the
    rest of the network and fixed contributions such as synchronous condensers)."""

    link: str
    units: tuple[str, ...]
    scr_min: float
    base_mva: float = 0.0
    mva_per_mw: float = 5.0


def _close(key: str, names: Arr) -> str:
    near = difflib.get_close_matches(key, [str(n) for n in names], n=3, cutoff=0.6)
    return f"; close: {', '.join(near)}" if near else ""


def dc_support_groups(rules: tuple[DcSupportRule, ...], links: Links, thermal: Thermal, T: int, src: str | None = None) -> tuple[DcSupport, DcSupportUnits]:  # fmt: skip
    """The rule groups of ``rules`` over ``T`` snapshots. A link must be a modelled DC
    link (one rule each) and a unit a thermal cluster of the problem; a unit that is not
    in the model (out of service) adds nothing. Raises InputError naming the rule."""
    link_of = {str(n): j for j, n in enumerate(links.names)}
    unit_of = {str(n): j for j, n in enumerate(thermal.names)}
    names: list[str] = []
    link_idx: list[int] = []
    scr: list[float] = []
    base: list[float] = []
    rule_idx: list[int] = []
    unit_idx: list[int] = []
    k: list[float] = []
    for r in rules:

        def bad(problem: str, field: str, value: object, r: DcSupportRule = r) -> InputError:
            return InputError(problem, source=src, table="dc_support", element=r.link, field=field, value=value)  # fmt: skip

        if r.link not in link_of:
            raise bad(f"is not a modelled DC link (links: {', '.join(link_of)}{_close(r.link, links.names)})", "link", r.link)  # fmt: skip
        if r.link in names:
            raise bad("has two rules; give one per link", "link", r.link)
        for what, x, ok in (("scr_min", r.scr_min, r.scr_min > 0), ("base_mva", r.base_mva, r.base_mva >= 0), ("mva_per_mw", r.mva_per_mw, r.mva_per_mw > 0)):  # fmt: skip
            if not (np.isfinite(x) and ok):
                raise bad("must be a finite number > 0 (base_mva: >= 0)", what, x)
        for u in dict.fromkeys(r.units):
            if u in unit_of:
                rule_idx.append(len(names))
                unit_idx.append(unit_of[u])
                k.append(r.mva_per_mw)
        names.append(r.link)
        link_idx.append(link_of[r.link])
        scr.append(r.scr_min)
        base.append(r.base_mva)
    ds = DcSupport.make(T, names, link=np.asarray(link_idx, dtype=np.int64), scr_min=np.asarray(scr, float), base_mva=np.asarray(base, float))  # fmt: skip
    pair_names = [f"{names[r]}:{thermal.names[u]}" for r, u in zip(rule_idx, unit_idx)]
    du = DcSupportUnits.make(T, pair_names, rule=np.asarray(rule_idx, dtype=np.int64), unit=np.asarray(unit_idx, dtype=np.int64), mva_per_mw=np.asarray(k, float))  # fmt: skip
    return ds, du


__all__ = ["DcSupportRule", "dc_support_groups"]
