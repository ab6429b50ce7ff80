//! Python bindings of `ggserve-parser-core`: the module `ggserve_parser`.
//!
//! One call per decoded piece (`ToolCallStream.push`), returning a tuple of `Event` objects that
//! the garbage collector does not track (the shared empty tuple when nothing happened).
//! Caller mistakes (unknown format, malformed tools) raise `ValueError`; model output never
//! raises.

use ggserve_parser_core as core;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString, PyTuple};

/// One append-only piece of parser output.
///
/// The text fields are Python strings made once, when the event is made: a consumer reads
/// `text` of nearly every event, and reading it costs a reference, not a copy. The layout is
/// small (40 bytes with the object header) because a consumer may keep every event of a long
/// stream. No free list: PyO3's takes a lock per allocation, and a consumer that keeps events
/// (a client recording a stream) never returns one to it, so it only cost (the per-push median
/// of the 64 KiB stream fell by one tenth without it).
#[pyclass(frozen, name = "Event", module = "ggserve_parser")]
struct Event {
    /// The text delta (content, reasoning, arguments); None for an empty one.
    text: Option<Py<PyString>>,
    /// Id and name, on tool_call_start only.
    head: Option<Box<[Py<PyString>; 2]>>,
    /// The tool call index; [`NO_CALL`] for content and reasoning.
    call: u32,
    kind: Kind,
    /// On tool_call_end only.
    status: Option<core::CallStatus>,
}

/// [`Event::call`] of content and reasoning.
const NO_CALL: u32 = u32::MAX;

/// The kinds of event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Content,
    Reasoning,
    ToolCallStart,
    ToolCallArgs,
    ToolCallEnd,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Content => "content",
            Kind::Reasoning => "reasoning",
            Kind::ToolCallStart => "tool_call_start",
            Kind::ToolCallArgs => "tool_call_args",
            Kind::ToolCallEnd => "tool_call_end",
        }
    }
}

/// A cached Python str for one of the parser's fixed words: a consumer reads `kind` (and often
/// `status`) of every event, and a new str per read cost more than the rest of the dispatch.
fn word<'py>(py: Python<'py>, s: &'static str) -> Bound<'py, PyString> {
    use pyo3::intern;
    let cached = match s {
        "content" => intern!(py, "content"),
        "reasoning" => intern!(py, "reasoning"),
        "tool_call_start" => intern!(py, "tool_call_start"),
        "tool_call_args" => intern!(py, "tool_call_args"),
        "tool_call_end" => intern!(py, "tool_call_end"),
        "complete" => intern!(py, "complete"),
        "invalid" => intern!(py, "invalid"),
        "truncated" => intern!(py, "truncated"),
        "" => intern!(py, ""),
        other => return PyString::new(py, other),
    };
    cached.clone()
}

#[pymethods]
impl Event {
    /// "content", "reasoning", "tool_call_start", "tool_call_args" or "tool_call_end".
    #[getter]
    fn kind<'py>(&self, py: Python<'py>) -> Bound<'py, PyString> {
        word(py, self.kind.name())
    }

    /// The text delta (content, reasoning, arguments); empty otherwise.
    #[getter]
    fn text<'py>(&self, py: Python<'py>) -> Bound<'py, PyString> {
        or_empty(py, self.text.as_ref())
    }

    /// The tool call index (0-based, per stream); None for content and reasoning.
    #[getter]
    fn index(&self) -> Option<u32> {
        (self.call != NO_CALL).then_some(self.call)
    }

    /// The model's own call id on tool_call_start (empty when the format carries none).
    #[getter]
    fn id<'py>(&self, py: Python<'py>) -> Bound<'py, PyString> {
        or_empty(py, self.head.as_ref().map(|h| &h[0]))
    }

    /// The function name on tool_call_start; empty otherwise.
    #[getter]
    fn name<'py>(&self, py: Python<'py>) -> Bound<'py, PyString> {
        or_empty(py, self.head.as_ref().map(|h| &h[1]))
    }

    /// On tool_call_end: "complete", "invalid" or "truncated"; empty otherwise.
    #[getter]
    fn status<'py>(&self, py: Python<'py>) -> Bound<'py, PyString> {
        word(py, self.status.map_or("", core::CallStatus::as_str))
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        let text = self.text(py).to_string_lossy().into_owned();
        let index = self.index().unwrap_or(0);
        match self.kind {
            Kind::ToolCallStart => format!(
                "Event(kind='tool_call_start', index={index}, id={:?}, name={:?})",
                self.id(py).to_string_lossy(),
                self.name(py).to_string_lossy()
            ),
            Kind::ToolCallEnd => format!(
                "Event(kind='tool_call_end', index={index}, status={:?})",
                self.status.map_or("", core::CallStatus::as_str)
            ),
            Kind::ToolCallArgs => format!("Event(kind='tool_call_args', index={index}, text={text:?})"),
            kind => format!("Event(kind={:?}, text={text:?})", kind.name()),
        }
    }

    fn __eq__(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> PyResult<bool> {
        let Ok(o) = other.cast::<Event>() else {
            return Ok(false);
        };
        let o = o.get();
        Ok(o.kind == self.kind
            && o.call == self.call
            && o.status == self.status
            && o.text(py).as_any().eq(self.text(py))?
            && o.id(py).as_any().eq(self.id(py))?
            && o.name(py).as_any().eq(self.name(py))?)
    }
}

