"""What the MATPOWER reader and writer share: the tables' column names and the error
that names the file, table, row and field."""

from __future__ import annotations

from typing import Any

from gridsim.errors import InputError

COLUMNS: dict[str, list[str]] = {
    "bus": "BUS_I BUS_TYPE PD QD GS BS BUS_AREA VM VA BASE_KV ZONE VMAX VMIN".split(),
    "gen": (
        "GEN_BUS PG QG QMAX QMIN VG MBASE GEN_STATUS PMAX PMIN PC1 PC2 QC1MIN QC1MAX QC2MIN "
        "QC2MAX RAMP_AGC RAMP_10 RAMP_30 RAMP_Q APF"
    ).split(),
    "branch": "F_BUS T_BUS BR_R BR_X BR_B RATE_A RATE_B RATE_C TAP SHIFT BR_STATUS ANGMIN ANGMAX".split(),
    "dcline": (
        "F_BUS T_BUS BR_STATUS PF PT QF QT VF VT PMIN PMAX QMINF QMAXF QMINT QMAXT LOSS0 LOSS1"
    ).split(),
    "gencost": "MODEL STARTUP SHUTDOWN NCOST".split(),
}
"""Column names of the MATPOWER tables (MATPOWER's idx_* constants, in order)."""
MIN_COLUMNS = {"bus": 13, "gen": 10, "branch": 11, "dcline": 17, "gencost": 4}


def _fail(
    problem: str,
    src: str,
    table: str | None = None,
    element: Any = None,
    field: str | None = None,
    value: Any = None,
) -> InputError:
    """An :class:`InputError` naming the file, table, row (element), field and value."""
    return InputError(
        problem,
        source=src,
        table=table,
        element=element,
        field=field,
        value=value,
        show_value=value is not None,
    )


# --------------------------------------------------------------------------- parser
