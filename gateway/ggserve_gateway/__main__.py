"""`python -m ggserve_gateway`: the gateway's command line."""

import sys

from ggserve_gateway.cli import main

sys.exit(main())
