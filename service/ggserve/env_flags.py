"""Flags that each have a GGSERVE_* variable: a flag is declared by its setting's name once, and
its option (`--n-ctx`), its variable (`GGSERVE_N_CTX`) and the help's `[GGSERVE_N_CTX]` note
all come from that name. A flag wins over its variable, the variable over the default; the
variable's text goes through the flag's own type, so a bad value is reported like a bad flag."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from typing import Any

ENV_PREFIX = "GGSERVE_"


class EnvFlags:
    """Adds flags to `parser` whose defaults come from `environ`."""

    def __init__(self, parser: argparse.ArgumentParser, environ: Mapping[str, str]) -> None:
        self.parser = parser
        self.environ = environ

    @staticmethod
    def variable(name: str) -> str:
        """The environment variable of setting `name`."""
        return ENV_PREFIX + name.upper()

    def value(self, name: str, fallback: object) -> object:
        """The variable of setting `name`, or `fallback` when it is not set."""
        return self.environ.get(self.variable(name), fallback)

    def add(self, name: str, about: str, *, default: object = None, **options: Any) -> None:
        """`--NAME` (underscores as dashes), defaulting to its variable and then `default`;
        `about` is the help, to which the variable's name is added. `options` go to
        `add_argument` as they are (type, choices, metavar, …)."""
        self.parser.add_argument(
            "--" + name.replace("_", "-"),
            default=self.value(name, default),
            help=f"{about} [{self.variable(name)}]",
            **options,
        )
