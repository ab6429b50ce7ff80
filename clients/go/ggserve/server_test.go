package ggserve_test

// These tests call real ggserve servers, whose addresses come from the environment; pytest's
// tests/langclients starts them (`make test`) and runs `go test`:
//
//	GGSERVE_TEST_REPLAY_TARGET  replay engine answering "Hello, world!" in four pieces
//	GGSERVE_TEST_PACED_TARGET   the same, one piece every 0.5 s
//	GGSERVE_TEST_TOOLS_TARGET   replay engine answering reasoning, content and a get_weather call
//	GGSERVE_TEST_MODEL_TARGET   the bundled SmolLM2-135M-Instruct (llama.cpp, 1 thread)
//
// Without them the tests skip, unless GGSERVE_TEST_REQUIRE_SERVERS is set (pytest sets it), so
// a missing server can never pass as a skip.

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	ggservev1 "github.com/ggserve/ggserve/clients/go/gen/ggserve/v1"
	"github.com/ggserve/ggserve/clients/go/ggserve"
)

var weather = ggserve.MustTool("get_weather", "Current weather in a city.", map[string]any{
	"type":       "object",
	"properties": map[string]any{"city": map[string]any{"type": "string"}},
	"required":   []string{"city"},
})

// dial connects to the server named by env, or skips the test when it is not set.
func dial(t *testing.T, env string) *ggserve.Client {
	t.Helper()
	target := os.Getenv(env)
	if target == "" && os.Getenv("GGSERVE_TEST_REQUIRE_SERVERS") != "" {
		t.Fatalf("%s is not set but GGSERVE_TEST_REQUIRE_SERVERS is", env)
	}
	if target == "" {
		t.Skipf("%s is not set (tests/langclients starts the servers and sets it)", env)
	}
	client, err := ggserve.Dial(target)
	if err != nil {
		t.Fatalf("dial %s: %v", target, err)
	}
	t.Cleanup(func() { _ = client.Close() })
	return client
}

