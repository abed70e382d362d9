"""Regenerate case9.m and case14.m from pandapower's case9/case14 (run from the repo root).

The tables come from ``pandapower.converter.matpower.to_mpc`` (pi transformer model),
rounded to 10 significant digits to drop pandapower's float noise and its +-1e-10
limit padding; pandapower's "unlimited" ratings (RATE_A ~ 9900) become 0, MBASE is
baseMVA and the bus voltage limits are taken from the pandapower net.
This script does not use gridsim, so the fixtures test the reader independently.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandapower.networks as pn
from pandapower.converter.matpower.to_mpc import to_mpc

HERE = Path(__file__).parent
HEAD = {
    "bus": "bus_i type Pd Qd Gs Bs area Vm Va baseKV zone Vmax Vmin",
    "gen": "bus Pg Qg Qmax Qmin Vg mBase status Pmax Pmin Pc1 Pc2 Qc1min Qc1max Qc2min "
    "Qc2max ramp_agc ramp_10 ramp_30 ramp_q apf",
    "branch": "fbus tbus r x b rateA rateB rateC ratio angle status angmin angmax",
    "gencost": "2 startup shutdown n c(n-1) ... c0",
}


def num(v: float) -> str:
    v = 0.0 if abs(v) < 1e-9 else float(f"{v:.10g}")
    return str(int(v)) if v.is_integer() else repr(v)


def write_case(name: str) -> None:
    net = getattr(pn, name)()
    mpc = to_mpc(net, init="flat", calculate_voltage_angles=True, trafo_model="pi")["mpc"]
    bus, gen, branch = mpc["bus"][:, :13], mpc["gen"][:, :21], mpc["branch"][:, :13].copy()
    bus[:, 11] = net.bus.max_vm_pu.values
    bus[:, 12] = net.bus.min_vm_pu.values
    gen[:, 6] = mpc["baseMVA"]
    branch[:, 5:8] = np.where(branch[:, 5:8] > 9000, 0.0, branch[:, 5:8])
    out = [
        f"function mpc = {name}\n",
        f"%{name.upper()}  {name} of pandapower.networks, via to_mpc (see "
        "make_matpower_fixtures.py).\n\n",
        "%% MATPOWER Case Format : Version 2\nmpc.version = '2';\n\n",
        f"%%-----  Power Flow Data  -----%%\n%% system MVA base\n"
        f"mpc.baseMVA = {num(mpc['baseMVA'])};\n",
    ]
    for key, table in (("bus", bus), ("gen", gen), ("branch", branch), ("gencost", mpc["gencost"])):
        out.append(f"\n%% {key} data\n%\t" + "\t".join(HEAD[key].split()) + f"\nmpc.{key} = [\n")
        out += ["\t" + "\t".join(num(v) for v in row) + ";\n" for row in table]
        out.append("];\n")
    (HERE / f"{name}.m").write_text("".join(out), encoding="utf-8")


if __name__ == "__main__":
    for case in ("case9", "case14"):
        write_case(case)
