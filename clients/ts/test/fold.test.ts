import assert from "node:assert/strict";
import { test } from "node:test";

import { Fold, parseArguments, Role, tool, v1 } from "../src/index.js";

const delta = (fields: v1.DeepPartial<v1.ChatDelta>): v1.ChatDelta => v1.ChatDelta.fromPartial(fields);

test("Fold appends text and assembles interleaved tool calls by index", () => {
  const fold = new Fold();
  fold.add(delta({ content: "a", reasoningContent: "think" }));
  fold.add(
    delta({
      toolCalls: [
        { index: 1, id: "c1", name: "second", arguments: '{"b"' },
        { index: 0, id: "c0", name: "first", arguments: "{" },
      ],
    }),
  );
  fold.add(delta({ content: "b", toolCalls: [{ index: 0, arguments: "}" }, { index: 1, arguments: ": 1}" }] }));
  const expected = v1.Message.fromPartial({
    role: Role.ROLE_ASSISTANT,
    content: "ab",
    reasoningContent: "think",
    toolCalls: [
      { id: "c0", name: "first", arguments: "{}" },
      { id: "c1", name: "second", arguments: '{"b": 1}' },
    ],
  });
  assert.deepEqual(fold.message(), expected);
});

test("Fold drops a call whose end reports it invalid, as the final message does", () => {
  // The end is attached untyped: stubs generated before ggserve.v1 had ChatDelta.tool_call_end
  // do not declare it, and the fold reads it either way.
  const end = (index: number, status: number): v1.ChatDelta =>
    Object.assign(delta({}), { toolCallEnd: { index, status } });
  const fold = new Fold();
  fold.add(delta({ toolCalls: [{ index: 0, id: "a", name: "f", arguments: "{}" }] }));
  fold.add(end(0, 1)); // COMPLETE
  fold.add(delta({ toolCalls: [{ index: 1, id: "b", name: "f", arguments: "{oops" }] }));
  fold.add(end(1, 2)); // INVALID
  fold.add(delta({ content: "<tool_call>{oops" }));
  assert.deepEqual(
    fold.message().toolCalls.map((call) => call.id),
    ["a"],
  );
  assert.equal(fold.message().content, "<tool_call>{oops");
});

test("tool() rejects a schema that is not an object", () => {
  assert.throws(() => tool("f", "", [] as unknown as Record<string, unknown>), TypeError);
  assert.equal(tool("f").parameters, "");
});

test("parseArguments names the call when its arguments are not JSON", () => {
  const call = (args: string): v1.ToolCall => v1.ToolCall.fromPartial({ id: "x1", name: "f", arguments: args });
  assert.throws(() => parseArguments(call("{oops")), /x1/);
  assert.deepEqual(parseArguments(call("")), {});
});

test("Fold collects the token records in order, text held back or not", () => {
  const fold = new Fold();
  assert.deepEqual(fold.logprobs(), []);
  const record = (tokenId: number, token: string, logprob: number) =>
    v1.TokenLogprob.fromPartial({ tokenId, token, bytes: Buffer.from(token), logprob });
  fold.add(delta({ content: "a", logprobs: [record(1, "a", -0.1)] }));
  fold.add(delta({ logprobs: [record(2, "b", -2), record(3, "c", -0.5)] }));
  fold.add(delta({ content: "bc" }));
  const records = fold.logprobs();
  assert.deepEqual(
    records.map((r) => [r.tokenId, r.token, r.logprob]),
    [
      [1, "a", -0.1],
      [2, "b", -2],
      [3, "c", -0.5],
    ],
  );
  records.pop(); // the caller's copy
  assert.equal(fold.logprobs().length, 3);
});
