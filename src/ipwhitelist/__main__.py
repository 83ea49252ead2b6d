"""``python -m ipwhitelist`` (run in a subprocess by the CLI tests, so not measured)."""

import sys

from ._cli.main import main

__all__: list[str] = []

sys.exit(main())
