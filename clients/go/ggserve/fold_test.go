package ggserve_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	ggservev1 "github.com/ggserve/ggserve/clients/go/gen/ggserve/v1"
	"github.com/ggserve/ggserve/clients/go/ggserve"
)

func TestFoldInterleavedToolCalls(t *testing.T) {
	var fold ggserve.Fold
	fold.Add(&ggservev1.ChatDelta{ReasoningContent: "think"})
	fold.Add(&ggservev1.ChatDelta{Content: "a"})
	fold.Add(&ggservev1.ChatDelta{ToolCalls: []*ggservev1.ToolCallDelta{
		{Index: 1, Id: "c1", Name: "second", Arguments: `{"b"`},
		{Index: 0, Id: "c0", Name: "first", Arguments: `{`},
	}})
	fold.Add(&ggservev1.ChatDelta{Content: "b", ToolCalls: []*ggservev1.ToolCallDelta{
		{Index: 0, Arguments: `}`}, {Index: 1, Arguments: `: 1}`},
	}})
	want := &ggservev1.Message{
		Role: ggservev1.Role_ROLE_ASSISTANT, Content: "ab", ReasoningContent: "think",
		ToolCalls: []*ggservev1.ToolCall{
			{Id: "c0", Name: "first", Arguments: "{}"},
			{Id: "c1", Name: "second", Arguments: `{"b": 1}`},
		},
	}
	if got := fold.Message(); !proto.Equal(got, want) {
		t.Errorf("folded %v, want %v", got, want)
	}
}

func TestNewToolRejectsNonObjectSchema(t *testing.T) {
	if _, err := ggserve.NewTool("f", "", []int{1}); err == nil {
		t.Error("a JSON array was accepted as a parameters schema")
	}
	tool, err := ggserve.NewTool("f", "", nil)
	if err != nil || tool.GetParameters() != "" {
		t.Errorf("no parameters: %v, %v", tool, err)
	}
}

func TestDecodeArgumentsReportsTheCall(t *testing.T) {
	var v map[string]any
	err := ggserve.DecodeArguments(&ggservev1.ToolCall{Id: "x1", Name: "f", Arguments: "{oops"}, &v)
	var syntax *json.SyntaxError
	if !errors.As(err, &syntax) || !strings.Contains(err.Error(), "x1") {
		t.Fatalf("err = %v, want a JSON syntax error naming call x1", err)
	}
	if err := ggserve.DecodeArguments(&ggservev1.ToolCall{}, &v); err != nil || len(v) != 0 {
		t.Errorf("empty arguments: %v, %v", v, err)
	}
}

// A call that ends invalid or truncated leaves the folded message, as it leaves the final one.
// The end is set by field name: stubs generated before ggserve.v1 had ChatDelta.tool_call_end
// lack it, and then there is nothing to drop.
func TestFoldDropsCallsThatEndInvalid(t *testing.T) {
	endField := (&ggservev1.ChatDelta{}).ProtoReflect().Descriptor().Fields().ByName("tool_call_end")
	if endField == nil {
		t.Log("these stubs have no ChatDelta.tool_call_end; nothing to drop")
		return
	}
	end := func(index uint32, status protoreflect.EnumNumber) *ggservev1.ChatDelta {
		delta := &ggservev1.ChatDelta{}
		msg := delta.ProtoReflect().Mutable(endField).Message()
		msg.Set(msg.Descriptor().Fields().ByName("index"), protoreflect.ValueOfUint32(index))
		msg.Set(msg.Descriptor().Fields().ByName("status"), protoreflect.ValueOfEnum(status))
		return delta
	}
	var fold ggserve.Fold
	fold.Add(&ggservev1.ChatDelta{ToolCalls: []*ggservev1.ToolCallDelta{{Index: 0, Id: "a", Name: "f", Arguments: "{}"}}})
	fold.Add(end(0, 1)) // COMPLETE
	fold.Add(&ggservev1.ChatDelta{ToolCalls: []*ggservev1.ToolCallDelta{{Index: 1, Id: "b", Name: "f", Arguments: "{oops"}}})
	fold.Add(end(1, 2)) // INVALID
	fold.Add(&ggservev1.ChatDelta{Content: "<tool_call>{oops"})
	calls := fold.Message().GetToolCalls()
	if len(calls) != 1 || calls[0].GetId() != "a" {
		t.Errorf("calls = %v, want only the complete one", calls)
	}
	if fold.Message().GetContent() != "<tool_call>{oops" {
		t.Errorf("content = %q", fold.Message().GetContent())
	}
}

func TestFoldCollectsLogprobsInOrder(t *testing.T) {
	var fold ggserve.Fold
	if fold.Logprobs() != nil {
		t.Errorf("logprobs before any delta = %v, want nil", fold.Logprobs())
	}
	first := &ggservev1.TokenLogprob{TokenId: 1, Token: "a", Bytes: []byte("a"), Logprob: -0.1}
	second := &ggservev1.TokenLogprob{TokenId: 2, Token: "b", Bytes: []byte("b"), Logprob: -2}
	third := &ggservev1.TokenLogprob{TokenId: 3, Token: "c", Bytes: []byte("c"), Logprob: -0.5}
	fold.Add(&ggservev1.ChatDelta{Content: "a", Logprobs: []*ggservev1.TokenLogprob{first}})
	fold.Add(&ggservev1.ChatDelta{Logprobs: []*ggservev1.TokenLogprob{second, third}}) // text held back
	fold.Add(&ggservev1.ChatDelta{Content: "bc"})
	got := fold.Logprobs()
	want := []*ggservev1.TokenLogprob{first, second, third}
	if len(got) != len(want) {
		t.Fatalf("logprobs = %v, want %v", got, want)
	}
	for i := range want {
		if !proto.Equal(got[i], want[i]) {
			t.Errorf("logprobs[%d] = %v, want %v", i, got[i], want[i])
		}
	}
	got[0] = nil // the caller's copy
	if fold.Logprobs()[0] == nil {
		t.Error("Logprobs returned the fold's own slice")
	}
}
