//! `qwen3_coder` cases: the reference's examples, literal tags inside values, schema typing,
//! repairs, and the peers' bugs (llama.cpp#15012, vllm#30439, vllm#23324, ik PR #1352).

#![allow(clippy::unwrap_used)]

mod common;
use common::*;
use ggserve_parser_core::{Event, Options, ToolCallStream, Tools};

const F: &str = "qwen3_coder";

fn read_file_tools() -> Tools {
    tools_with(&[(
        "read_file",
        r#"{"path":{"type":"string"},"limit":{"type":"integer"},"offset":{"type":"integer"}}"#,
    )])
}

const REFERENCE: &str = "I'll read the file.\n<tool_call>\n<function=read_file>\n<parameter=path>\n/etc/hosts\n</parameter>\n<parameter=limit>\n20\n</parameter>\n</function>\n</tool_call>";

#[test]
fn reference_example_typed_by_schema() {
    // llama.cpp#15012: prose before the call is the common case.
    check(
        F,
        REFERENCE,
        &read_file_tools(),
        &msg(
            "I'll read the file.\n",
            "",
            vec![call("", "read_file", "{\"path\": \"/etc/hosts\", \"limit\": 20}")],
        ),
    );
}

#[test]
fn without_tools_values_are_strings() {
    check(
        F,
        REFERENCE,
        &Tools::default(),
        &msg(
            "I'll read the file.\n",
            "",
            vec![call(
                "",
                "read_file",
                "{\"path\": \"/etc/hosts\", \"limit\": \"20\"}",
            )],
        ),
    );
}

