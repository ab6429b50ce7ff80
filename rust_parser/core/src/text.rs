//! Content and reasoning text: whitespace is content.
//!
//! Text comes out exactly as the model wrote it, whitespace included (before a tool section,
//! next to reasoning markers, at the start and end of the output). The one exception is glue
//! between tool sections: whitespace right after a section is held, and dropped if another
//! section or the end of output follows (`</tool_call>\n<tool_call>`, a trailing newline after
//! the last call); it is released as written if text follows. If the next "section" gives its
//! marker back as text before any call starts, the held whitespace was not glue and comes back
//! too. Whitespace right after a closed reasoning block is glue in the same way when a tool call
//! follows (`</think>\n\n<tool_call>`), and content as written otherwise (text, or the end of
//! the output, follows). The decision depends only on the text, never on how it was split into
//! pieces.

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
    /// After a tool section: whitespace is held until text or another boundary decides it.
    glue: bool,
    /// The held (or dropped) glue follows a closed reasoning block: it is glue only if a call
    /// follows it, and comes back at the end of the output otherwise.
    after_reasoning: bool,
    ws: String,
    ws_block: Option<Block>,
    /// Glue dropped at the last boundary, with its block and the number of calls started then:
    /// restored if the next write is text of the same block and no call started in between.
    dropped: String,
    dropped_block: Option<Block>,
    dropped_calls: usize,
}

impl TextOut {
    /// Writes `s` into `block`.
    pub fn write(&mut self, block: Block, s: &str, sink: &mut Sink) {
        if s.is_empty() {
            return;
        }
        if let Some(b) = self.dropped_block.take() {
            // After a reasoning block, only a call makes the whitespace glue.
            if (b == block || self.after_reasoning) && sink.calls_started() == self.dropped_calls {
                emit(sink, block, &self.dropped);
            }
            self.dropped.clear();
        }
        if self.glue {
            let body = s.trim_start_matches(|c: char| c.is_ascii_whitespace());
            if self.ws_block != Some(block) {
                self.ws.clear();
            }
            if body.is_empty() {
                self.ws.push_str(s);
                self.ws_block = Some(block);
                return;
            }
            // Text follows the section: the whitespace was the model's, as written.
            self.glue = false;
            self.after_reasoning = false;
            let ws = std::mem::take(&mut self.ws);
            emit(sink, block, &ws);
            self.ws_block = None;
        }
        emit(sink, block, s);
    }

    /// A structural boundary (a section starts, reasoning opens or closes): glue held since
    /// the last section is dropped, tentatively (see [`TextOut::write`]).
    pub fn boundary(&mut self, calls: usize) {
        if self.after_reasoning && self.ws.is_empty() && self.dropped_block.is_some() {
            // Whitespace after a reasoning block still waits for a call (a marker that makes
            // none, such as Granite's `<response>`, does not decide it).
            self.glue = false;
            return;
        }
        self.dropped.clear();
        std::mem::swap(&mut self.dropped, &mut self.ws);
        self.dropped_block = self.ws_block.take().filter(|_| !self.dropped.is_empty());
        self.dropped_calls = calls;
        self.glue = false;
    }

    /// A tool section ended: whitespace that follows is glue until text shows otherwise.
    pub fn after_section(&mut self, calls: usize) {
        self.boundary(calls);
        self.glue = true;
        self.after_reasoning = false;
    }

    /// A reasoning block closed: whitespace that follows is glue if a call follows it.
    pub fn after_reasoning(&mut self, calls: usize) {
        self.boundary(calls);
        self.glue = true;
        self.after_reasoning = true;
    }

    /// End of output: held glue is dropped, except after a reasoning block with no call since
    /// (it was the model's text, as written).
    pub fn end(&mut self, sink: &mut Sink) {
        if self.after_reasoning {
            if let Some(b) = self.dropped_block {
                if sink.calls_started() == self.dropped_calls {
                    emit(sink, b, &self.dropped);
                }
            }
            if let Some(b) = self.ws_block {
                emit(sink, b, &self.ws);
            }
            self.after_reasoning = false;
        }
        self.ws.clear();
        self.ws_block = None;
        self.dropped.clear();
        self.dropped_block = None;
        self.glue = false;
    }
}

fn emit(sink: &mut Sink, block: Block, t: &str) {
    match block {
        Block::Content => sink.content(t),
        Block::Reasoning => sink.reasoning(t),
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
    fn whitespace_before_a_section_is_content() {
        let mut sink = Sink::default();
        let mut t = TextOut::default();
        t.write(Block::Content, "a\n", &mut sink);
        t.boundary(sink.calls_started());
        assert_eq!(content(&mut sink), "a\n");
    }

    #[test]
    fn glue_before_a_given_back_marker_is_kept() {
        let mut sink = Sink::default();
        let mut t = TextOut::default();
        t.after_section(sink.calls_started());
        t.write(Block::Content, "\n", &mut sink);
        t.boundary(sink.calls_started());
        t.write(Block::Content, "<tool_call>oops", &mut sink);
        assert_eq!(content(&mut sink), "\n<tool_call>oops");
    }

    #[test]
    fn glue_between_sections_is_dropped() {
        let mut sink = Sink::default();
        let mut t = TextOut::default();
        sink.start_call("", "f");
        sink.end_call();
        t.after_section(sink.calls_started());
        t.write(Block::Content, "\n", &mut sink);
        t.boundary(sink.calls_started());
        sink.start_call("", "g");
        sink.end_call();
        t.after_section(sink.calls_started());
        t.write(Block::Content, " \n", &mut sink);
        t.end(&mut sink);
        assert_eq!(content(&mut sink), "");
    }
}
