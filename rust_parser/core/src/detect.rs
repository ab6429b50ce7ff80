//! Which format a model speaks: from its chat template's markers first, its name second, as
//! each format declares them ([`crate::spec::Detect`]), the formats tried in the registry's
//! order (most specific first).

use crate::formats::SPECS;
use crate::spec::Spec;

fn template_is(spec: &Spec, t: &str) -> bool {
    match spec.detect.template_rule {
        Some(rule) => rule(t),
        None => spec.detect.template.iter().any(|m| t.contains(m)),
    }
}

fn from_template(t: &str) -> Option<&'static str> {
    SPECS.iter().find(|s| template_is(s, t)).map(|s| s.name)
}

fn from_name(name: &str) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase().replace('_', "-");
    SPECS
        .iter()
        .find(|s| {
            s.detect
                .names
                .iter()
                .any(|m| lower.contains(&m.replace('_', "-")))
        })
        .map(|s| s.name)
}

/// The format for a chat template and/or model name; `None` when neither is recognised.
#[must_use]
pub fn detect_format(chat_template: Option<&str>, model_name: Option<&str>) -> Option<&'static str> {
    chat_template
        .and_then(from_template)
        .or_else(|| model_name.and_then(from_name))
}
