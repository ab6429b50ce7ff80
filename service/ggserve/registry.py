"""The models a server serves, by alias: each an engine plus its chat template."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from ggserve.domain import Message
from ggserve.engine.base import Engine
from ggserve.errors import NotFoundError, UnavailableError


class RenderedChat(Protocol):
    """A prompt rendered from a conversation (what `ggserve.templates` returns)."""

    @property
    def text(self) -> str: ...

    @property
    def thinking_forced_open(self) -> bool: ...

    @property
    def tool_format(self) -> str: ...

    @property
    def tools_in_template(self) -> bool: ...

    @property
    def may_reason(self) -> bool: ...


class ChatRenderer(Protocol):
    """Renders conversations with a model's chat template."""

    def render(
        self,
        messages: Sequence[Message],
        tools: Sequence[dict[str, Any]] | None = None,
        *,
        add_generation_prompt: bool = True,
        thinking: bool | None = None,
        variables: Mapping[str, Any] | None = None,
    ) -> RenderedChat: ...


@dataclass(frozen=True, slots=True)
class ServedModel:
    """One served model: what requests name it, its engine and its chat template."""

    alias: str
    engine: Engine
    renderer: ChatRenderer
    tool_format: str
    tools_in_template: bool
    has_chat_template: bool  # whether the GGUF carries one
    chat_template_source: str = "gguf"  # "gguf", "builtin:NAME" or "file:PATH"


class ModelRegistry:
    """The served models by alias; the first one added is the default.

    Empty while the server loads its model: requests then get UNAVAILABLE, so the port can
    answer health checks (liveness) before the model is ready.
    """

    def __init__(self, models: Sequence[ServedModel] = ()) -> None:
        self._models: dict[str, ServedModel] = {}
        for model in models:
            self.add(model)

    def add(self, model: ServedModel) -> None:
        """Serve `model` under its alias."""
        if model.alias in self._models:
            raise ValueError(f"two models are called {model.alias!r}")
        self._models[model.alias] = model

    @property
    def default(self) -> ServedModel:
        """The model used when a request names none; UNAVAILABLE while loading."""
        for model in self._models.values():
            return model
        raise UnavailableError(
            "the model is still loading; retry shortly", reason="LOADING", retry_after_s=1.0
        )

    def get(self, alias: str) -> ServedModel:
        """The model called `alias` (empty: the default); NOT_FOUND for an unknown alias."""
        default = self.default
        if not alias:
            return default
        model = self._models.get(alias)
        if model is None:
            known = ", ".join(sorted(self._models))
            raise NotFoundError(
                f"model {alias!r} is not served here; available: {known} "
                "(or leave model empty for the default)",
                reason="MODEL_NOT_FOUND",
                metadata={"model": alias},
            )
        return model

    def __iter__(self) -> Iterator[ServedModel]:
        """The models, the default first."""
        return iter(list(self._models.values()))

    def drain(self) -> None:
        """Refuse queued and new requests (UNAVAILABLE); running ones go on."""
        for model in self._models.values():
            model.engine.drain()

    async def close(self) -> None:
        """Close every engine (ends running sequences, frees the models)."""
        for model in self._models.values():
            await model.engine.close()
