"""Stop strings held back across pieces: examples plus a split-invariance property."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ggserve.engine.stop import StopMatcher


def reference(text: str, stops: list[str]) -> tuple[str, str | None]:
    """The specified result on the whole text: cut at the stop occurrence that ends first."""
    for end in range(1, len(text) + 1):
        ending = [s for s in stops if s and text[:end].endswith(s)]
        if ending:
            stop = max(ending, key=len)
            return text[: end - len(stop)], stop
    return text, None


def stream(pieces: list[str], stops: list[str]) -> tuple[str, str | None]:
    matcher = StopMatcher(stops)
    out = []
    for piece in pieces:
        result = matcher.push(piece)
        out.append(result.text)
        if result.matched is not None:
            return "".join(out), result.matched
    return "".join(out) + matcher.flush(), None


def split(text: str, cuts: list[int]) -> list[str]:
    points = sorted({c % (len(text) + 1) for c in cuts} | {0, len(text)})
    return [text[a:b] for a, b in itertools.pairwise(points)]


def test_stop_split_across_pieces_is_held_then_matched() -> None:
    matcher = StopMatcher(["</end>"])
    assert matcher.push("hello </").text == "hello "
    assert matcher.held == "</"
    result = matcher.push("end> ignored")
    assert (result.text, result.matched) == ("", "</end>")


def test_held_text_that_does_not_become_a_stop_is_released() -> None:
    matcher = StopMatcher(["STOP"])
    assert matcher.push("ST").text == ""
    assert matcher.push("OP?").matched == "STOP"
    matcher = StopMatcher(["STOP"])
    assert matcher.push("ST").text == ""
    assert matcher.push("AR").text == "STAR"
    assert matcher.push("S").text == ""
    assert matcher.flush() == "S"


def test_earliest_ending_stop_wins_and_longest_on_ties() -> None:
    assert stream(["xabcd"], ["abcd", "c"]) == ("xab", "c")
    assert stream(["xabcd"], ["bc", "abc"]) == ("x", "abc")


def test_no_stops_passes_text_through() -> None:
    matcher = StopMatcher(["", ""])
    assert matcher.push("anything").text == "anything"
    assert matcher.flush() == ""


def test_multibyte_stop_strings() -> None:
    assert stream(["日本", "語です"], ["語で"]) == ("日本", "語で")


@given(
    text=st.text(alphabet="ab<>/é", max_size=40),
    stops=st.lists(st.text(alphabet="ab<>/é", min_size=1, max_size=5), max_size=3),
    cuts=st.lists(st.integers(min_value=0, max_value=60), max_size=12),
)
def test_any_split_gives_the_whole_text_result(
    text: str, stops: list[str], cuts: list[int]
) -> None:
    assert stream(split(text, cuts), stops) == reference(text, stops)


@given(text=st.text(alphabet="ab<>", max_size=30), stops=st.lists(st.text("ab<>", min_size=1)))
def test_byte_by_byte_never_emits_part_of_a_stop(text: str, stops: list[str]) -> None:
    emitted, matched = stream(list(text), stops)
    expected, expected_stop = reference(text, stops)
    assert (emitted, matched) == (expected, expected_stop)


@pytest.mark.parametrize("stops", [["<|im_end|>"], ["\n\n", "User:"]])
def test_held_text_is_bounded_by_the_longest_stop(stops: list[str]) -> None:
    matcher = StopMatcher(stops)
    for _ in range(100):
        matcher.push("<|im_")
        assert len(matcher.held) < max(len(s) for s in stops)
