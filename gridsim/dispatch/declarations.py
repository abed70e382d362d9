"""What each dispatch output is, declared once (data, no maths).

Every output array of a dispatch is one :class:`Output`: its name (unit in the name),
unit, the problem group whose element names label its columns, the results-file group
it is written with, the LP variable block it copies (or none, for arrays derived after
the solve), the cost-breakdown entry its variable cost adds to, and the state it carries
from one rolling window to the next. Everything that used to list these by hand derives
from :data:`OUTPUTS`:

- :data:`ARRAYS` and :data:`SOURCE` (result arrays and their variable blocks),
- :data:`GROUP_ARRAYS` (the hourly files of a results folder),
- :func:`cost_keys` (the cost breakdown, from the variables' own cost vectors),
- :data:`CARRIES` (the rolling horizon's window-to-window state).

A new variable block adds one :class:`Output` here; its constraint family is one
function in :mod:`gridsim.dispatch.constraints` and one line of the recipe in
:func:`gridsim.dispatch.model.formulate`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Carry:
    """State a window hands to the next: ``group.field`` of the next window's problem.

    ``how``: ``"last"`` sets it to the output's value in the hour before the window
    (from the second window on); ``"budget"`` sets it to the pro-rata share of what
    remains of the horizon's total (``field`` of the whole problem) after the energy
    (output × Δt) already used; with ``weight`` (a ``(T, n)`` field of the group) the
    share is in proportion to the window's weight instead of its hours. ``"recent"`` sets
    the ``(T, n)`` field to what of the output before the window still falls within a
    duration of ``span`` (a per-element field of the group, in hours) at each snapshot of
    the window: ``Σ_{t0+t-D < τ < t0} output[τ]`` with ``D`` the span in snapshots.
    ``floor``: the budget is a least amount (the energy must reach it) rather than a
    most.
    """

    group: str
    field: str
    how: str
    weight: str = ""
    span: str = ""
    floor: bool = False


@dataclass(frozen=True)
class Output:
    """One output array of the dispatch, shape ``(T, n)``.

    ``group`` is the :class:`~gridsim.dispatch.problem.DispatchProblem` group (or
    ``"nodes"``) whose names label the columns; ``store`` the hourly results group
    (``hourly/<store>.parquet`` in the tidy layout); ``block`` the LP variable block it
    copies (None: computed after the solve); ``cost`` the cost-breakdown entry that the
    block's variable cost adds to; ``in_result`` False for arrays taken from the
    problem when writing (not kept in the result).
    """

    name: str
    unit: str
    group: str
    store: str
    block: str | None = None
    cost: str | None = None
    carry: tuple[Carry, ...] = ()
    in_result: bool = True


OUTPUTS: tuple[Output, ...] = (
    Output(
        "thermal_p_mw",
        "MW",
        "thermal",
        "thermal",
        "thermal_p",
        "thermal_energy",
        (Carry("thermal", "p0_mw", "last"),),
    ),  # fmt: skip
    Output(
        "thermal_u_mw",
        "MW",
        "thermal",
        "thermal",
        "thermal_u",
        None,
        (Carry("thermal", "u0_mw", "last"),),
    ),  # fmt: skip
    Output(
        "thermal_su_mw",
        "MW",
        "thermal",
        "thermal",
        "thermal_su",
        "thermal_startup",
        (Carry("thermal", "su_before_mw", "recent", span="min_up_time_h"),),
    ),  # fmt: skip
    Output("peak_tier_mw", "MW", "peak_tiers", "peak_regulation", "peak_tier", "peak_regulation"),
    Output("renewable_p_mw", "MW", "renewable", "renewable", "renewable_p", "renewable"),
    Output("renewable_curtail_mw", "MW", "renewable", "renewable"),
    Output("renewable_available_mw", "MW", "renewable", "renewable", in_result=False),
    Output(
        "hydro_p_mw",
        "MW",
        "hydro",
        "hydro",
        "hydro_p",
        "hydro",
        (Carry("hydro", "energy_mwh", "budget"),),
    ),  # fmt: skip
    Output("storage_charge_mw", "MW", "storage", "storage", "storage_charge"),
    Output("storage_discharge_mw", "MW", "storage", "storage", "storage_discharge", "storage"),
    Output(
        "storage_soc_mwh",
        "MWh",
        "storage",
        "storage",
        "storage_soc",
        None,
        (Carry("storage", "soc0_mwh", "last"),),
    ),  # fmt: skip
    Output(
        "dr_curtail_mw",
        "MW",
        "curtailable",
        "demand_response",
        "dr_curtail",
        "demand_response",
        (Carry("curtailable", "energy_mwh", "budget"),),
    ),  # fmt: skip
    Output("shift_up_mw", "MW", "shiftable", "demand_response", "shift_up"),
    Output("shift_down_mw", "MW", "shiftable", "demand_response", "shift_down", "demand_response"),
    Output("load_mw", "MW", "nodes", "nodes"),
    Output("unserved_mw", "MW", "nodes", "nodes", "unserved", "unserved"),
    Output("network_loss_mw", "MW", "nodes", "nodes"),
    Output("price_per_mwh", "CNY/MWh", "nodes", "nodes"),
    Output(
        "link_p_mw",
        "MW",
        "links",
        "links",
        "link_p",
        "export_value",
        (
            Carry("links", "p0_mw", "last"),
            Carry("links", "energy_min_mwh", "budget", "energy_weight", floor=True),
            Carry("links", "energy_max_mwh", "budget", "energy_weight"),
        ),
    ),  # fmt: skip
    Output("link_loss_mw", "MW", "links", "links"),
    Output("import_mw", "MW", "exchange", "exchange", "import", "ac_import"),
    Output("export_mw", "MW", "exchange", "exchange", "export", "ac_export"),
    Output("flow_mw", "MW", "branches", "branches"),
    Output("branch_loss_mw", "MW", "branches", "branches"),
    Output(
        "thermal_sd_mw",
        "MW",
        "thermal",
        "thermal",
        "thermal_sd",
        None,
        (Carry("thermal", "sd_before_mw", "recent", span="min_down_time_h"),),
    ),  # fmt: skip
    Output("reserve_requirement_mw", "MW", "reserves", "reserves"),
    Output("reserve_provided_mw", "MW", "reserves", "reserves"),
    Output("reserve_price_per_mw", "CNY/MW", "reserves", "reserves"),
    Output(
        "reserve_shortfall_mw",
        "MW",
        "reserves",
        "reserves",
        "reserve_shortfall",
        "reserve_shortfall",
    ),
    # DC sending-end stability (gridsim.dispatch.stability), one column per rule's link
    Output("dc_support_sc_mva", "MVA", "dc_support", "links"),
    Output("dc_support_required_mva", "MVA", "dc_support", "links"),
    Output("dc_support_price_per_mva", "CNY/MVA", "dc_support", "links"),
    Output(
        "dc_support_shortfall_mva",
        "MVA",
        "dc_support",
        "links",
        "dc_support_shortfall",
        "dc_support_shortfall",
    ),  # fmt: skip
)

#: Outputs that exist only with a commitment model (not with ``commitment="none"``).
COMMITMENT_ARRAYS = ("thermal_u_mw", "thermal_su_mw", "thermal_sd_mw")
#: Output array -> the problem group whose names label its columns.
ARRAYS: dict[str, str] = {o.name: o.group for o in OUTPUTS if o.in_result}
#: Output array -> the LP variable block it copies.
SOURCE: dict[str, str] = {o.name: o.block for o in OUTPUTS if o.block is not None}
#: Output array -> unit.
UNITS: dict[str, str] = {o.name: o.unit for o in OUTPUTS}
#: Hourly results group -> its arrays, in declaration order.
GROUP_ARRAYS: dict[str, tuple[str, ...]] = {
    s: tuple(o.name for o in OUTPUTS if o.store == s)
    for s in dict.fromkeys(o.store for o in OUTPUTS)
}
#: (output, carry) pairs of the rolling horizon, in declaration order.
CARRIES: tuple[tuple[str, Carry], ...] = tuple((o.name, c) for o in OUTPUTS for c in o.carry)


def cost_keys() -> tuple[str, ...]:
    """The cost-breakdown entries, in declaration order (``total`` is added to them)."""
    return tuple(dict.fromkeys(o.cost for o in OUTPUTS if o.cost is not None))


__all__ = ["ARRAYS", "CARRIES", "COMMITMENT_ARRAYS", "GROUP_ARRAYS", "OUTPUTS", "SOURCE", "UNITS", "Carry", "Output", "cost_keys"]  # fmt: skip
