"""System messages in the middle of a conversation, for templates that refuse them.

Agents put system (OpenAI `developer`) messages after the first turn: Claude Code sends
reminders as `system` messages inside `messages`, Codex sends `developer` messages between
turns. Many templates (Qwen3's among them) raise "System message must be at the beginning".
When a template refuses a conversation that has such messages, each one is folded into the next
user message, ahead of its text, as

    <system-reminder>
    {the system message}
    </system-reminder>

    {the user message}

(the convention Claude Code itself uses for instructions inside a user turn). Nothing before it
changes, so the prompt's prefix (and the prefix cache) stays as it was; late system messages with
no user message after them become one user message of that form at the end. Templates that
accept late system messages get them unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence

from ggserve.templates.conversation import TemplateMessage


def has_late_system(messages: Sequence[TemplateMessage]) -> bool:
    """Whether a system message follows the first message."""
    return any(m.get("role") == "system" for m in messages[1:])


def reminder(text: str) -> str:
    """A system message's text as a reminder inside a user turn."""
    return f"<system-reminder>\n{text}\n</system-reminder>"


def fold_late_system(messages: Sequence[TemplateMessage]) -> list[TemplateMessage]:
    """`messages` with every system message after the first folded into the next user one."""
    out: list[TemplateMessage] = [dict(messages[0])] if messages else []
    pending: list[str] = []
    for message in messages[1:]:
        role = message.get("role")
        if role == "system":
            pending.append(reminder(str(message.get("content") or "")))
            continue
        folded = dict(message)
        if role == "user" and pending:
            text = str(folded.get("content") or "")
            folded["content"] = "\n\n".join([*pending, text] if text else pending)
            pending = []
        out.append(folded)
    if pending:
        out.append({"role": "user", "content": "\n\n".join(pending)})
    return out
