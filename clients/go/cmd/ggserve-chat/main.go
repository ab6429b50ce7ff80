// Command ggserve-chat streams a chat with a ggserve server and answers the model's tool calls
// with a local get_weather function, looping until the model gives a final answer:
//
//	go run ./cmd/ggserve-chat -target 127.0.0.1:50051 "What's the weather in Paris?"
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"

	ggservev1 "github.com/ggserve/ggserve/clients/go/gen/ggserve/v1"
	"github.com/ggserve/ggserve/clients/go/ggserve"
)

var weatherTool = ggserve.MustTool("get_weather", "Current weather in a city.", map[string]any{
	"type":       "object",
	"properties": map[string]any{"city": map[string]any{"type": "string"}},
	"required":   []string{"city"},
})

// getWeather stands in for a real weather service.
func getWeather(call *ggservev1.ToolCall) string {
	var args struct {
		City string `json:"city"`
	}
	if err := ggserve.DecodeArguments(call, &args); err != nil {
		return fmt.Sprintf(`{"error": %q}`, err.Error())
	}
	answer, _ := json.Marshal(map[string]any{"city": args.City, "temperature_c": 18, "sky": "cloudy"})
	return string(answer)
}

func main() {
	target := flag.String("target", ggserve.DefaultTarget, "server address")
	maxTokens := flag.Uint("max-tokens", 256, "maximum generated tokens per turn")
	rounds := flag.Int("rounds", 3, "maximum model turns (tool calls and their answers)")
	timeout := flag.Duration("timeout", 2*time.Minute, "deadline of the whole conversation")
	flag.Parse()
	prompt := strings.Join(flag.Args(), " ")
	if prompt == "" {
		prompt = "What's the weather in Paris?"
	}

	client, err := ggserve.Dial(*target)
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()

	messages := []*ggservev1.Message{ggserve.User(prompt)}
	for round := 0; round < *rounds; round++ {
		stream, err := client.ChatStream(ctx, &ggservev1.ChatRequest{
			Messages:  messages,
			Tools:     []*ggservev1.Tool{weatherTool},
			MaxTokens: proto.Uint32(uint32(*maxTokens)),
		})
		if err != nil {
			fail(err)
		}
		for stream.Next() {
			fmt.Print(stream.Delta().GetContent()) // tool-call fragments arrive in ToolCalls
		}
		if err := stream.Err(); err != nil {
			fail(err)
		}
		fmt.Println()
		answer := stream.Message() // the deltas folded: content, reasoning and whole tool calls
		if len(answer.GetToolCalls()) == 0 {
			return
		}
		messages = append(messages, answer)
		for _, call := range answer.GetToolCalls() {
			result := getWeather(call)
			fmt.Printf("[%s(%s) -> %s]\n", call.GetName(), call.GetArguments(), result)
			messages = append(messages, ggserve.ToolResult(call.GetId(), result))
		}
	}
}

// fail reports a failed call the way a service would log it, and exits.
func fail(err error) {
	var e *ggserve.Error
	switch {
	case errors.Is(err, ggserve.ErrUnavailable):
		log.Printf("server unavailable (not started, loading or draining): %v", err)
	case errors.As(err, &e) && e.Reason != "":
		log.Printf("%v (reason %q)", err, e.Reason)
	default:
		log.Print(err)
	}
	os.Exit(1)
}
