"""`python -m ggserve_client.loadgen`: run the load generator."""

import sys

from ggserve_client.loadgen.cli import main

sys.exit(main())
