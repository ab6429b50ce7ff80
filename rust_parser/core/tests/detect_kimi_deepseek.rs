//! Format detection for `kimi_k2` and the DeepSeek R1 / V3 / V3.1 family.

use ggserve_parser_core::detect_format;

const R1_DISTILL: &str = "{%- if message['role'] == 'assistant' and message['tool_calls'] -%}{{'<｜Assistant｜><｜tool▁calls▁begin｜><｜tool▁call▁begin｜>' + tool['type'] + '<｜tool▁sep｜>' + tool['function']['name'] + '\\n' + '```json' + '\\n' + tool['function']['arguments'] + '\\n' + '```' + '<｜tool▁call▁end｜>'}}{%- endif -%}{%- if add_generation_prompt and not ns.is_tool -%}{{'<｜Assistant｜><think>\\n'}}{%- endif %}";

const R1_OLD: &str = "{{'<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>' + tool['type'] + '<｜tool▁sep｜>' + tool['function']['name'] + '\\n' + '```json' + '\\n' + tool['function']['arguments'] + '\\n' + '```' + '<｜tool▁call▁end｜>'}}{%- if '</think>' in content -%}{%- set content = content.split('</think>')[-1] -%}{%- endif -%}";

const V3: &str = "{{'<｜Assistant｜><｜tool▁calls▁begin｜><｜tool▁call▁begin｜>' + tool['type'] + '<｜tool▁sep｜>' + tool['function']['name'] + '\\n' + '```json' + '\\n' + tool['function']['arguments'] + '\\n' + '```' + '<｜tool▁call▁end｜>'}}{{'<｜tool▁calls▁end｜><｜end▁of▁sentence｜>'}}";

const V31: &str = "{%- if message['content'] is none -%}{{'<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>'+ tool['function']['name'] + '<｜tool▁sep｜>' + tool['function']['arguments'] + '<｜tool▁call▁end｜>'}}{%- endif -%}{%- if not thinking -%}{{'</think>'}}{%- else -%}{{'<think>'}}{%- endif -%}";

const KIMI: &str = "{% if tools -%}{{ '<|im_system|>tool_declare<|im_middle|>' -}}{{- tools | tojson -}}{{ '<|im_end|>' -}}{%- endif -%}";

const KIMI_THINKING: &str = "{{ '<|tool_calls_section_begin|>' }}{%- for tool_call in message['tool_calls'] -%}{{ '<|tool_call_begin|>' + formatted_id + '<|tool_call_argument_begin|>' }}{%- endfor -%}{{ '<|tool_calls_section_end|>' }}<think></think>";

#[test]
fn from_template_markers() {
    for (template, want) in [
        (R1_DISTILL, "deepseek_r1"),
        (R1_OLD, "deepseek_r1"),
        (V3, "deepseek_v3"),
        (V31, "deepseek_v31"),
        (KIMI, "kimi_k2"),
        (KIMI_THINKING, "kimi_k2"),
    ] {
        assert_eq!(detect_format(Some(template), None), Some(want), "{template}");
    }
}

#[test]
fn from_model_names() {
    for (name, want) in [
        ("moonshotai/Kimi-K2-Instruct-0905", "kimi_k2"),
        ("Kimi-K2-Thinking-UD-Q2_K_XL.gguf", "kimi_k2"),
        ("kimi_k2_instruct", "kimi_k2"),
        ("DeepSeek-R1-0528-Qwen3-8B-Q4_K_M.gguf", "deepseek_r1"),
        ("unsloth/DeepSeek-R1-GGUF", "deepseek_r1"),
        ("DeepSeek-V3-0324-UD-Q2_K_XL", "deepseek_v3"),
        ("deepseek-ai/DeepSeek-V3.1-Terminus", "deepseek_v31"),
    ] {
        assert_eq!(detect_format(None, Some(name)), Some(want), "{name}");
    }
}

#[test]
fn template_wins_over_name() {
    assert_eq!(
        detect_format(Some(V31), Some("DeepSeek-R1-something")),
        Some("deepseek_v31")
    );
}
