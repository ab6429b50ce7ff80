/** Folding stream deltas into the assistant message. */

import { type ChatDelta, Message, Role, type TokenLogprob, ToolCall } from "./gen/ggserve/v1/api.js";

/** ToolCallStatus TOOL_CALL_STATUS_COMPLETE. */
const TOOL_CALL_COMPLETE = 1;

/**
 * ChatDelta.tool_call_end, typed here so that this file compiles against stubs generated
 * before ggserve.v1 had the field (it is then never set: no call ends early).
 */
type WithToolCallEnd = { toolCallEnd?: { index: number; status: number } | undefined };

/**
 * Accumulates deltas: content and reasoning text are appended; a tool call's id and name come
 * from its first fragment, its arguments are every fragment with the same index, in order. A
 * call whose end reports it invalid or truncated is dropped, as the server drops it from the
 * final message (its raw text follows as content). The per-token log probabilities of a request
 * with `logprobs` are collected in order (`ChatResponse.logprobs` once the stream has ended).
 */
export class Fold {
  #content = "";
  #reasoning = "";
  readonly #calls = new Map<number, ToolCall>();
  readonly #dropped = new Set<number>();
  readonly #logprobs: TokenLogprob[] = [];

  /** Appends one delta. */
  add(delta: ChatDelta): void {
    this.#content += delta.content;
    this.#reasoning += delta.reasoningContent;
    this.#logprobs.push(...delta.logprobs);
    for (const fragment of delta.toolCalls) {
      const call = this.#calls.get(fragment.index) ?? ToolCall.fromPartial({});
      call.id ||= fragment.id;
      call.name ||= fragment.name;
      call.arguments += fragment.arguments;
      this.#calls.set(fragment.index, call);
    }
    const end = (delta as ChatDelta & WithToolCallEnd).toolCallEnd;
    if (end !== undefined && end.status !== TOOL_CALL_COMPLETE) {
      this.#dropped.add(end.index);
    }
  }

  /**
   * The assistant message folded so far (a new object on every call). Mid-stream it includes
   * the calls still being written: execute calls only once the stream has ended.
   */
  message(): Message {
    const indexes = [...this.#calls.keys()].filter((i) => !this.#dropped.has(i)).sort((a, b) => a - b);
    return Message.fromPartial({
      role: Role.ROLE_ASSISTANT,
      content: this.#content,
      reasoningContent: this.#reasoning,
      toolCalls: indexes.map((index) => ({ ...this.#calls.get(index)! })),
    });
  }

  /** Every token record received so far, in generation order (a new array on every call). */
  logprobs(): TokenLogprob[] {
    return [...this.#logprobs];
  }
}
