package ggserve

import (
	"context"
	"errors"
	"io"
	"iter"

	"google.golang.org/grpc"

	ggservev1 "github.com/ggserve/ggserve/clients/go/gen/ggserve/v1"
)

// ErrIncompleteStream is returned by [Stream.Err] when the server closed a stream without its
// final response (a server that does not follow the ggserve.v1 contract).
var ErrIncompleteStream = errors.New("ggserve: stream ended without its final response")

// ErrClosed is returned by [Stream.Wait] when the caller closed the stream before its end.
var ErrClosed = errors.New("ggserve: stream closed before its final response")

// Stream is a ChatStream in progress. Read it like a bufio.Scanner:
//
//	for stream.Next() {
//		delta := stream.Delta()
//	}
//	if err := stream.Err(); err != nil { ... }
//	final := stream.Response()
//
// A Stream is not safe for concurrent use.
type Stream struct {
	call   grpc.ServerStreamingClient[ggservev1.ChatStreamResponse]
	cancel context.CancelFunc
	fold   Fold
	delta  *ggservev1.ChatDelta
	done   *ggservev1.ChatResponse
	err    error
	ended  bool
}

// Next advances to the next delta and reports whether there is one. It returns false once the
// final response has arrived, on an error, or after Close.
func (s *Stream) Next() bool {
	s.delta = nil
	for !s.ended {
		msg, err := s.call.Recv()
		if err != nil {
			s.finish(err)
			return false
		}
		if done := msg.GetDone(); done != nil {
			s.done = done
			s.finish(nil)
			return false
		}
		if delta := msg.GetDelta(); delta != nil {
			s.fold.Add(delta)
			s.delta = delta
			return true
		}
		// A message with neither field comes from a newer server's oneof member: skip it.
	}
	return false
}

// finish records how the stream ended and releases the call.
func (s *Stream) finish(err error) {
	s.ended = true
	switch {
	case errors.Is(err, io.EOF):
		s.err = ErrIncompleteStream
	case err != nil:
		s.err = wrap(err, s.call.Trailer())
	}
	s.cancel()
}

// Delta is the delta Next advanced to: text to append, or tool-call fragments.
func (s *Stream) Delta() *ggservev1.ChatDelta { return s.delta }

// Deltas iterates over the remaining deltas (`for d := range stream.Deltas()`); check Err after
// the loop. Breaking out of the loop leaves the stream open: Close it to stop generation.
func (s *Stream) Deltas() iter.Seq[*ggservev1.ChatDelta] {
	return func(yield func(*ggservev1.ChatDelta) bool) {
		for s.Next() {
			if !yield(s.delta) {
				return
			}
		}
	}
}

// Err is the error that ended the stream (an [*Error] for a failed call), or nil when it ended
// with its final response or was closed by the caller.
func (s *Stream) Err() error { return s.err }

// Message is the assistant message folded from the deltas read so far. Once the stream has
// ended normally it equals Response().Message.
func (s *Stream) Message() *ggservev1.Message { return s.fold.Message() }

// Logprobs is the per-token log probabilities read so far, for a request with logprobs set
// (nil otherwise). Once the stream has ended normally it equals Response().Logprobs.
func (s *Stream) Logprobs() []*ggservev1.TokenLogprob { return s.fold.Logprobs() }

// Response is the server's final response (finish reason, message, usage, timings), or nil
// until the stream has ended normally.
func (s *Stream) Response() *ggservev1.ChatResponse { return s.done }

// Wait reads the rest of the stream and returns the final response.
func (s *Stream) Wait() (*ggservev1.ChatResponse, error) {
	for s.Next() {
	}
	if s.err != nil {
		return nil, s.err
	}
	if s.done == nil {
		return nil, ErrClosed
	}
	return s.done, nil
}

// Close cancels the call if it is still running, which stops generation on the server at its
// next step. It is safe to call more than once and after the stream has ended.
func (s *Stream) Close() error {
	if !s.ended {
		s.ended = true
		s.cancel()
	}
	return nil
}
