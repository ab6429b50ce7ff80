//! The events a stream emits: append-only deltas of content, reasoning and tool calls.

/// How a tool call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CallStatus {
    /// The arguments are whole (closing markers may still be missing): a real call.
    Complete,
    /// The arguments turned out not to be valid: not a call; its raw text follows as content.
    Invalid,
    /// The output ended inside the call: not a call; its raw text follows as content.
    Truncated,
}

impl CallStatus {
    /// The Python-facing name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            CallStatus::Complete => "complete",
            CallStatus::Invalid => "invalid",
            CallStatus::Truncated => "truncated",
        }
    }
}

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
    /// The call ended. Only a [`CallStatus::Complete`] call is a call: the raw text of any
    /// other comes right after this event as content, so nothing is lost.
    ToolCallEnd {
        /// The call that ended.
        index: usize,
        /// How it ended.
        status: CallStatus,
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

/// An [`Event`] borrowed from the stream (see [`crate::ToolCallStream::push_visit`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventRef<'a> {
    /// Visible answer text.
    Content(&'a str),
    /// Reasoning ("thinking") text.
    Reasoning(&'a str),
    /// A tool call begins.
    ToolCallStart {
        /// 0-based position of the call in this stream.
        index: usize,
        /// The model's own id where the format carries one, otherwise empty.
        id: &'a str,
        /// The function name.
        name: &'a str,
    },
    /// A fragment of the call's arguments (JSON text).
    ToolCallArgs {
        /// The call this fragment belongs to.
        index: usize,
        /// The fragment.
        text: &'a str,
    },
    /// The call ended.
    ToolCallEnd {
        /// The call that ended.
        index: usize,
        /// How it ended.
        status: CallStatus,
    },
}

impl EventRef<'_> {
    /// The owned event.
    #[must_use]
    pub fn to_owned(&self) -> Event {
        match *self {
            EventRef::Content(t) => Event::Content(t.to_owned()),
            EventRef::Reasoning(t) => Event::Reasoning(t.to_owned()),
            EventRef::ToolCallStart { index, id, name } => Event::ToolCallStart {
                index,
                id: id.to_owned(),
                name: name.to_owned(),
            },
            EventRef::ToolCallArgs { index, text } => Event::ToolCallArgs {
                index,
                text: text.to_owned(),
            },
            EventRef::ToolCallEnd { index, status } => Event::ToolCallEnd { index, status },
        }
    }
}
