//! Format detection for the tier-2 families, from template excerpts and model names.

use ggserve_parser_core::detect_format;

const COMMAND_R7B: &str = "{%- if message.tool_calls %}{{ '<|START_THINKING|>' + message.tool_plan + '<|END_THINKING|>' }}{{ '<|START_ACTION|>[' }}{% for tc in message.tool_calls %}{\"tool_call_id\": \"{{ tool_call_id_to_int(messages, tc.id) }}\", \"tool_name\": \"{{ tc.function.name }}\"}{% endfor %}{{ ']<|END_ACTION|>' }}{%- endif %}";
const GRANITE_3: &str = "{%- if tools %}<|start_of_role|>available_tools<|end_of_role|>{{ tools | tojson }}<|end_of_text|>{%- endif %}{%- if message['role'] == 'assistant_tool_call' %}{{- '<|start_of_role|>assistant<|end_of_role|><|tool_call|>' + message['content'] + '<|end_of_text|>' }}";
const GRANITE_4: &str = "{%- for tool_call in message.tool_calls %}{{- '<tool_call>\\n' + tool_call | tojson + '\\n</tool_call>' }}{%- endfor %}{{- '<|start_of_role|>assistant<|end_of_role|>' }}";
const FUNCTIONARY_31: &str = "{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{%- for tc in message.tool_calls -%}{{- '<function=' + tc.function.name + '>' + tc.function.arguments + '</function>' -}}{%- endfor -%}{{ '<|python_tag|>' }}";
const FUNCTIONARY_32: &str = "{%- if message.role == 'assistant' %}{{ '>>>all\\n' + message.content }}{%- endif %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n>>>' }}{% endif %}";
const FIREFUNCTION: &str = "{%- if message['tool_calls'] -%}{{ ' functools' + message['tool_calls'] | tojson }}{%- endif -%}{# functools[ #}";
const GEMMA4: &str = "{{- '<|tool_call>call:' + tool_call.function.name + '{' -}}{{- key + ':<|\"|>' + value + '<|\"|>' -}}{{- '}<tool_call|>' -}}";
const NEMOTRON_V2: &str = "{%- if message.tool_calls -%}<TOOLCALL>[{%- for tc in message.tool_calls -%}{{ tc | tojson }}{%- endfor -%}]</TOOLCALL>{%- endif -%}<think>";
const APERTUS: &str = "{{- '<|inner_prefix|>' + message.thoughts + '<|inner_suffix|>' }}{{- '<|tools_prefix|>' + message.tool_calls | tojson + '<|tools_suffix|>' }}";
const LFM2: &str =
    "{{- '<|im_start|>system\\nList of tools: <|tool_list_start|>' + tools | tojson + '<|tool_list_end|>' }}";
const LLAMA4: &str = "{%- if message.tool_calls %}{{- '<|python_start|>[' + calls + ']<|python_end|>' }}{%- endif %}<|header_start|>assistant<|header_end|>";
const LLAMA32_PYTHONIC: &str = "If you decide to invoke any of the function(s), you MUST put it in the format of [func_name1(params_name1=params_value1, params_name2=params_value2...), func_name2(params)]<|eot_id|>";
const OLMO3: &str = "{%- if message.function_calls %}{{ '<function_calls>' + message.function_calls + '</function_calls>' }}{%- endif %}";
const QWEN3_CODER: &str = "<|im_start|>assistant\n<tool_call>\n<function=NAME>\n<parameter=KEY>\nVALUE\n</parameter>\n</function>\n</tool_call>";

#[test]
fn from_template_markers() {
    for (template, want) in [
        (COMMAND_R7B, "command_r7b"),
        (GRANITE_3, "granite"),
        (GRANITE_4, "granite"),
        (FUNCTIONARY_31, "functionary_v3_1"),
        (FUNCTIONARY_32, "functionary_v3_2"),
        (FIREFUNCTION, "firefunction_v2"),
        (GEMMA4, "gemma4"),
        (NEMOTRON_V2, "nemotron_v2"),
        (APERTUS, "apertus"),
        (LFM2, "lfm2"),
        (LLAMA4, "pythonic"),
        (LLAMA32_PYTHONIC, "pythonic"),
        (OLMO3, "pythonic"),
        (QWEN3_CODER, "qwen3_coder"),
    ] {
        assert_eq!(detect_format(Some(template), None), Some(want), "{template}");
    }
}

#[test]
fn from_model_names() {
    for (name, want) in [
        ("CohereForAI/c4ai-command-r7b-12-2024", "command_r7b"),
        ("CohereLabs/command-a-03-2025", "command_r7b"),
        ("ibm-granite/granite-3.3-8b-instruct", "granite"),
        ("granite-4.0-h-tiny-Q4_K_M.gguf", "granite"),
        ("meetkai/functionary-medium-v3.1", "functionary_v3_1"),
        ("meetkai/functionary-medium-v3.2", "functionary_v3_2"),
        ("fireworks-ai/llama-3-firefunction-v2", "firefunction_v2"),
        ("LiquidAI/LFM2-1.2B-Tool", "lfm2"),
        ("google/gemma-4-27b-it", "gemma4"),
        ("nvidia/NVIDIA-Nemotron-Nano-9B-v2", "nemotron_v2"),
        ("swiss-ai/Apertus-8B-Instruct-2509", "apertus"),
        ("meta-llama/Llama-4-Scout-17B-16E-Instruct", "pythonic"),
        ("Team-ACE/ToolACE-8B", "pythonic"),
        ("allenai/Olmo-3-7B-Instruct", "pythonic"),
        ("meta-llama/Llama-3.1-8B-Instruct", "llama3_json"),
    ] {
        assert_eq!(detect_format(None, Some(name)), Some(want), "{name}");
    }
}
