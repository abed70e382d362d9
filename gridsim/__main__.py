"""``python -m gridsim``: the ``gridsim`` command (see :mod:`gridsim.cli`)."""

import sys

from gridsim.cli import main

sys.exit(main())
