//! The caller's tool definitions: names, and each parameter's JSON Schema types.

use serde_json::Value;

use crate::error::Error;

/// A JSON Schema primitive type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    /// `"string"` (also `enum` of strings).
    String,
    /// `"integer"`.
    Integer,
    /// `"number"`.
    Number,
    /// `"boolean"`.
    Boolean,
    /// `"object"`.
    Object,
    /// `"array"`.
    Array,
    /// `"null"`.
    Null,
}

impl Ty {
    fn from_name(name: &str) -> Option<Ty> {
        Some(match name {
            "string" | "str" | "text" => Ty::String,
            "integer" | "int" => Ty::Integer,
            "number" | "float" => Ty::Number,
            "boolean" | "bool" => Ty::Boolean,
            "object" | "dict" => Ty::Object,
            "array" | "list" => Ty::Array,
            "null" => Ty::Null,
            _ => return None,
        })
    }
}

/// One function: its name and its parameters' types.
#[derive(Debug, Clone, Default)]
pub struct Tool {
    /// The function name.
    pub name: String,
    params: Vec<(String, Vec<Ty>)>,
}

impl Tool {
    /// The declared types of parameter `param`; `None` when the schema does not declare it.
    #[must_use]
    pub fn param_types(&self, param: &str) -> Option<&[Ty]> {
        self.params
            .iter()
            .find(|(n, _)| n == param)
            .map(|(_, t)| t.as_slice())
    }
}

/// The tool definitions of one request.
#[derive(Debug, Clone, Default)]
pub struct Tools {
    list: Vec<Tool>,
}

fn schema_types(schema: &Value) -> Vec<Ty> {
    let mut out = Vec::new();
    match schema.get("type") {
        Some(Value::String(t)) => out.extend(Ty::from_name(t)),
        Some(Value::Array(ts)) => out.extend(ts.iter().filter_map(Value::as_str).filter_map(Ty::from_name)),
        _ => {}
    }
    if out.is_empty() {
        if let Some(Value::Array(values)) = schema.get("enum") {
            if values.iter().all(Value::is_string) {
                out.push(Ty::String);
            }
        }
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(Value::Array(alts)) = schema.get(key) {
            for alt in alts {
                for t in schema_types(alt) {
                    if !out.contains(&t) {
                        out.push(t);
                    }
                }
            }
        }
    }
    out
}

fn parse_tool(v: &Value, at: usize) -> Result<Tool, Error> {
    let func = v.get("function").unwrap_or(v);
    let name = func
        .get("name")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| Error::BadTools(format!("tool {at} has no \"name\" string")))?;
    let mut params = Vec::new();
    if let Some(schema) = func.get("parameters") {
        if !schema.is_object() && !schema.is_null() {
            return Err(Error::BadTools(format!(
                "tool {name:?}: \"parameters\" must be a JSON object"
            )));
        }
        if let Some(Value::Object(props)) = schema.get("properties") {
            for (pname, pschema) in props {
                params.push((pname.clone(), schema_types(pschema)));
            }
        }
    }
    Ok(Tool {
        name: name.to_owned(),
        params,
    })
}

impl Tools {
    /// Parses OpenAI-style definitions (`[{"type": "function", "function": {...}}]`; bare
    /// `{"name", "parameters"}` objects are accepted too).
    ///
    /// # Errors
    /// `Error::BadTools` when the text is not a JSON array of such objects.
    pub fn from_json(text: &str) -> Result<Tools, Error> {
        let value: Value = serde_json::from_str(text).map_err(|e| Error::BadTools(e.to_string()))?;
        let Value::Array(items) = value else {
            return Err(Error::BadTools("expected a list of tool definitions".to_owned()));
        };
        let list = items
            .iter()
            .enumerate()
            .map(|(i, v)| parse_tool(v, i))
            .collect::<Result<_, _>>()?;
        Ok(Tools { list })
    }

    /// The tool called `name`.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&Tool> {
        self.list.iter().find(|t| t.name == name)
    }

    /// Whether no tools were given.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// All tool names.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.list.iter().map(|t| t.name.as_str())
    }

    /// The declared types of `param` of tool `name`, if known.
    #[must_use]
    pub fn param_types(&self, name: &str, param: &str) -> Option<&[Ty]> {
        self.get(name).and_then(|t| t.param_types(param))
    }
}
