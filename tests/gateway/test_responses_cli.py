"""`ggserve gateway`'s Responses store flags, as a subprocess: the bounds apply, bad ones exit 2."""

from __future__ import annotations

import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from ggserve.engine.replay import ReplayEngine
from tests.integration.conftest import served
from tests.integration.harness import ServerThread

from .test_cli import get, post, running


def test_store_bounds_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GGSERVE_GATEWAY_RESPONSES_STORE_COUNT", "1")
    server = ServerThread([served(ReplayEngine(("ok",)))])
    try:
        with running("gateway", "--upstream", server.target, "--port", "0", ready="listening") as (
            _,
            base,
        ):
            first = post(f"{base}/responses", {"model": "replay", "input": "one"})
            second = post(f"{base}/responses", {"model": "replay", "input": "two"})
            assert get(f"{base}/responses/{second['id']}")["id"] == second["id"]
            with pytest.raises(urllib.error.HTTPError) as evicted:
                urllib.request.urlopen(f"{base}/responses/{first['id']}", timeout=30)
            assert evicted.value.code == 404
            evicted.value.close()
    finally:
        server.close()


def test_bad_store_flags_exit_2() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ggserve", "gateway", "--responses-store-count", "-1"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "--responses-store-count" in result.stderr
