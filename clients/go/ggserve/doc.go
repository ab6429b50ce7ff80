// Package ggserve is a small client of the ggserve gRPC API (ggserve.v1) on top of the
// generated stubs in [github.com/ggserve/ggserve/clients/go/gen/ggserve/v1].
//
// Requests and responses are the generated protobuf types; this package adds what every caller
// would otherwise write again:
//
//   - [Client.ChatStream] returns a [Stream] that yields the deltas (content, reasoning and
//     tool-call fragments) and folds them into the assistant message ([Stream.Message]); the
//     server's final response, with finish reason, usage and timings, is [Stream.Response].
//   - Message and tool constructors ([User], [System], [ToolResult], [NewTool], [ForceTool]) and
//     [DecodeArguments] for the JSON arguments of a tool call.
//   - Typed errors: every failed call returns an [*Error] with the status code, the server's
//     message, the request id (for the server's logs) and the google.rpc details (reason, field
//     violations, retry delay); compare with errors.Is against [ErrInvalidArgument],
//     [ErrNotFound], [ErrResourceExhausted], [ErrUnavailable], ... .
//
// A streamed chat:
//
//	client, err := ggserve.Dial("127.0.0.1:50051")
//	...
//	stream, err := client.ChatStream(ctx, &ggservev1.ChatRequest{
//		Messages:  []*ggservev1.Message{ggserve.User("What's the weather in Paris?")},
//		Tools:     []*ggservev1.Tool{weather},
//		MaxTokens: proto.Uint32(128),
//	})
//	...
//	defer stream.Close()
//	for stream.Next() {
//		fmt.Print(stream.Delta().GetContent())
//	}
//	if err := stream.Err(); err != nil { ... }
//	for _, call := range stream.Message().GetToolCalls() { ... }
package ggserve
