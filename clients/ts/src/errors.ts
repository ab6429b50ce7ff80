/**
 * Typed errors: every failed call rejects with a `GgserveError` subclass chosen by the gRPC
 * status code, carrying the server's message, the request id (for the server's logs) and the
 * google.rpc details the server attaches (reason, field violations, retry delay).
 */

import { BinaryReader } from "@bufbuild/protobuf/wire";
import { type Metadata, type ServiceError, status } from "@grpc/grpc-js";

const REQUEST_ID_KEY = "x-request-id";
const DETAILS_KEY = "grpc-status-details-bin";

/** One invalid request field (google.rpc.BadRequest.FieldViolation). */
export interface FieldViolation {
  field: string;
  description: string;
}

/** What the server attached to a failed call besides its code and message. */
export interface ErrorDetails {
  requestId: string;
  reason: string;
  violations: FieldViolation[];
  /** How long the server asked the caller to wait, when it said (google.rpc.RetryInfo). */
  retryAfterMs: number | undefined;
}

/** A failed ggserve call. `code` is the gRPC status code, `codeName` its name (NOT_FOUND). */
export class GgserveError extends Error {
  readonly code: status;
  readonly codeName: string;
  /** The server's explanation (what to change in the request, for INVALID_ARGUMENT). */
  readonly details: string;
  /** Names the call in the server's logs ("" when the call never reached it). */
  readonly requestId: string;
  /** Machine-readable reason (google.rpc.ErrorInfo), when the server sent one. */
  readonly reason: string;
  readonly violations: FieldViolation[];
  readonly retryAfterMs: number | undefined;

  constructor(code: status, details: string, extra: Partial<ErrorDetails> = {}) {
    const codeName = status[code] ?? `CODE_${code}`;
    const id = extra.requestId ? ` (request id ${extra.requestId})` : "";
    super(`${codeName}${details ? `: ${details}` : ""}${id}`);
    this.name = new.target.name;
    this.code = code;
    this.codeName = codeName;
    this.details = details;
    this.requestId = extra.requestId ?? "";
    this.reason = extra.reason ?? "";
    this.violations = extra.violations ?? [];
    this.retryAfterMs = extra.retryAfterMs;
  }

  /** Whether the same request may succeed later (server unavailable, or its queue full). */
  get retryable(): boolean {
    return this.code === status.UNAVAILABLE || this.code === status.RESOURCE_EXHAUSTED;
  }
}

/** The request is malformed or does not fit the model (INVALID_ARGUMENT). */
export class InvalidArgumentError extends GgserveError {}
/** The request names a model the server does not serve (NOT_FOUND). */
export class NotFoundError extends GgserveError {}
/** The server's admission queue is full; retry later (RESOURCE_EXHAUSTED). */
export class ResourceExhaustedError extends GgserveError {}
/** The server is unreachable, loading or draining; retry with backoff (UNAVAILABLE). */
export class UnavailableError extends GgserveError {}
/** The call's deadline passed before it finished (DEADLINE_EXCEEDED). */
export class DeadlineExceededError extends GgserveError {}
/** The call was cancelled (CANCELLED). */
export class CancelledError extends GgserveError {}
/** The server does not implement the method or feature (UNIMPLEMENTED). */
export class UnimplementedError extends GgserveError {}
/** The server failed while generating (INTERNAL); its logs have the request id. */
export class InternalError extends GgserveError {}

const BY_CODE: ReadonlyMap<status, typeof GgserveError> = new Map<status, typeof GgserveError>([
  [status.INVALID_ARGUMENT, InvalidArgumentError],
  [status.NOT_FOUND, NotFoundError],
  [status.RESOURCE_EXHAUSTED, ResourceExhaustedError],
  [status.UNAVAILABLE, UnavailableError],
  [status.DEADLINE_EXCEEDED, DeadlineExceededError],
  [status.CANCELLED, CancelledError],
  [status.UNIMPLEMENTED, UnimplementedError],
  [status.INTERNAL, InternalError],
]);

/** The typed error of a status code (plain `GgserveError` for codes without a class). */
export function errorFor(code: status, details: string, extra: Partial<ErrorDetails> = {}): GgserveError {
  const Type = BY_CODE.get(code) ?? GgserveError;
  return new Type(code, details, extra);
}

