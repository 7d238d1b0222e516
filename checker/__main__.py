"""`python -m checker` runs the same command line as `pipelint`."""

import sys

from checker.cli.main import main

sys.exit(main())
