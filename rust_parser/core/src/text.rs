//! Content and reasoning text with one whitespace policy.
//!
//! Whitespace next to markup is glue: leading whitespace of a block, and whitespace right before a
//! structural boundary (a tool section, the start or end of reasoning), is dropped. Whitespace
//! between two pieces of text is kept, and so is trailing whitespace at the end of output when
//! text came after the last boundary (`"w38 w39 "` stays as written). The decision depends only
//! on the text, never on how it was split into pieces.

use crate::sink::Sink;

/// Which text block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Block {
    /// Answer text.
    Content,
    /// Reasoning text.
    Reasoning,
}

/// The whitespace-aware writer.
#[derive(Debug, Default)]
pub struct TextOut {
    ws: String,
    ws_block: Option<Block>,
    content_started: bool,
    reasoning_started: bool,
    text_since_boundary: bool,
}

impl TextOut {
    /// Writes `s` into `block`.
    pub fn write(&mut self, block: Block, s: &str, sink: &mut Sink) {
        if s.is_empty() {
            return;
        }
        if self.ws_block != Some(block) {
            self.ws.clear();
        }
        let trimmed_end = s.trim_end_matches(|c: char| c.is_ascii_whitespace());
        let started = match block {
            Block::Content => self.content_started,
            Block::Reasoning => self.reasoning_started,
        };
        if trimmed_end.is_empty() {
            if started {
                self.ws.push_str(s);
                self.ws_block = Some(block);
            }
            return;
        }
        let body = if started {
            trimmed_end
        } else {
            trimmed_end.trim_start_matches(|c: char| c.is_ascii_whitespace())
        };
        let emit = |sink: &mut Sink, t: &str| match block {
            Block::Content => sink.content(t),
            Block::Reasoning => sink.reasoning(t),
        };
        if started && !self.ws.is_empty() {
            emit(sink, &self.ws);
        }
        emit(sink, body);
        self.ws.clear();
        self.ws.push_str(&s[trimmed_end.len()..]);
        self.ws_block = Some(block);
        self.text_since_boundary = true;
        match block {
            Block::Content => self.content_started = true,
            Block::Reasoning => self.reasoning_started = true,
        }
    }

    /// A structural boundary: held whitespace is dropped.
    pub fn boundary(&mut self) {
        self.ws.clear();
        self.ws_block = None;
        self.text_since_boundary = false;
    }

    /// End of output: trailing whitespace of text written since the last boundary is kept.
    pub fn end(&mut self, sink: &mut Sink) {
        if self.text_since_boundary {
            match self.ws_block {
                Some(Block::Content) => sink.content(&self.ws),
                Some(Block::Reasoning) => sink.reasoning(&self.ws),
                None => {}
            }
        }
        self.boundary();
    }
}
