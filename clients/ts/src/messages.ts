/** Constructors of messages, tools and tool choices, and tool-call argument decoding. */

import {
  Message,
  Role,
  Tool,
  type ToolCall,
  type ToolChoice,
  ToolChoice_Mode,
} from "./gen/ggserve/v1/api.js";

function message(role: Role, content: string, extra: Partial<Message> = {}): Message {
  return Message.fromPartial({ ...extra, role, content });
}

/** A system message (instructions for the assistant). */
export function system(text: string): Message {
  return message(Role.ROLE_SYSTEM, text);
}

/** A user message. */
export function user(text: string): Message {
  return message(Role.ROLE_USER, text);
}

/** The answer to the tool call `callId`; objects are sent as JSON text. */
export function toolResult(callId: string, content: string | object): Message {
  const text = typeof content === "string" ? content : JSON.stringify(content);
  return message(Role.ROLE_TOOL, text, { toolCallId: callId });
}

/** A JSON Schema object (what `tool()` takes as parameters). */
export type JsonSchema = { [key: string]: unknown };

/** A function the model may call; `parameters` is its JSON Schema (an object), if it takes any. */
export function tool(name: string, description = "", parameters?: JsonSchema): Tool {
  if (parameters !== undefined && (typeof parameters !== "object" || Array.isArray(parameters))) {
    throw new TypeError(`tool ${JSON.stringify(name)}: parameters must be a JSON Schema object`);
  }
  return Tool.fromPartial({ name, description, parameters: parameters === undefined ? "" : JSON.stringify(parameters) });
}

/** The model decides whether to call tools (the default). */
export const autoTools: ToolChoice = { choice: { $case: "mode", value: ToolChoice_Mode.MODE_AUTO } };
/** The tools are hidden from the model. */
export const noTools: ToolChoice = { choice: { $case: "mode", value: ToolChoice_Mode.MODE_NONE } };
/** The model must call one of the tools (enforced with a grammar). */
export const requireTools: ToolChoice = { choice: { $case: "mode", value: ToolChoice_Mode.MODE_REQUIRED } };

/** The model must call the named function (enforced with a grammar). */
export function forceTool(name: string): ToolChoice {
  return { choice: { $case: "functionName", value: name } };
}

/** A tool call's arguments, parsed (empty arguments are `{}`). */
export function parseArguments<T = Record<string, unknown>>(call: ToolCall): T {
  try {
    return JSON.parse(call.arguments || "{}") as T;
  } catch (error) {
    throw new SyntaxError(`tool call ${call.id} (${call.name}): arguments are not JSON: ${String(error)}`);
  }
}
