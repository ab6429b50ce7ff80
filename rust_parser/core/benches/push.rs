//! Throughput of the core parser: a tool call whose argument carries a large file, fed in 4 KiB
//! pieces (goal: at least 200 MB/s).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use ggserve_parser_core::{Options, ToolCallStream, Tools};

fn file_content(size: usize) -> String {
    let line = "    let s = \"quote \\\" tab\\t ünïcödé 😀 CJK 漢字\"; // {braces} [brackets] <tags>\n";
    let mut out = String::with_capacity(size + line.len());
    while out.len() < size {
        out.push_str(line);
    }
    out
}

fn stream_text(size: usize) -> String {
    let content = serde_json::to_string(&file_content(size)).unwrap_or_default();
    format!(
        "I'll write the file.\n<tool_call>\n{{\"name\": \"write_file\", \"arguments\": {{\"path\": \"src/main.rs\", \"content\": {content}}}}}\n</tool_call>"
    )
}

/// `text` cut into pieces of the lengths `next_len` gives, each end moved on to a char boundary.
fn cut(text: &str, mut next_len: impl FnMut() -> usize) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < text.len() {
        let mut end = (start + next_len()).min(text.len());
        while !text.is_char_boundary(end) {
            end += 1;
        }
        out.push(&text[start..end]);
        start = end;
    }
    out
}

/// A whole stream, its events read borrowed (as the Python binding reads them); the event count.
fn parse_visit(chunks: &[&str]) -> usize {
    let mut s = ToolCallStream::new("hermes", Tools::default(), Options::default())
        .unwrap_or_else(|_| unreachable!());
    let mut n = 0;
    for piece in chunks {
        n += s.push_visit(piece, |events| events.len());
    }
    n + s.finish().len()
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("hermes_large_argument");
    for kib in [64usize, 256] {
        let text = stream_text(kib * 1024);
        let chunks = cut(&text, || 4096);
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_with_input(BenchmarkId::new("4KiB_pieces", kib), &chunks, |b, chunks| {
            b.iter(|| parse_visit(chunks));
        });
    }
    group.finish();
}

/// Pieces of 1-8 characters (seeded), like decoded tokens: the per-push cost of the core alone,
/// to set against `bench/parser_bench.py`, which measures it through Python.
fn token_pieces(text: &str) -> Vec<&str> {
    let mut state: u64 = 7;
    cut(text, || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        1 + (state >> 61) as usize
    })
}

fn bench_tokens(c: &mut Criterion) {
    let mut group = c.benchmark_group("hermes_token_pieces");
    let text = stream_text(64 * 1024);
    let chunks = token_pieces(&text);
    group.throughput(Throughput::Elements(chunks.len() as u64));
    group.bench_with_input(BenchmarkId::new("push_into", 64), &chunks, |b, chunks| {
        b.iter(|| {
            let mut s = ToolCallStream::new("hermes", Tools::default(), Options::default())
                .unwrap_or_else(|_| unreachable!());
            let mut events = Vec::new();
            let mut n = 0;
            for piece in chunks {
                s.push_into(piece, &mut events);
                n += events.len();
                events.clear();
            }
            n + s.finish().len()
        });
    });
    group.bench_with_input(BenchmarkId::new("push_visit", 64), &chunks, |b, chunks| {
        b.iter(|| parse_visit(chunks));
    });
    // Structure rather than payload: six small calls, mostly markers, keys and short values.
    let calls: Vec<String> = ["Tokyo", "Paris", "Lima", "Oslo", "Cairo", "Perth"]
        .iter()
        .map(|c| {
            format!(
                "<tool_call>\n{{\"name\": \"get_weather\", \"arguments\": {{\"city\": \"{c}\", \"unit\": \"celsius\"}}}}\n</tool_call>"
            )
        })
        .collect();
    let text = calls.join("\n");
    let chunks = token_pieces(&text);
    group.throughput(Throughput::Elements(chunks.len() as u64));
    group.bench_with_input(BenchmarkId::new("parallel_calls", 6), &chunks, |b, chunks| {
        b.iter(|| parse_visit(chunks));
    });
    group.finish();
}

criterion_group!(benches, bench, bench_tokens);
criterion_main!(benches);
