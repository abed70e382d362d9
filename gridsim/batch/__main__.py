"""``python -m gridsim.batch SWEEP.toml [--workers N] [--dask ADDRESS|local] [--out DIR]``."""

import sys

from gridsim.cli.sweep import main

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
