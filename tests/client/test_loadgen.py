"""The load generator against an in-process replay server: JSON report, table, plot, progress."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from ggserve_client.loadgen.cli import main
from ggserve_client.loadgen.report import SCHEMA
from ggserve_client.loadgen.runner import LevelRun, RequestRecord
from ggserve_client.loadgen.stats import Distribution, percentile, summarize
from ggserve_client.loadgen.workload import Workload
from tests.integration.harness import ServerThread

from .servers import TOOL_ANSWER, replay_model, running

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def paced_server() -> Iterator[ServerThread]:
    """Replays the tool-call answer at 2 ms per piece, so latencies are measurable."""
    with running(replay_model(TOOL_ANSWER, piece_delay_s=0.002)) as server:
        yield server


def assert_valid_png(path: Path) -> None:
    """`path` is a PNG whose chunks all carry correct CRCs, from IHDR to IEND."""
    data = path.read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    offset, kinds = len(PNG_SIGNATURE), []
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        body = data[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack(">I", data[offset + 8 + length : offset + 12 + length])
        assert zlib.crc32(kind + body) == crc, f"bad CRC in {kind!r}"
        kinds.append(kind)
        offset += 12 + length
    assert kinds[0] == b"IHDR"
    assert kinds[-1] == b"IEND"
    width, height = struct.unpack(">II", data[16:24])
    assert width > 500
    assert height > 200


def test_closed_loop_report_table_and_plot(
    paced_server: ServerThread, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report_path, plot_path = tmp_path / "report.json", tmp_path / "plot.png"
    code = main(
        ["--target", paced_server.target, "--concurrency", "1,2", "--requests", "6",
         "--tools-ratio", "0.5", "--output", str(report_path), "--plot", str(plot_path),
         "--progress"]
    )  # fmt: skip
    assert code == 0
    out, err = capsys.readouterr()
    assert "c=1" in out
    assert "c=2" in out
    assert "ttft p99" in out
    assert "[" + "#" * 30 + "] 12/12" in err
    report = json.loads(report_path.read_text())
    assert report["schema"] == SCHEMA
    assert report["config"]["mode"] == "closed"
    levels = report["levels"]
    assert [level["level"] for level in levels] == [1, 2]
    for level in levels:
        assert level["requests"] == level["ok"] == 6
        assert level["errors"] == {}
        assert level["with_tools"] == 3
        assert level["completion_tokens"] == 6 * len(TOOL_ANSWER)
        assert level["aggregate_tokens_per_s"] > 0
        for name in ("ttft_ms", "itl_ms", "latency_ms", "queue_ms", "stream_tokens_per_s"):
            assert set(level[name]) == {"count", "mean", "p50", "p95", "p99", "max"}
        assert 0 < level["ttft_ms"]["p50"] <= level["ttft_ms"]["p99"] <= level["latency_ms"]["max"]
        assert level["itl_ms"]["count"] > 0
        assert level["stream_tokens_per_s"]["p50"] > 0
    assert_valid_png(plot_path)


def test_open_loop_json_output(
    paced_server: ServerThread, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["--target", paced_server.target, "--rate", "50", "--requests", "5", "--json"])
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    (level,) = report["levels"]
    assert level["mode"] == "open"
    assert level["level"] == 50
    assert level["ok"] == 5


def test_errors_are_counted_by_status_code(
    server: ServerThread, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        ["--target", server.target, "--model", "nope", "--requests", "3", "--warmup", "0",
         "--json"]
    )  # fmt: skip
    assert code == 1  # nothing succeeded
    (level,) = json.loads(capsys.readouterr().out)["levels"]
    assert level["errors"] == {"NOT_FOUND": 3}
    assert level["ok"] == 0


def test_duration_bounds_a_level(
    paced_server: ServerThread, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        ["--target", paced_server.target, "--requests", "10000", "--duration", "0.3", "--json"]
    )
    assert code == 0
    (level,) = json.loads(capsys.readouterr().out)["levels"]
    assert 0 < level["requests"] < 10000
    assert level["wall_s"] < 5


def test_ggserve_bench_subcommand(server: ServerThread) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ggserve", "bench", "--target", server.target,
         "--requests", "3", "--json"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["levels"][0]["ok"] == 3
    assert result.stderr == ""  # no progress bar when stderr is not a terminal


def test_percentiles_match_numpy_linear() -> None:
    ordered = [1.0, 2.0, 3.0, 4.0, 10.0]
    assert percentile(ordered, 50) == 3.0
    assert percentile(ordered, 95) == pytest.approx(8.8)
    assert percentile([7.0], 99) == 7.0
    assert Distribution.of([]).count == 0


def test_summary_of_records() -> None:
    records = [
        RequestRecord(False, ttft_s=0.01, latency_s=0.1, last_token_s=0.09,
                      gaps_s=[0.02] * 4, completion_tokens=5, queue_ms=1.0),
        RequestRecord(True, code="RESOURCE_EXHAUSTED", latency_s=0.001),
    ]  # fmt: skip
    summary = summarize(LevelRun("closed", 2, records, wall_s=0.5))
    assert summary.ok == 1
    assert summary.errors == {"RESOURCE_EXHAUSTED": 1}
    assert summary.aggregate_tokens_per_s == pytest.approx(10.0)
    assert summary.stream_tokens_per_s.p50 == pytest.approx(4 / 0.08)
    assert summary.itl_ms.p50 == pytest.approx(20.0)


def test_tools_ratio_spreads_evenly() -> None:
    workload = Workload(tools_ratio=0.25)
    assert [workload.uses_tools(n) for n in range(8)] == [False, False, False, True] * 2
    prompt, options = workload.request(3)
    assert "tools" in options
    assert "weather" in prompt
