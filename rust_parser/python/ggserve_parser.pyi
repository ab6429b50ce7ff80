"""Streaming extraction of content, reasoning and tool calls from LLM output (Rust).

Feed each decoded piece of model output to `ToolCallStream.push` and the end of generation to
`ToolCallStream.finish`; fold the returned events to get the message. Every emitted byte is final
(never retracted); text that may be the start of a marker is held back until decided. Model
output never raises; malformed tool syntax comes back as content, and a call that turns out
invalid or truncated ends with that status and its raw text follows as content. `parse(f, t)`
equals folding the events of `push(t)` + `finish()` (dropping calls whose `tool_call_end`
status is not "complete"), and of any other split of `t` into pieces.
"""

from collections.abc import Mapping, Sequence
from typing import Any, Final, Literal, TypeAlias, TypedDict, final

__all__ = [
    "FORMATS",
    "Event",
    "ToolCallStream",
    "call_shape",
    "detect_format",
    "heal_json",
    "parse",
    "reasoning_markers",
]

_EventKind: TypeAlias = Literal[
    "content", "reasoning", "tool_call_start", "tool_call_args", "tool_call_end"
]
_CallStatus: TypeAlias = Literal["complete", "invalid", "truncated", ""]
_ToolsArg: TypeAlias = Sequence[Mapping[str, Any]] | str | None
_PieceKind: TypeAlias = Literal[
    "marker", "text", "name", "name_json", "index", "args", "key", "value"
]
_Piece: TypeAlias = tuple[_PieceKind, str]

class _Params(TypedDict):
    string: tuple[_Piece, ...]
    other: tuple[_Piece, ...]
    separator: str
    raw_strings: bool

class _ReasoningMarkers(TypedDict):
    open: tuple[str, ...]
    close: tuple[str, ...]

class _CallShape(TypedDict):
    open: tuple[_Piece, ...]
    call: tuple[_Piece, ...]
    separator: tuple[_Piece, ...]
    close: tuple[_Piece, ...]
    params: _Params | None

FORMATS: Final[tuple[str, ...]]
"""Supported format names (the registry)."""

@final
class Event:
    """One append-only piece of parser output."""

    @property
    def kind(self) -> _EventKind:
        """What the event carries."""

    @property
    def text(self) -> str:
        """The delta for content, reasoning and tool_call_args; empty otherwise."""

    @property
    def index(self) -> int | None:
        """The tool call's 0-based index in this stream; None for content and reasoning."""

    @property
    def id(self) -> str:
        """On tool_call_start: the model's own call id, or empty when the format has none."""

    @property
    def name(self) -> str:
        """On tool_call_start: the function name; empty otherwise."""

    @property
    def status(self) -> _CallStatus:
        """On tool_call_end: how the call ended; empty on other kinds.

        Only a "complete" call is a call. An "invalid" one (its arguments turned out not to be
        valid) or a "truncated" one (the output ended inside it) is not: its raw text follows
        as content events right after this event, so nothing is lost.
        """

    def __eq__(self, other: object, /) -> bool: ...

@final
class ToolCallStream:
    """Incremental parser of one generation.

    Args:
        format: a name from `FORMATS`.
        tools: OpenAI-style tool definitions (list of dicts or their JSON text), used to
            resolve names and to type XML-style parameter values.
        reasoning: extract reasoning blocks; False leaves them verbatim in content.
        thinking_forced_open: the prompt already opened the reasoning block.

    Raises:
        ValueError: unknown format, or malformed tools.
    """

    def __new__(
        cls,
        format: str,
        *,
        tools: _ToolsArg = None,
        reasoning: bool = True,
        thinking_forced_open: bool = False,
    ) -> ToolCallStream: ...
    def push(self, text: str) -> tuple[Event, ...]:
        """Feeds one decoded piece (about one token); returns the events it completes.

        The result is a tuple the garbage collector does not track (the shared empty tuple
        when the piece completed nothing), so keeping every result costs no collector time.
        """

    def finish(self) -> tuple[Event, ...]:
        """End of generation: flushes held-back text and ends open calls.

        A call whose arguments are whole is complete even without its closing markers; one cut
        inside its arguments ends "truncated" and its raw text follows as content.

        Later calls to `push` and `finish` return no events.
        """

def parse(
    format: str,
    text: str,
    *,
    tools: _ToolsArg = None,
    reasoning: bool = True,
    thinking_forced_open: bool = False,
) -> dict[str, Any]:
    """Parses a whole output.

    Returns:
        ``{"content": str, "reasoning_content": str,
        "tool_calls": [{"id": str, "name": str, "arguments": str}]}``, arguments as JSON text.
        Only complete calls are in ``tool_calls``; the raw text of an invalid or truncated call
        is in ``content``.

    Raises:
        ValueError: unknown format, or malformed tools.
    """

def heal_json(prefix: str) -> str:
    """Minimal completion of a JSON prefix into valid JSON.

    Open strings and containers are closed; an incomplete trailing number, literal, key or
    escape is dropped, never guessed (`-` is not `0`, `t` is not `true`). A complete value is
    returned as is. Returns an empty string when nothing can be kept.
    """

def detect_format(chat_template: str | None = None, model_name: str | None = None) -> str | None:
    """The format for a chat template (its markers first) or a model name; None if unknown."""

def call_shape(format: str) -> _CallShape:
    """How `format` writes a call: the format's declared markup, for a grammar that forces one.

    Each piece is `(kind, text)`: a "marker" (the model's special token where its vocabulary has
    one, `text` otherwise), literal "text", or a slot: "name", "name_json" (the name as a JSON
    string), "index" (the call's number), "args" (the arguments: the tool's parameter schema as
    one JSON object when `params` is None, else one `params` entry per parameter), and in an
    entry "key" and "value". `open` and `close` surround the calls, `separator` goes between two.
    With `raw_strings` a string parameter's value is written raw inside its entry's markup;
    otherwise every value is JSON.

    Raises:
        ValueError: unknown format.
    """

def reasoning_markers(format: str | None = None) -> _ReasoningMarkers:
    """The markers that open and close a reasoning block in `format`, or (None) in any format,
    each once, in registry order.

    Raises:
        ValueError: unknown format.
    """
