import assert from "node:assert/strict";
import { test } from "node:test";

import { BinaryWriter } from "@bufbuild/protobuf/wire";
import { Metadata, type ServiceError, status } from "@grpc/grpc-js";

import { fromCallError, GgserveError, ResourceExhaustedError } from "../src/index.js";

/** A google.protobuf.Any packing `value` as google.rpc.`type`. */
function any(type: string, value: Uint8Array): Uint8Array {
  return new BinaryWriter().uint32(10).string(`type.googleapis.com/google.rpc.${type}`).uint32(18).bytes(value).finish();
}

function serviceError(code: status, details: string, metadata: Metadata): ServiceError {
  return Object.assign(new Error(details), { code, details, metadata });
}

test("the google.rpc details of a status become the error's fields", () => {
  const entry = new BinaryWriter().uint32(10).string("request_id").uint32(18).string("req-1").finish();
  const errorInfo = new BinaryWriter().uint32(10).string("QUEUE_FULL").uint32(26).bytes(entry).finish();
  const duration = new BinaryWriter().uint32(8).int64(1).uint32(16).int32(500_000_000).finish();
  const retryInfo = new BinaryWriter().uint32(10).bytes(duration).finish();
  const violation = new BinaryWriter().uint32(10).string("messages").uint32(18).string("required").finish();
  const badRequest = new BinaryWriter().uint32(10).bytes(violation).finish();
  const rich = new BinaryWriter()
    .uint32(8).int32(status.RESOURCE_EXHAUSTED)
    .uint32(18).string("queue full")
    .uint32(26).bytes(any("ErrorInfo", errorInfo))
    .uint32(26).bytes(any("RetryInfo", retryInfo))
    .uint32(26).bytes(any("BadRequest", badRequest))
    .uint32(26).bytes(any("Unknown", new Uint8Array([8, 1])))
    .finish();
  const metadata = new Metadata();
  metadata.set("grpc-status-details-bin", Buffer.from(rich));
  const error = fromCallError(serviceError(status.RESOURCE_EXHAUSTED, "queue full", metadata));
  assert.ok(error instanceof ResourceExhaustedError);
  assert.equal(error.reason, "QUEUE_FULL");
  assert.equal(error.requestId, "req-1");
  assert.equal(error.retryAfterMs, 1500);
  assert.deepEqual(error.violations, [{ field: "messages", description: "required" }]);
  assert.equal(error.retryable, true);
  assert.equal(error.message, "RESOURCE_EXHAUSTED: queue full (request id req-1)");
});

test("undecodable details leave the code and message", () => {
  const metadata = new Metadata();
  metadata.set("grpc-status-details-bin", Buffer.from([0xff, 0xff, 0xff]));
  metadata.set("x-request-id", "req-2");
  const error = fromCallError(serviceError(status.INTERNAL, "boom", metadata));
  assert.equal(error.codeName, "INTERNAL");
  assert.equal(error.requestId, "req-2");
  assert.equal(error.reason, "");
});

test("a non-gRPC failure is an UNKNOWN GgserveError", () => {
  const error = fromCallError(new TypeError("nope"));
  assert.ok(error instanceof GgserveError);
  assert.equal(error.code, status.UNKNOWN);
});
