"""`python -m ggserve serve …`: the same as the `ggserve` script."""

import sys

from ggserve.cli import main

sys.exit(main())
