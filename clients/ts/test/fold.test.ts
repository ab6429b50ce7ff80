import assert from "node:assert/strict";
import { test } from "node:test";

import { Fold, parseArguments, Role, tool } from "../src/index.js";

test("Fold appends text and assembles interleaved tool calls by index", () => {
  const fold = new Fold();
  fold.add({ content: "a", reasoningContent: "think", toolCalls: [] });
  fold.add({
    content: "",
    reasoningContent: "",
    toolCalls: [
      { index: 1, id: "c1", name: "second", arguments: '{"b"' },
      { index: 0, id: "c0", name: "first", arguments: "{" },
    ],
  });
  fold.add({
    content: "b",
    reasoningContent: "",
    toolCalls: [
      { index: 0, id: "", name: "", arguments: "}" },
      { index: 1, id: "", name: "", arguments: ": 1}" },
    ],
  });
  assert.deepEqual(fold.message(), {
    role: Role.ROLE_ASSISTANT,
    content: "ab",
    reasoningContent: "think",
    toolCalls: [
      { id: "c0", name: "first", arguments: "{}" },
      { id: "c1", name: "second", arguments: '{"b": 1}' },
    ],
    toolCallId: "",
    name: "",
  });
});

test("tool() rejects a schema that is not an object", () => {
  assert.throws(() => tool("f", "", [] as unknown as Record<string, unknown>), TypeError);
  assert.equal(tool("f").parameters, "");
});

test("parseArguments names the call when its arguments are not JSON", () => {
  assert.throws(() => parseArguments({ id: "x1", name: "f", arguments: "{oops" }), /x1/);
  assert.deepEqual(parseArguments({ id: "x1", name: "f", arguments: "" }), {});
});
