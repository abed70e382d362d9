"""Where work runs in parallel (layer 0, below the dispatch and the sweeps): worker
processes and how each is set up.

- :mod:`gridsim.execution.threads`: what a worker process does once (one thread for
  BLAS/OpenMP/numba, the input cache where it applies, an exit when its parent dies);
- :mod:`gridsim.execution.processes`: a local process pool whose workers are set up so;
- :mod:`gridsim.execution.dask_cluster`: a Dask client (an address, a scheduler file, a
  LocalCluster of single-threaded workers) and the set-up run on every Dask worker.

Both :mod:`gridsim.dispatch.parallel` (the windows of a parallel year) and
:mod:`gridsim.batch` (sweep cases) get their workers here; this package imports
neither.
"""
