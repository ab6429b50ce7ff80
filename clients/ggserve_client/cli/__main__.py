"""`python -m ggserve_client.cli`: the `ggserve-client` command line."""

import sys

from ggserve_client.cli.main import main

sys.exit(main())
