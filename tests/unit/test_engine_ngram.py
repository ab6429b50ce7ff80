"""Prompt-lookup drafting (`NgramDrafter`): what it proposes and how it adapts."""

from __future__ import annotations

import pytest

from ggserve.engine.ngram import FIRST_DRAFT, MAX_BACKOFF, DraftOptions, NgramDrafter

OPTIONS = DraftOptions(max_tokens=8, min_tokens=1, max_ngram=3, min_ngram=2)


def test_proposes_what_followed_the_latest_occurrence_of_the_last_ngram() -> None:
    drafter = NgramDrafter(OPTIONS, [1, 2, 3, 4, 5, 9, 2, 3, 7, 8, 1, 2, 3])
    # "1 2 3" occurred once, followed by 4 5 …; the longest n-gram wins.
    assert drafter.draft(10) == [4, 5]
    drafter = NgramDrafter(OPTIONS, [5, 2, 3, 4, 6, 2, 3, 7, 8, 9, 2, 3])
    assert drafter.draft(10) == [7, 8]  # "2 3": the latest earlier occurrence


def test_no_match_no_draft_and_limits_hold() -> None:
    drafter = NgramDrafter(OPTIONS, [1, 2, 3, 4])
    assert drafter.draft(10) == []
    drafter.extend([1, 2])
    assert drafter.draft(1) == [3]
    assert drafter.draft(0) == []
    # "1 2" is followed by "3 1 2", but a first draft has FIRST_DRAFT (2) tokens: below a
    # minimum of 3 nothing is proposed, at a minimum of 2 it is.
    assert FIRST_DRAFT == 2
    strict = NgramDrafter(DraftOptions(min_tokens=3, min_ngram=2), [1, 2, 3, 1, 2])
    assert strict.draft(10) == []
    loose = NgramDrafter(DraftOptions(min_tokens=2, min_ngram=2), [1, 2, 3, 1, 2])
    assert loose.draft(10) == [3, 1]


def test_draft_length_doubles_on_success_and_backs_off_after_misses() -> None:
    drafter = NgramDrafter(OPTIONS, [*range(1, 30), 1, 2])
    first = drafter.draft(100)
    assert len(first) == FIRST_DRAFT
    drafter.checked(len(first), len(first))
    assert len(drafter.draft(100)) == min(2 * FIRST_DRAFT, OPTIONS.max_tokens)
    drafter.checked(4, 0)  # a complete miss: wait one step, then two, …
    assert drafter.draft(100) == []
    assert drafter.draft(100) != []
    drafter.checked(4, 0)
    assert drafter.draft(100) == drafter.draft(100) == []
    for _ in range(10):
        drafter.checked(1, 0)
    waits = 0
    while not drafter.draft(100):
        waits += 1
    assert waits == MAX_BACKOFF


def test_options_are_checked() -> None:
    with pytest.raises(ValueError, match="draft min"):
        DraftOptions(max_tokens=2, min_tokens=3)
    with pytest.raises(ValueError, match="n-gram"):
        DraftOptions(max_ngram=1, min_ngram=2)
