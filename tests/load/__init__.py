"""Load tests: ghz (the real binary) against a real server on loopback."""
