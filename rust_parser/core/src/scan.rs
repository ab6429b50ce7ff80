//! Marker search over new text: the earliest complete marker, or where a marker may be starting.
//!
//! Only the bytes handed in are examined, so a caller that keeps at most
//! `longest marker - 1` bytes pending examines each input byte O(1) times.

/// What a search found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scan {
    /// A whole marker starts at byte `at`; `marker` is its position in the set.
    Found {
        /// Byte offset of the marker.
        at: usize,
        /// Which marker.
        marker: usize,
    },
    /// No decision before byte `at`: the text from there on is a proper prefix of a marker.
    Partial {
        /// Byte offset where the possible marker starts.
        at: usize,
    },
    /// No marker starts anywhere in the text.
    Clear,
}

/// A fixed set of markers.
#[derive(Debug, Clone)]
pub(crate) struct Markers {
    list: Vec<&'static str>,
    first: [bool; 256],
}

impl Markers {
    /// Builds a set; empty markers are ignored.
    #[must_use]
    pub(crate) fn new(list: &[&'static str]) -> Self {
        let list: Vec<&'static str> = list.iter().copied().filter(|m| !m.is_empty()).collect();
        let mut first = [false; 256];
        for m in &list {
            first[usize::from(m.as_bytes()[0])] = true;
        }
        Markers { list, first }
    }

    /// The marker at position `i`.
    #[must_use]
    pub(crate) fn get(&self, i: usize) -> &'static str {
        self.list[i]
    }

    /// The bytes a marker of the set starts with: text without them holds no marker.
    #[must_use]
    pub(crate) fn first_bytes(&self) -> &[bool; 256] {
        &self.first
    }

    /// Finds the earliest marker in `hay` (the longest one when several start at the same byte).
    #[must_use]
    pub(crate) fn find(&self, hay: &str) -> Scan {
        let bytes = hay.as_bytes();
        let mut partial: Option<usize> = None;
        for (i, &b) in bytes.iter().enumerate() {
            if !self.first[usize::from(b)] {
                continue;
            }
            let rest = &bytes[i..];
            let mut best: Option<usize> = None;
            for (k, m) in self.list.iter().enumerate() {
                let m = m.as_bytes();
                if rest.starts_with(m) {
                    if best.is_none_or(|bk| self.list[bk].len() < m.len()) {
                        best = Some(k);
                    }
                } else if rest.len() < m.len() && m.starts_with(rest) && partial.is_none() {
                    partial = Some(i);
                }
            }
            if let Some(marker) = best {
                // A marker still being written at an earlier byte (or a longer one here) would win.
                return match partial {
                    Some(at) if at <= i => Scan::Partial { at },
                    _ => Scan::Found { at: i, marker },
                };
            }
        }
        partial.map_or(Scan::Clear, |at| Scan::Partial { at })
    }
}

/// Whether `text` (the start of the pending input) is a proper prefix of `marker`.
#[must_use]
pub(crate) fn is_prefix_of(text: &str, marker: &str) -> bool {
    text.len() < marker.len() && marker.starts_with(text)
}

/// Length of the leading whitespace of `text` (JSON's set: space, tab, LF, CR).
#[must_use]
pub(crate) fn leading_ws(text: &str) -> usize {
    text.bytes()
        .take_while(|&b| crate::json::value::is_json_ws(b))
        .count()
}

/// Where a bounded token stops growing: the first char boundary of `input` at which a token
/// already holding `have` bytes (at most `max`) would be longer than `max` bytes, or
/// `input.len()` when the whole input fits.
///
/// The position is a fixed place in the text (the end of the character that takes the token
/// past `max`), however the text was split into pieces: a section that consumes at most this
/// many bytes of a token decides "too long" after exactly the same bytes on every split.
#[must_use]
pub(crate) fn token_limit(input: &str, have: usize, max: usize) -> usize {
    let room = (max + 1).saturating_sub(have);
    if room >= input.len() {
        return input.len();
    }
    (room..=input.len())
        .find(|&i| input.is_char_boundary(i))
        .unwrap_or(input.len())
}

/// Length of the leading run of `input` whose bytes satisfy `pred`, capped at
/// [`token_limit`]: a token holding `have` bytes grows past `max` by at most one character, at
/// the same text position on every split. `pred` must treat every non-ASCII byte alike (so the
/// run ends on a char boundary).
#[must_use]
pub(crate) fn bounded_run(input: &str, have: usize, max: usize, pred: impl Fn(u8) -> bool) -> usize {
    let run = input.bytes().take_while(|&b| pred(b)).count();
    run.min(token_limit(input, have, max))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_earliest_and_longest() {
        let m = Markers::new(&["<a>", "<ab>", "</a>"]);
        assert_eq!(m.find("xx<ab>"), Scan::Found { at: 2, marker: 1 });
        assert_eq!(m.find("x</a><a>"), Scan::Found { at: 1, marker: 2 });
        assert_eq!(m.find("hello"), Scan::Clear);
        assert_eq!(m.find("hello<"), Scan::Partial { at: 5 });
        assert_eq!(m.find("hello</"), Scan::Partial { at: 5 });
        assert_eq!(m.find("hello<x"), Scan::Clear);
    }

    #[test]
    fn earlier_partial_wins_over_later_short_marker() {
        let m = Markers::new(&["<|begin_long|>", "long"]);
        assert_eq!(m.find("a<|begin_long"), Scan::Partial { at: 1 });
        assert_eq!(m.find("long"), Scan::Found { at: 0, marker: 1 });
    }

    #[test]
    fn token_limits_are_char_aligned() {
        assert_eq!(token_limit("abc", 0, 5), 3);
        assert_eq!(token_limit("abcdefgh", 0, 5), 6);
        assert_eq!(token_limit("abcdefgh", 4, 5), 2);
        // "é" is two bytes: the limit ends the character that crosses it.
        assert_eq!(token_limit("éééé", 0, 2), 4);
        assert_eq!(token_limit("éééé", 1, 2), 2);
        assert_eq!(bounded_run("abcdef>", 0, 3, |b| b != b'>'), 4);
        assert_eq!(bounded_run("ab>cdef", 0, 3, |b| b != b'>'), 2);
    }
}
