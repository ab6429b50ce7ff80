/**
 * Tests against real ggserve servers, whose addresses come from the environment; pytest's
 * tests/langclients starts them (`make test`) and runs `node --test`:
 *
 *   GGSERVE_TEST_REPLAY_TARGET  replay engine answering "Hello, world!" in four pieces
 *   GGSERVE_TEST_PACED_TARGET   the same, one piece every 0.5 s
 *   GGSERVE_TEST_TOOLS_TARGET   replay engine answering reasoning, content and a get_weather call
 *   GGSERVE_TEST_MODEL_TARGET   the bundled SmolLM2-135M-Instruct (llama.cpp, 1 thread)
 *
 * Without them the suites skip, unless GGSERVE_TEST_REQUIRE_SERVERS is set (pytest sets it), so
 * a missing server can never pass as a skip.
 */

import assert from "node:assert/strict";
import { after, describe, test } from "node:test";

import {
  DeadlineExceededError,
  FinishReason,
  forceTool,
  GgserveClient,
  GgserveError,
  InvalidArgumentError,
  NotFoundError,
  parseArguments,
  Role,
  tool,
  user,
} from "../src/index.js";

// Keys in the order Go's encoding/json writes them, so that this suite's real-model tool call
// sends the same prompt as the Go suite's and reuses the server's prompt cache.
const weather = tool("get_weather", "Current weather in a city.", {
  properties: { city: { type: "string" } },
  required: ["city"],
  type: "object",
});

/** A client of the server named by `env`, closed after the suite; undefined skips the suite. */
function connect(env: string): GgserveClient | undefined {
  const target = process.env[env];
  if (!target) return undefined;
  const client = new GgserveClient(target, { timeoutMs: 60_000 });
  after(() => client.close());
  return client;
}

function skipReason(env: string): string | false {
  if (process.env[env]) return false;
  if (process.env.GGSERVE_TEST_REQUIRE_SERVERS) {
    throw new Error(`${env} is not set but GGSERVE_TEST_REQUIRE_SERVERS is`);
  }
  return `${env} is not set (tests/langclients starts the servers)`;
}

describe("replay server", { skip: skipReason("GGSERVE_TEST_REPLAY_TARGET") }, () => {
  const client = connect("GGSERVE_TEST_REPLAY_TARGET")!;

  test("chat returns the whole turn", async () => {
    const response = await client.chat({ messages: [user("Hi")] });
    assert.equal(response.message?.content, "Hello, world!");
    assert.equal(response.message?.role, Role.ROLE_ASSISTANT);
    assert.equal(response.finishReason, FinishReason.FINISH_REASON_STOP);
  });

  test("chatStream yields the deltas and folds them into the final message", async () => {
    const stream = client.chatStream({ messages: [user("Hi")] });
    const pieces: string[] = [];
    for await (const delta of stream) pieces.push(delta.content);
    // The server may coalesce pieces that are ready together; their text is what counts.
    assert.ok(pieces.length > 0);
    assert.equal(pieces.join(""), "Hello, world!");
    assert.deepEqual(stream.message, stream.response?.message);
    assert.equal(stream.response?.usage?.completionTokens, 4);
  });

  test("a bad request is an InvalidArgumentError with the server's details", async () => {
    const error = await client.chat({}).then(
      () => assert.fail("an empty request succeeded"),
      (e: unknown) => e,
    );
    assert.ok(error instanceof InvalidArgumentError, `got ${String(error)}`);
    assert.ok(error instanceof GgserveError);
    assert.equal(error.codeName, "INVALID_ARGUMENT");
    assert.match(error.details, /messages/);
    assert.notEqual(error.requestId, "");
    assert.equal(error.retryable, false);
  });

  test("a stream for an unknown model throws NotFoundError from the iteration", async () => {
    const stream = client.chatStream({ model: "no-such-model", messages: [user("Hi")] });
    await assert.rejects(
      async () => {
        for await (const _ of stream) assert.fail("yielded a delta");
      },
      (e: unknown) => e instanceof NotFoundError && /no-such-model/.test(e.message),
    );
    assert.equal(stream.response, undefined);
  });

  test("an expired deadline is a DeadlineExceededError", async () => {
    await assert.rejects(client.chat({ messages: [user("Hi")] }, { timeoutMs: -1 }), DeadlineExceededError);
  });

  test("breaking out of the loop cancels the stream", { skip: skipReason("GGSERVE_TEST_PACED_TARGET") }, async () => {
    const paced = connect("GGSERVE_TEST_PACED_TARGET")!;
    const stream = paced.chatStream({ messages: [user("Hi")] });
    for await (const delta of stream) {
      assert.equal(delta.content, "Hello");
      break;
    }
    assert.equal(stream.message.content, "Hello");
    assert.equal(stream.response, undefined);
    await assert.rejects(stream.result(), /cancelled before its final response/);
    // The channel still serves later calls.
    assert.equal((await paced.chat({ messages: [user("Hi")] })).message?.content, "Hello, world!");
  });

  test("an aborted signal cancels the call", async () => {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(client.chat({ messages: [user("Hi")] }, { signal: controller.signal }), /CANCELLED/);
  });
});

