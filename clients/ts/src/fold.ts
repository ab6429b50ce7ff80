/** Folding stream deltas into the assistant message. */

import { type ChatDelta, type Message, Role, type ToolCall } from "./gen/ggserve/v1/api.js";

/**
 * Accumulates deltas: content and reasoning text are appended; a tool call's id and name come
 * from its first fragment, its arguments are every fragment with the same index, in order.
 */
export class Fold {
  #content = "";
  #reasoning = "";
  readonly #calls = new Map<number, ToolCall>();

  /** Appends one delta. */
  add(delta: ChatDelta): void {
    this.#content += delta.content;
    this.#reasoning += delta.reasoningContent;
    for (const fragment of delta.toolCalls) {
      const call = this.#calls.get(fragment.index) ?? { id: "", name: "", arguments: "" };
      call.id ||= fragment.id;
      call.name ||= fragment.name;
      call.arguments += fragment.arguments;
      this.#calls.set(fragment.index, call);
    }
  }

  /** The assistant message folded so far (a new object on every call). */
  message(): Message {
    const indexes = [...this.#calls.keys()].sort((a, b) => a - b);
    return {
      role: Role.ROLE_ASSISTANT,
      content: this.#content,
      reasoningContent: this.#reasoning,
      toolCalls: indexes.map((index) => ({ ...this.#calls.get(index)! })),
      toolCallId: "",
      name: "",
    };
  }
}
