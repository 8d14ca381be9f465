"""``python -m gpool_helpers.workspace sync``: what ``make lab`` runs first."""

import sys

from .copies import main

if __name__ == "__main__":
    sys.exit(main())
