/**
 * @ggserve/client: a TypeScript client of the ggserve gRPC API (ggserve.v1) on @grpc/grpc-js.
 *
 * `GgserveClient` wraps the generated stubs (`./gen/ggserve/v1/api.js`, ts-proto): `chat()`,
 * `chatStream()` (an async iterable of deltas that folds them into the final message), the model
 * calls, and typed errors (`GgserveError` and one subclass per status code).
 */

export { ChatStream, type CallOptions, type ChatInput, type ClientConfig, DEFAULT_TARGET, GgserveClient } from "./client.js";
export {
  CancelledError,
  DeadlineExceededError,
  type ErrorDetails,
  errorFor,
  type FieldViolation,
  fromCallError,
  GgserveError,
  InternalError,
  InvalidArgumentError,
  NotFoundError,
  ResourceExhaustedError,
  UnavailableError,
  UnimplementedError,
} from "./errors.js";
export { Fold } from "./fold.js";
export {
  autoTools,
  forceTool,
  type JsonSchema,
  noTools,
  parseArguments,
  requireTools,
  system,
  tool,
  toolResult,
  user,
} from "./messages.js";
export * as v1 from "./gen/ggserve/v1/api.js";
export {
  type ChatDelta,
  type ChatRequest,
  type ChatResponse,
  FinishReason,
  type Message,
  type Model,
  Role,
  type TokenLogprob,
  type TopLogprob,
  type Tool,
  type ToolCall,
  type ToolCallDelta,
  type ToolChoice,
} from "./gen/ggserve/v1/api.js";
