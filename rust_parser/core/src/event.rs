//! The events a stream emits: append-only deltas of content, reasoning and tool calls.

/// One append-only piece of output.
///
/// Text deltas are never retracted: folding every event of a stream gives the final message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// Visible answer text.
    Content(String),
    /// Reasoning ("thinking") text.
    Reasoning(String),
    /// A tool call begins; sent once per call, before its arguments.
    ToolCallStart {
        /// 0-based position of the call in this stream.
        index: usize,
        /// The model's own id where the format carries one, otherwise empty.
        id: String,
        /// The function name.
        name: String,
    },
    /// A fragment of the call's arguments (JSON text).
    ToolCallArgs {
        /// The call this fragment belongs to.
        index: usize,
        /// The fragment.
        text: String,
    },
    /// The call's arguments are complete (and valid JSON).
    ToolCallEnd {
        /// The call that ended.
        index: usize,
    },
}

impl Event {
    /// The Python-facing kind name.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Event::Content(_) => "content",
            Event::Reasoning(_) => "reasoning",
            Event::ToolCallStart { .. } => "tool_call_start",
            Event::ToolCallArgs { .. } => "tool_call_args",
            Event::ToolCallEnd { .. } => "tool_call_end",
        }
    }
}
