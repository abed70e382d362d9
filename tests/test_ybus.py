"""Admittance matrices against the pi-model equations written out entry by entry."""

from __future__ import annotations

import numpy as np

from gridsim.powerflow.ybus import assemble_ybus


def _dense_reference(n, f, t, y_s, y_cf, y_ct, tap, y_sh):
    """Ybus, Yf, Yt from the branch model of gridsim.powerflow.compile, placed one branch at
    a time (the four admittances computed as arrays, as numpy's scalar and array complex
    division may round differently)."""
    m = len(f)
    y_ff = (y_s + y_cf / 2) / (tap * np.conj(tap))  # |tau|^2
    y_ft = -y_s / np.conj(tap)
    y_tf = -y_s / tap
    y_tt = y_s + y_ct / 2
    yf = np.zeros((m, n), complex)
    yt = np.zeros((m, n), complex)
    for k in range(m):
        yf[k, f[k]] += y_ff[k]
        yf[k, t[k]] += y_ft[k]
        yt[k, f[k]] += y_tf[k]
        yt[k, t[k]] += y_tt[k]
    cf = np.zeros((m, n))
    ct = np.zeros((m, n))
    cf[np.arange(m), f] = 1
    ct[np.arange(m), t] = 1
    return cf.T @ yf + ct.T @ yt + np.diag(y_sh), yf, yt


def _branches(with_self_loop: bool):
    rng = np.random.default_rng(7)
    n = 6
    # forward and reversed branches, two parallel ones (0-1 and 1-0), a phase shifter
    f = np.array([0, 1, 2, 4, 3, 5, 1])
    t = np.array([1, 0, 3, 2, 5, 4, 2])
    if with_self_loop:
        t[-1] = 1
    m = len(f)
    y_s = 1 / (rng.uniform(0.001, 0.01, m) + 1j * rng.uniform(0.01, 0.1, m))
    y_cf = 1j * rng.uniform(0, 0.2, m)
    y_ct = 1j * rng.uniform(0, 0.2, m)
    tap = rng.uniform(0.95, 1.05, m) * np.exp(1j * np.deg2rad(rng.uniform(-10, 10, m)))
    y_sh = rng.uniform(0, 0.01, n) - 1j * rng.uniform(0, 0.1, n)
    return n, f, t, y_s, y_cf, y_ct, tap, y_sh


def test_branch_matrices_follow_the_pi_model_exactly() -> None:
    for with_self_loop in (False, True):
        args = _branches(with_self_loop)
        ybus, yf, yt = assemble_ybus(*args)
        ref_bus, ref_f, ref_t = _dense_reference(*args)
        # each Yf/Yt entry is one term (two for the self-loop): equal to the last bit
        assert np.array_equal(yf.toarray(), ref_f)
        assert np.array_equal(yt.toarray(), ref_t)
        np.testing.assert_allclose(ybus.toarray(), ref_bus, rtol=1e-14, atol=0)
        for mat in (ybus, yf, yt):
            assert mat.has_canonical_format
            for r in range(mat.shape[0]):  # sorted, distinct columns in every row
                cols = mat.indices[mat.indptr[r] : mat.indptr[r + 1]]
                assert np.all(np.diff(cols) > 0)
        v = np.exp(1j * np.linspace(0, 0.3, args[0]))
        np.testing.assert_array_equal(yf @ v, yf.toarray() @ v)
