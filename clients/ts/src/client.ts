/** `GgserveClient`: the ggserve.v1 API over @grpc/grpc-js, with typed errors and streamed chat. */

import {
  type CallOptions as GrpcCallOptions,
  type ChannelCredentials,
  type ClientOptions,
  type ClientReadableStream,
  type ClientUnaryCall,
  credentials,
  Metadata,
  type ServiceError,
  status,
} from "@grpc/grpc-js";

import { CancelledError, fromCallError, GgserveError } from "./errors.js";
import { Fold } from "./fold.js";
import {
  type ChatDelta,
  ChatRequest,
  type ChatResponse,
  ChatServiceClient,
  type ChatStreamResponse,
  type DeepPartial,
  type Message,
  type Model,
  ModelServiceClient,
  type RenderChatResponse,
  type TokenLogprob,
} from "./gen/ggserve/v1/api.js";

/** Where `ggserve serve` listens unless told otherwise. */
export const DEFAULT_TARGET = "127.0.0.1:50051";

/** A chat request; every field is optional (server defaults) except `messages`. */
export type ChatInput = DeepPartial<ChatRequest>;

/** Per-call options. */
export interface CallOptions {
  /** Deadline in milliseconds from now, sent to the server (which stops generating then). */
  timeoutMs?: number;
  /** Aborting it cancels the call, which stops generation on the server at its next step. */
  signal?: AbortSignal;
  /** Extra request metadata, e.g. `x-request-id` to name the call in the server's logs. */
  metadata?: Metadata;
}

/** How to reach the server. */
export interface ClientConfig {
  /** Default: plaintext, how ggserve serves on loopback or a Unix socket. */
  credentials?: ChannelCredentials;
  /** grpc-js channel options (keepalive, message sizes, ...). */
  channelOptions?: Partial<ClientOptions>;
  /** Deadline of every call that gives none, in milliseconds. */
  timeoutMs?: number;
}

type Callback<T> = (error: ServiceError | null, response: T) => void;

/**
 * A client of one ggserve server (`host:port`, `unix:///path`, any gRPC target); its channel
 * carries concurrent calls. Failed calls reject with `GgserveError` subclasses.
 */
export class GgserveClient {
  readonly target: string;
  /** The generated stubs, for what this class does not wrap. */
  readonly chatService: ChatServiceClient;
  readonly modelService: ModelServiceClient;
  readonly #timeoutMs: number | undefined;

  constructor(target: string = DEFAULT_TARGET, config: ClientConfig = {}) {
    this.target = target;
    this.#timeoutMs = config.timeoutMs;
    const creds = config.credentials ?? credentials.createInsecure();
    this.chatService = new ChatServiceClient(target, creds, config.channelOptions);
    this.modelService = new ModelServiceClient(target, creds, {
      ...config.channelOptions,
      channelOverride: this.chatService.getChannel(),
    });
  }

  /** Closes the channel, cancelling the calls still running. */
  close(): void {
    this.chatService.close();
  }

  /** Generates a whole assistant turn (unary `Chat`). */
  chat(request: ChatInput, options: CallOptions = {}): Promise<ChatResponse> {
    const message = ChatRequest.fromPartial(request);
    return this.#unary<ChatResponse>(options, (md, opts, cb) => this.chatService.chat(message, md, opts, cb));
  }

  /**
   * Streams an assistant turn: iterate the returned `ChatStream` for deltas; its `message` is
   * the deltas folded, its `response` the server's final response. Errors of the request (a
   * bad request, an unknown model) are thrown by the iteration.
   */
  chatStream(request: ChatInput, options: CallOptions = {}): ChatStream {
    const call = this.chatService.chatStream(
      { request: ChatRequest.fromPartial(request) },
      options.metadata ?? new Metadata(),
      this.#callOptions(options),
    );
    return new ChatStream(call, options.signal);
  }