/// A text field's str: the shared empty str for none.
fn or_empty<'py>(py: Python<'py>, s: Option<&Py<PyString>>) -> Bound<'py, PyString> {
    match s {
        Some(s) => s.bind(py).clone(),
        None => word(py, ""),
    }
}

/// Makes the Python strings of events. Most pushes inside prose or a long argument return
/// one event whose text is exactly the piece pushed: that event shares the caller's str instead
/// of copying it.
struct Texts<'a, 'py> {
    py: Python<'py>,
    /// The pushed piece (an exact str) and its text, when the piece can be shared.
    piece: Option<(&'a Bound<'py, PyString>, &'a str)>,
}

impl<'py> Texts<'_, 'py> {
    /// A text field: None for an empty text.
    fn of(&self, t: &str) -> Option<Py<PyString>> {
        (!t.is_empty()).then(|| self.text(t))
    }

    fn text(&self, t: &str) -> Py<PyString> {
        match self.piece {
            Some((obj, text)) if text == t => obj.clone().unbind(),
            _ if t.is_empty() => word(self.py, "").unbind(),
            _ => PyString::new(self.py, t).unbind(),
        }
    }

    /// The Python event for a core event.
    fn event(&self, e: core::EventRef<'_>) -> Event {
        use core::EventRef as E;
        let call = |i: usize| u32::try_from(i).unwrap_or(NO_CALL - 1);
        let (kind, text, call, head, status) = match e {
            E::Content(t) => (Kind::Content, self.of(t), NO_CALL, None, None),
            E::Reasoning(t) => (Kind::Reasoning, self.of(t), NO_CALL, None, None),
            E::ToolCallStart { index, id, name } => {
                let head = [self.text(id), self.text(name)];
                (Kind::ToolCallStart, None, call(index), Some(Box::new(head)), None)
            }
            E::ToolCallArgs { index, text } => (Kind::ToolCallArgs, self.of(text), call(index), None, None),
            E::ToolCallEnd { index, status } => (Kind::ToolCallEnd, None, call(index), None, Some(status)),
        };
        Event {
            text,
            head,
            call,
            kind,
            status,
        }
    }