#[test]
fn string_schema_keeps_digits_a_string() {
    let t = tools_with(&[("f", r#"{"limit":{"type":"string"}}"#)]);
    check(
        F,
        "<tool_call>\n<function=f>\n<parameter=limit>\n20\n</parameter>\n</function>\n</tool_call>",
        &t,
        &msg("", "", vec![call("", "f", "{\"limit\": \"20\"}")]),
    );
}

#[test]
fn typed_values_of_every_kind() {
    // vllm#23324: streamed and one-shot typing must agree (the harness checks every split).
    let t = tools_with(&[(
        "f",
        r#"{"n":{"type":"number"},"i":{"type":"integer"},"b":{"type":"boolean"},"o":{"type":"object"},"a":{"type":"array"},"z":{"type":["integer","null"]},"bad":{"type":"integer"},"u":{"anyOf":[{"type":"integer"},{"type":"string"}]}}"#,
    )]);
    let text = "<tool_call>\n<function=f>\n<parameter=extra>\n3\n</parameter>\n<parameter=n>\n2.5\n</parameter>\n<parameter=i>\n-7\n</parameter>\n<parameter=b>\nTrue\n</parameter>\n<parameter=o>\n{\"k\": [1, \"x\"]}\n</parameter>\n<parameter=a>\n[1, 2]\n</parameter>\n<parameter=z>\nnull\n</parameter>\n<parameter=bad>\nlots\n</parameter>\n<parameter=u>\n12\n</parameter>\n</function>\n</tool_call>";
    let expected = msg(
        "",
        "",
        vec![call(
            "",
            "f",
            "{\"extra\": \"3\", \"n\": 2.5, \"i\": -7, \"b\": true, \"o\": {\"k\": [1, \"x\"]}, \"a\": [1, 2], \"z\": null, \"bad\": \"lots\", \"u\": 12}",
        )],
    );
    check(F, text, &t, &expected);
    assert_args_json(&expected);
}

#[test]
fn free_parameter_order() {
    // ik_llama.cpp PR #1352: "model sets limit before offset".
    let text = "<tool_call>\n<function=read_file>\n<parameter=offset>\n5\n</parameter>\n<parameter=limit>\n10\n</parameter>\n<parameter=path>\na.txt\n</parameter>\n</function>\n</tool_call>";
    check(
        F,
        text,
        &read_file_tools(),
        &msg(
            "",
            "",
            vec![call(
                "",
                "read_file",
                "{\"offset\": 5, \"limit\": 10, \"path\": \"a.txt\"}",
            )],
        ),
    );
}

fn write_tools() -> Tools {
    tools_with(&[(
        "write_file",
        r#"{"path":{"type":"string"},"content":{"type":"string"}}"#,
    )])
}

#[test]
fn literal_tags_inside_a_value() {
    // Appendix B: a file whose content holds `</parameter>` and `<function=x>` literally.
    let body = "<function=x>\n</parameter>\nnot the end\n<tool_call>\n</parameter>";
    let text = format!(
        "<tool_call>\n<function=write_file>\n<parameter=path>\nnotes.md\n</parameter>\n<parameter=content>\n{body}\n</parameter>\n</function>\n</tool_call>"
    );
    let args = format!(
        "{{\"path\": \"notes.md\", \"content\": {}}}",
        serde_json::to_string(body).unwrap()
    );
    let expected = msg("", "", vec![call("", "write_file", &args)]);
    check(F, &text, &write_tools(), &expected);
    assert_args_json(&expected);
}

#[test]
fn close_tag_before_used_or_undeclared_name_is_literal() {
    // `path` is already used and `other` is not declared: both `</parameter>` are value text.
    let body = "a\n</parameter>\n<parameter=path>\nb\n</parameter>\n<parameter=other>\nc";
    let text = format!(
        "<tool_call>\n<function=write_file>\n<parameter=path>\np\n</parameter>\n<parameter=content>\n{body}\n</parameter>\n</function>\n</tool_call>"
    );
    let args = format!(
        "{{\"path\": \"p\", \"content\": {}}}",
        serde_json::to_string(body).unwrap()
    );
    check(
        F,
        &text,
        &write_tools(),
        &msg("", "", vec![call("", "write_file", &args)]),
    );
    // Without a schema any unused name is structural.
    let loose = "<tool_call>\n<function=g>\n<parameter=a>\nx\n</parameter>\n<parameter=other>\ny\n</parameter>\n</function>\n</tool_call>";
    check(
        F,
        loose,
        &write_tools(),
        &msg("", "", vec![call("", "g", "{\"a\": \"x\", \"other\": \"y\"}")]),
    );
}

#[test]
fn missing_parameter_close_before_function_close() {
    let t = write_tools();
    check(
        F,
        "<tool_call>\n<function=write_file>\n<parameter=path>\na.txt\n</function>\n</tool_call>after",
        &t,
        &msg("after", "", vec![call("", "write_file", "{\"path\": \"a.txt\"}")]),
    );
    check(
        F,
        "<tool_call>\n<function=write_file>\n<parameter=path>\na.txt\n</function>\n",
        &t,
        &msg("", "", vec![call("", "write_file", "{\"path\": \"a.txt\"}")]),
    );
    // Missing `</function>` only: `</parameter>` then `</tool_call>`.
    check(
        F,
        "<tool_call>\n<function=write_file>\n<parameter=path>\na.txt\n</parameter>\n</tool_call>x",
        &t,
        &msg("x", "", vec![call("", "write_file", "{\"path\": \"a.txt\"}")]),
    );
    // A literal `</function>` followed by more code stays in the value.
    let body = "def f():\n    pass\n</function>\nmore";
    let text = format!("<tool_call>\n<function=write_file>\n<parameter=content>\n{body}\n</parameter>\n</function>\n</tool_call>");
    let args = format!("{{\"content\": {}}}", serde_json::to_string(body).unwrap());
    check(F, &text, &t, &msg("", "", vec![call("", "write_file", &args)]));
}

#[test]
fn newline_convention() {
    // Exactly one leading and one trailing newline are markup; others are kept.
    let text = "<tool_call>\n<function=f>\n<parameter=a>\n\n  two\n\n</parameter>\n<parameter=b>x</parameter>\n<parameter=c>\n</parameter>\n</function>\n</tool_call>";
    check(
        F,
        text,
        &Tools::default(),
        &msg(
            "",
            "",
            vec![call(
                "",
                "f",
                "{\"a\": \"\\n  two\\n\", \"b\": \"x\", \"c\": \"\"}",
            )],
        ),
    );
}

#[test]
fn parallel_calls_and_several_functions_in_one_block() {
    let text = "Checking both.\n<tool_call>\n<function=get_weather>\n<parameter=city>\nTokyo\n</parameter>\n</function>\n</tool_call>\n<tool_call>\n<function=get_weather>\n<parameter=city>\nParis\n</parameter>\n</function>\n</tool_call>\n<tool_call>\n<function=a>\n</function>\n<function=b>\n<parameter=x>\n1\n</parameter>\n</function>\n</tool_call>\nDone.";
    check(
        F,
        text,
        &Tools::default(),
        &msg(
            "Checking both.\n\nDone.",
            "",
            vec![
                call("", "get_weather", "{\"city\": \"Tokyo\"}"),
                call("", "get_weather", "{\"city\": \"Paris\"}"),
                call("", "a", "{}"),
                call("", "b", "{\"x\": \"1\"}"),
            ],
        ),
    );
}

#[test]
fn compact_without_newlines() {
    let text = "<tool_call><function=f><parameter=a>1</parameter><parameter=b>two</parameter></function></tool_call>after";
    check(
        F,
        text,
        &Tools::default(),
        &msg("after", "", vec![call("", "f", "{\"a\": \"1\", \"b\": \"two\"}")]),
    );
}

#[test]
fn bare_function_block() {
    let text = "Sure.\n<function=read_file>\n<parameter=path>\n/tmp/x\n</parameter>\n</function>\nok";
    check(
        F,
        text,
        &read_file_tools(),
        &msg(
            "Sure.\n\nok",
            "",
            vec![call("", "read_file", "{\"path\": \"/tmp/x\"}")],
        ),
    );
}

#[test]
fn reasoning_variants() {
    let text = "<think>\nI need the file.\n</think>\n\n<tool_call>\n<function=read_file>\n<parameter=path>\na\n</parameter>\n</function>\n</tool_call>";
    let one = call("", "read_file", "{\"path\": \"a\"}");
    check(
        F,
        text,
        &read_file_tools(),
        &msg("", "\nI need the file.\n", vec![one.clone()]),
    );
    // Qwen3.5: `<tool_call>` ends an unclosed think.
    let implicit = "<think>I need the file.\n<tool_call>\n<function=read_file>\n<parameter=path>\na\n</parameter>\n</function>\n</tool_call>";
    check(
        F,
        implicit,
        &read_file_tools(),
        &msg("", "I need the file.\n", vec![one.clone()]),
    );
    // Forced open (the prompt ended with `<think>\n`).
    let forced = Options {
        reasoning: true,
        thinking_forced_open: true,
    };
    let text2 = "I need the file.\n</think>\n\nReading.\n<tool_call>\n<function=read_file>\n<parameter=path>\na\n</parameter>\n</function>\n</tool_call>";
    check_with(
        F,
        text2,
        &read_file_tools(),
        forced,
        &msg("\n\nReading.\n", "I need the file.\n", vec![one.clone()]),
    );
    // reasoning=false: the think block stays in content verbatim.
    let off = Options {
        reasoning: false,
        thinking_forced_open: false,
    };
    check_with(
        F,
        "<think>hm</think>Answer",
        &Tools::default(),
        off,
        &msg("<think>hm</think>Answer", "", vec![]),
    );
}

#[test]
fn cut_off_output_is_repaired() {
    let t = read_file_tools();
    // Cut inside a value: truncated, given back as content.
    for text in [
        "<tool_call>\n<function=read_file>\n<parameter=path>\n/etc/ho",
        "<tool_call>\n<function=read_file>\n<parameter=path>\n/etc/hosts\n</param",
        "<tool_call>\n<function=read_file>\n<parameter=limit>\n2",
    ] {
        check(F, text, &t, &msg(text, "", vec![]));
    }
    let cases: &[(&str, &str)] = &[
        (
            "<tool_call>\n<function=read_file>\n<parameter=path>\n/etc/hosts\n</parameter>\n",
            "{\"path\": \"/etc/hosts\"}",
        ),
        (
            "<tool_call>\n<function=read_file>\n<parameter=limit>\n20\n</parameter>\n</function>",
            "{\"limit\": 20}",
        ),
        ("<tool_call>\n<function=read_file>\n", "{}"),
    ];
    for (text, args) in cases {
        let expected = msg("", "", vec![call("", "read_file", args)]);
        check(F, text, &t, &expected);
        assert_args_json(&expected);
    }
    // A cut-off head or close tag is kept as content.
    check(
        F,
        "<tool_call>\n<function=read_file>\n<parameter=pa",
        &t,
        &msg("<parameter=pa", "", vec![call("", "read_file", "{}")]),
    );
    check(
        F,
        "<tool_call>\n<function=read_file>\n<parameter=path>\nx\n</parameter>\n</func",
        &t,
        &msg("</func", "", vec![call("", "read_file", "{\"path\": \"x\"}")]),
    );
}

#[test]
fn malformed_degrades_to_content() {
    for text in [
        "<tool_call>not xml</tool_call> ok",
        "<tool_call>\n{\"name\": \"f\"}\n</tool_call>",
        "<tool_call>\n<function=>\n</function>\n</tool_call>",
        "a\n<tool_call>\n<function=>\n</function>",
        "<tool_call>\n<function=a b c>",
        "a <function= b",
        "<tool_call>",
        "<tool_call>\n<func",
    ] {
        check(F, text, &Tools::default(), &msg(text, "", vec![]));
    }
    // Stray text between parameters is content; nothing is lost.
    check(
        F,
        "<tool_call>\n<function=f>\nhmm  ok\n<parameter=a>\n1\n</parameter>\n</function>\n</tool_call>",
        &Tools::default(),
        &msg("hmm  ok\n", "", vec![call("", "f", "{\"a\": \"1\"}")]),
    );
}

#[test]
fn repeated_parameter_name_after_close_is_value_text() {
    // A `<parameter=NAME>` already used cannot be structural: the `</parameter>` before it is
    // literal, and the text stays in the value (nothing lost, no duplicate key).
    let text = "<tool_call>\n<function=f>\n<parameter=a>\n1\n</parameter>\n<parameter=a>\n2\n</parameter>\n</function>\n</tool_call>";
    check(
        F,
        text,
        &Tools::default(),
        &msg(
            "",
            "",
            vec![call("", "f", "{\"a\": \"1\\n</parameter>\\n<parameter=a>\\n2\"}")],
        ),
    );
}

#[test]
fn non_ascii_values_are_exact() {
    let raw = "漢字 café 😀 \\ud83d\\ude00 \"q\" \\ end";
    let text = format!(
        "<tool_call>\n<function=say>\n<parameter=text>\n{raw}\n</parameter>\n</function>\n</tool_call>"
    );
    let expected = msg(
        "",
        "",
        vec![call(
            "",
            "say",
            &format!("{{\"text\": {}}}", serde_json::to_string(raw).unwrap()),
        )],
    );
    check(F, &text, &Tools::default(), &expected);
    assert_args_json(&expected);
    let v: serde_json::Value = serde_json::from_str(&expected.tool_calls[0].arguments).unwrap();
    assert_eq!(v["text"], raw);
}

#[test]
fn long_string_argument_streams_incrementally() {
    // vllm#30439: arguments must stream, not arrive whole at the end.
    let mut s = ToolCallStream::new(F, write_tools(), Options::default()).unwrap();
    let mut events = s.push("<tool_call>\n<function=write_file>\n<parameter=content>\n");
    let mut streamed = String::new();
    for i in 0..200 {
        let line = format!("line {i} <b>\"x\"</b>\n");
        let ev = s.push(&line);
        let args: String = ev
            .iter()
            .filter_map(|e| match e {
                Event::ToolCallArgs { text, .. } => Some(text.as_str()),
                _ => None,
            })
            .collect();
        assert!(!args.is_empty(), "piece {i} produced no argument delta");
        streamed.push_str(&args);
        events.extend(ev);
    }
    assert!(streamed.contains("line 199"), "{streamed}");
    events.extend(s.push("</parameter>\n</function>\n</tool_call>"));
    events.extend(s.finish());
    assert_well_formed(&events);
    let p = ggserve_parser_core::Parsed::fold(&events);
    assert_args_json(&p);
    let v: serde_json::Value = serde_json::from_str(&p.tool_calls[0].arguments).unwrap();
    assert!(v["content"].as_str().unwrap().ends_with("line 199 <b>\"x\"</b>"));
}

/// An overlong function head (more than 512 bytes, non-ASCII) gives the section back, trailing
/// whitespace included, on every split.
#[test]
fn overlong_function_head_is_content() {
    let e = "é".repeat(300);
    for text in [
        format!("a <tool_call>\n<function={e} "),
        format!("a <tool_call>\n<function={e}>\n<parameter=k>\n1\n</parameter>\n</function>\n</tool_call> "),
    ] {
        check(F, &text, &Tools::default(), &msg(&text, "", vec![]));
    }
}

/// A `<parameter=NAME>` for an unused parameter of the called function's schema, while the
/// previous value is open, ends that value (the model forgot `</parameter>`); any other head
/// inside a value is value text.
#[test]
fn declared_parameter_head_ends_an_open_value() {
    let t = tools_with(&[(
        "write",
        r#"{"path": {"type": "string"}, "content": {"type": "string"}, "n": {"type": "integer"}}"#,
    )]);
    let text = "<tool_call>\n<function=write>\n<parameter=path>\n/tmp/a\n<parameter=content>\nhello\n</parameter>\n</function>\n</tool_call>";
    check(
        F,
        text,
        &t,
        &msg(
            "",
            "",
            vec![call(
                "",
                "write",
                "{\"path\": \"/tmp/a\", \"content\": \"hello\"}",
            )],
        ),
    );
    let typed = "<tool_call>\n<function=write>\n<parameter=n>\n3\n<parameter=path>\nx\n</parameter>\n</function>\n</tool_call>";
    check(
        F,
        typed,
        &t,
        &msg("", "", vec![call("", "write", "{\"n\": 3, \"path\": \"x\"}")]),
    );
    let literal = "<tool_call>\n<function=write>\n<parameter=content>\nuse <parameter=x> and <parameter=content> here\n</parameter>\n</function>\n</tool_call>";
    check(
        F,
        literal,
        &t,
        &msg(
            "",
            "",
            vec![call(
                "",
                "write",
                "{\"content\": \"use <parameter=x> and <parameter=content> here\"}",
            )],
        ),
    );
}

#[test]
fn python_literal_for_a_container_parameter_is_its_data() {
    // vLLM test_qwen3_xml_coder_shared.py "complex type with single quote"; SGLang's
    // Qwen3CoderDetector reads it the same way. Read as data, never evaluated.
    let t = tools_with(&[(
        "f",
        r#"{"obj":{"type":"object"},"arr":{"type":"array"},"s":{"type":"string"}}"#,
    )]);
    check(
        F,
        "<tool_call>\n<function=f>\n<parameter=obj>\n{'key': 'value', 'n': None}\n</parameter>\n\
         <parameter=arr>\n('a', True)\n</parameter>\n<parameter=s>\n{'k': 1}\n</parameter>\n\
         </function>\n</tool_call>",
        &t,
        &msg(
            "",
            "",
            vec![call(
                "",
                "f",
                "{\"obj\": {\"key\": \"value\", \"n\": null}, \"arr\": [\"a\", true], \"s\": \"{'k': 1}\"}",
            )],
        ),
    );
    // A literal of the other kind, or not a literal at all, stays a string.
    check(
        F,
        "<tool_call>\n<function=f>\n<parameter=obj>\n['a']\n</parameter>\n<parameter=arr>\n\
         print('x')\n</parameter>\n</function>\n</tool_call>",
        &t,
        &msg(
            "",
            "",
            vec![call("", "f", "{\"obj\": \"['a']\", \"arr\": \"print('x')\"}")],
        ),
    );
}

#[test]
fn wrapper_close_after_a_bare_call_is_markup() {
    // llama.cpp test-chat.cpp (Qwen3-Coder template): "some models skip the opening
    // <tool_call> and go straight to <function=>"; the `</tool_call>` they still write is
    // markup. vLLM's fallback reads such a call the same way.
    let t = tools_with(&[("f", r#"{"a":{"type":"integer"}}"#)]);
    let bare = "<function=f>\n<parameter=a>\n1\n</parameter>\n</function>";
    check(
        F,
        &format!("{bare}\n</tool_call>"),
        &t,
        &msg("", "", vec![call("", "f", "{\"a\": 1}")]),
    );
    check(
        F,
        &format!("Let me call it.\n{bare}\n</tool_call>\n<tool_call>\n{bare}\n</tool_call>"),
        &t,
        &msg(
            "Let me call it.\n",
            "",
            vec![call("", "f", "{\"a\": 1}"), call("", "f", "{\"a\": 1}")],
        ),
    );
    // Text after a bare call stays content, whitespace included.
    check(
        F,
        &format!("{bare}\n Done."),
        &t,
        &msg("\n Done.", "", vec![call("", "f", "{\"a\": 1}")]),
    );
}

#[test]
fn calls_that_end_the_thinking_and_the_output_are_calls() {
    // vLLM test_qwen3_tool_call_recovery.py: Qwen3 emits its call inside `<think>`, then
    // closes the block, and the output ends: the call is made.
    let call_text =
        "<tool_call>\n<function=Finish>\n<parameter=answer>\n204\n</parameter>\n</function>\n</tool_call>";
    let t = tools_with(&[("Finish", r#"{"answer":{"type":"string"}}"#)]);
    check(
        F,
        &format!("<think>The verification confirms it.\n\n{call_text}\n</think>"),
        &t,
        &msg(
            "",
            "The verification confirms it.\n\n",
            vec![call("", "Finish", "{\"answer\": \"204\"}")],
        ),
    );
    // More output after the close: the markup was quoted; only a call after the close counts.
    check(
        F,
        &format!("<think>I will send {call_text}</think>\n{call_text}"),
        &t,
        &msg(
            "\n",
            &format!("I will send {call_text}"),
            vec![call("", "Finish", "{\"answer\": \"204\"}")],
        ),
    );
}
