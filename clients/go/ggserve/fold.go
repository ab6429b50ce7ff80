package ggserve

import (
	"slices"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"

	ggservev1 "github.com/ggserve/ggserve/clients/go/gen/ggserve/v1"
)

// Fold accumulates stream deltas into the assistant message: content and reasoning text are
// appended; a tool call's id and name come from its first fragment and its argument text is
// the concatenation of every fragment with the same index. A call whose end
// (ChatDelta.tool_call_end) reports it invalid or truncated is dropped, as the server drops it
// from the final message (its raw text follows as content). The per-token log probabilities of
// a request with logprobs are collected in order (ChatResponse.logprobs once the stream ends).
// The zero value is ready to use.
type Fold struct {
	logprobs  []*ggservev1.TokenLogprob
	content   strings.Builder
	reasoning strings.Builder
	calls     map[uint32]*ggservev1.ToolCall
	arguments map[uint32]*strings.Builder
	dropped   map[uint32]bool
}

// toolCallComplete is ToolCallStatus TOOL_CALL_STATUS_COMPLETE.
const toolCallComplete = 1

// endField is ChatDelta.tool_call_end, looked up by name so that this package builds against
// stubs generated before ggserve.v1 had the field (nil then: no call ever ends early).
var endField = (&ggservev1.ChatDelta{}).ProtoReflect().Descriptor().Fields().ByName("tool_call_end")

// toolCallEnd is the index and status of the tool call that `delta` ends, if it ends one.
func toolCallEnd(delta *ggservev1.ChatDelta) (index uint32, status protoreflect.EnumNumber, ok bool) {
	if endField == nil || !delta.ProtoReflect().Has(endField) {
		return 0, 0, false
	}
	end := delta.ProtoReflect().Get(endField).Message()
	fields := end.Descriptor().Fields()
	return uint32(end.Get(fields.ByName("index")).Uint()), end.Get(fields.ByName("status")).Enum(), true
}

// Add appends one delta.
func (f *Fold) Add(delta *ggservev1.ChatDelta) {
	f.content.WriteString(delta.GetContent())
	f.reasoning.WriteString(delta.GetReasoningContent())
	f.logprobs = append(f.logprobs, delta.GetLogprobs()...)
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
	if index, status, ok := toolCallEnd(delta); ok && status != toolCallComplete {
		if f.dropped == nil {
			f.dropped = map[uint32]bool{}
		}
		f.dropped[index] = true
	}
}

// Message is the assistant message folded so far (a new message on every call). Mid-stream
// it includes the calls still being written: execute calls only once the stream has ended.
func (f *Fold) Message() *ggservev1.Message {
	msg := &ggservev1.Message{
		Role:             ggservev1.Role_ROLE_ASSISTANT,
		Content:          f.content.String(),
		ReasoningContent: f.reasoning.String(),
	}
	indexes := make([]uint32, 0, len(f.calls))
	for index := range f.calls {
		if !f.dropped[index] {
			indexes = append(indexes, index)
		}
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

// Logprobs is every token record received so far (a request with logprobs), in generation
// order; once the stream has ended normally it equals ChatResponse.logprobs. A new slice on
// every call; the records are the deltas' own.
func (f *Fold) Logprobs() []*ggservev1.TokenLogprob {
	return slices.Clone(f.logprobs)
}
