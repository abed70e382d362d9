"""``python -m gridsim.cli ...``: the ``gridsim`` command."""

import sys

from gridsim.cli import main

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
