"""Tests of ggserve_client: typed clients, command line and load generator."""
