"""Inference engines: the Protocol the service talks to, and its implementations."""
