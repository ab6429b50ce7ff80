package ggserve

import (
	"context"
	"errors"
	"fmt"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// requestIDKey is the trailer (and ErrorInfo metadata key) that carries the server's request id.
const requestIDKey = "x-request-id"

// Error is a failed ggserve call: the gRPC status code, the server's message and what the
// server attached to it. Match the code with errors.Is against the Err* sentinels:
//
//	if errors.Is(err, ggserve.ErrResourceExhausted) { /* back off and retry */ }
//
// and read the fields with errors.As:
//
//	var e *ggserve.Error
//	if errors.As(err, &e) { log.Print(e.RequestID, e.Violations) }
type Error struct {
	// Code is the gRPC status code.
	Code codes.Code
	// Message is the server's explanation (what to change in the request, for INVALID_ARGUMENT).
	Message string
	// RequestID names the call in the server's logs ("" when the call never reached it).
	RequestID string
	// Reason is the machine-readable reason of google.rpc.ErrorInfo, when the server sent one.
	Reason string
	// Violations are the offending request fields (google.rpc.BadRequest), when known.
	Violations []FieldViolation
	// RetryAfter is how long the server asked the caller to wait (google.rpc.RetryInfo); 0 if
	// it did not say.
	RetryAfter time.Duration

	status *status.Status
}

// FieldViolation is one invalid request field: its path (e.g. "messages[0].role") and why.
type FieldViolation struct {
	Field       string
	Description string
}

// Sentinels of the status codes the ggserve API uses; errors.Is(err, ErrX) matches any *Error
// with that code.
var (
	ErrInvalidArgument   = &Error{Code: codes.InvalidArgument}
	ErrNotFound          = &Error{Code: codes.NotFound}
	ErrResourceExhausted = &Error{Code: codes.ResourceExhausted}
	ErrUnavailable       = &Error{Code: codes.Unavailable}
	ErrDeadlineExceeded  = &Error{Code: codes.DeadlineExceeded}
	ErrCanceled          = &Error{Code: codes.Canceled}
	ErrUnimplemented     = &Error{Code: codes.Unimplemented}
	ErrInternal          = &Error{Code: codes.Internal}
)

func (e *Error) Error() string {
	text := "ggserve: " + codeName(e.Code)
	if e.Message != "" {
		text += ": " + e.Message
	}
	if e.RequestID != "" {
		text += fmt.Sprintf(" (request id %s)", e.RequestID)
	}
	return text
}

// Is matches a sentinel of the same code, and context.Canceled / context.DeadlineExceeded for
// the corresponding codes, so callers can test for either.
func (e *Error) Is(target error) bool {
	if t, ok := target.(*Error); ok {
		return t.status == nil && t.Message == "" && t.Code == e.Code
	}
	switch target {
	case context.Canceled:
		return e.Code == codes.Canceled
	case context.DeadlineExceeded:
		return e.Code == codes.DeadlineExceeded
	}
	return false
}

// GRPCStatus makes status.FromError and status.Code work on an *Error.
func (e *Error) GRPCStatus() *status.Status {
	if e.status != nil {
		return e.status
	}
	return status.New(e.Code, e.Message)
}

// Retryable reports whether the same request may succeed later: the server was unavailable
// (loading, draining, unreachable) or its queue was full.
func (e *Error) Retryable() bool {
	return e.Code == codes.Unavailable || e.Code == codes.ResourceExhausted
}

// wrap turns the error of a gRPC call into an *Error (errors that are not gRPC statuses, such
// as a context error from the client side, become their status too).
func wrap(err error, trailer metadata.MD) error {
	if err == nil {
		return nil
	}
	var already *Error
	if errors.As(err, &already) {
		return err
	}
	st := status.Convert(err)
	if st.Code() == codes.Unknown {
		if c := status.FromContextError(err); c.Code() != codes.Unknown {
			st = c
		}
	}
	e := &Error{Code: st.Code(), Message: st.Message(), status: st}
	if ids := trailer.Get(requestIDKey); len(ids) > 0 {
		e.RequestID = ids[0]
	}
	for _, detail := range st.Details() {
		switch d := detail.(type) {
		case *errdetails.ErrorInfo:
			e.Reason = d.GetReason()
			if e.RequestID == "" {
				e.RequestID = d.GetMetadata()["request_id"]
			}
		case *errdetails.BadRequest:
			for _, v := range d.GetFieldViolations() {
				e.Violations = append(e.Violations, FieldViolation{Field: v.GetField(), Description: v.GetDescription()})
			}
		case *errdetails.RetryInfo:
			e.RetryAfter = d.GetRetryDelay().AsDuration()
		}
	}
	return e
}

// codeName is the code as the gRPC spec spells it (INVALID_ARGUMENT), like the other clients.
func codeName(code codes.Code) string {
	names := map[codes.Code]string{
		codes.OK: "OK", codes.Canceled: "CANCELLED", codes.Unknown: "UNKNOWN",
		codes.InvalidArgument: "INVALID_ARGUMENT", codes.DeadlineExceeded: "DEADLINE_EXCEEDED",
		codes.NotFound: "NOT_FOUND", codes.AlreadyExists: "ALREADY_EXISTS",
		codes.PermissionDenied: "PERMISSION_DENIED", codes.ResourceExhausted: "RESOURCE_EXHAUSTED",
		codes.FailedPrecondition: "FAILED_PRECONDITION", codes.Aborted: "ABORTED",
		codes.OutOfRange: "OUT_OF_RANGE", codes.Unimplemented: "UNIMPLEMENTED",
		codes.Internal: "INTERNAL", codes.Unavailable: "UNAVAILABLE", codes.DataLoss: "DATA_LOSS",
		codes.Unauthenticated: "UNAUTHENTICATED",
	}
	if name, ok := names[code]; ok {
		return name
	}
	return code.String()
}
