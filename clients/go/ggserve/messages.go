package ggserve

import (
	"encoding/json"
	"fmt"

	ggservev1 "github.com/ggserve/ggserve/clients/go/gen/ggserve/v1"
)

// System is a system message (instructions for the assistant).
func System(text string) *ggservev1.Message {
	return &ggservev1.Message{Role: ggservev1.Role_ROLE_SYSTEM, Content: text}
}

// User is a user message.
func User(text string) *ggservev1.Message {
	return &ggservev1.Message{Role: ggservev1.Role_ROLE_USER, Content: text}
}

// ToolResult is the answer to the tool call with id callID; content is usually JSON text.
func ToolResult(callID, content string) *ggservev1.Message {
	return &ggservev1.Message{Role: ggservev1.Role_ROLE_TOOL, ToolCallId: callID, Content: content}
}

// NewTool describes a function the model may call. parameters is its JSON Schema: anything
// encoding/json marshals to an object (a map, a struct, json.RawMessage), or nil for none.
func NewTool(name, description string, parameters any) (*ggservev1.Tool, error) {
	tool := &ggservev1.Tool{Name: name, Description: description}
	if parameters == nil {
		return tool, nil
	}
	schema, err := json.Marshal(parameters)
	if err != nil {
		return nil, fmt.Errorf("ggserve: tool %q: parameters: %w", name, err)
	}
	var object map[string]json.RawMessage
	if json.Unmarshal(schema, &object) != nil {
		return nil, fmt.Errorf("ggserve: tool %q: parameters must be a JSON Schema object, got %s", name, schema)
	}
	tool.Parameters = string(schema)
	return tool, nil
}

// MustTool is NewTool for schemas known to be valid (package-level tool tables); it panics on
// an error.
func MustTool(name, description string, parameters any) *ggservev1.Tool {
	tool, err := NewTool(name, description, parameters)
	if err != nil {
		panic(err)
	}
	return tool
}

// ToolChoice modes; ForceTool names one function.
var (
	// AutoTools lets the model decide whether to call tools (the default).
	AutoTools = &ggservev1.ToolChoice{Choice: &ggservev1.ToolChoice_Mode_{Mode: ggservev1.ToolChoice_MODE_AUTO}}
	// NoTools hides the tools from the model.
	NoTools = &ggservev1.ToolChoice{Choice: &ggservev1.ToolChoice_Mode_{Mode: ggservev1.ToolChoice_MODE_NONE}}
	// RequireTools makes the model call one of the tools (enforced with a grammar).
	RequireTools = &ggservev1.ToolChoice{Choice: &ggservev1.ToolChoice_Mode_{Mode: ggservev1.ToolChoice_MODE_REQUIRED}}
)

// ForceTool makes the model call the named function (enforced with a grammar).
func ForceTool(name string) *ggservev1.ToolChoice {
	return &ggservev1.ToolChoice{Choice: &ggservev1.ToolChoice_FunctionName{FunctionName: name}}
}

// DecodeArguments unmarshals a tool call's JSON arguments into v (empty arguments mean {}).
func DecodeArguments(call *ggservev1.ToolCall, v any) error {
	arguments := call.GetArguments()
	if arguments == "" {
		arguments = "{}"
	}
	if err := json.Unmarshal([]byte(arguments), v); err != nil {
		return fmt.Errorf("ggserve: tool call %s (%s): arguments: %w", call.GetId(), call.GetName(), err)
	}
	return nil
}