function isServiceError(error: unknown): error is ServiceError {
  return error instanceof Error && typeof (error as Partial<ServiceError>).code === "number";
}

/** The typed error of whatever a grpc-js call failed with. */
export function fromCallError(error: unknown): GgserveError {
  if (error instanceof GgserveError) {
    return error;
  }
  if (!isServiceError(error)) {
    return new GgserveError(status.UNKNOWN, String(error instanceof Error ? error.message : error));
  }
  return errorFor(error.code, error.details, detailsOf(error.metadata));
}

function detailsOf(metadata: Metadata | undefined): Partial<ErrorDetails> {
  if (metadata === undefined) {
    return {};
  }
  const extra: Partial<ErrorDetails> = {};
  const [requestId] = metadata.get(REQUEST_ID_KEY);
  if (typeof requestId === "string") {
    extra.requestId = requestId;
  }
  const [packed] = metadata.get(DETAILS_KEY);
  if (packed instanceof Buffer) {
    try {
      Object.assign(extra, decodeStatusDetails(packed), extra.requestId ? { requestId: extra.requestId } : {});
    } catch {
      // Undecodable details are dropped: the code and message still describe the failure.
    }
  }
  return extra;
}

// google.rpc.Status and the three detail types the server sends, decoded by field number
// (status.proto / error_details.proto); unknown fields and detail types are skipped.
const TYPE_PREFIX = "type.googleapis.com/google.rpc.";

function decodeStatusDetails(bytes: Uint8Array): Partial<ErrorDetails> {
  const extra: Partial<ErrorDetails> = {};
  forEachField(bytes, (field, reader) => {
    if (field !== 3) {
      return false; // code and message also arrive as grpc-status / grpc-message
    }
    let typeUrl = "";
    let value: Uint8Array = new Uint8Array();
    forEachField(reader.bytes(), (anyField, anyReader) => {
      if (anyField === 1) typeUrl = anyReader.string();
      else if (anyField === 2) value = anyReader.bytes();
      else return false;
      return true;
    });
    decodeDetail(typeUrl.slice(TYPE_PREFIX.length), value, extra);
    return true;
  });
  return extra;
}

function decodeDetail(type: string, value: Uint8Array, extra: Partial<ErrorDetails>): void {
  if (type === "ErrorInfo") {
    forEachField(value, (field, reader) => {
      if (field === 1) extra.reason = reader.string();
      else if (field === 3) {
        const [key, val] = decodeMapEntry(reader.bytes());
        if (key === "request_id") extra.requestId = val;
      } else return false;
      return true;
    });
  } else if (type === "BadRequest") {
    const violations: FieldViolation[] = [];
    forEachField(value, (field, reader) => {
      if (field !== 1) return false;
      const violation = { field: "", description: "" };
      forEachField(reader.bytes(), (f, r) => {
        if (f === 1) violation.field = r.string();
        else if (f === 2) violation.description = r.string();
        else return false;
        return true;
      });
      violations.push(violation);
      return true;
    });
    extra.violations = violations;
  } else if (type === "RetryInfo") {
    forEachField(value, (field, reader) => {
      if (field !== 1) return false;
      let ms = 0;
      forEachField(reader.bytes(), (f, r) => {
        if (f === 1) ms += Number(r.int64()) * 1000;
        else if (f === 2) ms += r.int32() / 1e6;
        else return false;
        return true;
      });
      extra.retryAfterMs = ms;
      return true;
    });
  }
}

function decodeMapEntry(bytes: Uint8Array): [string, string] {
  let key = "";
  let value = "";
  forEachField(bytes, (field, reader) => {
    if (field === 1) key = reader.string();
    else if (field === 2) value = reader.string();
    else return false;
    return true;
  });
  return [key, value];
}

/** Calls `visit` for every field of a message; a visitor that returns false has the field skipped. */
function forEachField(bytes: Uint8Array, visit: (field: number, reader: BinaryReader) => boolean): void {
  const reader = new BinaryReader(bytes);
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    const start = reader.pos;
    if (!visit(field, reader)) {
      reader.pos = start;
      reader.skip(wireType, field);
    }
  }
}
