//! `deepseek_v3` cases: V3-0324 writes R1's call shape without a reasoning block.

#![allow(clippy::unwrap_used)]

mod common;
use common::*;
use ggserve_parser_core::{Options, Tools};

const F: &str = "deepseek_v3";

const SB: &str = "<｜tool▁calls▁begin｜>";
const SE: &str = "<｜tool▁calls▁end｜>";
const CB: &str = "<｜tool▁call▁begin｜>";
const CE: &str = "<｜tool▁call▁end｜>";
const SEP: &str = "<｜tool▁sep｜>";
const EOS: &str = "<｜end▁of▁sentence｜>";

fn none() -> Tools {
    Tools::default()
}

#[test]
fn reference_shape_with_prose_and_parallel_calls() {
    let text = format!(
        "I'll check both cities.\n\n{SB}{CB}function{SEP}get_weather\n```json\n{{\"location\": \"Tokyo\"}}\n```{CE}\n{CB}function{SEP}get_weather\n```json\n{{\"location\": \"Paris\"}}\n```{CE}{SE}{EOS}"
    );
    check(
        F,
        &text,
        &none(),
        &msg(
            "I'll check both cities.\n\n",
            "",
            vec![
                call("", "get_weather", "{\"location\": \"Tokyo\"}"),
                call("", "get_weather", "{\"location\": \"Paris\"}"),
            ],
        ),
    );
}

#[test]
fn plain_answer_and_think_handling() {
    check(F, "Hello, world!", &none(), &msg("Hello, world!", "", vec![]));
    // V3 writes no think block; one at the start is still reasoning, `reasoning=false` keeps it.
    check(F, "<think>x</think>y", &none(), &msg("y", "x", vec![]));
    let off = Options {
        reasoning: false,
        thinking_forced_open: false,
    };
    check_with(
        F,
        "<think>x</think>y",
        &none(),
        off,
        &msg("<think>x</think>y", "", vec![]),
    );
}

#[test]
fn cut_off_and_malformed() {
    let cut = format!("{SB}{CB}function{SEP}f\n```json\n{{\"a\": [1, {{\"b\": \"c");
    check(F, &cut, &none(), &msg(&cut, "", vec![]));
    let junk = format!("{SB}not a call{SE}");
    check(F, &junk, &none(), &msg(&junk, "", vec![]));
}

#[test]
fn non_ascii_arguments_are_byte_identical() {
    let args = "{\"q\": \"東京の天気 😀 \\ud83d\\ude00\"}";
    let text = format!("{SB}{CB}function{SEP}search\n```json\n{args}\n```{CE}{SE}");
    check(F, &text, &none(), &msg("", "", vec![call("", "search", args)]));
}

#[test]
fn call_markup_in_a_think_block_is_reasoning_text() {
    // The family's rule (llama.cpp, vLLM and SGLang read everything before `</think>` as
    // reasoning): an R1-style fine-tune served with the V3 template quoting the syntax.
    let section = format!("{SB}{CB}function{SEP}f\n```json\n{{}}\n```{CE}{SE}");
    let text = format!("<think>It starts with {section} then more.</think>Done.");
    let reasoning = format!("It starts with {section} then more.");
    check(F, &text, &none(), &msg("Done.", &reasoning, vec![]));
    // The block never closed and the output ends with the calls: they count.
    let forgot = format!("<think>Plan.{section}");
    check(F, &forgot, &none(), &msg("", "Plan.", vec![call("", "f", "{}")]));
}
