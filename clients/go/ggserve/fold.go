package ggserve

import (
	"slices"
	"strings"

	ggservev1 "github.com/ggserve/ggserve/clients/go/gen/ggserve/v1"
)

// Fold accumulates stream deltas into the assistant message: content and reasoning text are
// appended; a tool call's id and name come from its first fragment and its argument text is
// the concatenation of every fragment with the same index. The zero value is ready to use.
type Fold struct {
	content   strings.Builder
	reasoning strings.Builder
	calls     map[uint32]*ggservev1.ToolCall
	arguments map[uint32]*strings.Builder
}

// Add appends one delta.
func (f *Fold) Add(delta *ggservev1.ChatDelta) {
	f.content.WriteString(delta.GetContent())
	f.reasoning.WriteString(delta.GetReasoningContent())
	for _, fragment := range delta.GetToolCalls() {
		if f.calls == nil {
			f.calls = map[uint32]*ggservev1.ToolCall{}
			f.arguments = map[uint32]*strings.Builder{}
		}
		call, ok := f.calls[fragment.GetIndex()]
		if !ok {
			call = &ggservev1.ToolCall{}
			f.calls[fragment.GetIndex()] = call
			f.arguments[fragment.GetIndex()] = &strings.Builder{}
		}
		if call.Id == "" {
			call.Id = fragment.GetId()
		}
		if call.Name == "" {
			call.Name = fragment.GetName()
		}
		f.arguments[fragment.GetIndex()].WriteString(fragment.GetArguments())
	}
}

// Message is the assistant message folded so far (a new message on every call).
func (f *Fold) Message() *ggservev1.Message {
	msg := &ggservev1.Message{
		Role:             ggservev1.Role_ROLE_ASSISTANT,
		Content:          f.content.String(),
		ReasoningContent: f.reasoning.String(),
	}
	indexes := make([]uint32, 0, len(f.calls))
	for index := range f.calls {
		indexes = append(indexes, index)
	}
	slices.Sort(indexes)
	for _, index := range indexes {
		call := f.calls[index]
		msg.ToolCalls = append(msg.ToolCalls, &ggservev1.ToolCall{
			Id: call.Id, Name: call.Name, Arguments: f.arguments[index].String(),
		})
	}
	return msg
}
