//! Which format a model speaks: from its chat template's markers first, its name second.

/// Template markers, most specific first.
const TEMPLATE_MARKERS: &[(&str, &str)] = &[
    ("<|tool_calls_section_begin|>", "kimi_k2"),
    ("tool_declare", "kimi_k2"),
    ("｜DSML｜", "deepseek_v32"),
    ("dsml_token", "deepseek_v32"),
    ("<|channel|>", "gpt_oss"),
    ("<minimax:tool_call>", "minimax_m2"),
    ("<seed:tool_call>", "seed_oss"),
    ("<arg_key>", "glm45"),
    ("[TOOL_CALLS]", "mistral"),
    ("<parameter=", "qwen3_coder"),
    ("<tool_call>", "hermes"),
    ("<|python_tag|>", "llama3_json"),
    // Llama 3.2 1B/3B templates have no `<|python_tag|>`, only the JSON instruction.
    ("dictionary of argument name and its value", "llama3_json"),
];

/// Tier-2 template markers, checked before [`TEMPLATE_MARKERS`]: each is specific to its family,
/// and some of these templates also contain a tier-1 marker (Granite 4 writes `<tool_call>`).
const TIER2_TEMPLATE_MARKERS: &[(&str, &str)] = &[
    ("<|START_ACTION|>", "command_r7b"),
    ("<|START_THINKING|>", "command_r7b"),
    ("<|start_of_role|>", "granite"),
    ("<|tool_call|>", "granite"),
    (">>>all", "functionary_v3_2"),
    ("functools[", "firefunction_v2"),
    ("<|tool_call>", "gemma4"),
    ("<|\"|>", "gemma4"),
    ("<TOOLCALL>", "nemotron_v2"),
    ("<|tools_prefix|>", "apertus"),
    ("<|inner_prefix|>", "apertus"),
    ("<|tool_call_start|>", "lfm2"),
    ("<|tool_list_start|>", "lfm2"),
    ("<|python_start|>", "pythonic"),
    ("<function_calls>", "pythonic"),
    ("[func_name1(", "pythonic"),
];

/// Model-name substrings (lower case), most specific first.
const NAME_MARKERS: &[(&str, &str)] = &[
    ("kimi-k2", "kimi_k2"),
    ("kimi_k2", "kimi_k2"),
    ("deepseek-v3.2", "deepseek_v32"),
    ("deepseek-v4", "deepseek_v32"),
    ("deepseek-v3.1", "deepseek_v31"),
    ("deepseek-r1", "deepseek_r1"),
    ("deepseek-v3", "deepseek_v3"),
    ("gpt-oss", "gpt_oss"),
    ("minimax-m2", "minimax_m2"),
    ("seed-oss", "seed_oss"),
    ("glm-4.5", "glm45"),
    ("glm-4.6", "glm45"),
    ("glm-4.7", "glm45"),
    ("glm-5", "glm45"),
    ("qwen3-coder", "qwen3_coder"),
    ("qwen3.5", "qwen3_coder"),
    ("qwen3.6", "qwen3_coder"),
    ("mistral", "mistral"),
    ("mixtral", "mistral"),
    ("devstral", "mistral"),
    ("magistral", "mistral"),
    ("ministral", "mistral"),
    ("qwen", "hermes"),
    ("qwq", "hermes"),
    ("hermes", "hermes"),
    ("mimo", "hermes"),
    ("command-r7b", "command_r7b"),
    ("command-r", "command_r7b"),
    ("command-a", "command_r7b"),
    ("c4ai-command", "command_r7b"),
    ("granite", "granite"),
    ("functionary-small-v3.1", "functionary_v3_1"),
    ("functionary-medium-v3.1", "functionary_v3_1"),
    ("functionary", "functionary_v3_2"),
    ("firefunction", "firefunction_v2"),
    ("lfm2", "lfm2"),
    ("gemma-4", "gemma4"),
    ("gemma4", "gemma4"),
    ("nemotron-nano-9b-v2", "nemotron_v2"),
    ("nemotron-nano-12b-v2", "nemotron_v2"),
    ("nemotron-nano-v2", "nemotron_v2"),
    ("apertus", "apertus"),
    ("llama-4", "pythonic"),
    ("llama4", "pythonic"),
    ("toolace", "pythonic"),
    ("olmo-3", "pythonic"),
    ("olmo3", "pythonic"),
    ("llama-3", "llama3_json"),
    ("llama3", "llama3_json"),
];

fn from_template(t: &str) -> Option<&'static str> {
    let dsml = t.contains("DSML");
    if !dsml && (t.contains("<｜tool▁calls▁begin｜>") || t.contains("<｜tool▁sep｜>")) {
        // R1 and V3-0324 write `function<｜tool▁sep｜>NAME` + a ```json fence; V3.1 does not.
        // R1 templates strip `…</think>` from history and/or prefill `<think>\n`; V3's do neither.
        if t.contains("```json") {
            return Some(if t.contains("think>") {
                "deepseek_r1"
            } else {
                "deepseek_v3"
            });
        }
        return Some("deepseek_v31");
    }
    // Functionary v3.1: Llama 3.1 headers with `<function=NAME>` calls (Qwen3-Coder also writes
    // `<function=`, always with `<parameter=`).
    if t.contains("<function=") && t.contains("<|start_header_id|>") && !t.contains("<parameter=") {
        return Some("functionary_v3_1");
    }
    TIER2_TEMPLATE_MARKERS
        .iter()
        .chain(TEMPLATE_MARKERS)
        .find(|(m, _)| t.contains(m))
        .map(|(_, f)| *f)
}

fn from_name(name: &str) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase().replace('_', "-");
    NAME_MARKERS
        .iter()
        .find(|(m, _)| lower.contains(&m.replace('_', "-")))
        .map(|(_, f)| *f)
}

/// The format for a chat template and/or model name; `None` when neither is recognised (or the
/// recognised format is not registered in this build).
#[must_use]
pub fn detect_format(chat_template: Option<&str>, model_name: Option<&str>) -> Option<&'static str> {
    let found = chat_template
        .and_then(from_template)
        .or_else(|| model_name.and_then(from_name))?;
    crate::formats::FORMATS.contains(&found).then_some(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_detected_format_is_registered() {
        // A typo here would silently never detect its format.
        let tables = [TEMPLATE_MARKERS, TIER2_TEMPLATE_MARKERS, NAME_MARKERS];
        for (marker, format) in tables.iter().flat_map(|t| t.iter()) {
            assert!(
                crate::formats::FORMATS.contains(format),
                "{marker:?} names unregistered format {format:?}"
            );
        }
    }
}
