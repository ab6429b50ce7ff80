//! Format detection for `gpt_oss`, `mistral` and `llama3_json`.

use ggserve_parser_core::detect_format;

const GPT_OSS: &str = "{%- if message.tool_calls -%}{{- \"<|start|>assistant to=\" + \"functions.\" + tool_call.name + \"<|channel|>commentary \" + (tool_call.content_type if tool_call.content_type is defined else \"json\") + \"<|message|>\" }}{{- tool_call.arguments|tojson }}{{- \"<|call|>\" }}{%- endif -%}{%- if add_generation_prompt -%}<|start|>assistant{%- endif -%}";

const MISTRAL_NEMO: &str = "{%- if message[\"tool_calls\"] is defined %}{{- \"[TOOL_CALLS][\" }}{%- for tool_call in message.tool_calls %}{{- '{\"name\": \"' + tool_call.function.name + '\", \"arguments\": ' + arguments + ', \"id\": \"' + tool_call.id + '\"}' }}{%- endfor %}{{- \"]\" + eos_token }}{%- endif %}";

const MISTRAL_SMALL_32: &str = "{%- for tool in message['tool_calls'] %}{{- '[TOOL_CALLS]' + tool['function']['name'] + '[CALL_ID]' + tool['id'] + '[ARGS]' + arguments }}{%- endfor %}{%- elif message['role'] == 'tool' %}{{- '[TOOL_RESULTS]' + message.tool_call_id + '[TOOL_CONTENT]' + message.content|string + '[/TOOL_RESULTS]' }}";

const MAGISTRAL: &str = "{%- if message['role'] == 'assistant' %}{{- '[THINK]' + message['reasoning_content'] + '[/THINK]' }}{%- for tool in message['tool_calls'] %}{{- '[TOOL_CALLS]' + tool['function']['name'] + '[ARGS]' + tool['function']['arguments'] }}{%- endfor %}{%- endif %}";

const LLAMA_31: &str = "{%- if builtin_tools is defined or tools is not none %}{{- \"Environment: ipython\\n\" }}{%- endif %}{{- 'Respond in the format {\"name\": function name, \"parameters\": dictionary of argument name and its value}.' }}{%- if builtin_tools is defined and tool_call.name in builtin_tools %}{{- \"<|python_tag|>\" + tool_call.name + \".call(\" }}{%- endif %}{{- \"<|eom_id|>\" }}";

const LLAMA_32: &str = "{{- \"Given the following functions, please respond with a JSON for a function call \" }}{{- 'Respond in the format {\"name\": function name, \"parameters\": dictionary of argument name and its value}.' }}{{- \"Do not use variables.\\n\\n\" }}{{- '{\"name\": \"' + tool_call.name + '\", ' }}{{- '\"parameters\": ' }}{{- \"<|eot_id|>\" }}";

#[test]
fn from_template_markers() {
    for (template, want) in [
        (GPT_OSS, "gpt_oss"),
        (MISTRAL_NEMO, "mistral"),
        (MISTRAL_SMALL_32, "mistral"),
        (MAGISTRAL, "mistral"),
        (LLAMA_31, "llama3_json"),
        (LLAMA_32, "llama3_json"),
    ] {
        assert_eq!(detect_format(Some(template), None), Some(want), "{template}");
    }
}

#[test]
fn from_model_names() {
    for (name, want) in [
        ("openai/gpt-oss-20b", "gpt_oss"),
        ("gpt-oss-120b-mxfp4.gguf", "gpt_oss"),
        ("Mistral-Nemo-Instruct-2407-Q4_K_M.gguf", "mistral"),
        ("mistralai/Mistral-Small-3.2-24B-Instruct-2506", "mistral"),
        ("Devstral-Small-2507", "mistral"),
        ("Magistral-Small-2509-GGUF", "mistral"),
        ("Ministral-3-8B-Reasoning", "mistral"),
        ("Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf", "llama3_json"),
        ("meta-llama/Llama-3.2-3B-Instruct", "llama3_json"),
        ("Llama-3.3-70B-Instruct", "llama3_json"),
    ] {
        assert_eq!(detect_format(None, Some(name)), Some(want), "{name}");
    }
}

#[test]
fn template_wins_over_name() {
    assert_eq!(
        detect_format(Some(MISTRAL_SMALL_32), Some("my-llama-3-finetune")),
        Some("mistral")
    );
    assert_eq!(
        detect_format(Some("{{ messages }}"), Some("gpt-oss-20b")),
        Some("gpt_oss")
    );
}
