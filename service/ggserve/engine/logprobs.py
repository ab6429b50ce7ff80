"""Log probabilities of a generated token and its top alternatives, from one logits row.

Computed on the engine thread right after the token is sampled, from the raw logits of the row
it was sampled at, and only for generations that ask (the others pay nothing). The distribution
is the model's own: the log-softmax of the raw logits over the whole vocabulary, before logit
bias, penalties, grammar, temperature and top-k/top-p/min-p shaping — what OpenAI reports, and
what vLLM's default (`raw_logprobs`) and llama-server's `post_sampling_probs: false` report. So
a token the sampler was forced to (a grammar, a +100 bias) may have a low logprob, and the
numbers do not depend on the sampling parameters.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ggserve.domain import LogprobEntry, TokenLogprob
from ggserve.engine.detokenizer import PieceSource


def log_softmax(logits: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
    """log(softmax(logits)) in float64 (the row is float32; its exponentials need the range)."""
    values = logits.astype(np.float64)
    shifted = values - values.max()
    result: npt.NDArray[np.float64] = shifted - np.log(np.exp(shifted).sum())
    return result


def logprob_entry(
    logits: npt.NDArray[np.float32], token: int, top_n: int, pieces: PieceSource
) -> LogprobEntry:
    """The entry of `token` sampled from `logits`, with its `top_n` most likely alternatives
    (most likely first; ties by token id)."""
    logprobs = log_softmax(logits)

    def choice(token_id: int) -> TokenLogprob:
        return TokenLogprob(token_id, pieces.piece(token_id), float(logprobs[token_id]))

    top: tuple[TokenLogprob, ...] = ()
    if top_n > 0:
        n = min(top_n, len(logprobs))
        candidates = np.argpartition(-logprobs, n - 1)[:n]
        # Sort by logprob descending, then id ascending, so equal logits list in a fixed order.
        ordered = candidates[np.lexsort((candidates, -logprobs[candidates]))]
        top = tuple(choice(int(t)) for t in ordered)
    return LogprobEntry(choice(token), top)
