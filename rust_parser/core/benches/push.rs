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

fn pieces(text: &str, size: usize) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < text.len() {
        let mut end = (start + size).min(text.len());
        while !text.is_char_boundary(end) {
            end += 1;
        }
        out.push(&text[start..end]);
        start = end;
    }
    out
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("hermes_large_argument");
    for kib in [64usize, 256] {
        let text = stream_text(kib * 1024);
        let chunks = pieces(&text, 4096);
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_with_input(BenchmarkId::new("4KiB_pieces", kib), &chunks, |b, chunks| {
            b.iter(|| {
                let mut s = ToolCallStream::new("hermes", Tools::default(), Options::default())
                    .unwrap_or_else(|_| unreachable!());
                let mut n = 0;
                for piece in chunks {
                    n += s.push(piece).len();
                }
                n + s.finish().len()
            });
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
