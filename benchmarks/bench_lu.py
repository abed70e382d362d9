"""LU refactorisation of the Newton Jacobian: gridsim's compiled kernel vs KLU.

The same matrices for every tool: the Jacobian of case118 and case2869pegase at the
converged power flow (gridsim's CSC structure and values; KLU gets them as 32-bit CSC).

Rows (medians over repeats, one warm-up call each; every timed call does ``BATCH``
factorisations and "per item" is one factorisation):

- gridsim ``refactor`` (:mod:`gridsim.powerflow.factors`): numeric LU on the fixed
  patterns of the bus-graph minimum-degree order, pivots checked against the
  threshold, no pivot search, no allocation; the loop runs inside compiled code;
- gridsim ``LUFactors.refactor`` called from Python once per factorisation (adds
  numba's argument dispatch);
- KLU ``klu_factor`` with the symbolic analysis reused (AMD + BTF order, partial
  pivoting, row scaling: KLU's defaults), called through ctypes on the KLU that PyKLU
  bundles, one call per factorisation, including ``klu_free_numeric``. PyKLU 0.2 does
  not export ``klu_refactor`` (the pivot-reusing refactorisation that lightsim2grid
  uses), so this is KLU's numeric factorisation, not its refactorisation;
  ``klu_refactor`` would be somewhat faster;
- KLU from scratch, ``PyKLU.Klu(J)`` (``klu_analyze`` + ``klu_factor``): what
  ``newton_pf(linear_solver="klu")`` pays per iteration.

The agreement table gives the fill (nnz(L) + nnz(U), diagonal counted once) and the
largest residual ``|J x - b|`` of one solve with each tool's factors.
"""

from __future__ import annotations

import ctypes
from typing import Any

import numpy as np
from _common import (
    RATIO_HEADERS,
    header,
    markdown_table,
    parser,
    pp_case,
    ratio_rows,
    time_it,
)

CASES = ["case118", "case2869pegase"]
BATCH = 50
"""Factorisations per timed call (so that timer resolution does not matter)."""


class _KluLib:
    """ctypes access to the KLU routines compiled into PyKLU's extension module."""

    def __init__(self) -> None:
        import PyKLU._klu as ext

        lib = ctypes.CDLL(ext.__file__)
        p = ctypes.c_void_p
        self.common = ctypes.create_string_buffer(1024)  # > sizeof(klu_common)
        lib.klu_defaults.argtypes = [p]
        lib.klu_analyze.argtypes = [ctypes.c_int, p, p, p]
        lib.klu_analyze.restype = p
        lib.klu_factor.argtypes = [p, p, p, p, p]
        lib.klu_factor.restype = p
        lib.klu_free_numeric.argtypes = [p, p]
        lib.klu_free_symbolic.argtypes = [p, p]
        lib.klu_solve.argtypes = [p, p, ctypes.c_int, ctypes.c_int, p, p]
        lib.klu_defaults(self.common)
        self.lib = lib


class KluFactors:
    """KLU's symbolic analysis of one CSC matrix, and numeric factorisations of it."""

    def __init__(self, klu: _KluLib, indptr: np.ndarray, indices: np.ndarray) -> None:
        self.klu = klu
        self.n = len(indptr) - 1
        self.indptr = np.ascontiguousarray(indptr, dtype=np.int32)
        self.indices = np.ascontiguousarray(indices, dtype=np.int32)
        self._ap = self.indptr.ctypes.data
        self._ai = self.indices.ctypes.data
        self.symbolic = klu.lib.klu_analyze(self.n, self._ap, self._ai, klu.common)
        if not self.symbolic:
            raise RuntimeError("klu_analyze failed")
        self.numeric = ctypes.c_void_p(None)

    def factor(self, data: np.ndarray) -> None:
        """Numeric factorisation of the values ``data`` (the previous one is freed)."""
        lib, common = self.klu.lib, self.klu.common
        if self.numeric:
            lib.klu_free_numeric(ctypes.byref(self.numeric), common)
        self.numeric = ctypes.c_void_p(
            lib.klu_factor(self._ap, self._ai, data.ctypes.data, self.symbolic, common)
        )
        if not self.numeric:
            raise RuntimeError("klu_factor failed")

    def fill(self) -> tuple[int, int]:
        """``(nnz(L) + nnz(U) with the diagonal once, number of BTF blocks)``, read from
        the first fields of ``klu_numeric`` (n, nblocks, lnz, unz; both counts include
        the diagonal). With one block there are no off-diagonal block entries."""
        head = (ctypes.c_int32 * 4).from_address(self.numeric.value)
        return int(head[2] + head[3] - head[0]), int(head[1])

    def solve(self, rhs: np.ndarray) -> np.ndarray:
        x = np.array(rhs, dtype=np.float64)
        self.klu.lib.klu_solve(
            self.symbolic, self.numeric, self.n, 1, x.ctypes.data, self.klu.common
        )
        return x


