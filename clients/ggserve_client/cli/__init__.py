"""The `ggserve-client` command line; `ggserve chat|models|bench` run it from the service CLI."""

from ggserve_client.cli.main import main

__all__ = ["main"]
