"""``python -m drugscreen`` runs the command line."""

import sys

from drugscreen.cli import main

sys.exit(main())
