"""``python -m gridsim.profiles --year 2025 --seed 1 --out DIR``: write one year of profiles."""

from gridsim.profiles.generate import main

raise SystemExit(main())
