"""`python -m flows.cli …` is `dxreport …`."""

import sys

from flows.cli import main

sys.exit(main())
