package ggserve_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"google.golang.org/protobuf/proto"

	ggservev1 "github.com/ggserve/ggserve/clients/go/gen/ggserve/v1"
	"github.com/ggserve/ggserve/clients/go/ggserve"
)

// A streamed chat with a tool: print content as it arrives, then run the tool calls that the
// deltas folded into.
func ExampleClient_ChatStream() {
	client, err := ggserve.Dial("127.0.0.1:50051")
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	weather := ggserve.MustTool("get_weather", "Current weather in a city.", map[string]any{
		"type":       "object",
		"properties": map[string]any{"city": map[string]any{"type": "string"}},
	})
	stream, err := client.ChatStream(context.Background(), &ggservev1.ChatRequest{
		Messages:  []*ggservev1.Message{ggserve.User("What's the weather in Paris?")},
		Tools:     []*ggservev1.Tool{weather},
		MaxTokens: proto.Uint32(128),
	})
	if err != nil {
		log.Fatal(err)
	}
	defer stream.Close()
	for stream.Next() {
		fmt.Print(stream.Delta().GetContent())
	}
	if err := stream.Err(); errors.Is(err, ggserve.ErrResourceExhausted) {
		log.Fatal("server busy, retry later")
	} else if err != nil {
		log.Fatal(err)
	}
	for _, call := range stream.Message().GetToolCalls() {
		var args struct{ City string }
		if err := ggserve.DecodeArguments(call, &args); err == nil {
			fmt.Println("call", call.GetName(), "for", args.City)
		}
	}
	fmt.Println(stream.Response().GetFinishReason(), stream.Response().GetUsage().GetTotalTokens())
}