func timeout(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func request(text string) *ggservev1.ChatRequest {
	return &ggservev1.ChatRequest{Messages: []*ggservev1.Message{ggserve.User(text)}}
}

func TestChatReturnsTheWholeTurn(t *testing.T) {
	client := dial(t, "GGSERVE_TEST_REPLAY_TARGET")
	resp, err := client.Chat(timeout(t), request("Hi"))
	if err != nil {
		t.Fatal(err)
	}
	if got := resp.GetMessage().GetContent(); got != "Hello, world!" {
		t.Errorf("content = %q, want %q", got, "Hello, world!")
	}
	if resp.GetFinishReason() != ggservev1.FinishReason_FINISH_REASON_STOP {
		t.Errorf("finish reason = %v, want STOP", resp.GetFinishReason())
	}
	if resp.GetMessage().GetRole() != ggservev1.Role_ROLE_ASSISTANT {
		t.Errorf("role = %v, want ASSISTANT", resp.GetMessage().GetRole())
	}
}

func TestChatStreamFoldsDeltasIntoTheFinalMessage(t *testing.T) {
	client := dial(t, "GGSERVE_TEST_REPLAY_TARGET")
	stream, err := client.ChatStream(timeout(t), request("Hi"))
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	var pieces []string
	for delta := range stream.Deltas() {
		pieces = append(pieces, delta.GetContent())
	}
	if err := stream.Err(); err != nil {
		t.Fatal(err)
	}
	// The server may coalesce pieces that are ready together; their text is what counts.
	if len(pieces) == 0 || strings.Join(pieces, "") != "Hello, world!" {
		t.Errorf("deltas = %q, want pieces of %q", pieces, "Hello, world!")
	}
	final := stream.Response()
	if final == nil {
		t.Fatal("no final response")
	}
	if !proto.Equal(stream.Message(), final.GetMessage()) {
		t.Errorf("folded message %v != final message %v", stream.Message(), final.GetMessage())
	}
	if final.GetUsage().GetCompletionTokens() != 4 {
		t.Errorf("completion tokens = %d, want 4", final.GetUsage().GetCompletionTokens())
	}
}

func TestChatStreamToolCall(t *testing.T) {
	client := dial(t, "GGSERVE_TEST_TOOLS_TARGET")
	req := request("Weather in Paris?")
	req.Tools = []*ggservev1.Tool{weather}
	stream, err := client.ChatStream(timeout(t), req)
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	var firstFragment *ggservev1.ToolCallDelta
	for stream.Next() {
		for _, fragment := range stream.Delta().GetToolCalls() {
			if firstFragment == nil {
				firstFragment = fragment
			}
		}
	}
	if err := stream.Err(); err != nil {
		t.Fatal(err)
	}
	if firstFragment == nil || firstFragment.GetName() != "get_weather" || firstFragment.GetId() == "" {
		t.Fatalf("first tool-call fragment = %v, want id and name get_weather", firstFragment)
	}
	final := stream.Response()
	if final.GetFinishReason() != ggservev1.FinishReason_FINISH_REASON_TOOL_CALLS {
		t.Errorf("finish reason = %v, want TOOL_CALLS", final.GetFinishReason())
	}
	msg := stream.Message()
	if !proto.Equal(msg, final.GetMessage()) {
		t.Errorf("folded message %v != final message %v", msg, final.GetMessage())
	}
	if msg.GetReasoningContent() != "Weather needs a tool." || msg.GetContent() != "Checking." {
		t.Errorf("reasoning %q, content %q", msg.GetReasoningContent(), msg.GetContent())
	}
	if len(msg.GetToolCalls()) != 1 {
		t.Fatalf("tool calls = %v, want one", msg.GetToolCalls())
	}
	var args struct{ City string }
	if err := ggserve.DecodeArguments(msg.GetToolCalls()[0], &args); err != nil {
		t.Fatal(err)
	}
	if args.City != "Paris" {
		t.Errorf("city = %q, want Paris", args.City)
	}
}

func TestBadRequestIsInvalidArgument(t *testing.T) {
	client := dial(t, "GGSERVE_TEST_REPLAY_TARGET")
	_, err := client.Chat(timeout(t), &ggservev1.ChatRequest{})
	if !errors.Is(err, ggserve.ErrInvalidArgument) {
		t.Fatalf("err = %v, want INVALID_ARGUMENT", err)
	}
	if errors.Is(err, ggserve.ErrNotFound) {
		t.Error("an INVALID_ARGUMENT error matches ErrNotFound")
	}
	var e *ggserve.Error
	if !errors.As(err, &e) {
		t.Fatalf("err is %T, want *ggserve.Error", err)
	}
	if !strings.Contains(e.Message, "messages") || e.RequestID == "" {
		t.Errorf("message %q, request id %q: want the offending field and an id", e.Message, e.RequestID)
	}
	if status.Code(err) != codes.InvalidArgument {
		t.Errorf("status.Code = %v, want InvalidArgument (GRPCStatus)", status.Code(err))
	}
	if e.Retryable() {
		t.Error("INVALID_ARGUMENT reported as retryable")
	}
}

func TestStreamErrorsAreTyped(t *testing.T) {
	client := dial(t, "GGSERVE_TEST_REPLAY_TARGET")
	req := request("Hi")
	req.Model = "no-such-model"
	stream, err := client.ChatStream(timeout(t), req)
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	if stream.Next() {
		t.Fatal("a stream for an unknown model yielded a delta")
	}
	if !errors.Is(stream.Err(), ggserve.ErrNotFound) {
		t.Fatalf("err = %v, want NOT_FOUND", stream.Err())
	}
	if !strings.Contains(stream.Err().Error(), "no-such-model") {
		t.Errorf("error %q does not name the model", stream.Err())
	}
	if _, err := stream.Wait(); !errors.Is(err, ggserve.ErrNotFound) {
		t.Errorf("Wait = %v, want the same NOT_FOUND", err)
	}
}

func TestToolChoiceForUnknownToolNamesTheField(t *testing.T) {
	client := dial(t, "GGSERVE_TEST_TOOLS_TARGET")
	req := request("Hi")
	req.Tools = []*ggservev1.Tool{weather}
	req.ToolChoice = ggserve.ForceTool("get_time")
	_, err := client.Chat(timeout(t), req)
	var e *ggserve.Error
	if !errors.As(err, &e) || e.Code != codes.InvalidArgument {
		t.Fatalf("err = %v, want INVALID_ARGUMENT", err)
	}
	fields := []string{}
	for _, v := range e.Violations {
		fields = append(fields, v.Field)
	}
	if !strings.Contains(strings.Join(fields, ","), "tool_choice") {
		t.Errorf("violations %v do not name tool_choice", e.Violations)
	}
}

func TestExpiredDeadlineIsDeadlineExceeded(t *testing.T) {
	client := dial(t, "GGSERVE_TEST_REPLAY_TARGET")
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	_, err := client.Chat(ctx, request("Hi"))
	if !errors.Is(err, ggserve.ErrDeadlineExceeded) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want DEADLINE_EXCEEDED matching context.DeadlineExceeded", err)
	}
}