  /** Every served model, the default first. */
  async listModels(options: CallOptions = {}): Promise<Model[]> {
    const response = await this.#unary<{ models: Model[] }>(options, (md, opts, cb) =>
      this.modelService.listModels({}, md, opts, cb),
    );
    return response.models;
  }

  /** One model; an empty alias means the default model. */
  async getModel(alias = "", options: CallOptions = {}): Promise<Model> {
    const response = await this.#unary<{ model: Model | undefined }>(options, (md, opts, cb) =>
      this.modelService.getModel({ model: alias }, md, opts, cb),
    );
    return response.model!;
  }

  /** The token ids of `text` under a model (default: the default model). */
  async tokenize(
    text: string,
    { model = "", addBos = false, parseSpecial }: { model?: string; addBos?: boolean; parseSpecial?: boolean } = {},
    options: CallOptions = {},
  ): Promise<number[]> {
    const response = await this.#unary<{ tokenIds: number[] }>(options, (md, opts, cb) =>
      this.modelService.tokenize({ model, text, addBos, parseSpecial }, md, opts, cb),
    );
    return response.tokenIds;
  }

  /** The exact prompt a chat request would be given, without generating. */
  renderChat(request: ChatInput, options: CallOptions = {}): Promise<RenderChatResponse> {
    const message = ChatRequest.fromPartial(request);
    return this.#unary<RenderChatResponse>(options, (md, opts, cb) =>
      this.modelService.renderChat({ request: message }, md, opts, cb),
    );
  }

  #callOptions(options: CallOptions): Partial<GrpcCallOptions> {
    const timeoutMs = options.timeoutMs ?? this.#timeoutMs;
    return timeoutMs === undefined ? {} : { deadline: Date.now() + timeoutMs };
  }

  #unary<T>(
    options: CallOptions,
    start: (metadata: Metadata, options: Partial<GrpcCallOptions>, callback: Callback<T>) => ClientUnaryCall,
  ): Promise<T> {
    const { signal } = options;
    if (signal?.aborted) {
      return Promise.reject(new CancelledError(status.CANCELLED, "aborted before the call started"));
    }
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => call.cancel();
      const call = start(options.metadata ?? new Metadata(), this.#callOptions(options), (error, response) => {
        signal?.removeEventListener("abort", onAbort);
        if (error) reject(fromCallError(error));
        else resolve(response);
      });
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }
}

/**
 * A `ChatStream` call in progress: an async iterable of deltas (iterate it once). Leaving the
 * loop early (break, throw) cancels the call, which stops generation on the server.
 *
 *     const stream = client.chatStream({ messages: [user("Hi")] });
 *     for await (const delta of stream) process.stdout.write(delta.content);
 *     stream.message.toolCalls; stream.response?.usage;
 */
export class ChatStream implements AsyncIterable<ChatDelta> {
  readonly #call: ClientReadableStream<ChatStreamResponse>;
  readonly #fold = new Fold();
  #response: ChatResponse | undefined;
  #error: GgserveError | undefined;
  #started = false;
  #ended = false;

  constructor(call: ClientReadableStream<ChatStreamResponse>, signal?: AbortSignal) {
    this.#call = call;
    // After a cancel the call still reports CANCELLED; nobody may be listening by then, and an
    // unheard 'error' event would crash the process.
    call.on("error", () => {});
    if (signal?.aborted) this.cancel();
    else signal?.addEventListener("abort", () => this.cancel(), { once: true });
  }

  /** The assistant message folded from the deltas so far; at the end, the whole message. */
  get message(): Message {
    return this.#fold.message();
  }

  /**
   * The per-token log probabilities received so far, for a request with `logprobs: true` (empty
   * otherwise); at the end, equal to `response.logprobs`.
   */
  get logprobs(): TokenLogprob[] {
    return this.#fold.logprobs();
  }

  /** The final response (finish reason, message, usage, timings), once the stream has ended. */
  get response(): ChatResponse | undefined {
    return this.#response;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<ChatDelta, void, undefined> {
    if (this.#started) {
      throw new Error("a ChatStream can be iterated only once");
    }
    this.#started = true;
    try {
      for await (const item of this.#call as AsyncIterable<ChatStreamResponse>) {
        const event = item.event;
        if (event?.$case === "delta") {
          this.#fold.add(event.value);
          yield event.value;
        } else if (event?.$case === "done") {
          this.#response = event.value;
        }
      }
    } catch (error) {
      this.#error = fromCallError(error);
      throw this.#error;
    } finally {
      this.cancel();
    }
    if (this.#response === undefined) {
      throw new GgserveError(status.UNKNOWN, "the stream ended without its final response");
    }
  }

  /** Reads the rest of the stream and returns the final response. */
  async result(): Promise<ChatResponse> {
    if (!this.#started) {
      for await (const _ of this) {
        // Deltas are folded by the iteration.
      }
    }
    if (this.#error !== undefined) {
      throw this.#error;
    }
    if (this.#response === undefined) {
      throw new CancelledError(status.CANCELLED, "the stream was cancelled before its final response");
    }
    return this.#response;
  }

  /** Cancels the call if it is still running (harmless afterwards). */
  cancel(): void {
    if (!this.#ended) {
      this.#ended = true;
      if (this.#response === undefined) this.#call.cancel();
    }
  }
}
