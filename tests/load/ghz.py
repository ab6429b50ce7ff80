"""Runs the ghz binary that `make ghz` installs into .tools/bin and parses its JSON report."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
GHZ = Path(os.environ.get("GHZ", REPO / ".tools" / "bin" / "ghz"))
CONFIGS = REPO / "deploy" / "ghz"


def ghz_binary() -> Path:
    """The ghz executable; a missing one fails the test (CI installs it with `make ghz`)."""
    assert os.access(GHZ, os.X_OK), f"ghz not found at {GHZ}: run `make ghz` first"
    return GHZ


def run_ghz(target: str, *options: str, timeout_s: float = 120) -> dict[str, Any]:
    """Run `ghz OPTIONS -O json TARGET` from the repository root (configs use relative paths)."""
    command = [str(ghz_binary()), *options, "-O", "json", target]
    result = subprocess.run(
        command, cwd=REPO, capture_output=True, text=True, timeout=timeout_s, check=False
    )
    assert result.returncode == 0, f"{' '.join(command)}\n{result.stderr}{result.stdout}"
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def assert_all_ok(report: dict[str, Any], count: int) -> None:
    """Every one of `count` calls ended with status OK and nothing else."""
    summary = {key: report.get(key) for key in ("count", "endReason", "statusCodeDistribution")}
    assert report["count"] == count, summary
    assert report["statusCodeDistribution"] == {"OK": count}, report["statusCodeDistribution"]
    assert not report.get("errorDistribution"), report["errorDistribution"]
