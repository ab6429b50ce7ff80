"""PNG plot of latency and throughput against the load level (matplotlib, imported lazily)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ggserve_client.loadgen.stats import LevelSummary


class PlotUnavailableError(RuntimeError):
    """matplotlib is not installed."""


def write_plot(summaries: Sequence[LevelSummary], path: Path) -> None:
    """Two panels against concurrency (or rate): TTFT/ITL percentiles, aggregate tokens/s.

    Raises:
        PlotUnavailableError: matplotlib is missing.
    """
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise PlotUnavailableError("--plot needs matplotlib: pip install matplotlib") from exc
    levels = [s.level for s in summaries]
    closed = all(s.mode == "closed" for s in summaries)
    xlabel = "concurrent streams" if closed else "arrival rate (requests/s)"
    figure, (latency, throughput) = plt.subplots(1, 2, figsize=(11, 4.2))
    for label, values in (
        ("TTFT p50", [s.ttft_ms.p50 for s in summaries]),
        ("TTFT p95", [s.ttft_ms.p95 for s in summaries]),
        ("ITL p50", [s.itl_ms.p50 for s in summaries]),
        ("ITL p99", [s.itl_ms.p99 for s in summaries]),
    ):
        latency.plot(levels, values, marker="o", label=label)
    latency.set(xlabel=xlabel, ylabel="ms", title="Latency")
    latency.legend()
    throughput.plot(
        levels, [s.aggregate_tokens_per_s for s in summaries], marker="o", label="aggregate"
    )
    throughput.plot(
        levels, [s.stream_tokens_per_s.p50 for s in summaries], marker="s", label="per stream p50"
    )
    throughput.set(xlabel=xlabel, ylabel="tokens/s", title="Throughput")
    throughput.legend()
    for axes in (latency, throughput):
        axes.grid(alpha=0.3)
        axes.set_xticks(levels)
    figure.tight_layout()
    figure.savefig(path, format="png", dpi=100)
    plt.close(figure)
