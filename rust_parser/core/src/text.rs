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
    /// Whitespace dropped at the last boundary, with its block and the number of calls started
    /// then: if the next write is text of the same block and no call started in between (the
    /// "section" gave its marker back as text), the whitespace was not glue and is restored.
    dropped: String,
    dropped_block: Option<Block>,
    dropped_calls: usize,
    text_since_boundary: bool,
}

impl TextOut {
    /// Writes `s` into `block`.
    pub fn write(&mut self, block: Block, s: &str, sink: &mut Sink) {
        if s.is_empty() {
            return;
        }
        if let Some(b) = self.dropped_block.take() {
            if b == block && sink.calls_started() == self.dropped_calls && self.ws.is_empty() {
                std::mem::swap(&mut self.ws, &mut self.dropped);
                self.ws_block = Some(b);
            }
            self.dropped.clear();
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
        self.dropped.clear();
        self.dropped_block = None;
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

    /// A boundary that may turn out not to be one: held whitespace is dropped, but restored if
    /// the next text written is of the same block and no call started since (`calls` is the
    /// number of calls started so far), i.e. a tool marker that was given back as text.
    pub fn tentative_boundary(&mut self, calls: usize) {
        self.dropped.clear();
        std::mem::swap(&mut self.dropped, &mut self.ws);
        self.dropped_block = self.ws_block.take().filter(|_| !self.dropped.is_empty());
        self.dropped_calls = calls;
        self.text_since_boundary = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Event;

    fn content(sink: &mut Sink) -> String {
        sink.take()
            .into_iter()
            .filter_map(|e| match e {
                Event::Content(t) => Some(t),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn whitespace_before_a_given_back_marker_is_kept() {
        let mut sink = Sink::default();
        let mut t = TextOut::default();
        t.write(Block::Content, "a\n", &mut sink);
        t.tentative_boundary(sink.calls_started());
        t.write(Block::Content, "<tool_call>oops", &mut sink);
        assert_eq!(content(&mut sink), "a\n<tool_call>oops");
    }

    #[test]
    fn whitespace_before_a_real_section_is_dropped() {
        let mut sink = Sink::default();
        let mut t = TextOut::default();
        t.write(Block::Content, "a\n", &mut sink);
        t.tentative_boundary(sink.calls_started());
        sink.start_call("", "f");
        sink.end_call();
        t.tentative_boundary(sink.calls_started());
        t.write(Block::Content, "b", &mut sink);
        assert_eq!(content(&mut sink), "ab");
    }
}
