"""The ggserve load generator: closed-loop concurrency levels or open-loop Poisson rates.

Run it as `python -m ggserve_client.loadgen`, `ggserve-client bench` or `ggserve bench`. It
streams every request (`ChatStream`) to measure TTFT, inter-token latency and tokens/s, and
reports p50/p95/p99 per level plus errors by status code, as a table, JSON, and (with
matplotlib installed) a PNG plot.
"""

from ggserve_client.loadgen.runner import LevelRun, RequestRecord, run_level
from ggserve_client.loadgen.stats import LevelSummary, summarize
from ggserve_client.loadgen.workload import Workload

__all__ = ["LevelRun", "LevelSummary", "RequestRecord", "Workload", "run_level", "summarize"]