    fn new_event(&self, e: core::EventRef<'_>) -> PyResult<Bound<'py, PyAny>> {
        let obj = Bound::new(self.py, self.event(e))?.into_any();
        untrack(&obj);
        Ok(obj)
    }

    /// The events as a tuple the collector does not track: a consumer may keep every push's
    /// result (a client recording a stream) without each collection scanning them all. No
    /// event is the interpreter's shared empty tuple (no allocation); one event (a delta inside
    /// a long argument or text) one object and a one-item tuple.
    fn tuple(&self, events: core::Events<'_>) -> PyResult<Bound<'py, PyTuple>> {
        let mut iter = events.iter();
        let Some(first) = iter.next() else {
            return Ok(PyTuple::empty(self.py));
        };
        let first = self.new_event(first)?;
        let tuple = if iter.len() == 0 {
            PyTuple::new(self.py, [first])?
        } else {
            let mut objects = Vec::with_capacity(events.len());
            objects.push(first);
            for e in iter {
                objects.push(self.new_event(e)?);
            }
            PyTuple::new(self.py, objects)?
        };
        untrack(tuple.as_any());
        Ok(tuple)
    }
}

/// Takes an object out of the cyclic garbage collector's lists: an `Event`, or a tuple of them.
///
/// PyO3 gives every `#[pyclass]` GC support, but an `Event` refers to nothing but strings,
/// which refer to nothing, so it can never be part of a reference cycle; nor can a tuple that
/// holds only events. Left tracked, every retained event (and every retained push result) is
/// traversed by each full collection, which made keeping the events of a long stream
/// superlinear (1 MiB of arguments: 398 ms with the collector on, 87 ms off). Untracked, they
/// are freed by reference counting as before.
#[allow(unsafe_code)]
fn untrack(obj: &Bound<'_, PyAny>) {
    // SAFETY: `obj` is a live object of a GC-enabled type (an `Event`: PyO3 sets
    // Py_TPFLAGS_HAVE_GC; a tuple) and we hold a strong reference to it while attached to the
    // interpreter. Untracking an object that can be in no cycle (strings, or events of strings,
    // are all it refers to) is always sound; the types' deallocators untrack again, which
    // CPython allows for an untracked object.
    unsafe { pyo3::ffi::PyObject_GC_UnTrack(obj.as_ptr().cast()) }
}

fn tools_from_py(tools: Option<&Bound<'_, PyAny>>) -> PyResult<core::Tools> {
    let Some(tools) = tools.filter(|t| !t.is_none()) else {
        return Ok(core::Tools::default());
    };
    let text: String = if let Ok(s) = tools.cast::<PyString>() {
        s.to_str()?.to_owned()
    } else {
        let json = tools.py().import("json")?;
        json.call_method1("dumps", (tools,))
            .map_err(|e| PyValueError::new_err(format!("invalid tools: not JSON-serialisable ({e})")))?
            .extract()?
    };
    core::Tools::from_json(&text).map_err(|e| PyValueError::new_err(e.to_string()))
}

fn options(reasoning: bool, thinking_forced_open: bool) -> core::Options {
    core::Options {
        reasoning,
        thinking_forced_open,
    }
}

/// Text of a Python str; lone surrogates (not valid UTF-8) become U+FFFD instead of raising.
fn text_of<'a>(s: &'a Bound<'_, PyString>) -> std::borrow::Cow<'a, str> {
    match s.to_str() {
        Ok(t) => std::borrow::Cow::Borrowed(t),
        Err(_) => std::borrow::Cow::Owned(s.to_string_lossy().into_owned()),
    }
}

/// Incremental parser of one generation.
///
/// Not frozen: `push` borrows the stream mutably through PyO3's borrow flag (one atomic
/// compare-exchange, released with a plain store), which costs less than a lock. A second
/// thread calling into a stream that is in use (free-threaded Python) gets a `RuntimeError`
/// ("Already borrowed") instead of waiting; with the GIL, calls cannot overlap.
#[pyclass(name = "ToolCallStream", module = "ggserve_parser")]
struct ToolCallStream {
    inner: core::ToolCallStream,
}

#[pymethods]
impl ToolCallStream {
    #[new]
    #[pyo3(signature = (format, *, tools=None, reasoning=true, thinking_forced_open=false))]
    fn new(
        format: &str,
        tools: Option<&Bound<'_, PyAny>>,
        reasoning: bool,
        thinking_forced_open: bool,
    ) -> PyResult<Self> {
        let tools = tools_from_py(tools)?;
        let stream = core::ToolCallStream::new(format, tools, options(reasoning, thinking_forced_open))
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        Ok(ToolCallStream { inner: stream })
    }

    /// Feeds one decoded piece; returns the events it completes.
    fn push<'py>(&mut self, py: Python<'py>, text: &Bound<'py, PyString>) -> PyResult<Bound<'py, PyTuple>> {
        let piece = text_of(text);
        let shared = match &piece {
            std::borrow::Cow::Borrowed(t) if text.is_exact_instance_of::<PyString>() => Some((text, *t)),
            _ => None,
        };
        let texts = Texts { py, piece: shared };
        self.inner.push_visit(&piece, |events| texts.tuple(events))
    }

    /// Ends the generation: flushes held-back text and ends open calls (truncated ones are given
    /// back as content).
    fn finish<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let texts = Texts { py, piece: None };
        self.inner.finish_visit(|events| texts.tuple(events))
    }
}

/// Parses a whole output; equals folding the events of `push(text)` + `finish()`.
#[pyfunction]
#[pyo3(signature = (format, text, *, tools=None, reasoning=true, thinking_forced_open=false))]
fn parse<'py>(
    py: Python<'py>,
    format: &str,
    text: &Bound<'py, PyString>,
    tools: Option<&Bound<'py, PyAny>>,
    reasoning: bool,
    thinking_forced_open: bool,
) -> PyResult<Bound<'py, PyDict>> {
    let tools = tools_from_py(tools)?;
    let parsed = core::parse(
        format,
        &text_of(text),
        tools,
        options(reasoning, thinking_forced_open),
    )
    .map_err(|e| PyValueError::new_err(e.to_string()))?;
    let out = PyDict::new(py);
    out.set_item("content", parsed.content)?;
    out.set_item("reasoning_content", parsed.reasoning_content)?;
    let calls = PyList::empty(py);
    for call in parsed.tool_calls {
        let d = PyDict::new(py);
        d.set_item("id", call.id)?;
        d.set_item("name", call.name)?;
        d.set_item("arguments", call.arguments)?;
        calls.append(d)?;
    }
    out.set_item("tool_calls", calls)?;
    Ok(out)
}

