/**
 * Streams a chat with a ggserve server and answers the model's tool calls with a local
 * get_weather function, looping until the model gives a final answer:
 *
 *     npm run build && node dist/examples/chat.js [--target 127.0.0.1:50051] "What's the weather in Paris?"
 */

import { parseArgs } from "node:util";

import {
  DEFAULT_TARGET,
  GgserveClient,
  GgserveError,
  type Message,
  parseArguments,
  type ToolCall,
  tool,
  toolResult,
  UnavailableError,
  user,
} from "../src/index.js";

const weather = tool("get_weather", "Current weather in a city.", {
  type: "object",
  properties: { city: { type: "string" } },
  required: ["city"],
});

/** Stands in for a real weather service. */
function getWeather(call: ToolCall): object {
  const { city } = parseArguments<{ city?: string }>(call);
  return { city, temperature_c: 18, sky: "cloudy" };
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      target: { type: "string", default: DEFAULT_TARGET },
      "max-tokens": { type: "string", default: "256" },
      rounds: { type: "string", default: "3" },
    },
  });
  const client = new GgserveClient(values.target, { timeoutMs: 120_000 });
  const messages: Message[] = [user(positionals.join(" ") || "What's the weather in Paris?")];
  try {
    for (let round = 0; round < Number(values.rounds); round++) {
      const stream = client.chatStream({ messages, tools: [weather], maxTokens: Number(values["max-tokens"]) });
      for await (const delta of stream) process.stdout.write(delta.content); // fragments: delta.toolCalls
      process.stdout.write("\n");
      const answer = stream.message; // the deltas folded: content, reasoning and whole tool calls
      if (answer.toolCalls.length === 0) return;
      messages.push(answer);
      for (const call of answer.toolCalls) {
        const result = getWeather(call);
        console.log(`[${call.name}(${call.arguments}) -> ${JSON.stringify(result)}]`);
        messages.push(toolResult(call.id, result));
      }
    }
  } finally {
    client.close();
  }
}

main().catch((error: unknown) => {
  if (error instanceof UnavailableError) console.error(`server unavailable (not started, loading or draining): ${error.message}`);
  else if (error instanceof GgserveError) console.error(`${error.message}${error.reason ? ` (reason ${error.reason})` : ""}`);
  else console.error(error);
  process.exitCode = 1;
});