func TestCloseEndsTheStreamEarly(t *testing.T) {
	client := dial(t, "GGSERVE_TEST_PACED_TARGET")
	stream, err := client.ChatStream(timeout(t), request("Hi"))
	if err != nil {
		t.Fatal(err)
	}
	if !stream.Next() {
		t.Fatalf("no first delta: %v", stream.Err())
	}
	first := stream.Delta().GetContent()
	_ = stream.Close()
	if stream.Next() {
		t.Error("Next after Close yielded a delta")
	}
	if _, err := stream.Wait(); !errors.Is(err, ggserve.ErrClosed) {
		t.Errorf("Wait after Close = %v, want ErrClosed", err)
	}
	if got := stream.Message().GetContent(); got != first || got != "Hello" {
		t.Errorf("folded so far = %q, want the first piece %q", got, first)
	}
}

func TestModelsDescribeTheServer(t *testing.T) {
	client := dial(t, "GGSERVE_TEST_MODEL_TARGET")
	ctx := timeout(t)
	models, err := client.ListModels(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(models) != 1 || !models[0].GetIsDefault() || models[0].GetArchitecture() != "llama" {
		t.Fatalf("models = %v, want the default llama model", models)
	}
	ids, err := client.Tokenize(ctx, "", "Hello world")
	if err != nil || len(ids) == 0 {
		t.Fatalf("Tokenize = %v, %v", ids, err)
	}
	if _, err := client.GetModel(ctx, "nope"); !errors.Is(err, ggserve.ErrNotFound) {
		t.Errorf("GetModel(nope) = %v, want NOT_FOUND", err)
	}
}

// greedy is a greedy request of at most 8 tokens answering text.
func greedy(text string) *ggservev1.ChatRequest {
	req := request(text)
	req.MaxTokens = proto.Uint32(8)
	req.Sampling = &ggservev1.SamplingParams{Temperature: proto.Float64(0)}
	return req
}

// streamed streams req to the end and returns the stream (folded) and its final response.
func streamed(t *testing.T, client *ggserve.Client, req *ggservev1.ChatRequest) (*ggserve.Stream, *ggservev1.ChatResponse) {
	t.Helper()
	stream, err := client.ChatStream(timeout(t), req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = stream.Close() })
	final, err := stream.Wait()
	if err != nil {
		t.Fatal(err)
	}
	return stream, final
}

func TestRealModelStreamsText(t *testing.T) {
	client := dial(t, "GGSERVE_TEST_MODEL_TARGET")
	stream, final := streamed(t, client, greedy("Say hello."))
	usage := final.GetUsage()
	if usage.GetCompletionTokens() == 0 || usage.GetCompletionTokens() > 8 {
		t.Errorf("completion tokens = %d, want 1..8", usage.GetCompletionTokens())
	}
	if final.GetMessage().GetContent() == "" || !proto.Equal(stream.Message(), final.GetMessage()) {
		t.Errorf("folded %v, final %v", stream.Message(), final.GetMessage())
	}
}

