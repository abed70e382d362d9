"""The scenario's ``[dc_stability]`` table as DC sending-end stability rules of the
dispatch (:class:`~gridsim.dispatch.build_stability.DcSupportRule`), names checked:
each link an in-service DC link of the network, each unit (or fuel) an in-service
thermal unit, with close matches in the errors."""

from __future__ import annotations

from gridsim.dispatch.build_options import BuildOptions
from gridsim.dispatch.build_stability import DcSupportRule
from gridsim.dispatch.build_units import generator_kinds
from gridsim.network.network import Network
from gridsim.scenario import Scenario
from gridsim.studies.balance_network import close_matches


def dc_support_rules(sc: Scenario, net: Network) -> tuple[DcSupportRule, ...]:
    """One rule per link of ``dc_stability.near_units``: ``scr_min`` (or the link's
    ``scr_min_by_link``), ``background_mva + condenser_mva`` as the base and
    ``1 / xd_pu`` MVA per MW committed; a link whose list is empty has no rule (how a
    variant drops an inherited one). Raises InputError on a bad name, a value for a link
    not in ``near_units``, or ``study.commitment = "none"``."""
    ds = sc.dc_stability
    if ds is None or not ds.near_units:
        for table in ("scr_min_by_link", "background_mva", "condenser_mva"):
            given = getattr(ds, table, {}) if ds is not None else {}
            if given:
                link = next(iter(given))
                raise sc.error(f"dc_stability.{table}.{link}", "names a link without dc_stability.near_units", link)  # fmt: skip
        return ()
    if sc.study.commitment == "none" and any(ds.near_units.values()):
        raise sc.error("study.commitment", "must be linear or milp with [dc_stability] (the rule holds committed capacity)", "none")  # fmt: skip
    dc = net.dcline[net.dcline.in_service.astype(bool)]
    gen = net.gen[net.gen.in_service.astype(bool)]
    kinds = dict(zip(gen.index, generator_kinds(gen.fuel.str.lower(), BuildOptions(), gen.role)))
    for table in ("scr_min_by_link", "background_mva", "condenser_mva"):
        for link in getattr(ds, table):
            if link not in ds.near_units:
                raise sc.error(f"dc_stability.{table}.{link}", f"names a link without dc_stability.near_units (links with: {', '.join(ds.near_units)})", link)  # fmt: skip
    rules = []
    for link, keys in ds.near_units.items():
        dotted = f"dc_stability.near_units.{link}"
        if not keys:  # an empty list switches the link's rule off (a variant's way to drop it)
            continue
        if link not in dc.index:
            raise sc.error(dotted, f"names no in-service DC link (links: {', '.join(dc.index)}{close_matches(link, dc.index)})", link)  # fmt: skip
        units: list[str] = []
        for key in keys:
            hit = [key] if key in gen.index else [str(g) for g in gen.index[gen.fuel.str.lower() == key.lower()]]  # fmt: skip
            if not hit:
                thermal = [str(g) for g, k in kinds.items() if k == "thermal"]
                raise sc.error(dotted, f"names no in-service thermal unit or fuel{close_matches(key, thermal)}", key)  # fmt: skip
            bad = [u for u in hit if kinds.get(u) != "thermal"]
            if bad:
                raise sc.error(dotted, "applies to thermal units only", bad[0])
            units += hit
        rules.append(
            DcSupportRule(
                link=str(link),
                units=tuple(dict.fromkeys(units)),
                scr_min=ds.scr_min_by_link.get(link, ds.scr_min),
                base_mva=ds.background_mva.get(link, 0.0) + ds.condenser_mva.get(link, 0.0),
                mva_per_mw=1.0 / ds.xd_pu,
            )
        )
    return tuple(rules)


__all__ = ["dc_support_rules"]