/// Minimal completion of a JSON prefix into valid JSON (nothing guessed).
#[pyfunction]
fn heal_json(prefix: &Bound<'_, PyString>) -> String {
    core::heal_json(&text_of(prefix))
}

/// One piece of call markup as a tuple: `(kind, text)`; `text` is empty but for markers and
/// literal text.
fn piece<'py>(py: Python<'py>, p: core::Piece) -> PyResult<Bound<'py, PyTuple>> {
    use core::Piece as P;
    let (kind, text) = match p {
        P::Marker(t) => ("marker", t),
        P::Text(t) => ("text", t),
        P::Name => ("name", ""),
        P::NameJson => ("name_json", ""),
        P::Index => ("index", ""),
        P::Args => ("args", ""),
        P::Key => ("key", ""),
        P::Value => ("value", ""),
    };
    PyTuple::new(py, [kind, text])
}

fn pieces<'py>(py: Python<'py>, ps: &[core::Piece]) -> PyResult<Bound<'py, PyTuple>> {
    let items = ps.iter().map(|p| piece(py, *p)).collect::<PyResult<Vec<_>>>()?;
    PyTuple::new(py, items)
}

/// How `format` writes a call (its declared call shape), for grammars that force one.
#[pyfunction]
fn call_shape<'py>(py: Python<'py>, format: &str) -> PyResult<Bound<'py, PyDict>> {
    let spec = core::spec(format).map_err(|e| PyValueError::new_err(e.to_string()))?;
    let shape = spec.call;
    let out = PyDict::new(py);
    out.set_item("open", pieces(py, shape.open)?)?;
    out.set_item("call", pieces(py, shape.call)?)?;
    out.set_item("separator", pieces(py, shape.separator)?)?;
    out.set_item("close", pieces(py, shape.close)?)?;
    match shape.args {
        core::Args::Json => out.set_item("params", py.None())?,
        core::Args::Params(p) => {
            let params = PyDict::new(py);
            params.set_item("string", pieces(py, p.string)?)?;
            params.set_item("other", pieces(py, p.other)?)?;
            params.set_item("separator", p.separator)?;
            params.set_item("raw_strings", p.raw_strings)?;
            out.set_item("params", params)?;
        }
    }
    Ok(out)
}

/// The reasoning markers `format` declares, or (no format) every format's, each once:
/// `{"open": (…), "close": (…)}`.
#[pyfunction]
#[pyo3(signature = (format=None))]
fn reasoning_markers<'py>(py: Python<'py>, format: Option<&str>) -> PyResult<Bound<'py, PyDict>> {
    let specs: Vec<&core::Spec> = match format {
        Some(f) => vec![core::spec(f).map_err(|e| PyValueError::new_err(e.to_string()))?],
        None => core::SPECS.iter().collect(),
    };
    let mut open: Vec<&str> = Vec::new();
    let mut close: Vec<&str> = Vec::new();
    for spec in specs {
        for m in spec.reasoning.open {
            if !open.contains(m) {
                open.push(m);
            }
        }
        for m in spec.reasoning.close {
            if !close.contains(m) {
                close.push(m);
            }
        }
    }
    let out = PyDict::new(py);
    out.set_item("open", PyTuple::new(py, open)?)?;
    out.set_item("close", PyTuple::new(py, close)?)?;
    Ok(out)
}

/// The format for a chat template and/or model name, or None.
#[pyfunction]
#[pyo3(signature = (chat_template=None, model_name=None))]
fn detect_format(chat_template: Option<&str>, model_name: Option<&str>) -> Option<&'static str> {
    core::detect_format(chat_template, model_name)
}

#[pymodule(gil_used = false)]
fn ggserve_parser(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Event>()?;
    m.add_class::<ToolCallStream>()?;
    m.add_function(wrap_pyfunction!(parse, m)?)?;
    m.add_function(wrap_pyfunction!(heal_json, m)?)?;
    m.add_function(wrap_pyfunction!(detect_format, m)?)?;
    m.add_function(wrap_pyfunction!(call_shape, m)?)?;
    m.add_function(wrap_pyfunction!(reasoning_markers, m)?)?;
    m.add("FORMATS", pyo3::types::PyTuple::new(m.py(), core::FORMATS)?)?;
    Ok(())
}
