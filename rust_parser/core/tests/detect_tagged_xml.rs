//! Format detection for the tagged key/value formats.

use ggserve_parser_core::detect_format;

#[test]
fn from_template_markers() {
    let cases = [
        (
            "{%- for tool_call in message.tool_calls %}<tool_call>\n<function={{ tool_call.name }}>\n<parameter={{ k }}>\n{{ v }}\n</parameter>\n</function>\n</tool_call>",
            "qwen3_coder",
        ),
        (
            "<seed:bos>{{ role }}<seed:tool_call>\n<function={{ name }}>\n<parameter={{ k }}>{{ v }}</parameter>\n</function>\n</seed:tool_call><seed:think>",
            "seed_oss",
        ),
        (
            "<tool_call>{{ tc.name }}\n{% for k, v in tc.arguments.items() %}<arg_key>{{ k }}</arg_key>\n<arg_value>{{ v }}</arg_value>\n{% endfor %}</tool_call>",
            "glm45",
        ),
        (
            "]~b]ai\n<think>\n<minimax:tool_call>\n<invoke name=\"{{ name }}\">\n<parameter name=\"{{ k }}\">{{ v }}</parameter>\n</invoke>\n</minimax:tool_call>",
            "minimax_m2",
        ),
        (
            "{%- set dsml_token = '｜DSML｜' -%}<{{ dsml_token }}function_calls>\n<{{ dsml_token }}invoke name=\"{{ name }}\">",
            "deepseek_v32",
        ),
        ("<｜DSML｜tool_calls>\n<｜DSML｜invoke name=\"x\">", "deepseek_v32"),
    ];
    for (template, want) in cases {
        assert_eq!(detect_format(Some(template), None), Some(want), "{template}");
    }
}

#[test]
fn from_model_names() {
    let cases = [
        ("Qwen3-Coder-30B-A3B-Instruct-Q4_K_M.gguf", "qwen3_coder"),
        ("Qwen3.5-9B-GGUF", "qwen3_coder"),
        ("ByteDance-Seed/Seed-OSS-36B-Instruct", "seed_oss"),
        ("zai-org/GLM-4.5-Air", "glm45"),
        ("GLM-4.6-Q4_K_M", "glm45"),
        ("glm-4.7-flash", "glm45"),
        ("GLM-5", "glm45"),
        ("MiniMax-M2-GGUF", "minimax_m2"),
        ("MiniMaxAI/MiniMax-M2.1", "minimax_m2"),
        ("deepseek-ai/DeepSeek-V3.2", "deepseek_v32"),
        ("DeepSeek-V4-Flash", "deepseek_v32"),
    ];
    for (name, want) in cases {
        assert_eq!(detect_format(None, Some(name)), Some(want), "{name}");
    }
}