describe("tool-calling replay server", { skip: skipReason("GGSERVE_TEST_TOOLS_TARGET") }, () => {
  const client = connect("GGSERVE_TEST_TOOLS_TARGET")!;

  test("tool-call fragments fold into the final message's call", async () => {
    const stream = client.chatStream({ messages: [user("Weather in Paris?")], tools: [weather] });
    const fragments = [];
    for await (const delta of stream) fragments.push(...delta.toolCalls);
    assert.ok(fragments.length > 0);
    assert.equal(fragments[0]?.name, "get_weather");
    assert.notEqual(fragments[0]?.id, "");
    const response = stream.response!;
    assert.equal(response.finishReason, FinishReason.FINISH_REASON_TOOL_CALLS);
    assert.deepEqual(stream.message, response.message);
    assert.equal(stream.message.reasoningContent, "Weather needs a tool.");
    assert.equal(stream.message.content, "Checking.");
    assert.equal(stream.message.toolCalls.length, 1);
    assert.deepEqual(parseArguments(stream.message.toolCalls[0]!), { city: "Paris" });
  });

  test("forcing an unknown tool names the field in the violations", async () => {
    const error = await client
      .chat({ messages: [user("Hi")], tools: [weather], toolChoice: forceTool("get_time") })
      .then(() => assert.fail("succeeded"), (e: unknown) => e);
    assert.ok(error instanceof InvalidArgumentError, `got ${String(error)}`);
    assert.ok(error.violations.some((v) => v.field.includes("tool_choice")), JSON.stringify(error.violations));
  });
});

describe("real model (SmolLM2)", { skip: skipReason("GGSERVE_TEST_MODEL_TARGET") }, () => {
  const client = connect("GGSERVE_TEST_MODEL_TARGET")!;

  test("lists the model and tokenizes", async () => {
    const models = await client.listModels();
    assert.equal(models.length, 1);
    assert.equal(models[0]?.isDefault, true);
    assert.equal(models[0]?.architecture, "llama");
    assert.ok((await client.tokenize("Hello world")).length > 0);
    await assert.rejects(client.getModel("nope"), NotFoundError);
  });

  test("calls a forced tool with JSON arguments", async () => {
    const stream = client.chatStream({
      messages: [user("What is the weather in Paris?")],
      tools: [weather],
      toolChoice: forceTool("get_weather"),
      maxTokens: 48,
      sampling: { temperature: 0 },
    });
    const response = await stream.result();
    assert.equal(response.finishReason, FinishReason.FINISH_REASON_TOOL_CALLS, JSON.stringify(response.message));
    assert.deepEqual(stream.message, response.message);
    const [call] = stream.message.toolCalls;
    assert.equal(call?.name, "get_weather");
    assert.equal(typeof parseArguments(call!), "object");
  });

  test("reports logprobs and takes logit bias, a thinking budget and template kwargs", async () => {
    const ask = {
      messages: [user("Say hello.")],
      maxTokens: 8,
      sampling: { temperature: 0 },
      logprobs: true,
      topLogprobs: 2,
      // Accepted beside logprobs; SmolLM2's template has no reasoning, so they change nothing.
      thinkingBudgetTokens: 4,
      chatTemplateKwargs: { enable_thinking: "false" },
    };
    const stream = client.chatStream(ask);
    const response = await stream.result();
    const records = response.logprobs;
    assert.equal(records.length, response.usage?.completionTokens);
    assert.ok(records.length > 0);
    assert.deepEqual(stream.logprobs, records);
    for (const record of records) {
      // Greedy: the chosen token is the most likely one, with the same logprob.
      assert.equal(record.topLogprobs.length, 2);
      assert.equal(record.topLogprobs[0]?.tokenId, record.tokenId);
      assert.equal(record.topLogprobs[0]?.logprob, record.logprob);
    }
    const spelled = Buffer.concat(records.map((r) => Buffer.from(r.bytes))).toString();
    assert.equal(spelled, response.message?.content);

    // logit_bias -100 bans the greedy first token: the answer starts otherwise.
    const first = records[0]!;
    const banned = await client.chat({
      ...ask,
      logprobs: false,
      topLogprobs: undefined,
      sampling: { temperature: 0, logitBias: { [first.tokenId]: -100 } },
    });
    assert.ok(!banned.message?.content.startsWith(first.token), banned.message?.content);
    assert.deepEqual(banned.logprobs, []);
  });

  test("streams a short answer", async () => {
    const stream = client.chatStream({ messages: [user("Say hello.")], maxTokens: 8, sampling: { temperature: 0 } });
    const response = await stream.result();
    const completion = response.usage?.completionTokens ?? 0;
    assert.ok(completion >= 1 && completion <= 8, `completion tokens ${completion}`);
    assert.notEqual(response.message?.content, "");
    assert.deepEqual(stream.message, response.message);
  });
});
