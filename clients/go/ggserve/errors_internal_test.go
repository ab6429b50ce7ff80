package ggserve

import (
	"errors"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"
)

func TestWrapReadsTheRichStatus(t *testing.T) {
	st, err := status.New(codes.ResourceExhausted, "queue full").WithDetails(
		&errdetails.ErrorInfo{Reason: "QUEUE_FULL", Metadata: map[string]string{"request_id": "req-1"}},
		&errdetails.RetryInfo{RetryDelay: durationpb.New(1500 * time.Millisecond)},
		&errdetails.BadRequest{FieldViolations: []*errdetails.BadRequest_FieldViolation{{Field: "messages", Description: "required"}}},
	)
	if err != nil {
		t.Fatal(err)
	}
	wrapped := wrap(st.Err(), nil)
	var e *Error
	if !errors.As(wrapped, &e) || !errors.Is(wrapped, ErrResourceExhausted) || !e.Retryable() {
		t.Fatalf("wrapped = %#v", wrapped)
	}
	if e.Reason != "QUEUE_FULL" || e.RequestID != "req-1" || e.RetryAfter != 1500*time.Millisecond {
		t.Errorf("reason %q, request id %q, retry after %v", e.Reason, e.RequestID, e.RetryAfter)
	}
	if len(e.Violations) != 1 || e.Violations[0] != (FieldViolation{"messages", "required"}) {
		t.Errorf("violations = %v", e.Violations)
	}
	if got := wrapped.Error(); got != "ggserve: RESOURCE_EXHAUSTED: queue full (request id req-1)" {
		t.Errorf("Error() = %q", got)
	}
}

func TestWrapPrefersTheTrailerRequestID(t *testing.T) {
	wrapped := wrap(status.Error(codes.Internal, "boom"), metadata.Pairs("x-request-id", "req-2"))
	var e *Error
	if !errors.As(wrapped, &e) || e.RequestID != "req-2" || !errors.Is(wrapped, ErrInternal) {
		t.Errorf("wrapped = %#v", wrapped)
	}
	if errors.Is(wrapped, &Error{Code: codes.Internal, Message: "other"}) {
		t.Error("an error with a message matched as a sentinel")
	}
}