def _jacobian(name: str) -> tuple[Any, Any]:
    """(JacobianPattern, CSC Jacobian) at the converged power flow of ``name``."""
    from gridsim.network.io_pandapower import from_pandapower
    from gridsim.powerflow import compile_network
    from gridsim.powerflow.newton import JacobianPattern, newton_pf
    from gridsim.powerflow.ybus import make_ybus
    from gridsim.studies.powerflow import initial_voltage

    c = compile_network(from_pandapower(pp_case(name)))
    ybus = make_ybus(c)[0]
    pat = JacobianPattern(ybus, c.pv, c.pq)
    st = newton_pf(ybus, c.s_bus_pu(), initial_voltage(c), c.pv, c.pq, tol=1e-10, pattern=pat)
    assert st.converged
    return pat, pat.assemble(ybus, st.v)


def _refactor_many():
    """A compiled loop of ``k`` refactorisations (built on first use)."""
    from numba import njit

    from gridsim.powerflow.factors import refactor

    @njit(cache=False)
    def many(indptr, indices, data, lu, work, pivot_tol, k):
        bad = -1
        for _ in range(k):
            bad = refactor(indptr, indices, data, lu, work, pivot_tol)
        return bad

    return many


def bench_case(name: str, repeats: int, klu: _KluLib, many: Any) -> tuple[list, dict]:
    import PyKLU

    from gridsim.powerflow.factors import PIVOT_TOL

    pat, jac = _jacobian(name)
    indptr = jac.indptr.astype(np.int64)
    indices = jac.indices.astype(np.int64)
    data = np.ascontiguousarray(jac.data)
    lu = pat.lu()
    work = np.zeros(pat.size)
    kf = KluFactors(klu, jac.indptr, jac.indices)

    def klu_batch() -> None:
        for _ in range(BATCH):
            kf.factor(data)

    def gridsim_python() -> None:
        for _ in range(BATCH):
            lu.refactor(jac)

    def klu_scratch() -> None:
        for _ in range(BATCH):
            PyKLU.Klu(jac)

    label = "gridsim refactor"
    t = [
        time_it(
            label,
            lambda: many(indptr, indices, data, lu, work, PIVOT_TOL, BATCH),
            repeats,
            note="compiled loop, fixed patterns",
        ),
        time_it(
            "gridsim LUFactors.refactor",
            gridsim_python,
            repeats,
            note="one Python call each",
        ),
        time_it(
            "KLU klu_factor",
            klu_batch,
            repeats,
            note="symbolic analysis reused; ctypes call each",
        ),
        time_it(
            "KLU PyKLU.Klu",
            klu_scratch,
            repeats,
            note="klu_analyze + klu_factor",
        ),
    ]
    n = jac.shape[0]
    rows = ratio_rows(f"{name} (n={n}, nnz={jac.nnz})", t, label, per=BATCH)
    assert lu.refactor(jac) == -1
    kf.factor(data)
    b = np.linspace(-1.0, 1.0, n)
    klu_fill, blocks = kf.fill()
    check = {
        "case": name,
        "Jacobian n": n,
        "nnz(J)": jac.nnz,
        "gridsim nnz(L+U)": lu.nnz,
        "KLU nnz(L+U)": klu_fill,
        "KLU BTF blocks": blocks,
        "gridsim/KLU fill": lu.nnz / klu_fill,
        "max residual gridsim": float(np.abs(jac @ lu.solve(b) - b).max()),
        "max residual KLU": float(np.abs(jac @ kf.solve(b) - b).max()),
        "KLU factor / gridsim refactor (speed-up)": t[2].median / t[0].median,
    }
    return rows, check


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    args = p.parse_args()
    repeats = 3 if args.quick else 15
    cases = CASES[:1] if args.quick else CASES
    header("LU refactorisation of the Newton Jacobian: gridsim vs KLU", args)
    klu = _KluLib()
    many = _refactor_many()
    all_rows, checks = [], []
    for name in cases:
        rows, check = bench_case(name, repeats, klu, many)
        all_rows += rows
        checks.append(check)
    print(f"## Refactorisation ({BATCH} per timed call; per item = one factorisation)")
    print()
    print(markdown_table(RATIO_HEADERS, all_rows))
    print()
    print("## Fill and agreement")
    print()
    keys = list(checks[0])
    print(markdown_table(keys, [[c[k] for k in keys] for c in checks]))


if __name__ == "__main__":
    main()