func TestRealModelCallsAForcedTool(t *testing.T) {
	client := dial(t, "GGSERVE_TEST_MODEL_TARGET")
	req := request("What is the weather in Paris?")
	req.Tools = []*ggservev1.Tool{weather}
	req.ToolChoice = ggserve.ForceTool("get_weather")
	req.MaxTokens = proto.Uint32(48)
	req.Sampling = &ggservev1.SamplingParams{Temperature: proto.Float64(0)}
	stream, err := client.ChatStream(timeout(t), req)
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	final, err := stream.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if final.GetFinishReason() != ggservev1.FinishReason_FINISH_REASON_TOOL_CALLS {
		t.Fatalf("finish reason = %v, message %v", final.GetFinishReason(), final.GetMessage())
	}
	calls := stream.Message().GetToolCalls()
	if !proto.Equal(stream.Message(), final.GetMessage()) || len(calls) == 0 {
		t.Fatalf("folded %v, final %v", stream.Message(), final.GetMessage())
	}
	if calls[0].GetName() != "get_weather" || !json.Valid([]byte(calls[0].GetArguments())) {
		t.Errorf("call = %v, want get_weather with JSON arguments", calls[0])
	}
}

func TestRealModelLogprobsAndGenerationOptions(t *testing.T) {
	client := dial(t, "GGSERVE_TEST_MODEL_TARGET")
	req := greedy("Say hello.")
	req.Logprobs = true
	req.TopLogprobs = proto.Uint32(2)
	// Accepted beside logprobs; SmolLM2's template has no reasoning, so they change nothing.
	req.ThinkingBudgetTokens = proto.Uint32(4)
	req.ChatTemplateKwargs = map[string]string{"enable_thinking": "false"}
	stream, final := streamed(t, client, req)
	folded, records := stream.Logprobs(), final.GetLogprobs()
	if len(records) == 0 || uint32(len(records)) != final.GetUsage().GetCompletionTokens() {
		t.Fatalf("%d records for %d tokens", len(records), final.GetUsage().GetCompletionTokens())
	}
	if len(folded) != len(records) {
		t.Fatalf("streamed %d records, final %d", len(folded), len(records))
	}
	var text []byte
	for i, record := range records {
		if !proto.Equal(folded[i], record) {
			t.Errorf("record %d: streamed %v, final %v", i, folded[i], record)
		}
		top := record.GetTopLogprobs()
		// Greedy: the chosen token is the most likely one, with the same logprob.
		if len(top) != 2 || top[0].GetTokenId() != record.GetTokenId() || top[0].GetLogprob() != record.GetLogprob() {
			t.Errorf("record %d = %v, want itself first of 2 alternatives", i, record)
		}
		text = append(text, record.GetBytes()...)
	}
	if string(text) != final.GetMessage().GetContent() {
		t.Errorf("records spell %q, content %q", text, final.GetMessage().GetContent())
	}

	// logit_bias -100 bans the greedy first token: the answer starts otherwise.
	req.Logprobs, req.TopLogprobs = false, nil
	req.Sampling.LogitBias = map[uint32]float64{records[0].GetTokenId(): -100}
	banned, err := client.Chat(timeout(t), req)
	if err != nil {
		t.Fatal(err)
	}
	if strings.HasPrefix(banned.GetMessage().GetContent(), records[0].GetToken()) && records[0].GetToken() != "" {
		t.Errorf("banned token %q still starts %q", records[0].GetToken(), banned.GetMessage().GetContent())
	}
	if len(banned.GetLogprobs()) != 0 {
		t.Errorf("logprobs without asking: %v", banned.GetLogprobs())
	}
}
