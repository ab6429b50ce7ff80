package ggserve

import (
	"context"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	ggservev1 "github.com/ggserve/ggserve/clients/go/gen/ggserve/v1"
)

// DefaultTarget is where `ggserve serve` listens unless told otherwise.
const DefaultTarget = "127.0.0.1:50051"

// Client calls a ggserve server. It is safe for concurrent use; one Client (one HTTP/2
// connection) serves many concurrent calls.
type Client struct {
	conn   *grpc.ClientConn // nil when the caller owns the connection (New)
	chat   ggservev1.ChatServiceClient
	models ggservev1.ModelServiceClient
}

// Dial returns a Client of the server at target ("host:port", "unix:///path", or any gRPC
// target). Without options the connection is plaintext, which is how ggserve serves on
// loopback or a Unix socket; pass grpc.WithTransportCredentials for TLS. The connection is made
// lazily, on the first call.
func Dial(target string, opts ...grpc.DialOption) (*Client, error) {
	opts = append([]grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}, opts...)
	conn, err := grpc.NewClient(target, opts...)
	if err != nil {
		return nil, err
	}
	client := New(conn)
	client.conn = conn
	return client, nil
}

// New returns a Client over a connection the caller owns (Close leaves it open).
func New(conn grpc.ClientConnInterface) *Client {
	return &Client{
		chat:   ggservev1.NewChatServiceClient(conn),
		models: ggservev1.NewModelServiceClient(conn),
	}
}

// Close closes the connection made by Dial, cancelling the calls still running.
func (c *Client) Close() error {
	if c.conn == nil {
		return nil
	}
	return c.conn.Close()
}

// ChatService is the generated stub, for what this package does not wrap.
func (c *Client) ChatService() ggservev1.ChatServiceClient { return c.chat }

// ModelService is the generated stub, for what this package does not wrap.
func (c *Client) ModelService() ggservev1.ModelServiceClient { return c.models }

// Chat generates a whole assistant turn (unary Chat). The context's deadline is sent to the
// server, which stops generating when it passes.
func (c *Client) Chat(ctx context.Context, req *ggservev1.ChatRequest, opts ...grpc.CallOption) (*ggservev1.ChatResponse, error) {
	var trailer metadata.MD
	resp, err := c.chat.Chat(ctx, req, withTrailer(opts, &trailer)...)
	if err != nil {
		return nil, wrap(err, trailer)
	}
	return resp, nil
}

// ChatStream starts a streamed assistant turn; read it with [Stream.Next]. Errors of the
// request itself (a bad request, an unknown model) come from [Stream.Err], since the server
// reports them on the stream. Close the stream to stop generation early.
func (c *Client) ChatStream(ctx context.Context, req *ggservev1.ChatRequest, opts ...grpc.CallOption) (*Stream, error) {
	ctx, cancel := context.WithCancel(ctx)
	call, err := c.chat.ChatStream(ctx, &ggservev1.ChatStreamRequest{Request: req}, opts...)
	if err != nil {
		cancel()
		return nil, wrap(err, nil)
	}
	return &Stream{call: call, cancel: cancel}, nil
}

// ListModels lists the served models, the default first.
func (c *Client) ListModels(ctx context.Context, opts ...grpc.CallOption) ([]*ggservev1.Model, error) {
	var trailer metadata.MD
	resp, err := c.models.ListModels(ctx, &ggservev1.ListModelsRequest{}, withTrailer(opts, &trailer)...)
	if err != nil {
		return nil, wrap(err, trailer)
	}
	return resp.GetModels(), nil
}

// GetModel describes one model; an empty alias means the default model.
func (c *Client) GetModel(ctx context.Context, alias string, opts ...grpc.CallOption) (*ggservev1.Model, error) {
	var trailer metadata.MD
	resp, err := c.models.GetModel(ctx, &ggservev1.GetModelRequest{Model: alias}, withTrailer(opts, &trailer)...)
	if err != nil {
		return nil, wrap(err, trailer)
	}
	return resp.GetModel(), nil
}

// Tokenize returns the token ids of text under a model (empty alias: the default model).
func (c *Client) Tokenize(ctx context.Context, alias, text string, opts ...grpc.CallOption) ([]uint32, error) {
	var trailer metadata.MD
	req := &ggservev1.TokenizeRequest{Model: alias, Text: text}
	resp, err := c.models.Tokenize(ctx, req, withTrailer(opts, &trailer)...)
	if err != nil {
		return nil, wrap(err, trailer)
	}
	return resp.GetTokenIds(), nil
}

// RenderChat returns the exact prompt a chat request would be given, without generating.
func (c *Client) RenderChat(ctx context.Context, req *ggservev1.ChatRequest, opts ...grpc.CallOption) (*ggservev1.RenderChatResponse, error) {
	var trailer metadata.MD
	resp, err := c.models.RenderChat(ctx, &ggservev1.RenderChatRequest{Request: req}, withTrailer(opts, &trailer)...)
	if err != nil {
		return nil, wrap(err, trailer)
	}
	return resp, nil
}

// withTrailer adds a trailer receiver to a copy of opts (the caller's slice is left alone).
func withTrailer(opts []grpc.CallOption, trailer *metadata.MD) []grpc.CallOption {
	return append(opts[:len(opts):len(opts)], grpc.Trailer(trailer))
}
